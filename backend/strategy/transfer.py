"""A strategy's goals, measures and indicators read in from an XLSX or CSV table, and its tree written out as
XLSX with the coverage figures.

One table, one row per item: its kind (goal, measure, indicator), code, title, the code of what it sits under
(the top-level goal of a specific goal, the goal of a measure, the measure of an indicator), and the measure's
department or the indicator's kind, unit, baseline, target and year. Every row is tried in turn, after the
ones above it, and rolled back (``change_errors``): the file is refused with each wrong row's number and
reason, or imported whole in one transaction through the strategy's services — into a draft item by item
(its revision 1 is written when it is adopted), into a strategy in force as one amendment that adds them all
(approved like any other, its revision and versions written when it applies). The export's headers are the
import's, so an exported tree is read back into a new draft as it is (the coverage columns are ignored).
"""

from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.accounts.models import Department, User
from backend.core.spreadsheets import XLSX_CONTENT_TYPE, Sheet, sheet_write, workbook_file
from backend.projects.choices import KpiKind
from backend.strategy.coverage import strategy_coverage
from backend.strategy.models import Amendment, AmendmentAction, Goal, ItemKind, Measure, Strategy, StrategyStatus
from backend.strategy.selectors import code_key, goal_list, measure_list
from backend.strategy.services import (
    AMENDABLE,
    ChangeSpec,
    _require_coordinator,
    amendment_propose,
    change_errors,
    strategy_item_add,
)


@dataclass(frozen=True)
class Column:
    name: str
    label: Any  # a lazy translation, the export's header
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("kind", gettext_lazy("item"), ("typ", "druh položky", "kind", "type")),
    Column("code", gettext_lazy("code"), ("kód", "kod", "code")),
    Column("title", gettext_lazy("title"), ("název", "nazev", "title", "name")),
    Column("description", gettext_lazy("description"), ("popis", "description")),
    Column("parent", gettext_lazy("under (code)"), ("nadřazený kód", "cíl", "opatření", "parent", "goal", "measure")),
    Column("department", gettext_lazy("responsible department"), ("odbor", "gestor", "department")),
    Column("indicator_kind", gettext_lazy("indicator kind"), ("druh ukazatele", "druh indikátoru", "indicator kind")),
    Column("unit", gettext_lazy("unit"), ("jednotka", "unit")),
    Column("baseline", gettext_lazy("baseline"), ("výchozí hodnota", "baseline")),
    Column("target", gettext_lazy("target"), ("cílová hodnota", "target")),
    Column("target_year", gettext_lazy("target year"), ("cílový rok", "target year")),
)
COVERAGE_HEADERS = (
    gettext_lazy("projects"),
    gettext_lazy("estimated cost (CZK)"),
    gettext_lazy("secured funding (CZK)"),
    gettext_lazy("stalled projects"),
)


@dataclass
class ImportRow:
    number: int  # as the spreadsheet counts, headers being row 1
    kind: str = ""
    code: str = ""
    title: str = ""
    parent: str = ""
    change: ChangeSpec | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(ItemKind(self.kind).label) if self.kind else ""


@dataclass
class ImportResult:
    rows: list[ImportRow]
    items: list[Any] = field(default_factory=list)  # added to a draft
    amendment: Amendment | None = None  # proposed for a strategy in force


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_indexes(headers: list[str]) -> dict[str, int]:
    normalised = [header.casefold() for header in headers]
    found = {}
    for column in COLUMNS:
        names = {str(column.label).casefold(), column.name, *column.aliases}
        index = next((index for index, header in enumerate(normalised) if header in names), None)
        if index is not None:
            found[column.name] = index
    missing = [str(column.label) for column in COLUMNS if column.name in ("kind", "title") and column.name not in found]
    if missing:
        raise ValidationError(
            _("The file has no column %(columns)s (the first row names the columns).") % {"columns": ", ".join(missing)}
        )
    return found


def _choice(value: str, choices) -> str | None:
    """The value of a choice given by its value or its label in either language."""
    wanted = value.casefold()
    for choice in choices:
        if wanted in {choice.value.casefold(), str(choice.label).casefold()}:
            return choice.value
    return None


_KIND_ALIASES = {
    "cíl": ItemKind.GOAL,
    "opatření": ItemKind.MEASURE,
    "indikátor": ItemKind.INDICATOR,
    "ukazatel": ItemKind.INDICATOR,
}


def _row_parse(number: int, values: dict[str, str], departments: dict[str, int]) -> ImportRow:
    row = ImportRow(
        number=number, code=values.get("code", ""), title=values.get("title", ""), parent=values.get("parent", "")
    )
    kind_text = values.get("kind", "")
    row.kind = _KIND_ALIASES.get(kind_text.casefold()) or _choice(kind_text, ItemKind) or ""
    if not row.kind:
        row.errors.append(_("Say whether the row is a goal, a measure or an indicator."))
        return row
    if not row.title:
        row.errors.append(_("The title is missing."))
    if row.kind == ItemKind.INDICATOR:
        kind = KpiKind.CUSTOM
        if values.get("indicator_kind"):
            kind = _choice(values["indicator_kind"], KpiKind)
            if kind is None:
                row.errors.append(
                    _("Unknown indicator kind “%(kind)s”.") % {"kind": values["indicator_kind"]},
                )
        data = {
            "measure": row.parent,
            "title": row.title,
            "kind": kind,
            "unit": values.get("unit", ""),
            "baseline": values.get("baseline", ""),
            "target": values.get("target", ""),
            "target_year": values.get("target_year", ""),
        }
    else:
        if not row.code:
            row.errors.append(_("The code is missing."))
        data = {"code": row.code, "title": row.title, "description": values.get("description", "")}
        if row.kind == ItemKind.GOAL:
            data["parent"] = row.parent
        else:
            data["goal"] = row.parent
            department = values.get("department", "")
            data["department"] = departments.get(department.casefold(), "") if department else ""
            if department and not data["department"]:
                row.errors.append(_("The municipality has no department “%(name)s”.") % {"name": department})
    if not row.errors:
        row.change = ChangeSpec(action=AmendmentAction.ADD, kind=row.kind, data=data)
    return row


