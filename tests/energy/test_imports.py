"""Consumption import: a preview with row-level Czech errors, nothing imported until the whole file is right."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backend.energy.imports import consumption_import_confirm, consumption_import_preview, parse_consumption
from backend.energy.models import Building, ConsumptionImport, MonthlyConsumption

pytestmark = pytest.mark.django_db

HEADER = "budova;rok;měsíc;energonositel;MWh"


@pytest.fixture
def buildings(town):
    return [
        Building.objects.create(municipality=town.municipality, code=f"B-{number:02d}", name=f"Budova {number}")
        for number in range(1, 11)
    ]


def _csv(*rows: str) -> bytes:
    return "\n".join((HEADER, *rows)).encode("utf-8")


def _two_years(codes) -> bytes:
    rows = [
        f"{code};{year};{month};elektřina;{month},5"
        for code in codes
        for year in (2023, 2024)
        for month in range(1, 13)
    ]
    return _csv(*rows)


def _errors(town, content: bytes, name="spotreba.csv") -> list[tuple[int | None, str]]:
    parsed = parse_consumption(municipality=town.municipality, file_name=name, content=content)
    return [(error.row, error.message) for error in parsed.errors]


def test_24_months_of_10_buildings_import_in_one_transaction(town, buildings, django_assert_num_queries):
    content = _two_years(building.code for building in buildings)
    upload, parsed = consumption_import_preview(
        actor=town.user("coordinator"), municipality=town.municipality, file_name="spotreba.csv", content=content
    )
    assert parsed.errors == [] and upload.row_count == 240
    assert not MonthlyConsumption.objects.exists()
    # savepoint, the roles, lock the upload, the buildings, one statement for all 240 rows, mark imported, release
    with django_assert_num_queries(7):
        assert consumption_import_confirm(actor=town.user("coordinator"), upload=upload) == 240
    assert MonthlyConsumption.objects.count() == 240
    assert MonthlyConsumption.objects.get(building__code="B-03", year=2024, month=7).mwh == Decimal("7.5")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("B-01;2024;13;elektřina;1", "měsíc „13“ není číslo 1 až 12"),
        ("B-01;2024;12;elektřina;-4", "odečet -4 je záporný"),
        ("B-01;2024;12;pára;4", "neznámý energonositel „pára“"),
        ("B-99;2024;12;elektřina;4", "neznámá budova „B-99“"),
        ("B-01;2024;12;elektřina;čtyři", "odečet „čtyři“ není číslo"),
        ("B-01;2024;1;elektřina;4", "měsíc 1/2024 je uveden dvakrát (také na řádku 26)"),
    ],
)
def test_one_bad_row_refuses_the_file_with_its_row_number(town, buildings, row, message):
    # Row 1 the header, rows 2–25 B-02's two years, rows 26–36 B-01's January to November, row 37 the bad one.
    rows = [f"B-01;2024;{month};elektřina;3,25" for month in range(1, 12)]
    content = _two_years(["B-02"]) + b"\n" + "\n".join([*rows, row]).encode()
    assert _errors(town, content) == [(37, message)]
    upload, _parsed = consumption_import_preview(
        actor=town.user("coordinator"), municipality=town.municipality, file_name="x.csv", content=content
    )
    assert upload is None and not ConsumptionImport.objects.exists()
    assert not MonthlyConsumption.objects.exists()


def test_a_missing_month_is_named(town, buildings):
    content = _csv("B-01;2024;1;elektřina;1", "B-01;2024;2;elektřina;1", "B-01;2024;4;elektřina;1")
    assert _errors(town, content) == [(4, "B-01, Elektřina: chybí měsíc 3/2024")]


def test_a_comma_separated_file_is_refused_as_a_whole(town, buildings):
    content = b"budova,rok,mesic,energonositel,MWh\nB-01,2024,1,elektrina,1.5\n"
    assert _errors(town, content) == [
        (1, "Sloupce nejsou oddělené středníkem (;). Uložte soubor jako CSV oddělené středníkem.")
    ]


def test_czech_decimal_commas_and_windows_1250_are_read(town, buildings):
    content = "budova;rok;mesic;nositel;MWh\nB-01;2024;1;Zemní plyn;1 234,5\n".encode("cp1250")
    parsed = parse_consumption(municipality=town.municipality, file_name="x.csv", content=content)
    assert parsed.errors == []
    assert (parsed.rows[0].carrier, parsed.rows[0].mwh) == ("natural_gas", Decimal("1234.5"))


def test_another_towns_buildings_are_unknown(town, buildings):
    Building.objects.create(municipality=town.other_municipality, code="L-01", name="Lhota")
    assert _errors(town, _csv("L-01;2024;1;elektřina;1")) == [(2, "neznámá budova „L-01“")]


def test_xlsx_is_read_too(town, buildings):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["budova", "rok", "měsíc", "energonositel", "MWh"])
    for month in range(1, 13):
        sheet.append(["B-01", 2024, month, "dálkové teplo", 10.25])
    stream = io.BytesIO()
    workbook.save(stream)
    parsed = parse_consumption(municipality=town.municipality, file_name="x.xlsx", content=stream.getvalue())
    assert parsed.errors == [] and len(parsed.rows) == 12
    assert parsed.rows[0].mwh == Decimal("10.25")


def test_a_file_too_large_is_refused(town, buildings):
    content = _csv(*["B-01;2024;1;elektřina;1" + " " * 100] * 30_000)
    assert _errors(town, content) == [(None, "Soubor je větší než 2 MB.")]


@pytest.mark.parametrize(
    ("role", "status"), [("manager", 403), ("lead_head", 403), ("staff", 403), ("partner", 404), ("coordinator", 200)]
)
def test_only_the_coordinator_imports(client, town, buildings, role, status):
    client.force_login(town.user(role))
    assert client.get(reverse("energy:consumption_import")).status_code == status


def test_the_import_page_previews_then_imports(client, town, buildings):
    client.force_login(town.user("coordinator"))
    url = reverse("energy:consumption_import")
    bad = SimpleUploadedFile("spotreba.csv", _csv("B-01;2024;1;elektřina;-1"), content_type="text/csv")
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "Řádek 2: odečet -1 je záporný" in response.content.decode()
    good = SimpleUploadedFile("spotreba.csv", _two_years(["B-01"]), content_type="text/csv")
    response = client.post(url, {"file": good})
    assert "spotreba.csv: 24 odečtů je připraveno k importu." in response.content.decode()
    assert not MonthlyConsumption.objects.exists()
    upload = ConsumptionImport.objects.get()
    response = client.post(reverse("energy:consumption_import_apply", args=[upload.pk]), follow=True)
    assert "Importováno měsíčních odečtů: 24." in response.content.decode()
    assert MonthlyConsumption.objects.count() == 24
    again = client.post(reverse("energy:consumption_import_apply", args=[upload.pk]))
    assert again.status_code == 404
