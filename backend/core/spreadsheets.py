"""Reading an uploaded table (the first sheet of an XLSX workbook, or a CSV file) and writing one back as XLSX
that Excel will not run as formulas: shared by every import and export (projects, strategy, funding calls)."""

import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_MAX_ROWS = 2_000
IMPORT_MAX_BYTES = 5 * 1024 * 1024
# What Excel or LibreOffice would read as the start of a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "d. m. yyyy"
DATETIME_FORMAT = "d. m. yyyy h:mm"
MONEY_FORMAT = "#,##0.00"


def defuse(cell: str) -> str:
    """A cell Excel would run as a formula, made text."""
    return f"'{cell}" if cell.startswith(FORMULA_TRIGGERS) else cell


@dataclass
class Sheet:
    headers: list[str]
    rows: list[list[Any]]


def _plain(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def sheet_read(*, name: str, content: bytes) -> Sheet:
    """The first sheet of an XLSX file, or a CSV file (``;`` or ``,``, UTF-8 with or without BOM, or cp1250).

    Raises ValidationError with a Czech message for a file that cannot be read or is too large.
    """
    if len(content) > IMPORT_MAX_BYTES:
        raise ValidationError(_("The file is too large (at most 5 MB)."))
    if name.lower().endswith(".xlsx"):
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged or foreign file
            raise ValidationError(_("The file could not be read as an XLSX workbook.")) from None
        values = [[_plain(cell) for cell in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
    elif name.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1250", errors="replace")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t") if text.strip() else csv.excel
        except csv.Error:  # no separator to find: one column (or not a table, which the headers then show)
            dialect = csv.excel
        values = [[_plain(cell) for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    else:
        raise ValidationError(_("Upload an XLSX or CSV file."))
    values = [row for row in values if any(cell not in (None, "") for cell in row)]
    if not values:
        raise ValidationError(_("The file is empty."))
    if len(values) - 1 > IMPORT_MAX_ROWS:
        raise ValidationError(_("The file has more than %(count)s rows.") % {"count": IMPORT_MAX_ROWS})
    headers = [str(cell or "").strip() for cell in values[0]]
    return Sheet(headers=headers, rows=[row + [None] * (len(headers) - len(row)) for row in values[1:]])


# --- writing ----------------------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A value as Excel should hold it: numbers and dates as such, text defused from formulas."""
    if value is None or isinstance(value, (bool, int, Decimal, date)):
        if isinstance(value, datetime):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    return defuse(str(value))


def _formatted(sheet, value: Any):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=_cell(value))
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    return cell


def sheet_write(workbook, title: str, headers: list[str], rows) -> None:
    """One sheet of a write-only workbook: the headers, then the rows with Czech date and money formats."""
    sheet = workbook.create_sheet(title=title)
    sheet.append(headers)
    for row in rows:
        sheet.append([_formatted(sheet, value) for value in row])


def workbook_file(workbook):
    """The workbook saved to a temporary file, rewound (FileResponse closes it after sending)."""
    target = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(target)
    target.seek(0)
    return target
