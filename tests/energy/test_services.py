"""CO₂ of energy KPIs from the factor set in force, factor sets, measured actuals from buildings."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backend.energy.models import Building, DegreeDays, EmissionFactorSet, KpiEmission, MonthlyConsumption
from backend.energy.selectors import factor_in_force
from backend.energy.services import (
    factor_set_create,
    kpi_actual_from_building,
    kpi_emission_compute,
    kpi_emission_set_manual,
)
from backend.projects.stages import Stage
from tests.factories.projects import KpiFactory
from workflows.guards import KPIS_HAVE_ACTUALS

pytestmark = pytest.mark.django_db


def _kpi(town, *, year=2024, carrier="electricity", target="620", actual="648", stage=Stage.IMPLEMENTATION):
    project = town.project(stage, planned_end=datetime.date(year, 6, 30))
    return KpiFactory(project=project, carrier=carrier, target=Decimal(target), actual=Decimal(actual))


def test_the_statutory_set_ships_with_its_citation_and_unconfirmed_values():
    statutory = EmissionFactorSet.objects.get(is_statutory=True)
    assert statutory.legal_act == "vyhláška č. 140/2021 Sb., o energetickém auditu"
    assert "příloha č. 8" in statutory.source
    factors = {factor.carrier: factor for factor in statutory.factors.all()}
    assert factors["electricity"].t_co2_per_mwh == Decimal("0.8600")
    assert factors["natural_gas"].t_co2_per_mwh == Decimal("0.2000")
    assert not any(factor.is_confirmed for factor in factors.values())
    assert "district_heat" not in factors


def test_co2_is_factor_times_mwh_with_the_statutory_set(town):
    kpi = _kpi(town, year=2024)
    emission = kpi_emission_compute(actor=town.user("manager"), kpi=kpi)
    assert emission.year == 2024
    assert emission.factor_set.is_statutory
    assert emission.factor == Decimal("0.8600")
    assert emission.co2_target == Decimal("620") * Decimal("0.86")
    assert emission.co2_actual == Decimal("648") * Decimal("0.86")


def test_co2_uses_the_towns_own_set_for_the_years_it_covers(town):
    coordinator = town.user("coordinator")
    own = factor_set_create(
        actor=coordinator,
        municipality=town.municipality,
        name="Teplárna Vzorov 2025",
        source="Sdělení dodavatele tepla, 15. 1. 2025",
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2025, 12, 31),
        factors={"district_heat": Decimal("0.2150"), "electricity": Decimal("0.5000")},
    )
    in_2025 = kpi_emission_compute(actor=coordinator, kpi=_kpi(town, year=2025, target="100", actual="90"))
    in_2023 = kpi_emission_compute(actor=coordinator, kpi=_kpi(town, year=2023, target="100", actual="90"))
    assert (in_2025.factor_set, in_2025.co2_target, in_2025.co2_actual) == (own, Decimal("50.000"), Decimal("45.000"))
    assert in_2023.factor_set.is_statutory
    assert (in_2023.co2_target, in_2023.co2_actual) == (Decimal("86.000"), Decimal("77.400"))
    heat = kpi_emission_compute(actor=coordinator, kpi=_kpi(town, year=2025, carrier="district_heat", target="40"))
    assert heat.co2_target == Decimal("8.600")


def test_another_towns_set_is_never_used(town):
    factor_set_create(
        actor=town.user("other_coordinator"),
        municipality=town.other_municipality,
        name="Lhota",
        source="x",
        valid_from=datetime.date(2020, 1, 1),
        factors={"district_heat": Decimal("0.1")},
    )
    assert factor_in_force(municipality_id=town.municipality.pk, carrier="district_heat", year=2024) is None


def test_a_carrier_without_a_factor_in_force_is_a_clear_message_not_zero(town):
    kpi = _kpi(town, year=2024, carrier="district_heat")
    with pytest.raises(ValidationError) as error:
        kpi_emission_compute(actor=town.user("manager"), kpi=kpi)
    assert "„Dálkové teplo“ nemá v roce 2024 platný emisní faktor" in str(error.value)
    assert not KpiEmission.objects.exists()


def test_before_the_statutory_set_there_is_no_factor(town):
    with pytest.raises(ValidationError):
        kpi_emission_compute(actor=town.user("manager"), kpi=_kpi(town, year=2019))


def test_a_kpi_without_a_carrier_is_refused(town):
    with pytest.raises(ValidationError) as error:
        kpi_emission_compute(actor=town.user("manager"), kpi=_kpi(town, carrier=""))
    assert "energonositel" in str(error.value)


def test_the_stored_co2_changes_only_when_recomputed(town):
    manager = town.user("manager")
    kpi = _kpi(town, year=2025)
    kpi_emission_compute(actor=manager, kpi=kpi)
    factor_set_create(
        actor=town.user("coordinator"),
        municipality=town.municipality,
        name="Nový",
        source="x",
        valid_from=datetime.date(2025, 1, 1),
        factors={"electricity": Decimal("0.5")},
    )
    kpi.emission.refresh_from_db()
    assert kpi.emission.factor == Decimal("0.8600")
    assert kpi_emission_compute(actor=manager, kpi=kpi).factor == Decimal("0.5000")


def test_manual_co2_needs_a_reason(town):
    kpi = _kpi(town)
    with pytest.raises(ValidationError):
        kpi_emission_set_manual(actor=town.user("manager"), kpi=kpi, co2_target=Decimal(10), co2_actual=None, reason="")
    emission = kpi_emission_set_manual(
        actor=town.user("manager"), kpi=kpi, co2_target=Decimal(10), co2_actual=None, reason="Audit EA 2024"
    )
    assert (emission.is_manual, emission.factor_set, emission.reason) == (True, None, "Audit EA 2024")


@pytest.mark.parametrize("role", ["staff", "partner", "other_coordinator"])
def test_only_editors_compute_co2(town, role):
    with pytest.raises(PermissionDenied):
        kpi_emission_compute(actor=town.user(role), kpi=_kpi(town))


@pytest.mark.parametrize("role", ["manager", "lead_head", "other_coordinator"])
def test_only_the_towns_coordinator_adds_a_set(town, role):
    with pytest.raises(PermissionDenied):
        factor_set_create(
            actor=town.user(role),
            municipality=town.municipality,
            name="x",
            source="x",
            valid_from=datetime.date(2025, 1, 1),
            factors={"electricity": Decimal("0.5")},
        )


def test_a_factor_in_kilograms_is_refused(town):
    with pytest.raises(ValidationError):
        factor_set_create(
            actor=town.user("coordinator"),
            municipality=town.municipality,
            name="x",
            source="x",
            valid_from=datetime.date(2025, 1, 1),
            factors={"electricity": Decimal("860")},
        )
    assert not EmissionFactorSet.objects.filter(municipality=town.municipality).exists()


def _school(town):
    return Building.objects.create(municipality=town.municipality, code="ZS-01", name="ZŠ Vzorová")


def _readings(building, carrier, year, value):
    MonthlyConsumption.objects.bulk_create(
        MonthlyConsumption(building=building, carrier=carrier, year=year, month=month, mwh=Decimal(value))
        for month in range(1, 13)
    )


def test_measured_electricity_saving_becomes_the_kpi_actual_and_opens_the_gate(town):
    building = _school(town)
    _readings(building, "electricity", 2023, "10")
    _readings(building, "electricity", 2025, "7.5")
    kpi = _kpi(town, stage=Stage.EVALUATION, actual="0")
    kpi.project.kpis.exclude(pk=kpi.pk).delete()
    kpi.actual = None
    kpi.save()
    measured = kpi_actual_from_building(
        actor=town.user("manager"), kpi=kpi, building=building, baseline_year=2023, reporting_year=2025
    )
    kpi.refresh_from_db()
    assert (measured.saving_mwh, kpi.actual, measured.is_normalised) == (Decimal(30), Decimal(30), False)
    assert KPIS_HAVE_ACTUALS(kpi.project)


def test_heat_saving_is_normalised_by_degree_days(town):
    building = _school(town)
    _readings(building, "district_heat", 2023, "20")
    _readings(building, "district_heat", 2025, "15")
    for month in range(1, 13):
        DegreeDays.objects.create(municipality=town.municipality, year=2023, month=month, value=Decimal(300))
        DegreeDays.objects.create(municipality=town.municipality, year=2025, month=month, value=Decimal(250))
    kpi = _kpi(town, carrier="district_heat", actual="0")
    measured = kpi_actual_from_building(
        actor=town.user("manager"), kpi=kpi, building=building, baseline_year=2023, reporting_year=2025
    )
    # 180 MWh in a milder year (3000 degree days) is 216 MWh in the weather of the year before (3600).
    assert (measured.normalised_mwh, measured.saving_mwh) == (Decimal("216.000"), Decimal("24.000"))


def test_a_missing_month_refuses_the_measured_actual(town):
    building = _school(town)
    _readings(building, "electricity", 2023, "10")
    _readings(building, "electricity", 2025, "7")
    MonthlyConsumption.objects.filter(year=2025, month=3).delete()
    kpi = _kpi(town, actual="5")
    with pytest.raises(ValidationError) as error:
        kpi_actual_from_building(
            actor=town.user("manager"), kpi=kpi, building=building, baseline_year=2023, reporting_year=2025
        )
    assert "3" in str(error.value)
    kpi.refresh_from_db()
    assert kpi.actual == Decimal(5)
