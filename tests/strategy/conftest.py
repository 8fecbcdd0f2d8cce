"""A strategy of the town in force: goal 1 with specific goal 1.1 and measures 1.1.1 (ENV, with an energy
indicator) and 1.1.2 (TRA), and goal 2 with measure 2.1; adopted by the assembly's resolution as revision 1."""

from datetime import date

import pytest

from backend.projects.choices import KpiKind
from backend.strategy.models import ItemKind, Measure, Strategy
from backend.strategy.services import strategy_adopt, strategy_create, strategy_item_add
from tests.web.conftest import as_role, assert_safe_page  # noqa: F401 (the web fixtures, for the page tests)


@pytest.fixture
def strategy(town) -> Strategy:
    coordinator = town.user("coordinator")
    strategy = strategy_create(
        actor=coordinator,
        municipality=town.municipality,
        title="Strategie Smart City Vzorov 2024–2030",
        period_start=2024,
        period_end=2030,
    )
    for data in (
        {"code": "1", "title": "Úsporné město"},
        {"code": "1.1", "title": "Úsporné budovy", "parent": "1"},
        {"code": "2", "title": "Chytrá mobilita"},
    ):
        strategy_item_add(actor=coordinator, strategy=strategy, kind=ItemKind.GOAL, data=data)
    for data in (
        {"code": "1.1.1", "title": "Zateplení budov města", "goal": "1.1", "department": town.env.pk},
        {"code": "1.1.2", "title": "Energetický management", "goal": "1.1", "department": town.tra.pk},
        {"code": "2.1", "title": "Bezpečná doprava", "goal": "2", "department": town.tra.pk},
    ):
        strategy_item_add(actor=coordinator, strategy=strategy, kind=ItemKind.MEASURE, data=data)
    strategy_item_add(
        actor=coordinator,
        strategy=strategy,
        kind=ItemKind.INDICATOR,
        data={
            "measure": "1.1.1",
            "title": "Úspora energie",
            "kind": KpiKind.ENERGY_SAVINGS,
            "target": "200",
            "target_year": "2030",
        },
    )
    return strategy_adopt(
        actor=coordinator,
        strategy=strategy,
        resolution_body="assembly",
        resolution_number="ZM 12/2024",
        resolution_date=date(2024, 3, 4),
    )


@pytest.fixture
def measures(strategy) -> dict[str, Measure]:
    return {measure.code: measure for measure in Measure.objects.filter(strategy=strategy)}
