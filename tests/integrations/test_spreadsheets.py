"""XLSX out and in: the exported list re-imports to the same projects; one bad row imports nothing and is named."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from backend.projects.models import Event, EventKind, Project
from backend.projects.stages import Stage
from tests.factories import FundingApplicationFactory, TaskFactory

pytestmark = pytest.mark.django_db

ROUND_TRIP_FIELDS = (
    "title",
    "summary",
    "lead_department_id",
    "thematic_area",
    "estimated_cost",
    "planned_start",
    "planned_end",
    "manager_id",
    "is_public",
)


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def upload(client, name: str, content: bytes):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/integrations/projects/import/", {"step": "upload", "file": file})


def submit_mapping(client, step: str):
    """Post the mapping the page offers (its guesses), as a person pressing the button would."""
    page = client.get("/integrations/projects/import/")
    del page
    from backend.integrations.spreadsheets import mapping_guess

    headers = client.session["integrations_register_import"]["headers"]
    mapping = {name: "" if index is None else str(index) for name, index in mapping_guess(headers).items()}
    return client.post("/integrations/projects/import/", {"step": step, **mapping})


@pytest.fixture
def register(town):
    first = town.project(
        Stage.FUNDING,
        title="Fotovoltaika na ZŠ Komenského",
        estimated_cost=Decimal("4250000.50"),
        planned_start=date(2027, 3, 1),
        planned_end=date(2027, 10, 31),
        is_public=True,
    )
    second = town.project(
        Stage.IDEA, title="Sdílená kola", thematic_area="mobility", lead_department=town.tra, ready=False
    )
    TaskFactory(project=first, title="Statický posudek", assignee=town.user("manager"), due_date=date(2027, 1, 15))
    FundingApplicationFactory(project=second, amount_requested=Decimal("800000"), call_deadline=date(2027, 2, 28))
    return [first, second]


def test_the_export_has_czech_headers_real_numbers_and_dates(as_role, register):
    book = workbook(as_role("manager").get("/integrations/projects/export.xlsx"))
    assert book.sheetnames == ["Projekty", "Úkoly", "Financování"]
    projects = list(book["Projekty"].iter_rows(values_only=True))
    headers = projects[0]
    assert "název" in headers and "plánované zahájení" in headers
    row = next(row for row in projects[1:] if row[headers.index("název")] == "Fotovoltaika na ZŠ Komenského")
    assert row[headers.index("odhadované náklady (Kč)")] == 4250000.5
    assert row[headers.index("plánované zahájení")].date() == date(2027, 3, 1)
    sheet = book["Projekty"]
    date_cell = sheet.cell(row=2, column=headers.index("plánované zahájení") + 1)
    assert date_cell.number_format in ("d. m. yyyy", "General")
    tasks = list(book["Úkoly"].iter_rows(values_only=True))
    assert tasks[1][2] == "Statický posudek"
    funding = list(book["Financování"].iter_rows(values_only=True))
    assert ("Sdílená kola", 800000) in [(row[1], row[3]) for row in funding[1:]]


def test_the_export_follows_the_list_filters(as_role, register):
    book = workbook(as_role("manager").get("/integrations/projects/export.xlsx?stage=idea"))
    titles = [row[1] for row in list(book["Projekty"].iter_rows(values_only=True))[1:]]
    assert titles == ["Sdílená kola"]


def test_a_partner_gets_no_internal_columns_and_no_funding(as_role, register):
    book = workbook(as_role("partner").get("/integrations/projects/export.xlsx"))
    assert book.sheetnames == ["Projekty", "Úkoly"]
    headers = next(book["Projekty"].iter_rows(values_only=True))
    assert "odhadované náklady (Kč)" not in headers


def test_an_exported_workbook_re_imports_to_the_same_projects(as_role, town, register):
    client = as_role("manager")
    exported = b"".join(client.get("/integrations/projects/export.xlsx").streaming_content)
    before = {tuple(getattr(p, name) for name in ROUND_TRIP_FIELDS) for p in Project.objects.all()}
    assert upload(client, "registr.xlsx", exported).status_code == 200
    preview = submit_mapping(client, "preview")
    assert preview.status_code == 200
    assert "Fotovoltaika na ZŠ Komenského" in preview.content.decode()
    assert Project.objects.count() == 2  # the preview imports nothing
    response = submit_mapping(client, "import")
    assert response.status_code == 302
    imported = Project.objects.exclude(pk__in=[p.pk for p in register])
    assert {tuple(getattr(p, name) for name in ROUND_TRIP_FIELDS) for p in imported} == before
    assert set(imported.values_list("stage", flat=True)) == {Stage.IDEA}
    # Created through the service: each has its creation event.
    assert Event.objects.filter(project__in=imported, kind=EventKind.PROJECT_CREATED).count() == 2


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(as_role, town):
    client = as_role("manager")
    csv_text = (
        "Název;Odbor;Náklady;Zahájení\n"
        "Chytré lavičky;ENV;120 000,50;1. 4. 2027\n"
        "Senzory hluku;Neexistující odbor;abc;31. 13. 2027\n"
        "Měření spotřeby;TRA;;\n"
    )
    assert upload(client, "registr.csv", csv_text.encode("utf-8-sig")).status_code == 200
    response = submit_mapping(client, "import")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nic nebylo importováno" in text
    assert "Řádek 3: " in text
    assert "odbor „Neexistující odbor“ nepatří obci" in text
    assert "odhadované náklady „abc“ nejsou částka" in text
    assert "Řádek 2:" not in text and "Řádek 4:" not in text
    assert not Project.objects.exists()


def test_a_partner_may_not_import(as_role):
    assert as_role("partner").get("/integrations/projects/import/").status_code == 404
