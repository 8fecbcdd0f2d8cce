"""Writes of energy and climate accounting: factor sets, the CO₂ effect of energy KPIs, measured actuals."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import Municipality, User
from backend.accounts.selectors import user_access
from backend.energy.models import (
    Building,
    ClimateTarget,
    DegreeDays,
    EmissionFactor,
    EmissionFactorSet,
    EmissionInventory,
    InventoryEntry,
    KpiEmission,
    KpiMeasuredActual,
)
from backend.energy.selectors import building_consumption_total, factor_in_force
from backend.projects.access import project_access
from backend.projects.choices import ENERGY_KPI_KINDS, EnergyCarrier
from backend.projects.models import Kpi
from backend.projects.services import kpi_update

TONNES = Decimal("0.001")


def _require_coordinator(*, actor: User, municipality: Municipality) -> None:
    if not user_access(user=actor).is_coordinator_in(municipality.pk):
        raise PermissionDenied(_("Only the coordinator of the municipality may do this."))


def _require_kpi_editor(*, actor: User, kpi: Kpi) -> None:
    if not project_access(user=actor, project=kpi.project).may_edit:
        raise PermissionDenied(
            _("Only the project manager, a head of an involved department or the coordinator may do this.")
        )


@transaction.atomic
def factor_set_create(
    *,
    actor: User,
    municipality: Municipality,
    name: str,
    source: str,
    valid_from: datetime.date,
    factors: dict[str, Decimal],
    valid_to: datetime.date | None = None,
    legal_act: str = "",
    note: str = "",
) -> EmissionFactorSet:
    """A coordinator's own set for their town (e.g. the local heat supplier's factor)."""
    _require_coordinator(actor=actor, municipality=municipality)
    if not factors:
        raise ValidationError({"factors": _("A set needs at least one factor.")})
    factor_set = EmissionFactorSet(
        municipality=municipality,
        name=name,
        source=source,
        legal_act=legal_act,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
    )
    factor_set.full_clean()
    factor_set.save()
    for carrier, value in factors.items():
        factor = EmissionFactor(factor_set=factor_set, carrier=carrier, t_co2_per_mwh=value, citation=source)
        factor.full_clean(exclude=["factor_set"])
        factor.save()
    return factor_set


def kpi_emission_year(kpi: Kpi) -> int:
    """The year whose factors a KPI's CO₂ is computed with: when its effect starts (the planned end)."""
    planned_end = kpi.project.planned_end
    return planned_end.year if planned_end else timezone.localdate().year


def _tonnes(mwh: Decimal | None, factor: Decimal) -> Decimal | None:
    return None if mwh is None else (mwh * factor).quantize(TONNES, rounding=ROUND_HALF_UP)


@transaction.atomic
def kpi_emission_compute(*, actor: User, kpi: Kpi, year: int | None = None) -> KpiEmission:
    """Compute (or, when asked again, recompute) a KPI's CO₂ effect from the factor set in force for ``year``.

    Planned t CO₂ from the target MWh, achieved from the actual MWh, both with the same factor, stored with
    the set used. A KPI without a carrier, or whose carrier has no factor in force, is refused with a message
    saying so: its CO₂ is unknown, not zero.
    """
    _require_kpi_editor(actor=actor, kpi=kpi)
    if kpi.kind not in ENERGY_KPI_KINDS:
        raise ValidationError(_("Only energy savings and renewable production KPIs have a computed CO₂ effect."))
    if not kpi.carrier:
        raise ValidationError({"carrier": _("State the KPI's energy carrier first: its CO₂ depends on it.")})
    year = year or kpi_emission_year(kpi)
    factor = factor_in_force(municipality_id=kpi.project.municipality_id, carrier=kpi.carrier, year=year)
    if factor is None:
        raise ValidationError(
            _("„%(carrier)s“ has no emission factor in force in %(year)d. Add a factor set that covers that year.")
            % {"carrier": EnergyCarrier(kpi.carrier).label, "year": year}
        )
    emission, _created = KpiEmission.objects.update_or_create(
        kpi=kpi,
        defaults={
            "year": year,
            "factor_set": factor.factor_set,
            "factor": factor.t_co2_per_mwh,
            "co2_target": _tonnes(kpi.target, factor.t_co2_per_mwh),
            "co2_actual": _tonnes(kpi.actual, factor.t_co2_per_mwh),
            "is_manual": False,
            "reason": "",
            "computed_at": timezone.now(),
            "computed_by": actor,
        },
    )
    return emission


