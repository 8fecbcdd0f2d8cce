"""The project list as a CSV file for Excel, shared by the web UI and the REST API.

Format, chosen for Czech Excel, where these files are opened: UTF-8 with a byte order mark (without it
Excel reads Czech letters as cp1250 garbage), ``;`` between cells (Czech Excel's list separator, since the
comma is the decimal mark), decimal commas in amounts, ISO dates (Excel recognises them), CRLF line ends.
The dates stay ISO (``2026-12-02``, ``2026-12-02 00:40``) although the pages show ``2. 12. 2026``: Excel of
any language reads ISO as a date that sorts and filters, while ``2. 12. 2026`` (with its spaces) stays text.
A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so that a
title such as ``=HYPERLINK(...)`` is text, never a formula (CSV injection).

Who sees what: the rows are the caller's queryset (already scoped by ``project_list_visible``); the internal
columns (project manager, cost, assessment, created at) are there only for people with a municipal role,
and are empty on each project they see as a partner guest, the rule of ``ProjectAccess.sees_internals``. Partners
get exactly the fields the API's partner view of a project shows.
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.core.spreadsheets import defuse
from backend.projects.access import project_access
from backend.projects.models import Project

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
DELIMITER = ";"
BYTE_ORDER_MARK = "\ufeff"
CHUNK_SIZE = 500


@dataclass(frozen=True)
class Column:
    label: Any  # a lazy translation
    value: Callable[[Project], Any]
    internal: bool = False  # never shown to a partner guest


COLUMNS = (
    Column(_("id"), lambda project: project.pk),
    Column(_("title"), lambda project: project.title),
    Column(_("summary"), lambda project: project.summary),
    Column(_("stage"), lambda project: project.get_stage_display()),
    Column(_("thematic area"), lambda project: project.get_thematic_area_display()),
    Column(_("municipality"), lambda project: project.municipality.name),
    Column(_("lead department"), lambda project: project.lead_department.name if project.lead_department else ""),
    Column(_("planned start"), lambda project: project.planned_start),
    Column(_("planned end"), lambda project: project.planned_end),
    Column(_("public"), lambda project: project.is_public),
    Column(_("in stage since"), lambda project: project.stage_changed_at),
    Column(_("project manager"), lambda project: project.manager or "", internal=True),
    Column(_("estimated cost (CZK)"), lambda project: project.estimated_cost, internal=True),
    Column(_("assessment score"), lambda project: project.assessment_score, internal=True),
    Column(_("created at"), lambda project: project.created_at, internal=True),
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return defuse(str(value))


class _Line:
    """A file-like object that hands back what ``csv.writer`` writes, so that each row streams at once."""

    def write(self, value: str) -> str:
        return value


def project_csv_lines(*, user: User, projects: QuerySet[Project]) -> Iterator[str]:
    """The lines of the CSV file, the first one starting with the byte order mark.

    One query for the roles (now) and one for all the rows (while streaming), however many rows:
    ``projects`` must bring the municipality, lead department and manager along (``select_related``).
    """
    access = user_access(user=user)
    internal_columns = access.is_platform_admin or bool(access.municipality_ids)
    columns = [column for column in COLUMNS if internal_columns or not column.internal]
    # The response streams after the view returned: keep the request's language for the labels.
    language = translation.get_language()
    writer = csv.writer(_Line(), delimiter=DELIMITER, lineterminator="\r\n")

    def lines() -> Iterator[str]:
        with translation.override(language):
            yield BYTE_ORDER_MARK + writer.writerow([defuse(str(column.label)) for column in columns])
            for project in projects.iterator(chunk_size=CHUNK_SIZE):
                partner = not project_access(user=user, project=project).sees_internals
                yield writer.writerow(
                    ["" if partner and column.internal else _text(column.value(project)) for column in columns]
                )

    return lines()


def project_csv_filename() -> str:
    return f"ramec-projects-{timezone.localdate().isoformat()}.csv"
