"""Reads of energy and climate data, scoped to what the user may see, and the town-wide totals."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractYear, Mod

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.energy.models import (
    Building,
    ClimateTarget,
    DegreeDays,
    EmissionFactor,
    EmissionFactorSet,
    EmissionInventory,
    MonthlyConsumption,
)
from backend.projects.choices import ENERGY_KPI_KINDS, EnergyCarrier, FundingStatus, KpiKind
from backend.projects.models import FundingApplication, Kpi, Project
from backend.projects.programmes import programme_labels
from backend.projects.selectors import project_list_visible
from backend.projects.stages import Stage


def municipality_ids_staff(*, user: User) -> frozenset[int]:
    """The municipalities whose energy accounting the user reads: municipal staff only, never partner guests."""
    access = user_access(user=user)
    if access.is_platform_admin:
        from backend.accounts.models import Municipality

        return frozenset(Municipality.objects.values_list("pk", flat=True))
    return access.municipality_ids


def factor_set_list_visible(*, user: User) -> QuerySet[EmissionFactorSet]:
    """Shared sets and the sets of the user's municipalities (staff only)."""
    ids = municipality_ids_staff(user=user)
    if not ids:
        return EmissionFactorSet.objects.none()
    return EmissionFactorSet.objects.filter(Q(municipality__isnull=True) | Q(municipality_id__in=ids)).prefetch_related(
        "factors"
    )


def factor_in_force(*, municipality_id: int, carrier: str, year: int) -> EmissionFactor | None:
    """The factor for ``carrier`` in force in ``year`` in the municipality, or None.

    The town's own sets win over the shared statutory ones; among sets of the same scope, the one valid from
    the latest date. A set is in force in a year when its validity overlaps that year.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return (
        EmissionFactor.objects.filter(carrier=carrier, factor_set__valid_from__lte=end)
        .filter(Q(factor_set__valid_to__isnull=True) | Q(factor_set__valid_to__gte=start))
        .filter(
            Q(factor_set__municipality_id=municipality_id)
            | Q(factor_set__municipality__isnull=True, factor_set__is_statutory=True)
        )
        .select_related("factor_set")
        .annotate(
            own=Case(
                When(factor_set__municipality_id=municipality_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("own", "-factor_set__valid_from", "-factor_set_id")
        .first()
    )


def building_list_visible(*, user: User) -> QuerySet[Building]:
    return Building.objects.filter(municipality_id__in=municipality_ids_staff(user=user)).order_by("code")


def building_consumption_total(*, building: Building, carrier: str, year: int) -> tuple[Decimal, list[int]]:
    """The building's MWh of ``carrier`` in ``year`` and the months with a reading."""
    rows = list(
        MonthlyConsumption.objects.filter(building=building, carrier=carrier, year=year).values_list("month", "mwh")
    )
    return sum((mwh for _, mwh in rows), Decimal(0)), sorted(month for month, _ in rows)


def climate_target_of(*, municipality_id: int) -> ClimateTarget | None:
    return ClimateTarget.objects.filter(municipality_id=municipality_id).first()


def inventory_list_visible(*, user: User) -> QuerySet[EmissionInventory]:
    return EmissionInventory.objects.filter(municipality_id__in=municipality_ids_staff(user=user))


def inventory_list_with_totals(*, user: User, municipality_id: int) -> QuerySet[EmissionInventory]:
    """The town's inventories, newest first, each with its total MWh (one query)."""
    return (
        inventory_list_visible(user=user)
        .filter(municipality_id=municipality_id)
        .annotate(total_mwh=Sum("entries__mwh"), entry_count=Count("entries"))
        .order_by("-year")
    )


@dataclass(frozen=True)
class EnergyTotal:
    """Planned and achieved MWh/year and t CO₂/year of one carrier (or of hand-typed CO₂ KPIs) in one stage."""

    carrier: str
    stage: str
    kind: str
    thematic_area: str
    year: int | None  # the year the project's effect starts (its planned end)
    mwh_planned: Decimal
    mwh_achieved: Decimal
    co2_planned: Decimal
    co2_achieved: Decimal

    @property
    def carrier_label(self) -> str:
        return EnergyCarrier(self.carrier).label if self.carrier else ""

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def kind_label(self) -> str:
        return KpiKind(self.kind).label


def _zero(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)


def _counted_kpis(*, user: User) -> QuerySet[Kpi] | None:
    """The KPIs the energy totals count: energy KPIs of the projects the user sees as municipal staff (not
    rejected), and a project's hand-typed CO₂ reduction KPI only where it has no energy KPI, whose CO₂ the
    factors already give (no double counting). None for a user who sees no town's energy accounting."""
    ids = municipality_ids_staff(user=user)
    if not ids:
        return None
    return counted_kpis_of(projects=project_list_visible(user=user).filter(municipality_id__in=ids))


