"""Importing goals, measures and indicators from XLSX or CSV (all rows or none, each wrong row named with its
number and reason) and exporting the tree with its coverage to XLSX."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from backend.core.errors import PermissionDenied
from backend.core.spreadsheets import sheet_read
from backend.projects.stages import Stage
from backend.strategy.models import Goal, Indicator, ItemVersion, Measure, StrategyStatus
from backend.strategy.services import amendment_resolution_record, strategy_adopt, strategy_create
from backend.strategy.transfer import strategy_import, strategy_import_check, strategy_xlsx

HEADERS = ["Položka", "Kód", "Název", "Popis", "Nadřazený kód", "Odpovědný odbor", "Druh indikátoru", "Jednotka",
           "Výchozí hodnota", "Cílová hodnota", "Cílový rok"]  # fmt: skip


def _xlsx(rows, headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def _fifty_measures() -> list[list]:
    rows = [["cíl", "1", "Úsporné město"], ["cíl", "1.1", "Úsporné budovy", "", "1"], ["cíl", "2", "Mobilita"]]
    for number in range(1, 51):
        goal = "1.1" if number <= 25 else "2"
        rows.append(["opatření", f"{goal}.{number}", f"Opatření {number}", "", goal, "Odbor dopravy"])
    rows.append(["indikátor", "", "Úspora energie", "", "1.1.1", "", "Úspora energie", "MWh/rok", 0, 200, 2030])
    return rows


@pytest.fixture
def draft(town):
    return strategy_create(actor=town.user("coordinator"), municipality=town.municipality, title="Nová strategie")


def _sheet(rows, name="strategie.xlsx"):
    return sheet_read(name=name, content=_xlsx(rows))


def test_an_xlsx_with_50_measures_imports_into_a_draft_in_one_transaction(town, draft):
    sheet = _sheet(_fifty_measures())
    result = strategy_import(actor=town.user("coordinator"), strategy=draft, sheet=sheet)
    assert len(result.items) == 54
    assert Measure.objects.filter(strategy=draft).count() == 50
    assert Measure.objects.get(strategy=draft, code="2.50").goal.code == "2"
    assert Measure.objects.get(strategy=draft, code="1.1.1").responsible_department == town.tra
    indicator = Indicator.objects.get(measure__strategy=draft)
    assert (indicator.kind, indicator.target, indicator.target_year) == ("energy_savings", Decimal("200"), 2030)
    assert Goal.objects.get(strategy=draft, code="1.1").parent.code == "1"
    # Adopting the imported draft writes revision 1 with a version of every item.
    strategy_adopt(
        actor=town.user("coordinator"),
        strategy=draft,
        resolution_body="assembly",
        resolution_number="ZM 3/2026",
        resolution_date="2026-03-02",
    )
    assert ItemVersion.objects.filter(strategy=draft, revision=1).count() == 54


def test_one_bad_row_refuses_the_whole_file_with_its_row_number_and_reason(town, draft):
    rows = _fifty_measures()
    rows[20][4] = "9"  # row 22 of the sheet: a measure under a goal the strategy does not have
    rows[30][0] = "projekt"  # row 32: not a kind of item
    sheet = _sheet(rows)
    with translation.override("cs"), pytest.raises(ValidationError) as refused:
        strategy_import(actor=town.user("coordinator"), strategy=draft, sheet=sheet)
    assert refused.value.messages == [
        "Řádek 22: Strategie nemá cíl s kódem 9.",
        "Řádek 32: Uveďte, zda je řádek cíl, opatření, nebo ukazatel.",
    ]
    assert not Goal.objects.filter(strategy=draft).exists()
    assert not Measure.objects.filter(strategy=draft).exists()


def test_the_check_names_duplicate_codes_and_unknown_departments_and_saves_nothing(town, draft):
    rows = [
        ["cíl", "1", "Úsporné město"],
        ["cíl", "1", "Zase jedna"],
        ["opatření", "1.1", "Zateplení", "", "1", "Odbor kultury"],
        ["indikátor", "", "Počet", "", "1.9"],
    ]
    with translation.override("cs"):
        checked = strategy_import_check(actor=town.user("coordinator"), strategy=draft, sheet=_sheet(rows))
    assert [(row.number, row.errors) for row in checked] == [
        (2, []),
        (3, ["Strategie už má cíl s tímto kódem."]),
        (4, ["Obec nemá odbor „Odbor kultury“."]),
        (5, ["Vyberte opatření strategie, které není vyřazené."]),
    ]
    assert not Goal.objects.filter(strategy=draft).exists()


def test_a_csv_file_imports_as_well(town, draft):
    content = "Položka;Kód;Název;Nadřazený kód\ncíl;1;Úsporné město;\nopatření;1.1;Zateplení;1\n".encode("cp1250")
    sheet = sheet_read(name="strategie.csv", content=content)
    strategy_import(actor=town.user("coordinator"), strategy=draft, sheet=sheet)
    assert list(Measure.objects.filter(strategy=draft).values_list("code", "goal__code")) == [("1.1", "1")]


def test_into_a_strategy_in_force_the_import_is_one_amendment(town, strategy):
    rows = [["opatření", "2.2", "Sdílená kola", "", "2"], ["opatření", "2.3", "Bezpečné přechody", "", "2"]]
    result = strategy_import(
        actor=town.user("coordinator"), strategy=strategy, sheet=_sheet(rows), reason="Akční plán 2027"
    )
    assert result.amendment.changes.count() == 2
    assert not Measure.objects.filter(strategy=strategy, code="2.2").exists()  # only once approved
    strategy.refresh_from_db()
    assert strategy.status == StrategyStatus.UNDER_AMENDMENT
    amendment_resolution_record(
        actor=town.user("coordinator"),
        amendment=result.amendment,
        resolution_body="assembly",
        resolution_number="ZM 5/2027",
        resolution_date="2027-02-01",
    )
    assert Measure.objects.filter(strategy=strategy, code__in=["2.2", "2.3"]).count() == 2
    assert ItemVersion.objects.filter(strategy=strategy, revision=2).count() == 2


@pytest.mark.parametrize("role", ["staff", "manager", "other_coordinator"])
def test_only_the_coordinator_imports(town, draft, role):
    with pytest.raises(PermissionDenied):
        strategy_import(actor=town.user(role), strategy=draft, sheet=_sheet([["cíl", "1", "Úsporné město"]]))


def test_a_file_without_the_title_column_is_refused(town, draft):
    sheet = sheet_read(name="x.xlsx", content=_xlsx([["cíl", "1"]], headers=["Položka", "Kód"]))
    with translation.override("cs"), pytest.raises(ValidationError) as refused:
        strategy_import_check(actor=town.user("coordinator"), strategy=draft, sheet=sheet)
    assert refused.value.messages == ["Soubor nemá sloupec název (první řádek pojmenovává sloupce)."]


def test_the_export_lists_the_tree_with_coverage_and_reads_back_into_a_draft(town, strategy, measures):
    project = town.project(Stage.IMPLEMENTATION, estimated_cost=Decimal("1500000"))
    project.strategic_measures.set([measures["1.1.1"]])
    with translation.override("cs"):
        workbook = openpyxl.load_workbook(strategy_xlsx(strategy=strategy))
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert rows[0][:3] == ["položka", "kód", "název"] and rows[0][-4] == "projekty"
    assert [row[:3] for row in rows[1:4]] == [
        ["Cíl", "1", "Úsporné město"],
        ["Cíl", "1.1", "Úsporné budovy"],
        ["Opatření", "1.1.1", "Zateplení budov města"],
    ]
    measure_row = rows[3]
    assert measure_row[5] == "Odbor životního prostředí a energetiky"
    assert measure_row[-4:] == [1, 1500000, 1500000, 0]  # approved funding of the whole cost
    assert rows[4][:3] == ["Ukazatel", None, "Úspora energie"] and rows[4][4] == "1.1.1"
    # Read back into a new draft, the same tree.
    target = io.BytesIO()
    workbook.save(target)
    draft = strategy_create(actor=town.user("coordinator"), municipality=town.municipality, title="Kopie")
    with translation.override("cs"):
        strategy_import(
            actor=town.user("coordinator"), strategy=draft, sheet=sheet_read(name="a.xlsx", content=target.getvalue())
        )
    assert sorted(Measure.objects.filter(strategy=draft).values_list("code", flat=True)) == ["1.1.1", "1.1.2", "2.1"]
    assert Indicator.objects.get(measure__strategy=draft).kind == "energy_savings"


@pytest.mark.parametrize("projects", [1, 30])
def test_the_export_reads_a_fixed_number_of_queries(town, strategy, measures, django_assert_num_queries, projects):
    for _ in range(projects):
        town.project(Stage.IDEA).strategic_measures.set([measures["1.1.1"], measures["2.1"]])
    with django_assert_num_queries(7):
        strategy_xlsx(strategy=strategy)
