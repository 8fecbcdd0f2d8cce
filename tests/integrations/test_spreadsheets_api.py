"""XLSX through the API, by the web's services: exports with the list's filters, the register import with a column
mapping, a dry run, Czech row errors and nothing imported on any error; partners and other towns kept out."""

import io
import json

import openpyxl
import pytest

from backend.projects.models import Event, EventKind, Project
from tests.api.conftest import api_client
from tests.integrations.test_spreadsheets import ROUND_TRIP_FIELDS, register  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/projects/import/"


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment;" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(book, sheet: str) -> list[tuple]:
    return list(book[sheet].iter_rows(values_only=True))


def a_file(name: str, content: bytes) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def test_the_project_export_has_three_czech_sheets_and_follows_the_list_filters(town, register):  # noqa: F811
    client = api_client(town.user("manager"))
    book = workbook(client.get("/api/v1/projects/export.xlsx"))
    assert book.sheetnames == ["Projekty", "Úkoly", "Financování"]
    assert {row[1] for row in rows(book, "Projekty")[1:]} == {"Fotovoltaika na ZŠ Komenského", "Sdílená kola"}
    filtered = workbook(client.get("/api/v1/projects/export.xlsx?stage=idea"))
    assert [row[1] for row in rows(filtered, "Projekty")[1:]] == ["Sdílená kola"]
    assert client.get("/api/v1/projects/export.xlsx?stage=nonsense").status_code == 400


def test_the_task_and_funding_exports_follow_their_filters(town, register):  # noqa: F811
    client = api_client(town.user("manager"))
    tasks = workbook(client.get(f"/api/v1/tasks/export.xlsx?project={register[0].pk}"))
    assert tasks.sheetnames == ["Úkoly"]
    assert [row[2] for row in rows(tasks, "Úkoly")[1:]] == ["Statický posudek"]
    none = workbook(client.get(f"/api/v1/tasks/export.xlsx?project={register[1].pk}"))
    assert rows(none, "Úkoly")[1:] == []
    funding = workbook(client.get("/api/v1/funding/export.xlsx?stage=idea"))
    assert [(row[1], row[3]) for row in rows(funding, "Financování")[1:]] == [("Sdílená kola", 800000)]
    assert rows(workbook(client.get("/api/v1/funding/export.xlsx?stage=evaluation")), "Financování")[1:] == []


def test_another_town_and_a_partner_export_none_of_it(town, register):  # noqa: F811
    other = workbook(api_client(town.user("other_coordinator")).get("/api/v1/projects/export.xlsx"))
    assert rows(other, "Projekty")[1:] == []
    assert rows(other, "Úkoly")[1:] == []
    partner = api_client(town.user("partner"))
    book = workbook(partner.get("/api/v1/projects/export.xlsx"))
    assert book.sheetnames == ["Projekty", "Úkoly"]
    assert "odhadované náklady (Kč)" not in rows(book, "Projekty")[0]
    refused = partner.get("/api/v1/funding/export.xlsx")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Partneři financování projektů nevidí."
    assert api_client().get("/api/v1/projects/export.xlsx").status_code == 401


@pytest.mark.parametrize("count", [1, 6])
def test_the_export_costs_the_same_queries_for_one_or_many_projects(town, count, django_assert_num_queries):
    for index in range(count):
        town.project(title=f"Projekt {index}")
    client = api_client(town.user("coordinator"))
    with django_assert_num_queries(4):
        workbook(client.get("/api/v1/projects/export.xlsx"))


def test_an_exported_workbook_re_imports_to_the_same_projects_through_the_api(town, register):  # noqa: F811
    client = api_client(town.user("manager"))
    exported = b"".join(client.get("/api/v1/projects/export.xlsx").streaming_content)
    before = {tuple(getattr(p, name) for name in ROUND_TRIP_FIELDS) for p in Project.objects.all()}

    dry = client.post(IMPORT, {"file": a_file("registr.xlsx", exported), "dry_run": "true"}, format="multipart")
    assert dry.status_code == 200, dry.json()
    assert dry.json()["imported"] == []
    assert [row["errors"] for row in dry.json()["rows"]] == [[], []]
    assert Project.objects.count() == 2  # the dry run saves nothing

    done = client.post(IMPORT, {"file": a_file("registr.xlsx", exported)}, format="multipart")
    assert done.status_code == 201, done.json()
    imported = Project.objects.filter(pk__in=done.json()["imported"])
    assert {tuple(getattr(p, name) for name in ROUND_TRIP_FIELDS) for p in imported} == before
    assert Event.objects.filter(project__in=imported, kind=EventKind.PROJECT_CREATED).count() == 2


def test_a_mapping_names_the_columns_and_one_bad_row_imports_nothing(town):
    client = api_client(town.user("manager"))
    csv_text = (
        "Akce;Gestor;Cena;Od\n"
        "Chytré lavičky;ENV;120 000,50;1. 4. 2027\n"
        "Senzory hluku;Neexistující odbor;abc;1. 5. 2027\n"
        "Měření spotřeby;TRA;;\n"
    )
    mapping = json.dumps({"title": "Akce", "lead_department": "gestor", "estimated_cost": 2, "planned_start": "Od"})
    dry = client.post(
        IMPORT,
        {"file": a_file("registr.csv", csv_text.encode("utf-8-sig")), "mapping": mapping, "dry_run": "true"},
        format="multipart",
    )
    assert dry.status_code == 200, dry.json()
    wrong = {row["number"]: row["errors"] for row in dry.json()["rows"] if row["errors"]}
    assert list(wrong) == [3]
    assert "odhadované náklady „abc“ nejsou částka" in wrong[3]
    assert any(error.startswith("odbor „Neexistující odbor“ nepatří obci") for error in wrong[3])

    response = client.post(
        IMPORT, {"file": a_file("registr.csv", csv_text.encode("utf-8-sig")), "mapping": mapping}, format="multipart"
    )
    assert response.status_code == 400
    [message] = response.json()["non_field_errors"]
    assert message.startswith("Řádek 3: ")
    assert "odhadované náklady „abc“ nejsou částka" in message
    assert not Project.objects.exists()


def test_bad_mappings_and_files_are_czech_field_errors(town):
    client = api_client(town.user("manager"))

    def post(**fields):
        content = fields.pop("content", "Název\nLavičky\n".encode())
        return client.post(IMPORT, {"file": a_file("r.csv", content), **fields}, format="multipart")

    assert post(mapping="{nope").json() == {"mapping": ["Zapište přiřazení jako objekt JSON."]}
    assert post(mapping='{"colour": "Název"}').json() == {"mapping": ["Neznámá pole: colour."]}
    assert post(mapping='{"title": "Jméno"}').json() == {"mapping": ["Soubor nemá sloupec „Jméno“."]}
    assert post(content=b"\x00\x01garbage", dry_run="true").status_code == 400
    assert not Project.objects.exists()


def test_a_partner_may_not_import_and_another_town_imports_into_its_own(town):
    file = a_file("r.csv", "Název\nLavičky\n".encode())
    refused = api_client(town.user("partner")).post(IMPORT, {"file": file}, format="multipart")
    assert refused.status_code == 403
    file = a_file("r.csv", "Název\nLavičky\n".encode())
    hidden = api_client(town.user("other_coordinator")).post(
        IMPORT, {"file": file, "municipality": town.municipality.pk}, format="multipart"
    )
    assert hidden.status_code == 400  # Vzorov is no choice for Lhota's coordinator
    assert not Project.objects.exists()
