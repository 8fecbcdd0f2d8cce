"""Degree-day import from CSV or XLSX (the shared table reader): a preview with row-level Czech errors, nothing
imported while any row is wrong, all rows in one transaction."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backend.energy.imports import degree_days_import_confirm, degree_days_import_preview, parse_degree_days
from backend.energy.models import ConsumptionImport, DegreeDays

pytestmark = pytest.mark.django_db

URL = reverse("energy:degree_days_import")


def _csv(*rows: str, header="rok;měsíc;denostupně") -> bytes:
    return "\n".join((header, *rows)).encode("utf-8")


def _two_years() -> bytes:
    return _csv(*(f"{year};{month};{400 + month},5" for year in (2023, 2024) for month in range(1, 13)))


def _errors(town, content: bytes, name="denostupne.csv") -> list[tuple[int | None, str]]:
    parsed = parse_degree_days(municipality=town.municipality, file_name=name, content=content)
    return [(error.row, error.message) for error in parsed.errors]


def test_24_months_import_in_one_transaction(town, django_assert_num_queries):
    coordinator = town.user("coordinator")
    DegreeDays.objects.create(municipality=town.municipality, year=2024, month=1, value=Decimal(1))
    upload, parsed = degree_days_import_preview(
        actor=coordinator, municipality=town.municipality, file_name="denostupne.csv", content=_two_years()
    )
    assert parsed.errors == [] and upload.row_count == 24
    assert DegreeDays.objects.count() == 1
    # savepoint, the roles, lock the upload, one statement for all 24 months, mark imported, release
    with django_assert_num_queries(6):
        assert degree_days_import_confirm(actor=coordinator, upload=upload) == 24
    assert DegreeDays.objects.count() == 24
    assert DegreeDays.objects.get(year=2024, month=1).value == Decimal("401.5")  # replaced


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2024;13;1", "měsíc „13“ není číslo 1 až 12"),
        ("2024;1,5;1", "měsíc „1,5“ není číslo 1 až 12"),
        ("1890;1;1", "rok „1890“ není platný rok"),
        ("2024;2;-4", "denostupně -4 jsou záporné"),
        ("2024;2;5000", "denostupně 5000 jsou nepravděpodobně vysoké"),
        ("2024;2;hodně", "denostupně „hodně“ nejsou číslo"),
        ("2024;1;4", "měsíc 1/2024 je uveden dvakrát (také na řádku 2)"),
    ],
)
def test_one_bad_row_refuses_the_file_with_its_row_number(town, row, message):
    content = _csv("2024;1;500", row, "2024;3;300")
    assert _errors(town, content) == [(3, message)]
    upload, _parsed = degree_days_import_preview(
        actor=town.user("coordinator"), municipality=town.municipality, file_name="d.csv", content=content
    )
    assert upload is None and not ConsumptionImport.objects.exists()


def test_a_missing_column_is_named(town):
    assert _errors(town, _csv("2024;1;500", header="rok;měsíc;hodnota")) == [
        (1, "V záhlaví chybí sloupce: denostupně.")
    ]


def test_xlsx_with_czech_headers_is_read(town):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Rok", "Měsíc", "Denostupně"])
    for month in range(1, 13):
        sheet.append([2024, month, 412.25])
    stream = io.BytesIO()
    workbook.save(stream)
    parsed = parse_degree_days(municipality=town.municipality, file_name="d.xlsx", content=stream.getvalue())
    assert parsed.errors == [] and len(parsed.rows) == 12
    assert parsed.rows[0].value == Decimal("412.2")


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("staff", 403), ("partner", 404), ("coordinator", 200)])
def test_only_the_coordinator_imports(client, town, role, status):
    client.force_login(town.user(role))
    assert client.get(URL).status_code == status


def test_the_page_previews_then_imports(client, town):
    client.force_login(town.user("coordinator"))
    bad = SimpleUploadedFile("denostupne.csv", _csv("2024;1;500", "2024;2;-1"), content_type="text/csv")
    response = client.post(URL, {"file": bad})
    assert response.status_code == 400
    assert "Řádek 3: denostupně -1 jsou záporné" in response.content.decode()
    assert not DegreeDays.objects.exists()
    good = SimpleUploadedFile("denostupne.csv", _two_years(), content_type="text/csv")
    response = client.post(URL, {"file": good})
    assert "denostupne.csv: 24 měsíců je připraveno k importu." in response.content.decode()
    assert not DegreeDays.objects.exists()
    upload = ConsumptionImport.objects.get()
    # A degree-day file is not a consumption file: the other confirmation does not know it.
    assert client.post(reverse("energy:consumption_import_apply", args=[upload.pk])).status_code == 404
    response = client.post(reverse("energy:degree_days_import_apply", args=[upload.pk]), follow=True)
    assert "Importovány denostupně 24 měsíců." in response.content.decode()
    assert DegreeDays.objects.filter(municipality=town.municipality).count() == 24
    assert client.post(reverse("energy:degree_days_import_apply", args=[upload.pk])).status_code == 404


def test_another_coordinator_cannot_confirm_our_file(client, town):
    upload, _parsed = degree_days_import_preview(
        actor=town.user("coordinator"), municipality=town.municipality, file_name="d.csv", content=_two_years()
    )
    client.force_login(town.user("other_coordinator"))
    assert client.post(reverse("energy:degree_days_import_apply", args=[upload.pk])).status_code == 404
    assert not DegreeDays.objects.exists()
