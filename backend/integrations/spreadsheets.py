"""XLSX out and XLSX/CSV in: the project list (with its tasks and funding) as a workbook, and a town's existing
project register read in, checked row by row and created all or nothing through ``project_create``.

Export: one sheet per table, Czech headers, real dates and numbers with Czech formats (Excel sorts and sums
them), written by openpyxl in write-only mode (rows are not kept in memory) and bounded to EXPORT_LIMIT
projects. A partner guest gets the partner columns only and no funding, as in the CSV export.

Import: the headers of the file are mapped to the fields (guessed from the export's own headers, so an
exported file comes back without touching the mapping), each row is checked and its errors named in Czech
with its row number; only a file without a single error is imported, in one transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.accounts.models import Department, Municipality, User
from backend.accounts.selectors import user_access
from backend.core.errors import PermissionDenied
from backend.core.spreadsheets import (  # noqa: F401 (the project import reads through these)
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    XLSX_CONTENT_TYPE,
    Sheet,
    defuse,
    sheet_read,
    sheet_write,
    workbook_file,
)
from backend.projects.access import project_access
from backend.projects.choices import ThematicArea
from backend.projects.exports import COLUMNS
from backend.projects.models import FundingApplication, Project
from backend.projects.programmes import with_programme_names
from backend.projects.selectors import task_list_visible
from backend.projects.services import project_create

EXPORT_LIMIT = 10_000
TASK_HEADERS = (
    gettext_lazy("project id"),
    gettext_lazy("project"),
    gettext_lazy("task"),
    gettext_lazy("assignee"),
    gettext_lazy("status"),
    gettext_lazy("due date"),
)
FUNDING_HEADERS = (
    gettext_lazy("project id"),
    gettext_lazy("project"),
    gettext_lazy("programme"),
    gettext_lazy("amount requested (CZK)"),
    gettext_lazy("amount approved (CZK)"),
    gettext_lazy("status"),
    gettext_lazy("call deadline"),
)


def projects_xlsx(*, user: User, projects: QuerySet[Project]):
    """The workbook of ``projects`` (already scoped and filtered) as a temporary file, rewound.

    Three sheets: projects, their tasks the user may see, their funding (not for partner guests).
    """
    internal = _internal(user)
    columns = [column for column in COLUMNS if internal or not column.internal]
    projects = projects.select_related("municipality", "lead_department", "manager")[:EXPORT_LIMIT]
    project_ids = [project.pk for project in projects]
    workbook = openpyxl.Workbook(write_only=True)
    sheet_write(
        workbook,
        _("Projects"),
        [str(column.label) for column in columns],
        (
            [
                None
                if column.internal and project_access(user=user, project=project).is_partner_view
                else column.value(project)
                for column in columns
            ]
            for project in projects
        ),
    )
    _tasks_sheet(workbook, task_list_visible(user=user).filter(project_id__in=project_ids))
    if internal:
        _funding_sheet(workbook, _funding_of(user=user, projects=list(projects)))
    return workbook_file(workbook)


def tasks_xlsx(*, tasks: QuerySet):
    """One sheet of ``tasks`` (already scoped to what the user may see and filtered), as a rewound file."""
    workbook = openpyxl.Workbook(write_only=True)
    _tasks_sheet(workbook, tasks)
    return workbook_file(workbook)


def funding_xlsx(*, user: User, projects: QuerySet[Project]):
    """One sheet of the funding applications of ``projects`` (scoped and filtered); staff only, as funding is
    never shown to partner guests."""
    if not _internal(user):
        raise PermissionDenied(_("Partners do not see the funding of projects."))
    workbook = openpyxl.Workbook(write_only=True)
    _funding_sheet(workbook, _funding_of(user=user, projects=list(projects[:EXPORT_LIMIT])))
    return workbook_file(workbook)


def _internal(user: User) -> bool:
    access = user_access(user=user)
    return access.is_platform_admin or bool(access.municipality_ids)


def _funding_of(*, user: User, projects: list[Project]) -> QuerySet[FundingApplication]:
    """Funding of the projects that the user sees as staff (a shared project's partner view has none)."""
    return FundingApplication.objects.filter(
        project__in=[p for p in projects if not project_access(user=user, project=p).is_partner_view]
    )


def _tasks_sheet(workbook, tasks: QuerySet) -> None:
    tasks = tasks.select_related("project", "assignee").order_by("project_id", "due_date", "pk")
    sheet_write(
        workbook,
        _("Tasks"),
        [str(header) for header in TASK_HEADERS],
        (
            [
                task.project_id,
                task.project.title,
                task.title,
                task.assignee or "",
                task.get_status_display(),
                task.due_date,
            ]
            for task in tasks[:EXPORT_LIMIT].iterator(chunk_size=500)
        ),
    )


def _funding_sheet(workbook, funding: QuerySet[FundingApplication]) -> None:
    funding = with_programme_names(funding.select_related("project")).order_by("project_id", "pk")
    sheet_write(
        workbook,
        _("Funding"),
        [str(header) for header in FUNDING_HEADERS],
        (
            [
                application.project_id,
                application.project.title,
                application.get_programme_display(),
                application.amount_requested,
                application.amount_approved,
                application.get_status_display(),
                application.call_deadline,
            ]
            for application in funding.iterator(chunk_size=500)
        ),
    )


def projects_xlsx_filename(kind: str = "projects") -> str:
    return f"ramec-{kind}-{timezone.localdate().isoformat()}.xlsx"


# --- import -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    name: str
    label: Any
    required: bool = False
    aliases: tuple[str, ...] = ()


IMPORT_FIELDS = (
    ImportField("title", gettext_lazy("title"), required=True, aliases=("název", "nazev", "projekt", "title")),
    ImportField("summary", gettext_lazy("summary"), aliases=("shrnutí", "summary", "anotace")),
    ImportField("description", gettext_lazy("description"), aliases=("popis", "description")),
    ImportField("lead_department", gettext_lazy("lead department"), aliases=("odbor", "gestor", "lead department")),
    ImportField("thematic_area", gettext_lazy("thematic area"), aliases=("oblast", "thematic area")),
    ImportField("estimated_cost", gettext_lazy("estimated cost (CZK)"), aliases=("náklady", "rozpočet", "cost")),
    ImportField("planned_start", gettext_lazy("planned start"), aliases=("zahájení", "začátek", "start")),
    ImportField("planned_end", gettext_lazy("planned end"), aliases=("ukončení", "konec", "end")),
    ImportField("manager", gettext_lazy("project manager"), aliases=("manažer", "garant", "manager")),
    ImportField("is_public", gettext_lazy("public"), aliases=("veřejný", "public")),
)


def mapping_guess(headers: list[str]) -> dict[str, int | None]:
    """For each field the column whose header is its label (in Czech or English) or a usual alias."""
    normalised = [header.casefold() for header in headers]
    guess: dict[str, int | None] = {}
    for import_field in IMPORT_FIELDS:
        names = {str(import_field.label).casefold(), import_field.name, *import_field.aliases}
        guess[import_field.name] = next((index for index, header in enumerate(normalised) if header in names), None)
    return guess


@dataclass
class RowResult:
    number: int  # as the spreadsheet counts, headers being row 1
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    text = str(value).replace("\u00a0", "").replace(" ", "").replace("Kč", "").replace(",", ".")
    return Decimal(text).quantize(Decimal("0.01"))


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d. %m. %Y", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _boolean(value: Any) -> bool:
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("ano", "yes", "true", "1", "a", "x"):
        return True
    if text in ("ne", "no", "false", "0", "n"):
        return False
    raise ValueError(text)


class _Lookups:
    """The municipality's departments, people and thematic areas by every name a register may use for them."""

    def __init__(self, municipality: Municipality) -> None:
        self.departments: dict[str, Department] = {}
        for department in Department.objects.filter(municipality=municipality):
            for key in (department.code, department.name, str(department)):
                self.departments[key.casefold()] = department
        self.people: dict[str, User] = {}
        people = User.objects.filter(is_active=True, memberships__municipality=municipality).distinct()
        for person in people:
            for key in (person.username, person.get_full_name(), str(person)):
                if key:
                    self.people[key.casefold()] = person
        self.areas = {}
        for value, label in ThematicArea.choices:
            self.areas[value] = value
            self.areas[str(label).casefold()] = value


def _parse_row(number: int, row: list[Any], mapping: dict[str, int | None], lookups: _Lookups) -> RowResult:
    result = RowResult(number=number)

    def cell(name: str) -> Any:
        index = mapping.get(name)
        return row[index] if index is not None and index < len(row) else None

    def text(name: str) -> str:
        value = cell(name)
        return "" if value is None else str(value).strip()

    parsers: dict[str, Callable[[], Any]] = {
        "title": lambda: text("title"),
        "summary": lambda: text("summary")[:500],
        "description": lambda: text("description"),
        "estimated_cost": lambda: _decimal(cell("estimated_cost")),
        "planned_start": lambda: _date(cell("planned_start")),
        "planned_end": lambda: _date(cell("planned_end")),
        "is_public": lambda: _boolean(cell("is_public")),
    }
    messages = {
        "estimated_cost": _("the estimated cost “%(value)s” is not an amount"),
        "planned_start": _("the planned start “%(value)s” is not a date (write 31. 12. 2026 or 2026-12-31)"),
        "planned_end": _("the planned end “%(value)s” is not a date (write 31. 12. 2026 or 2026-12-31)"),
        "is_public": _("“%(value)s” in the column public is neither ano nor ne"),
    }
    for name, parse in parsers.items():
        try:
            result.values[name] = parse()
        except (ValueError, InvalidOperation):
            result.errors.append(messages[name] % {"value": cell(name)})
    if not result.values.get("title"):
        result.errors.append(_("the title is missing"))
    elif len(result.values["title"]) > 200:
        result.errors.append(_("the title is longer than 200 characters"))
    cost = result.values.get("estimated_cost")
    if cost is not None and cost < 0:
        result.errors.append(_("the estimated cost is negative"))
    start, end = result.values.get("planned_start"), result.values.get("planned_end")
    if start and end and end < start:
        result.errors.append(_("the planned end is before the planned start"))
    for name, table, message in (
        ("lead_department", lookups.departments, _("the department “%(value)s” is not one of the municipality's")),
        ("manager", lookups.people, _("“%(value)s” is nobody of the municipality")),
        ("thematic_area", lookups.areas, _("the thematic area “%(value)s” is unknown")),
    ):
        value = text(name)
        if not value:
            result.values[name] = "" if name == "thematic_area" else None
        elif value.casefold() in table:
            result.values[name] = table[value.casefold()]
        else:
            result.errors.append(message % {"value": value})
    return result


def register_preview(*, municipality: Municipality, sheet: Sheet, mapping: dict[str, int | None]) -> list[RowResult]:
    """Every row checked, with its values and its errors (none imported)."""
    if mapping.get("title") is None:
        raise ValidationError({"title": _("Choose the column with the project titles.")})
    lookups = _Lookups(municipality)
    return [_parse_row(index + 2, row, mapping, lookups) for index, row in enumerate(sheet.rows)]


@transaction.atomic
def register_import(
    *, actor: User, municipality: Municipality, sheet: Sheet, mapping: dict[str, int | None]
) -> list[Project]:
    """Create a project of every row through ``project_create`` (history and events included), or none.

    Raises ValidationError naming each wrong row when any row is wrong; nothing is saved then.
    """
    results = register_preview(municipality=municipality, sheet=sheet, mapping=mapping)
    wrong = [result for result in results if result.errors]
    if wrong:
        raise ValidationError(
            [
                _("Row %(number)s: %(errors)s.") % {"number": result.number, "errors": "; ".join(result.errors)}
                for result in wrong
            ]
        )
    created = []
    for result in results:
        try:
            created.append(project_create(actor=actor, municipality=municipality, **result.values))
        except ValidationError as error:
            raise ValidationError(
                _("Row %(number)s: %(errors)s.") % {"number": result.number, "errors": "; ".join(error.messages)}
            ) from None
    return created
