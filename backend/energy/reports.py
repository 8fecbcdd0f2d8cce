"""The town's energy report in the shape of the Covenant of Mayors action list and inventory, as XLSX and CSV.

An export: one row per energy project, computed in one aggregate query; the inventory as a second sheet.
Cells carry numbers with number formats (a Czech spreadsheet shows ``1 234,5``), never pre-formatted text.
"""

import csv
import io
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.energy.models import EmissionInventory, Sector
from backend.energy.portfolio import inventory_co2
from backend.energy.selectors import municipality_ids_staff
from backend.projects.choices import (
    COVENANT_KPI_KINDS,
    ENERGY_KPI_KINDS,
    CovenantSector,
    EnergyCarrier,
    KpiKind,
    ThematicArea,
)
from backend.projects.models import Kpi, Project
from backend.projects.selectors import project_list_visible
from backend.projects.stages import Stage

MWH_FORMAT = "#,##0.0"
CZK_FORMAT = '#,##0 "Kč"'


def _action_headers() -> list[str]:
    return [
        _("Action"),
        _("Sector"),
        _("Area of intervention"),
        _("Responsible department"),
        _("Start year"),
        _("End year"),
        _("Implementation status"),
        _("Cost (CZK)"),
        _("Estimated energy savings (MWh/a)"),
        _("Achieved energy savings (MWh/a)"),
        _("Renewable energy production (MWh/a)"),
        _("Estimated CO₂ reduction (t/a)"),
        _("Achieved CO₂ reduction (t/a)"),
    ]


def _sector(project: Project) -> str:
    """The Covenant sector its KPIs state (the first that states one); else what the project implies; else empty
    for the town to fill in."""
    if project.kpi_sector:
        return CovenantSector(project.kpi_sector).label
    if project.renewable:
        return _("Local energy production")
    if project.thematic_area == ThematicArea.MOBILITY:
        return _("Transport")
    return ""


def action_rows(*, user: User) -> list[list]:
    """One row per visible project with an energy or CO₂ KPI, in one query."""
    ids = municipality_ids_staff(user=user)
    savings = Q(kpis__kind=KpiKind.ENERGY_SAVINGS)
    projects = (
        project_list_visible(user=user)
        .filter(municipality_id__in=ids)
        .exclude(stage=Stage.REJECTED)
        .filter(kpis__kind__in=(*ENERGY_KPI_KINDS, KpiKind.CO2_REDUCTION))
        .distinct()
        .values_list("pk", flat=True)
    )
    queryset = (
        Project.objects.filter(pk__in=projects)
        .select_related("lead_department")
        .annotate(
            savings_target=Sum("kpis__target", filter=savings),
            savings_actual=Sum("kpis__actual", filter=savings),
            renewable=Sum("kpis__target", filter=Q(kpis__kind=KpiKind.RENEWABLE_PRODUCTION)),
            co2_target=Sum("kpis__emission__co2_target"),
            co2_actual=Sum("kpis__emission__co2_actual"),
            co2_by_hand_target=Sum("kpis__target", filter=Q(kpis__kind=KpiKind.CO2_REDUCTION)),
            co2_by_hand_actual=Sum("kpis__actual", filter=Q(kpis__kind=KpiKind.CO2_REDUCTION)),
            kpi_sector=Subquery(
                Kpi.objects.filter(project=OuterRef("pk"), kind__in=COVENANT_KPI_KINDS)
                .exclude(sector="")
                .order_by("pk")
                .values("sector")[:1]
            ),
        )
        .order_by("planned_start", "title", "pk")
    )
    rows = []
    for project in queryset:
        # A project's hand-typed CO₂ KPI stands in only where its energy KPIs give no CO₂ (as in the totals).
        co2_target = project.co2_target if project.co2_target is not None else project.co2_by_hand_target
        co2_actual = project.co2_actual if project.co2_actual is not None else project.co2_by_hand_actual
        rows.append(
            [
                project.title,
                _sector(project),
                ThematicArea(project.thematic_area).label if project.thematic_area else "",
                project.lead_department.name if project.lead_department else "",
                project.planned_start.year if project.planned_start else None,
                project.planned_end.year if project.planned_end else None,
                Stage(project.stage).label,
                project.estimated_cost,
                project.savings_target,
                project.savings_actual,
                project.renewable,
                co2_target,
                co2_actual,
            ]
        )
    return rows


def _inventory_headers() -> list[str]:
    return [_("Year"), _("Sector"), _("Energy carrier"), _("Consumption (MWh)"), _("Emissions (t CO₂)")]


def inventory_rows(*, user: User) -> list[list]:
    rows = []
    for inventory in EmissionInventory.objects.filter(municipality_id__in=municipality_ids_staff(user=user)):
        for sector, carrier, mwh, co2 in inventory_co2(inventory=inventory).rows:
            rows.append([inventory.year, Sector(sector).label, EnergyCarrier(carrier).label, mwh, co2])
    return rows


def _cell(value):
    """Numbers as numbers (the number format shows them the Czech way), labels as plain text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):
        return str(value)
    return value


def report_xlsx(*, user: User) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    actions = workbook.active
    actions.title = _("Action list")[:31]
    for sheet, headers, rows, formats in (
        (actions, _action_headers(), action_rows(user=user), {8: CZK_FORMAT}),
        (workbook.create_sheet(_("Inventory")[:31]), _inventory_headers(), inventory_rows(user=user), {}),
    ):
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(value) for value in row])
        for column, header in enumerate(headers, start=1):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = max(12, min(len(header) + 2, 48))
            number_format = formats.get(column, MWH_FORMAT)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                if isinstance(cell.value, float):
                    cell.number_format = number_format
        sheet.freeze_panes = "A2"
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _czech_number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}".replace(".", ",")
    return str(value)


def report_csv(*, user: User) -> str:
    """The action list as CSV the way Czech spreadsheets read it: semicolons, decimal commas, a BOM."""
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(_action_headers())
    for row in action_rows(user=user):
        writer.writerow([_czech_number(value) for value in row])
    return "\ufeff" + stream.getvalue()


def _filename(extension: str) -> str:
    return f"energie-pakt-starostu-{timezone.localdate():%Y-%m-%d}.{extension}"


def report_xlsx_response(*, user: User) -> HttpResponse:
    response = HttpResponse(
        report_xlsx(user=user), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    return response


def report_csv_response(*, user: User) -> HttpResponse:
    response = HttpResponse(report_csv(user=user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response
