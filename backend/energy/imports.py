"""Import of municipal buildings' monthly consumption from CSV or XLSX: a preview with row-level Czech errors,
and nothing imported until the whole file is right (one transaction, one statement for all its rows).

The columns, in a header row: ``budova`` (the building's code), ``rok``, ``měsíc``, ``energonositel`` (its
name, e.g. ``elektřina``, or its code) and ``MWh``. CSV is separated by semicolons, the way Czech spreadsheets
save it; decimals take a comma or a point.
"""

import csv
import io
import itertools
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backend.accounts.models import Municipality, User
from backend.accounts.selectors import user_access
from backend.core.spreadsheets import sheet_read
from backend.energy.models import (
    Building,
    ConsumptionImport,
    DegreeDays,
    ImportKind,
    ImportStatus,
    MonthlyConsumption,
)
from backend.projects.choices import EnergyCarrier
from backend.projects.uploads import _check_unpacked_size

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
MAX_MWH = Decimal("1000000")
COLUMNS = ("budova", "rok", "měsíc", "energonositel", "mwh")
_ALIASES = {"mesic": "měsíc", "nositel": "energonositel", "spotřeba (mwh)": "mwh", "spotreba": "mwh"}


@dataclass(frozen=True)
class RowError:
    row: int | None  # the file's line or sheet row; None for the file as a whole
    message: str


@dataclass
class ParsedFile:
    rows: list[MonthlyConsumption] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)


def _carrier_names() -> dict[str, str]:
    names = {carrier.value: carrier.value for carrier in EnergyCarrier}
    for language in ("cs", "en"):
        with translation.override(language):
            names.update({str(carrier.label).lower(): carrier.value for carrier in EnergyCarrier})
    return names


def _table_from_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1250")
        except UnicodeDecodeError as error:
            raise ValidationError(_("The file is neither UTF-8 nor Windows-1250 text.")) from error
    return [row for row in csv.reader(io.StringIO(text), delimiter=";")]