@transaction.atomic
def kpi_emission_set_manual(
    *, actor: User, kpi: Kpi, co2_target: Decimal, co2_actual: Decimal | None, reason: str, year: int | None = None
) -> KpiEmission:
    """Enter a KPI's CO₂ effect by hand, with the reason why the factors do not give it."""
    _require_kpi_editor(actor=actor, kpi=kpi)
    if kpi.kind not in ENERGY_KPI_KINDS:
        raise ValidationError(_("Only energy savings and renewable production KPIs have a computed CO₂ effect."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the CO₂ is entered by hand instead of computed.")})
    emission = KpiEmission.objects.filter(kpi=kpi).first() or KpiEmission(kpi=kpi)
    emission.year = year or kpi_emission_year(kpi)
    emission.factor_set = None
    emission.factor = None
    emission.co2_target = co2_target
    emission.co2_actual = co2_actual
    emission.is_manual = True
    emission.reason = reason
    emission.computed_at = timezone.now()
    emission.computed_by = actor
    emission.full_clean(exclude=["kpi"])
    emission.save()
    return emission


def _degree_days(municipality_id: int, year: int, months: list[int]) -> Decimal | None:
    values = dict(
        DegreeDays.objects.filter(municipality_id=municipality_id, year=year, month__in=months).values_list(
            "month", "value"
        )
    )
    if len(values) != len(months):
        return None
    return sum(values.values(), Decimal(0))


@transaction.atomic
def kpi_actual_from_building(
    *,
    actor: User,
    kpi: Kpi,
    building: Building,
    baseline_year: int,
    reporting_year: int,
    normalise: bool | None = None,
    reason: str = "",
) -> KpiMeasuredActual:
    """Set a savings KPI's actual value from a building's measured consumption before and after the project.

    Saving = consumption in the year before − consumption in the year after. For heating carriers (all but
    electricity, unless ``normalise`` says otherwise) the year after is normalised to the weather of the year
    before by heating degree days: after × (degree days before / degree days after). Both years need all twelve
    months of readings (and of degree days when normalising). The actual value is written through the KPI
    service, so the evaluation gate accepts it like any other actual.
    """
    _require_kpi_editor(actor=actor, kpi=kpi)
    if building.municipality_id != kpi.project.municipality_id:
        raise PermissionDenied(_("The building belongs to another municipality."))
    if not kpi.carrier:
        raise ValidationError({"carrier": _("State the KPI's energy carrier first: its CO₂ depends on it.")})
    if reporting_year <= baseline_year:
        raise ValidationError({"reporting_year": _("The year after must come after the year before.")})
    months = list(range(1, 13))
    totals = {}
    for year in (baseline_year, reporting_year):
        total, present = building_consumption_total(building=building, carrier=kpi.carrier, year=year)
        if present != months:
            missing = ", ".join(str(month) for month in months if month not in present)
            raise ValidationError(
                _("%(building)s has no %(carrier)s reading in %(year)d for months: %(missing)s.")
                % {"building": building, "carrier": EnergyCarrier(kpi.carrier).label, "year": year, "missing": missing}
            )
        totals[year] = total
    if normalise is None:
        normalise = kpi.carrier != EnergyCarrier.ELECTRICITY
    normalised = totals[reporting_year]
    if normalise:
        before = _degree_days(building.municipality_id, baseline_year, months)
        after = _degree_days(building.municipality_id, reporting_year, months)
        if not before or not after:
            raise ValidationError(
                _("Enter the heating degree days of every month of %(before)d and %(after)d to normalise heat.")
                % {"before": baseline_year, "after": reporting_year}
            )
        normalised = (totals[reporting_year] * before / after).quantize(TONNES, rounding=ROUND_HALF_UP)
    saving = totals[baseline_year] - normalised
    kpi_update(actor=actor, kpi=kpi, reason=reason, actual=saving)
    measured, _created = KpiMeasuredActual.objects.update_or_create(
        kpi=kpi,
        defaults={
            "building": building,
            "baseline_year": baseline_year,
            "reporting_year": reporting_year,
            "baseline_mwh": totals[baseline_year],
            "reporting_mwh": totals[reporting_year],
            "normalised_mwh": normalised,
            "is_normalised": normalise,
            "saving_mwh": saving,
            "computed_at": timezone.now(),
            "computed_by": actor,
        },
    )
    return measured


def degree_days_set(*, actor: User, municipality: Municipality, values: dict[tuple[int, int], Any]) -> None:
    """Enter or replace heating degree days per (year, month)."""
    _require_coordinator(actor=actor, municipality=municipality)
    with transaction.atomic():
        for (year, month), value in values.items():
            row = DegreeDays.objects.filter(municipality=municipality, year=year, month=month).first() or DegreeDays(
                municipality=municipality, year=year, month=month
            )
            row.value = value
            row.full_clean()
            row.save()


@transaction.atomic
def climate_target_set(
    *,
    actor: User,
    municipality: Municipality,
    baseline: EmissionInventory,
    target_year: int,
    reduction_percent: Decimal,
    kind: str,
) -> ClimateTarget:
    """Set or replace the town's CO₂ reduction target against one of its baseline inventories."""
    _require_coordinator(actor=actor, municipality=municipality)
    target = ClimateTarget.objects.filter(municipality=municipality).first() or ClimateTarget(municipality=municipality)
    target.baseline = baseline
    target.target_year = target_year
    target.reduction_percent = reduction_percent
    target.kind = kind
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def inventory_save(
    *,
    actor: User,
    municipality: Municipality,
    year: int,
    entries: dict[tuple[str, str], Decimal],
    note: str = "",
    inventory: EmissionInventory | None = None,
) -> EmissionInventory:
    """Create or replace the town's baseline emission inventory of ``year``: MWh by (sector, carrier).

    The entries given replace all the inventory's entries; its t CO₂ is computed from the factors in force in
    its year whenever it is read (``portfolio.inventory_co2``), never stored.
    """
    _require_coordinator(actor=actor, municipality=municipality)
    if inventory is not None and inventory.municipality_id != municipality.pk:
        raise PermissionDenied(_("Only the coordinator of the municipality may do this."))
    if not entries:
        raise ValidationError(_("Enter the consumption of at least one sector and energy carrier."))
    if (
        EmissionInventory.objects.filter(municipality=municipality, year=year)
        .exclude(pk=inventory.pk if inventory else None)
        .exists()
    ):
        raise ValidationError({"year": _("The town already has an emission inventory of %(year)d.") % {"year": year}})
    inventory = inventory or EmissionInventory(municipality=municipality)
    inventory.year = year
    inventory.note = note
    inventory.full_clean()
    inventory.save()
    rows = [
        InventoryEntry(inventory=inventory, sector=sector, carrier=carrier, mwh=mwh)
        for (sector, carrier), mwh in sorted(entries.items())
    ]
    for row in rows:
        row.full_clean(exclude=["inventory"])
    InventoryEntry.objects.filter(inventory=inventory).delete()
    InventoryEntry.objects.bulk_create(rows)
    return inventory