def counted_kpis_of(*, projects: QuerySet) -> QuerySet[Kpi]:
    """The KPIs the energy totals count of these projects (rejected ones left out); see ``_counted_kpis``."""
    projects = projects.exclude(stage=Stage.REJECTED)
    has_energy_kpi = Kpi.objects.filter(project_id=OuterRef("project_id"), kind__in=ENERGY_KPI_KINDS)
    return (
        Kpi.objects.filter(project__in=projects.values("pk"))
        .filter(Q(kind__in=ENERGY_KPI_KINDS) | (Q(kind=KpiKind.CO2_REDUCTION) & ~Exists(has_energy_kpi)))
        .order_by()
    )


def energy_figures_of(*, projects: QuerySet) -> dict[str, Decimal]:
    """Planned and achieved MWh/year (savings and renewable production) and t CO₂/year of these projects, summed
    in one aggregate with the same rules as the town totals; ``projects``: how many projects have a counted KPI."""
    kpis = counted_kpis_of(projects=projects)
    row = kpis.aggregate(**_figure_sums(), projects=Count("project_id", distinct=True))
    return _figures(row) | {"projects": row["projects"]}


def _figure_sums(prefix: str = "", only: Q | None = None) -> dict:
    """The sums behind planned/achieved MWh and t CO₂, optionally of the rows matching ``only``."""

    def where(condition: Q | None) -> Q | None:
        if only is None:
            return condition
        return only if condition is None else only & condition

    energy, by_hand = Q(kind__in=ENERGY_KPI_KINDS), Q(kind=KpiKind.CO2_REDUCTION)
    return {
        f"{prefix}energy_target": Sum("target", filter=where(energy)),
        f"{prefix}energy_actual": Sum("actual", filter=where(energy)),
        f"{prefix}co2_target": Sum("emission__co2_target", filter=where(None)),
        f"{prefix}co2_actual": Sum("emission__co2_actual", filter=where(None)),
        f"{prefix}hand_target": Sum("target", filter=where(by_hand)),
        f"{prefix}hand_actual": Sum("actual", filter=where(by_hand)),
        f"{prefix}kpis": Count("pk", filter=where(None)),
    }


def _figures(row: dict, prefix: str = "") -> dict[str, Decimal]:
    return {
        "mwh_planned": _zero(row[f"{prefix}energy_target"]),
        "mwh_achieved": _zero(row[f"{prefix}energy_actual"]),
        "co2_planned": _zero(row[f"{prefix}co2_target"]) + _zero(row[f"{prefix}hand_target"]),
        "co2_achieved": _zero(row[f"{prefix}co2_actual"]) + _zero(row[f"{prefix}hand_actual"]),
    }


def energy_totals(*, user: User) -> list[EnergyTotal]:
    """Town-wide planned and achieved MWh/year and t CO₂/year by KPI kind, carrier, stage, thematic area and the
    year the effect starts, in one query.

    Over the projects the user sees as municipal staff (partner guests see none of it). CO₂ of energy KPIs is
    the stored effect computed with the factor set in force; a project's hand-typed CO₂ reduction KPI counts
    only where the project has no energy KPI, whose CO₂ the factors already give (no double counting).
    """
    kpis = _counted_kpis(user=user)
    if kpis is None:
        return []
    keys = ("kind", "carrier", "project__stage", "project__thematic_area")
    rows = kpis.values(*keys, year=ExtractYear("project__planned_end")).annotate(**_figure_sums())
    return [
        EnergyTotal(
            carrier=row["carrier"],
            stage=row["project__stage"],
            kind=row["kind"],
            thematic_area=row["project__thematic_area"],
            year=row["year"],
            **_figures(row),
        )
        for row in rows.order_by(*keys, "year")
    ]


# The energy totals per KPI kind (the dashboard's card): the kind → planned and achieved MWh/year, planned and
# achieved t CO₂/year. Cheap to keep in the cache and to add up (a town's slices, several towns).
EnergySums = dict[str, tuple[Decimal, Decimal, Decimal, Decimal]]