def _table_from_xlsx(content: bytes) -> list[list[str]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_unpacked_size(archive.infolist())
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ValidationError as error:
        raise ValidationError(error.message_dict["file"]) from error
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from error
    try:
        sheet = workbook.worksheets[0]
        table = []
        for values in sheet.iter_rows(values_only=True):
            table.append(["" if value is None else str(value) for value in values])
            if len(table) > MAX_ROWS + 1:
                break
        return table
    finally:
        workbook.close()


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def parse_consumption(*, municipality: Municipality, file_name: str, content: bytes) -> ParsedFile:
    """Read and check every row; the result holds either rows to import or the errors that refuse the file."""
    parsed = ParsedFile()
    if len(content) > MAX_BYTES:
        parsed.errors.append(RowError(None, _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20}))
        return parsed
    try:
        table = _table_from_xlsx(content) if file_name.lower().endswith(".xlsx") else _table_from_csv(content)
    except ValidationError as error:
        parsed.errors.extend(RowError(None, message) for message in error.messages)
        return parsed
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        parsed.errors.append(RowError(None, _("The file is empty.")))
        return parsed
    header = [_ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in table[0]]
    if len(header) == 1 and ("," in header[0] or "\t" in header[0]):
        parsed.errors.append(
            RowError(1, _("The columns are not separated by semicolons (;). Save the file as CSV with semicolons."))
        )
        return parsed
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        parsed.errors.append(
            RowError(1, _("The header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return parsed
    if len(table) - 1 > MAX_ROWS:
        parsed.errors.append(RowError(None, _("The file has more than %(rows)d rows.") % {"rows": MAX_ROWS}))
        return parsed
    index = {column: header.index(column) for column in COLUMNS}
    buildings = {building.code.lower(): building for building in Building.objects.filter(municipality=municipality)}
    carriers = _carrier_names()
    seen: dict[tuple, int] = {}
    months_of: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for number, row in enumerate(table[1:], start=2):
        cells = {column: (row[position].strip() if position < len(row) else "") for column, position in index.items()}
        problems = []
        building = buildings.get(cells["budova"].lower())
        if building is None:
            problems.append(_("unknown building “%(code)s”") % {"code": cells["budova"]})
        carrier = carriers.get(cells["energonositel"].lower())
        if carrier is None:
            problems.append(_("unknown energy carrier “%(name)s”") % {"name": cells["energonositel"]})
        try:
            year = _whole(cells["rok"])
            if not 1990 <= year <= 2100:
                raise ValueError
        except (InvalidOperation, ValueError):
            year = None
            problems.append(_("the year “%(value)s” is not a year") % {"value": cells["rok"]})
        try:
            month = _whole(cells["měsíc"])
            if not 1 <= month <= 12:
                raise ValueError
        except (InvalidOperation, ValueError):
            month = None
            problems.append(_("the month “%(value)s” is not 1 to 12") % {"value": cells["měsíc"]})
        try:
            mwh = _decimal(cells["mwh"])
            if not mwh.is_finite():
                raise InvalidOperation
            if mwh < 0:
                problems.append(_("the reading %(value)s is negative") % {"value": cells["mwh"]})
            elif mwh > MAX_MWH:
                problems.append(_("the reading %(value)s is implausibly large") % {"value": cells["mwh"]})
        except InvalidOperation:
            mwh = None
            problems.append(_("the reading “%(value)s” is not a number") % {"value": cells["mwh"]})
        if building and carrier and year and month:
            key = (building.pk, carrier, year, month)
            if key in seen:
                problems.append(
                    _("the month %(month)d/%(year)d appears twice (also on row %(row)d)")
                    % {"month": month, "year": year, "row": seen[key]}
                )
            else:
                seen[key] = number
                months_of[(building, carrier)].append((year * 12 + month - 1, number))
        if problems:
            parsed.errors.append(RowError(number, "; ".join(problems)))
        elif mwh is not None:
            parsed.rows.append(MonthlyConsumption(building=building, carrier=carrier, year=year, month=month, mwh=mwh))
            parsed.row_numbers.append(number)
    for (building, carrier), months in months_of.items():
        months.sort()
        for (previous, _row), (current, number) in itertools.pairwise(months):
            for gap in range(previous + 1, current):
                parsed.errors.append(
                    RowError(
                        number,
                        _("%(building)s, %(carrier)s: the month %(month)d/%(year)d is missing")
                        % {
                            "building": building.code,
                            "carrier": EnergyCarrier(carrier).label,
                            "month": gap % 12 + 1,
                            "year": gap // 12,
                        },
                    )
                )
    parsed.errors.sort(key=lambda error: error.row or 0)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(None, _("The file has no rows of consumption.")))
    return parsed


def _require_energy_manager(*, actor: User, municipality: Municipality) -> None:
    if not user_access(user=actor).is_coordinator_in(municipality.pk):
        raise PermissionDenied(_("Only the coordinator of the municipality may do this."))


def _import_preview(*, actor: User, municipality: Municipality, file_name: str, content: bytes, kind: str, parse):
    """Check an uploaded file of ``kind`` with ``parse``; keep it for confirmation only when every row is right."""
    _require_energy_manager(actor=actor, municipality=municipality)
    parsed = parse(municipality=municipality, file_name=file_name, content=content)
    if not parsed.is_valid:
        return None, parsed
    upload = ConsumptionImport.objects.create(
        municipality=municipality,
        kind=kind,
        uploaded_by=actor,
        file_name=file_name[:255],
        content=content,
        row_count=len(parsed.rows),
    )
    return upload, parsed


def _import_confirm(
    *, actor: User, upload: ConsumptionImport, kind: str, parse, model, unique_fields, update_fields
) -> int:
    """Import a previewed file of ``kind`` (inside the caller's transaction): all its rows or none, rows already
    stored under ``unique_fields`` get their ``update_fields`` replaced."""
    _require_energy_manager(actor=actor, municipality=upload.municipality)
    upload = ConsumptionImport.objects.select_for_update().get(pk=upload.pk, kind=kind)
    if upload.status != ImportStatus.PREVIEW:
        raise ValidationError(_("This file has already been imported."))
    parsed = parse(municipality=upload.municipality, file_name=upload.file_name, content=bytes(upload.content))
    if not parsed.is_valid:
        raise ValidationError([f"{error.row}: {error.message}" for error in parsed.errors])
    model.objects.bulk_create(
        parsed.rows, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
    )
    upload.status = ImportStatus.IMPORTED
    upload.imported_at = timezone.now()
    upload.save(update_fields=("status", "imported_at"))
    return len(parsed.rows)


def consumption_import_preview(
    *, actor: User, municipality: Municipality, file_name: str, content: bytes
) -> tuple[ConsumptionImport | None, ParsedFile]:
    """Check an uploaded file; keep it for confirmation only when it is right."""
    return _import_preview(
        actor=actor,
        municipality=municipality,
        file_name=file_name,
        content=content,
        kind=ImportKind.CONSUMPTION,
        parse=parse_consumption,
    )


@transaction.atomic
def consumption_import_confirm(*, actor: User, upload: ConsumptionImport) -> int:
    """Import a previewed file, all its rows or none: a reading already stored for a month is replaced."""
    return _import_confirm(
        actor=actor,
        upload=upload,
        kind=ImportKind.CONSUMPTION,
        parse=parse_consumption,
        model=MonthlyConsumption,
        unique_fields=("building", "carrier", "year", "month"),
        update_fields=("mwh",),
    )


# --- heating degree days ----------------------------------------------------------------------------------------

DEGREE_DAY_COLUMNS = ("rok", "měsíc", "denostupně")
_DEGREE_DAY_ALIASES = {"mesic": "měsíc", "denostupne": "denostupně", "dd": "denostupně", "d": "denostupně"}
MAX_DEGREE_DAYS = Decimal("1000")  # no month has more than 31 × 32 °C of heating need


@dataclass
class ParsedDegreeDays:
    rows: list[DegreeDays] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _whole(text: str) -> int:
    number = _decimal(text)
    if number != number.to_integral_value():
        raise ValueError
    return int(number)


def parse_degree_days(*, municipality: Municipality, file_name: str, content: bytes) -> ParsedDegreeDays:
    """Read a file of heating degree days (``rok``, ``měsíc``, ``denostupně``) through the shared table reader.

    Each row is checked; the result holds either the months to import or the errors that refuse the file. Row
    numbers count the rows the reader keeps (the header is row 1; empty rows are skipped).
    """
    parsed = ParsedDegreeDays()
    try:
        sheet = sheet_read(name=file_name, content=content)
    except ValidationError as error:
        parsed.errors.extend(RowError(None, message) for message in error.messages)
        return parsed
    header = [_DEGREE_DAY_ALIASES.get(cell.lower(), cell.lower()) for cell in sheet.headers]
    missing = [column for column in DEGREE_DAY_COLUMNS if column not in header]
    if missing:
        parsed.errors.append(
            RowError(1, _("The header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return parsed
    index = {column: header.index(column) for column in DEGREE_DAY_COLUMNS}
    seen: dict[tuple[int, int], int] = {}
    for number, row in enumerate(sheet.rows, start=2):
        cells = {column: _text(row[position]) for column, position in index.items()}
        problems = []
        try:
            year = _whole(cells["rok"])
            if not 1990 <= year <= 2100:
                raise ValueError
        except (InvalidOperation, ValueError):
            year = None
            problems.append(_("the year “%(value)s” is not a year") % {"value": cells["rok"]})
        try:
            month = _whole(cells["měsíc"])
            if not 1 <= month <= 12:
                raise ValueError
        except (InvalidOperation, ValueError):
            month = None
            problems.append(_("the month “%(value)s” is not 1 to 12") % {"value": cells["měsíc"]})
        try:
            value = _decimal(cells["denostupně"])
            if not value.is_finite():
                raise InvalidOperation
            if value < 0:
                problems.append(_("the degree days %(value)s are negative") % {"value": cells["denostupně"]})
            elif value > MAX_DEGREE_DAYS:
                problems.append(_("the degree days %(value)s are implausibly many") % {"value": cells["denostupně"]})
            else:
                value = value.quantize(Decimal("0.1"))
        except InvalidOperation:
            value = None
            problems.append(_("the degree days “%(value)s” are not a number") % {"value": cells["denostupně"]})
        if year and month:
            if (year, month) in seen:
                problems.append(
                    _("the month %(month)d/%(year)d appears twice (also on row %(row)d)")
                    % {"month": month, "year": year, "row": seen[(year, month)]}
                )
            else:
                seen[(year, month)] = number
        if problems:
            parsed.errors.append(RowError(number, "; ".join(problems)))
        else:
            parsed.rows.append(DegreeDays(municipality=municipality, year=year, month=month, value=value))
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(None, _("The file has no rows of degree days.")))
    return parsed


def degree_days_import_preview(
    *, actor: User, municipality: Municipality, file_name: str, content: bytes
) -> tuple[ConsumptionImport | None, ParsedDegreeDays]:
    """Check an uploaded degree-day file; keep it for confirmation only when every row is right."""
    return _import_preview(
        actor=actor,
        municipality=municipality,
        file_name=file_name,
        content=content,
        kind=ImportKind.DEGREE_DAYS,
        parse=parse_degree_days,
    )


@transaction.atomic
def degree_days_import_confirm(*, actor: User, upload: ConsumptionImport) -> int:
    """Import a previewed degree-day file in one transaction: a month already entered is replaced."""
    return _import_confirm(
        actor=actor,
        upload=upload,
        kind=ImportKind.DEGREE_DAYS,
        parse=parse_degree_days,
        model=DegreeDays,
        unique_fields=("municipality", "year", "month"),
        update_fields=("value",),
    )
