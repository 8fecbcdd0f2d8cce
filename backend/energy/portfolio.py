"""The town's energy portfolio built from the aggregate rows of ``energy_totals``: per carrier, per stage, overall,
and the progress towards the climate target. Bounded by carriers × stages, never by the number of projects."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.energy.models import ClimateTarget, EmissionInventory, InventoryEntry
from backend.energy.selectors import (
    EnergySums,
    EnergyTotal,
    GroupTotal,
    energy_totals,
    energy_totals_by_measure,
    energy_totals_by_programme,
    factor_in_force,
    municipality_ids_staff,
)
from backend.projects.choices import EnergyCarrier, KpiKind, ThematicArea
from backend.projects.stages import Stage


@dataclass
class Figures:
    mwh_planned: Decimal = Decimal(0)
    mwh_achieved: Decimal = Decimal(0)
    co2_planned: Decimal = Decimal(0)
    co2_achieved: Decimal = Decimal(0)

    def add(self, total: EnergyTotal) -> None:
        self.mwh_planned += total.mwh_planned
        self.mwh_achieved += total.mwh_achieved
        self.co2_planned += total.co2_planned
        self.co2_achieved += total.co2_achieved


def _group_rows(groups: list[GroupTotal]) -> list[tuple[str, Figures]]:
    return [
        (
            group.label or _("Under no strategic measure"),
            Figures(group.mwh_planned, group.mwh_achieved, group.co2_planned, group.co2_achieved),
        )
        for group in groups
    ]


@dataclass
class Portfolio:
    rows: list[EnergyTotal]
    savings: Figures = field(default_factory=Figures)
    renewables: Figures = field(default_factory=Figures)
    co2_by_hand: Figures = field(default_factory=Figures)
    by_carrier: dict[str, Figures] = field(default_factory=dict)
    by_stage: dict[str, Figures] = field(default_factory=dict)
    by_area: dict[str, Figures] = field(default_factory=dict)
    by_year: dict[int | None, Figures] = field(default_factory=dict)
    # Filled only where shown (the energy page and API), not on the dashboard card: one more aggregate each.
    by_measure: list[GroupTotal] = field(default_factory=list)
    by_programme: list[GroupTotal] = field(default_factory=list)

    @property
    def co2_planned(self) -> Decimal:
        return self.savings.co2_planned + self.renewables.co2_planned + self.co2_by_hand.co2_planned

    @property
    def co2_achieved(self) -> Decimal:
        return self.savings.co2_achieved + self.renewables.co2_achieved + self.co2_by_hand.co2_achieved

    @property
    def measure_rows(self) -> list[tuple[str, Figures]]:
        return _group_rows(self.by_measure)

    @property
    def programme_rows(self) -> list[tuple[str, Figures]]:
        return _group_rows(self.by_programme)

    @property
    def carrier_rows(self) -> list[tuple[str, Figures]]:
        return [
            (EnergyCarrier(carrier).label if carrier else "", figures) for carrier, figures in self.by_carrier.items()
        ]

    @property
    def stage_rows(self) -> list[tuple[str, Figures]]:
        return [(Stage(stage).label, self.by_stage[stage]) for stage in Stage if stage in self.by_stage]

    @property
    def area_rows(self) -> list[tuple[str, Figures]]:
        return [(area.label, self.by_area[area]) for area in ThematicArea if area in self.by_area]

    @property
    def year_rows(self) -> list[tuple[str, Figures]]:
        years = sorted(self.by_year, key=lambda year: (year is None, year or 0))
        return [(str(year) if year else _("no planned end"), self.by_year[year]) for year in years]


def portfolio_build(*, user: User) -> Portfolio:
    return portfolio_of(energy_totals(user=user))


def portfolio_of(rows: list[EnergyTotal]) -> Portfolio:
    """The portfolio of rows of ``energy_totals``."""
    portfolio = Portfolio(rows=rows)
    by_carrier: dict[str, Figures] = defaultdict(Figures)
    by_stage: dict[str, Figures] = defaultdict(Figures)
    by_area: dict[str, Figures] = defaultdict(Figures)
    by_year: dict[int | None, Figures] = defaultdict(Figures)
    for row in rows:
        kind = {KpiKind.ENERGY_SAVINGS: portfolio.savings, KpiKind.RENEWABLE_PRODUCTION: portfolio.renewables}
        kind.get(row.kind, portfolio.co2_by_hand).add(row)
        by_carrier[row.carrier].add(row)
        by_stage[row.stage].add(row)
        by_area[row.thematic_area].add(row)
        by_year[row.year].add(row)
    order = {carrier: index for index, carrier in enumerate(EnergyCarrier.values)}
    portfolio.by_carrier = dict(sorted(by_carrier.items(), key=lambda item: order.get(item[0], len(order))))
    portfolio.by_stage = dict(by_stage)
    portfolio.by_area = dict(by_area)
    portfolio.by_year = dict(by_year)
    return portfolio


def portfolio_of_kinds(sums: EnergySums) -> Portfolio:
    """The portfolio's totals per KPI kind only (savings, renewable production, CO₂ by hand: the dashboard's card),
    of ``energy_sums_by_slice`` added up; no rows, nothing per carrier, stage, area or year."""
    portfolio = Portfolio(rows=[])
    for kind, (mwh_planned, mwh_achieved, co2_planned, co2_achieved) in sums.items():
        figures = {KpiKind.ENERGY_SAVINGS: portfolio.savings, KpiKind.RENEWABLE_PRODUCTION: portfolio.renewables}.get(
            kind, portfolio.co2_by_hand
        )
        figures.mwh_planned += mwh_planned
        figures.mwh_achieved += mwh_achieved
        figures.co2_planned += co2_planned
        figures.co2_achieved += co2_achieved
    return portfolio


def portfolio_with_groups(*, user: User) -> Portfolio:
    """The portfolio with its totals per strategic measure and per funding programme (the page and the API)."""
    portfolio = portfolio_build(user=user)
    portfolio.by_measure = energy_totals_by_measure(user=user)
    portfolio.by_programme = energy_totals_by_programme(user=user)
    return portfolio


@dataclass(frozen=True)
class TargetProgress:
    target: ClimateTarget
    baseline_co2: Decimal
    target_co2: Decimal
    reduction_needed: Decimal
    reduction_planned: Decimal
    reduction_achieved: Decimal
    carriers_without_factor: tuple[str, ...]

    @property
    def achieved_percent(self) -> Decimal:
        if not self.reduction_needed:
            return Decimal(0)
        return (self.reduction_achieved * 100 / self.reduction_needed).quantize(Decimal("0.1"))

    @property
    def planned_percent(self) -> Decimal:
        if not self.reduction_needed:
            return Decimal(0)
        return (self.reduction_planned * 100 / self.reduction_needed).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class InventoryCo2:
    inventory: EmissionInventory
    rows: list[tuple[str, str, Decimal, Decimal | None]]  # sector, carrier, MWh, t CO₂ (None: no factor)
    total_mwh: Decimal
    total_co2: Decimal
    carriers_without_factor: tuple[str, ...]


def inventory_co2(*, inventory: EmissionInventory) -> InventoryCo2:
    """The inventory's t CO₂ per sector and carrier with the factors in force in its year (one per carrier)."""
    entries = list(InventoryEntry.objects.filter(inventory=inventory).order_by("sector", "carrier"))
    factors = {
        carrier: factor_in_force(municipality_id=inventory.municipality_id, carrier=carrier, year=inventory.year)
        for carrier in {entry.carrier for entry in entries}
    }
    rows = []
    total_mwh = total_co2 = Decimal(0)
    for entry in entries:
        factor = factors[entry.carrier]
        co2 = (entry.mwh * factor.t_co2_per_mwh).quantize(Decimal("0.001")) if factor else None
        rows.append((entry.sector, entry.carrier, entry.mwh, co2))
        total_mwh += entry.mwh
        total_co2 += co2 or 0
    missing = tuple(sorted(EnergyCarrier(carrier).label for carrier, factor in factors.items() if factor is None))
    return InventoryCo2(inventory, rows, total_mwh, total_co2, missing)


def target_progress(*, user: User, portfolio: Portfolio) -> TargetProgress | None:
    """Progress towards the climate target of the user's (single) municipality, or None without a target."""
    ids = municipality_ids_staff(user=user)
    if len(ids) != 1:
        return None
    target = ClimateTarget.objects.select_related("baseline").filter(municipality_id__in=ids).first()
    if target is None:
        return None
    inventory = inventory_co2(inventory=target.baseline)
    needed = (inventory.total_co2 * target.reduction_percent / 100).quantize(Decimal("0.001"))
    return TargetProgress(
        target=target,
        baseline_co2=inventory.total_co2,
        target_co2=inventory.total_co2 - needed,
        reduction_needed=needed,
        reduction_planned=portfolio.co2_planned,
        reduction_achieved=portfolio.co2_achieved,
        carriers_without_factor=inventory.carriers_without_factor,
    )
