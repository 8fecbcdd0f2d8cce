"""Vzorov's energy accounting for the demo, through the real services: the local heat supplier's factor set,
two school buildings with two years of monthly consumption (before and after the ZŠ Nádražní insulation),
degree days, the 2022 baseline inventory, the Covenant of Mayors target, and the CO₂ of the energy KPIs.

Idempotent like the rest of the demo. The supplier and its factor are fictional, as Vzorov is."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

from backend.accounts.models import Membership, Municipality, Role
from backend.energy.imports import consumption_import_confirm, consumption_import_preview
from backend.energy.models import (
    Building,
    ClimateTarget,
    DegreeDays,
    EmissionFactorSet,
    EmissionInventory,
    InventoryEntry,
    MonthlyConsumption,
    TargetKind,
)
from backend.energy.services import degree_days_set, factor_set_create, kpi_emission_compute
from backend.projects.choices import ENERGY_KPI_KINDS
from backend.projects.models import Kpi

SUPPLIER_SET = "Teplárna Vzorov – faktor dodaného tepla"
# Long-term heating degree days of a Czech town per month (January–December), warmer after the insulation.
DEGREE_DAYS = (620, 540, 470, 320, 170, 40, 0, 0, 120, 330, 470, 580)
# Monthly MWh before: the school on gas heating and its electricity; the nursery on district heat.
SCHOOL_GAS = (62, 55, 46, 30, 14, 4, 3, 3, 10, 31, 46, 58)
SCHOOL_ELECTRICITY = (9, 8, 8, 7, 6, 5, 2, 2, 6, 7, 8, 9)
NURSERY_HEAT = (21, 19, 16, 11, 5, 1, 1, 1, 4, 11, 16, 20)
INVENTORY_2022 = (
    ("municipal_buildings", "electricity", 1450),
    ("municipal_buildings", "natural_gas", 3900),
    ("municipal_buildings", "district_heat", 2100),
    ("public_lighting", "electricity", 1050),
    ("residential", "natural_gas", 41000),
    ("residential", "electricity", 23500),
    ("residential", "district_heat", 18800),
    ("tertiary", "electricity", 16200),
    ("tertiary", "natural_gas", 12400),
)


def _csv(*, years: tuple[int, int]) -> bytes:
    before = years[0]
    lines = ["budova;rok;měsíc;energonositel;MWh"]
    for year in years:
        # After the insulation the school uses a third less gas in the same weather.
        gas_share = Decimal("1") if year == before else Decimal("0.62")
        for month in range(1, 13):
            lines.append(f"ZS-NADRAZNI;{year};{month};zemní plyn;{Decimal(SCHOOL_GAS[month - 1]) * gas_share}")
            lines.append(f"ZS-NADRAZNI;{year};{month};elektřina;{SCHOOL_ELECTRICITY[month - 1]}")
            lines.append(f"MS-SLUNICKO;{year};{month};dálkové teplo;{NURSERY_HEAT[month - 1]}")
    return "\n".join(lines).replace(".", ",").encode("utf-8")


def energy_demo_seed(*, municipality: Municipality, today: datetime.date) -> None:
    coordinator = Membership.objects.filter(municipality=municipality, role=Role.COORDINATOR).first().user
    if not EmissionFactorSet.objects.filter(municipality=municipality, name=SUPPLIER_SET).exists():
        factor_set_create(
            actor=coordinator,
            municipality=municipality,
            name=SUPPLIER_SET,
            source="Teplárna Vzorov, a.s.: sdělení o emisním faktoru dodaného tepla (fiktivní, demo)",
            valid_from=datetime.date(2019, 1, 1),
            factors={"district_heat": Decimal("0.2450")},
            note="Ukázková data města Vzorov; nejde o skutečného dodavatele ani o zveřejněné hodnoty.",
        )
    years = (today.year - 2, today.year - 1)
    for code, name, address, area in (
        ("ZS-NADRAZNI", "ZŠ Nádražní", "Nádražní 412, Vzorov", Decimal("4850")),
        ("MS-SLUNICKO", "MŠ Sluníčko", "Polní 8, Vzorov", Decimal("1320")),
    ):
        Building.objects.get_or_create(
            municipality=municipality, code=code, defaults={"name": name, "address": address, "floor_area": area}
        )
    if not DegreeDays.objects.filter(municipality=municipality, year=years[0]).exists():
        degree_days_set(
            actor=coordinator,
            municipality=municipality,
            values={
                (year, month): (
                    Decimal(DEGREE_DAYS[month - 1]) * (1 if year == years[0] else Decimal("0.95"))
                ).quantize(Decimal("0.1"))
                for year in years
                for month in range(1, 13)
            },
        )
    if not MonthlyConsumption.objects.filter(building__municipality=municipality).exists():
        upload, _parsed = consumption_import_preview(
            actor=coordinator, municipality=municipality, file_name="spotreba-budov.csv", content=_csv(years=years)
        )
        consumption_import_confirm(actor=coordinator, upload=upload)
    inventory, created = EmissionInventory.objects.get_or_create(
        municipality=municipality, year=2022, defaults={"note": "Výchozí bilance emisí (BEI) pro Pakt starostů."}
    )
    if created:
        InventoryEntry.objects.bulk_create(
            InventoryEntry(inventory=inventory, sector=sector, carrier=carrier, mwh=Decimal(mwh))
            for sector, carrier, mwh in INVENTORY_2022
        )
    ClimateTarget.objects.get_or_create(
        municipality=municipality,
        defaults={
            "baseline": inventory,
            "target_year": 2030,
            "reduction_percent": Decimal(55),
            "kind": TargetKind.COVENANT,
        },
    )
    for kpi in Kpi.objects.filter(
        project__municipality=municipality, kind__in=ENERGY_KPI_KINDS, emission__isnull=True
    ).exclude(carrier=""):
        try:
            kpi_emission_compute(actor=coordinator, kpi=kpi)
        except ValidationError:
            continue  # a carrier without a factor in force stays without CO₂, as the page then says