def strategy_import_check(*, actor: User, strategy: Strategy, sheet: Sheet) -> list[ImportRow]:
    """Every row of the table, with what is wrong with it (nothing is saved)."""
    _require_coordinator(actor=actor, municipality_id=strategy.municipality_id)
    if strategy.status != StrategyStatus.DRAFT and strategy.status not in AMENDABLE:
        raise ValidationError(_("An archived strategy is not changed any more."))
    indexes = _column_indexes(sheet.headers)
    departments = {
        name.casefold(): pk
        for pk, name in Department.objects.filter(municipality_id=strategy.municipality_id).values_list("pk", "name")
    }
    rows = [
        _row_parse(number, {name: _text(values[index]) for name, index in indexes.items()}, departments)
        for number, values in enumerate(sheet.rows, start=2)
    ]
    checked = [row for row in rows if row.change is not None]
    for row, errors in zip(
        checked, change_errors(strategy=strategy, changes=[row.change for row in checked]), strict=True
    ):
        row.errors.extend(errors)
    return rows


def import_errors(rows: list[ImportRow]) -> list[str]:
    """One message per wrong row, with its number, as a person reads them."""
    return [
        _("Row %(number)s: %(errors)s.")
        % {"number": row.number, "errors": "; ".join(error.rstrip(".") for error in row.errors)}
        for row in rows
        if row.errors
    ]


@transaction.atomic
def strategy_import(*, actor: User, strategy: Strategy, sheet: Sheet, reason: str = "") -> ImportResult:
    """Import every row or none: into a draft item by item, into a strategy in force as one amendment."""
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    rows = strategy_import_check(actor=actor, strategy=strategy, sheet=sheet)
    errors = import_errors(rows)
    if errors:
        raise ValidationError(errors)
    changes = [row.change for row in rows]
    result = ImportResult(rows=rows)
    if strategy.status == StrategyStatus.DRAFT:
        result.items = [
            strategy_item_add(actor=actor, strategy=strategy, kind=change.kind, data=change.data) for change in changes
        ]
    else:
        result.amendment = amendment_propose(
            actor=actor,
            strategy=strategy,
            title=_("Items imported from a file (%(count)s)") % {"count": len(changes)},
            reason=reason,
            changes=changes,
        )
    return result


# --- export ---------------------------------------------------------------------------------------------------------


def strategy_xlsx(*, strategy: Strategy):
    """The strategy's live tree as a workbook (a temporary file, rewound): goals, each followed by its measures
    and their indicators, with the coverage of each goal and measure. A fixed number of queries."""
    goals = list(goal_list(strategy=strategy))
    measures = list(measure_list(strategy=strategy).select_related("responsible_department"))
    coverage = strategy_coverage(strategy=strategy, goals=goals, measures=measures)
    indicators: dict[int, list] = {}
    for measure in measures:
        indicators[measure.pk] = [i for i in measure.indicators.all() if not i.is_retired]
    by_goal: dict[int, list[Measure]] = {}
    for measure in sorted((m for m in measures if not m.is_retired), key=lambda m: code_key(m.code)):
        by_goal.setdefault(measure.goal_id, []).append(measure)

    def figures(item_figures) -> list[Any]:
        return [item_figures.projects, item_figures.cost, item_figures.funding, item_figures.stalled]

    def rows():
        active: list[Goal] = sorted((g for g in goals if not g.is_retired), key=lambda g: code_key(g.code))
        codes = {goal.pk: goal.code for goal in goals}
        for goal in active:
            yield [
                str(ItemKind.GOAL.label),
                goal.code,
                goal.title,
                goal.description,
                codes.get(goal.parent_id, ""),
                *[""] * 6,
                *figures(coverage.of_goal(goal)),
            ]
            for measure in by_goal.get(goal.pk, []):
                department = measure.responsible_department.name if measure.responsible_department_id else ""
                yield [
                    str(ItemKind.MEASURE.label),
                    measure.code,
                    measure.title,
                    measure.description,
                    goal.code,
                    department,
                    *[""] * 5,
                    *figures(coverage.of_measure(measure)),
                ]
                for indicator in indicators[measure.pk]:
                    yield [
                        str(ItemKind.INDICATOR.label),
                        "",
                        indicator.name,
                        "",
                        measure.code,
                        "",
                        indicator.get_kind_display(),
                        indicator.unit,
                        indicator.baseline,
                        indicator.target,
                        indicator.target_year,
                        *[""] * 4,
                    ]

    workbook = openpyxl.Workbook(write_only=True)
    headers = [str(column.label) for column in COLUMNS] + [str(header) for header in COVERAGE_HEADERS]
    sheet_write(workbook, _("Strategy"), headers, rows())
    return workbook_file(workbook)


def strategy_xlsx_response(*, strategy: Strategy) -> FileResponse:
    """The workbook as a download, for the page and the API alike."""
    response = FileResponse(
        strategy_xlsx(strategy=strategy),
        content_type=XLSX_CONTENT_TYPE,
        as_attachment=True,
        filename=f"ramec-strategie-{strategy.pk}-{timezone.localdate().isoformat()}.xlsx",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
