"""Energy and climate accounting: emission factor sets, the CO₂ effect of energy KPIs, municipal buildings with
their monthly consumption, heating degree days, and the town's baseline emission inventory and climate target."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Municipality
from backend.core.fields import SingleLineCharField
from backend.core.models import TimeStampedModel
from backend.projects.choices import EnergyCarrier
from backend.projects.models import Kpi

_NON_NEGATIVE = [MinValueValidator(0)]
# No carrier emits more than about 0.4 t CO₂ per MWh burnt; the statutory electricity factor is 0.86. A value
# above 2 is a typing error (kg instead of t), refused rather than multiplied into every total.
FACTOR_VALIDATORS = [MinValueValidator(0), MaxValueValidator(2)]
YEAR_VALIDATORS = [MinValueValidator(1990), MaxValueValidator(2100)]
MONTH_VALIDATORS = [MinValueValidator(1), MaxValueValidator(12)]


def _mwh(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=3, **kwargs)


class EmissionFactorSet(TimeStampedModel):
    """A named set of CO₂ emission factors with its source, legal act and validity.

    Sets without a municipality are shared by every town (the statutory set ships as data); a coordinator adds
    their own (a local heat supplier's factor), which take precedence over the shared ones in their town.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emission_factor_sets",
        verbose_name=_("municipality"),
        help_text=_("Empty for a set shared by every municipality."),
    )
    name = SingleLineCharField(_("name"), max_length=200)
    source = models.TextField(_("source"), help_text=_("Where the factors were published: title and address."))
    legal_act = SingleLineCharField(_("legal act"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_statutory = models.BooleanField(
        _("statutory"),
        default=False,
        help_text=_("A shared set laid down by law; used for KPIs of towns that have no set of their own."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("emission factor set")
        verbose_name_plural = _("emission factor sets")
        ordering = ("-valid_from", "name")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="emission_factor_set_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The set cannot stop being valid before it starts.")})
        if self.is_statutory and self.municipality_id:
            raise ValidationError({"is_statutory": _("Only a shared set can be statutory.")})


class EmissionFactor(models.Model):
    factor_set = models.ForeignKey(
        EmissionFactorSet, on_delete=models.CASCADE, related_name="factors", verbose_name=_("emission factor set")
    )
    carrier = models.CharField(_("energy carrier"), max_length=16, choices=EnergyCarrier.choices)
    t_co2_per_mwh = models.DecimalField(_("t CO₂/MWh"), max_digits=6, decimal_places=4, validators=FACTOR_VALIDATORS)
    is_confirmed = models.BooleanField(
        _("confirmed in the published text"),
        default=True,
        help_text=_("Unticked where the value could not be checked against the published text."),
    )
    citation = models.TextField(_("citation"), blank=True, help_text=_("Where this value was found."))

    class Meta:
        verbose_name = _("emission factor")
        verbose_name_plural = _("emission factors")
        ordering = ("factor_set", "carrier")
        constraints = [
            models.UniqueConstraint(fields=("factor_set", "carrier"), name="emission_factor_carrier_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_carrier_display()}: {self.t_co2_per_mwh} t CO₂/MWh"


class KpiEmission(models.Model):
    """The CO₂ effect of an energy KPI, stored with the factor set it was computed with.

    Computed once from the set in force for ``year`` and kept: a later or corrected set changes it only when
    someone asks for a recomputation. Or entered by hand (``is_manual``) with the reason why.
    """

    kpi = models.OneToOneField(Kpi, on_delete=models.CASCADE, related_name="emission", verbose_name=_("KPI"))
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    factor_set = models.ForeignKey(
        EmissionFactorSet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpi_emissions",
        verbose_name=_("emission factor set"),
    )
    factor = models.DecimalField(_("t CO₂/MWh"), max_digits=6, decimal_places=4, null=True, blank=True)
    co2_target = _mwh(_("planned t CO₂/year"), null=True, blank=True, validators=_NON_NEGATIVE)
    co2_actual = _mwh(_("achieved t CO₂/year"), null=True, blank=True, validators=_NON_NEGATIVE)
    is_manual = models.BooleanField(_("entered by hand"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("computed by"),
    )

    class Meta:
        verbose_name = _("CO₂ effect of a KPI")
        verbose_name_plural = _("CO₂ effects of KPIs")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_manual=True) | Q(factor_set__isnull=False, factor__isnull=False),
                name="kpi_emission_computed_has_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.co2_target} t CO₂"


class Building(TimeStampedModel):
    """A municipal building whose consumption is tracked (energetický management)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("municipality")
    )
    code = SingleLineCharField(
        _("code"), max_length=32, help_text=_("How the consumption files name the building, e.g. ZS-01.")
    )
    name = SingleLineCharField(_("name"), max_length=200)
    address = SingleLineCharField(_("address"), max_length=300, blank=True)
    ruian_code = models.CharField(
        _("RÚIAN code"),
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{1,10}$", _("A RÚIAN code is up to ten digits."))],
    )
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=10, decimal_places=1, null=True, blank=True, validators=_NON_NEGATIVE
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ("municipality", "code")
        constraints = [
            models.UniqueConstraint(fields=("municipality", "code"), name="building_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MonthlyConsumption(models.Model):
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="consumption", verbose_name=_("building")
    )
    carrier = models.CharField(_("energy carrier"), max_length=16, choices=EnergyCarrier.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField(_("month"), validators=MONTH_VALIDATORS)
    mwh = _mwh(_("MWh"), validators=_NON_NEGATIVE)

    class Meta:
        verbose_name = _("monthly consumption")
        verbose_name_plural = _("monthly consumption")
        ordering = ("building", "carrier", "year", "month")
        constraints = [
            models.UniqueConstraint(fields=("building", "carrier", "year", "month"), name="monthly_consumption_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.year}-{self.month:02d} {self.get_carrier_display()}: {self.mwh} MWh"


class DegreeDays(models.Model):
    """Heating degree days (denostupně) of one month in the town, for normalising heat consumption."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="degree_days", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField(_("month"), validators=MONTH_VALIDATORS)
    value = models.DecimalField(_("degree days"), max_digits=7, decimal_places=1, validators=_NON_NEGATIVE)

    class Meta:
        verbose_name = _("heating degree days")
        verbose_name_plural = _("heating degree days")
        ordering = ("municipality", "year", "month")
        constraints = [
            models.UniqueConstraint(fields=("municipality", "year", "month"), name="degree_days_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}: {self.value}"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Waiting for confirmation")
    IMPORTED = "imported", _("Imported")


class ImportKind(models.TextChoices):
    CONSUMPTION = "consumption", _("Monthly consumption of buildings")
    DEGREE_DAYS = "degree_days", _("Heating degree days")


class ConsumptionImport(models.Model):
    """An uploaded consumption or degree-day file, kept between its preview and the confirmation that imports it."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="consumption_imports", verbose_name=_("municipality")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    kind = models.CharField(
        _("what the file holds"), max_length=16, choices=ImportKind.choices, default=ImportKind.CONSUMPTION
    )
    file_name = SingleLineCharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consumption import")
        verbose_name_plural = _("consumption imports")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.file_name


class KpiMeasuredActual(models.Model):
    """A KPI's actual savings derived from a building's measured consumption before and after the project."""

    kpi = models.OneToOneField(Kpi, on_delete=models.CASCADE, related_name="measured_actual", verbose_name=_("KPI"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+", verbose_name=_("building"))
    baseline_year = models.PositiveSmallIntegerField(_("year before"), validators=YEAR_VALIDATORS)
    reporting_year = models.PositiveSmallIntegerField(_("year after"), validators=YEAR_VALIDATORS)
    baseline_mwh = _mwh(_("consumption before (MWh)"))
    reporting_mwh = _mwh(_("consumption after (MWh)"))
    normalised_mwh = _mwh(_("consumption after, normalised to the year before (MWh)"))
    is_normalised = models.BooleanField(_("normalised by degree days"), default=False)
    saving_mwh = _mwh(_("saving (MWh/year)"))
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("computed by")
    )

    class Meta:
        verbose_name = _("measured actual of a KPI")
        verbose_name_plural = _("measured actuals of KPIs")

    def __str__(self) -> str:
        return f"{self.kpi}: {self.saving_mwh} MWh"


class Sector(models.TextChoices):
    """Sectors of a baseline emission inventory, as the Covenant of Mayors reporting groups them."""

    MUNICIPAL_BUILDINGS = "municipal_buildings", _("Municipal buildings and facilities")
    TERTIARY = "tertiary", _("Tertiary (non-municipal) buildings")
    RESIDENTIAL = "residential", _("Residential buildings")
    PUBLIC_LIGHTING = "public_lighting", _("Public lighting")
    INDUSTRY = "industry", _("Industry")
    MUNICIPAL_FLEET = "municipal_fleet", _("Municipal fleet")
    PUBLIC_TRANSPORT = "public_transport", _("Public transport")
    PRIVATE_TRANSPORT = "private_transport", _("Private and commercial transport")


class EmissionInventory(TimeStampedModel):
    """The town's baseline emission inventory (BEI) of one year: MWh by sector and carrier."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="emission_inventories", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("emission inventory")
        verbose_name_plural = _("emission inventories")
        ordering = ("municipality", "-year")
        constraints = [
            models.UniqueConstraint(fields=("municipality", "year"), name="emission_inventory_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"


class InventoryEntry(models.Model):
    inventory = models.ForeignKey(
        EmissionInventory, on_delete=models.CASCADE, related_name="entries", verbose_name=_("emission inventory")
    )
    sector = models.CharField(_("sector"), max_length=24, choices=Sector.choices)
    carrier = models.CharField(_("energy carrier"), max_length=16, choices=EnergyCarrier.choices)
    mwh = _mwh(_("MWh"), validators=_NON_NEGATIVE)

    class Meta:
        verbose_name = _("inventory entry")
        verbose_name_plural = _("inventory entries")
        ordering = ("inventory", "sector", "carrier")
        constraints = [
            models.UniqueConstraint(fields=("inventory", "sector", "carrier"), name="inventory_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_sector_display()} – {self.get_carrier_display()}: {self.mwh} MWh"


class TargetKind(models.TextChoices):
    COVENANT = "covenant", _("Covenant of Mayors commitment")
    OWN = "own", _("The town's own target")


class ClimateTarget(TimeStampedModel):
    """The town's CO₂ reduction target against its baseline inventory (e.g. −55 % by 2030)."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="climate_target", verbose_name=_("municipality")
    )
    baseline = models.ForeignKey(
        EmissionInventory, on_delete=models.PROTECT, related_name="+", verbose_name=_("baseline inventory")
    )
    target_year = models.PositiveSmallIntegerField(_("target year"), validators=YEAR_VALIDATORS)
    reduction_percent = models.DecimalField(
        _("reduction (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TargetKind.choices, default=TargetKind.COVENANT)

    class Meta:
        verbose_name = _("climate target")
        verbose_name_plural = _("climate targets")

    def __str__(self) -> str:
        return f"−{self.reduction_percent} % / {self.target_year}"

    def clean(self) -> None:
        if self.baseline_id and self.baseline.municipality_id != self.municipality_id:
            raise ValidationError({"baseline": _("The baseline inventory belongs to another municipality.")})
        if self.baseline_id and self.target_year and self.target_year <= self.baseline.year:
            raise ValidationError({"target_year": _("The target year must come after the baseline year.")})