def energy_sums_by_slice(*, projects: QuerySet[Project], slices: int) -> dict[tuple[int, int], EnergySums]:
    """The energy totals per KPI kind of these projects as their towns' staff see them (``energy_totals``), by town
    and slice (the project's id modulo ``slices``), in one query.

    The caller decides that the user is staff in these projects' towns (``municipality_ids_staff``)."""
    rows = (
        counted_kpis_of(projects=projects)
        .values("kind", town=F("project__municipality_id"), slice=Mod("project_id", slices))
        .annotate(**_figure_sums())
    )
    sums: dict[tuple[int, int], EnergySums] = {}
    for row in rows:
        figures = _figures(row)
        sums.setdefault((row["town"], row["slice"]), {})[row["kind"]] = (
            figures["mwh_planned"], figures["mwh_achieved"], figures["co2_planned"], figures["co2_achieved"]
        )  # fmt: skip
    return sums


def energy_sums_add(into: EnergySums, sums: EnergySums) -> None:
    """Add ``sums`` to ``into``, kind by kind."""
    for kind, figures in sums.items():
        seen = into.get(kind)
        into[kind] = figures if seen is None else tuple(a + b for a, b in zip(seen, figures, strict=True))


def energy_kpis_without_co2(*, user: User) -> int:
    """How many visible energy KPIs have no CO₂ effect yet (no carrier, no factor in force, never computed)."""
    ids = municipality_ids_staff(user=user)
    if not ids:
        return 0
    projects = project_list_visible(user=user).filter(municipality_id__in=ids).exclude(stage=Stage.REJECTED)
    return Kpi.objects.filter(
        project__in=projects.values("pk"), kind__in=ENERGY_KPI_KINDS, emission__isnull=True
    ).count()


def degree_days_of_year(*, municipality_id: int, year: int) -> dict[int, Decimal]:
    """The town's heating degree days of one year, by month (missing months absent)."""
    return dict(DegreeDays.objects.filter(municipality_id=municipality_id, year=year).values_list("month", "value"))


def degree_days_years(*, municipality_id: int, limit: int = 30) -> QuerySet:
    """The years with degree days entered, newest first: how many months and their sum, one aggregate."""
    return (
        DegreeDays.objects.filter(municipality_id=municipality_id)
        .values("year")
        .annotate(months=Count("pk"), total=Sum("value"))
        .order_by("-year")[:limit]
    )


@dataclass(frozen=True)
class GroupTotal:
    """Planned and achieved figures of one strategic measure or one funding programme."""

    key: str  # the measure's id or the programme's code; "" for projects under no measure
    label: str
    mwh_planned: Decimal
    mwh_achieved: Decimal
    co2_planned: Decimal
    co2_achieved: Decimal


def energy_totals_by_measure(*, user: User) -> list[GroupTotal]:
    """The energy totals per strategic measure the projects serve, in one aggregate.

    A project under two measures counts once in each (and once in the town total, which is not this sum);
    projects under no measure come last with an empty key."""
    kpis = _counted_kpis(user=user)
    if kpis is None:
        return []
    rows = (
        kpis.values(
            measure=F("project__strategic_measures__pk"),
            code=F("project__strategic_measures__code"),
            title=F("project__strategic_measures__title"),
        )
        .annotate(**_figure_sums())
        .order_by(F("code").asc(nulls_last=True), "measure")
    )
    return [
        GroupTotal(
            key=str(row["measure"] or ""),
            label=f"{row['code']} {row['title']}" if row["measure"] else "",
            **_figures(row),
        )
        for row in rows
    ]


def energy_totals_by_programme(*, user: User) -> list[GroupTotal]:
    """The energy totals per funding programme of the projects' approved applications.

    Two queries whatever the number of projects: the programmes with an approved application, then one aggregate
    with a column group per programme, each counting a project once however many approved applications of that
    programme it has. Projects without approved funding are in no row."""
    kpis = _counted_kpis(user=user)
    if kpis is None:
        return []
    approved = FundingApplication.objects.filter(status=FundingStatus.APPROVED)
    programmes = sorted(
        set(
            approved.filter(project_id__in=kpis.values("project_id"))
            .order_by()
            .values_list("programme", flat=True)
            .distinct()
        )
    )
    if not programmes:
        return []
    annotations = {
        f"in_{index}": Exists(approved.filter(project_id=OuterRef("project_id"), programme=programme))
        for index, programme in enumerate(programmes)
    }
    sums = {}
    for index in range(len(programmes)):
        sums |= _figure_sums(f"p{index}_", Q(**{f"in_{index}": True}))
    row = kpis.annotate(**annotations).aggregate(**sums)
    labels = programme_labels(programmes)
    return [
        GroupTotal(key=programme, label=str(labels.get(programme, programme)), **_figures(row, f"p{index}_"))
        for index, programme in enumerate(programmes)
        if row[f"p{index}_kpis"]
    ]
