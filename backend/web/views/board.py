"""The pipeline board: a column per stage, filtered by the API's ProjectFilterSet, bounded whatever the register's size.

Each column shows at most ``COLUMN_SIZE`` cards, those longest in their stage first, and its true count from one
aggregate over the filtered projects (unfiltered, the user's own towns' counts come from the cache:
``backend.projects.stage_counts``). "Show more" asks for the column's next page (``?stage=X&column_page=N``):
htmx appends the cards in place; without JavaScript the same link opens that column alone at that page. So the
page costs the same queries and about the same bytes for 200 projects or 10,000.
"""

from dataclasses import dataclass
from typing import TypedDict

from django.contrib.auth.decorators import login_required
from django.db import connections
from django.db.models import CharField, Count, F, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from backend.accounts.selectors import user_access
from backend.projects.access import sees_internals_in
from backend.projects.models import Project
from backend.projects.selectors import project_list_visible
from backend.projects.stage_counts import stage_counts_visible
from backend.projects.stages import ACTIVE_STAGES, TERMINAL_STAGES, Stage
from backend.web.forms.projects import filter_departments, project_filters
from backend.web.htmx import htmx_partial, render_page
from backend.web.templatetags.ramec import format_czk
from backend.web.views.projects import can_create_projects, project_cards

TEMPLATE = "pages/board.html"
# Cards per column and page: 8 columns of 20 compact cards stay well under 200 KB.
COLUMN_SIZE = 20
# Active stages in pipeline order, then the parked one, then the terminal ones (collapsed by default).
COLUMN_ORDER = (*ACTIVE_STAGES, Stage.ON_HOLD, *TERMINAL_STAGES)
# Longest in its stage first: the cards most likely to need a push; the id keeps pages stable on ties.
CARD_ORDER = (F("stage_changed_at").asc(), F("id").asc())


class Card(TypedDict):
    """What one compact card shows, its texts already formatted: the board renders up to 160 of them, and a
    template tag, filter or ``{% url %}`` per card cost more than the rest of the page (profiled). A plain dict:
    the template finds a dict's keys at its first try, an object's attributes only after that failed."""

    pk: str
    url: str
    title: str
    department_code: str | None
    department_name: str | None
    # The estimated cost in CZK; None where the user does not see the project's internals (partner guests).
    cost: str | None
    days_in_stage: str
    open_tasks: str | None


@dataclass(frozen=True)
class Column:
    stage: Stage
    count: int
    cards: list[Card]
    page: int
    expanded: bool

    @property
    def collapsed_by_default(self) -> bool:
        return self.stage in TERMINAL_STAGES

    @property
    def has_more(self) -> bool:
        return self.page * COLUMN_SIZE < self.count

    @property
    def next_page(self) -> int:
        return self.page + 1

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * COLUMN_SIZE + 1

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * COLUMN_SIZE + len(self.cards)


def _column_page(request: HttpRequest) -> int:
    """The page of cards each shown column starts at (1 unless a "show more" link asked for another)."""
    value = request.GET.get("column_page", "")
    # The length first: ``int`` of more than 4,300 digits raises (a 500 before).
    return int(value) if value.isdecimal() and len(value) <= 5 and 0 < int(value) < 100_000 else 1


CARD_FIELDS = (
    "pk", "title", "stage", "municipality_id", "estimated_cost", "stage_changed_at", "open_task_count",
    "lead_department__code", "lead_department__name",
)  # fmt: skip


def _detail_url_maker():
    """The project page's URL for an id, from one ``reverse``: the route ends with the id (``…/<int:pk>/``)."""
    prefix, suffix = reverse("web:project_detail", kwargs={"pk": 0}).rsplit("0", 1)
    return lambda pk: f"{prefix}{pk}{suffix}"


def _cards(*, request: HttpRequest, rows) -> list[Card]:
    """The cards of ``rows`` (``CARD_FIELDS`` values), in their order: the texts of the card template, made once
    per card in Python (the same translations and formats as the template tags would use), each count's text
    translated once per page."""
    access = user_access(user=request.user)
    url_of = _detail_url_maker()
    now = timezone.now()
    days_texts: dict[int, str] = {}
    tasks_texts: dict[int, str] = {}
    cards = []
    for row in rows:
        days = max((now - row["stage_changed_at"]).days, 0)
        if days not in days_texts:
            days_texts[days] = ngettext("%(days)s day in stage", "%(days)s days in stage", days) % {"days": days}
        tasks = row["open_task_count"]
        if tasks and tasks not in tasks_texts:
            tasks_texts[tasks] = ngettext("%(tasks)s open task", "%(tasks)s open tasks", tasks) % {"tasks": tasks}
        sees_cost = row["estimated_cost"] is not None and sees_internals_in(
            access=access, municipality_id=row["municipality_id"]
        )
        cards.append(
            Card(
                pk=str(row["pk"]),
                url=url_of(row["pk"]),
                title=row["title"],
                department_code=row["lead_department__code"],
                department_name=row["lead_department__name"],
                cost=format_czk(row["estimated_cost"]) if sees_cost else None,
                days_in_stage=days_texts[days],
                open_tasks=tasks_texts.get(tasks),
            )
        )
    return cards


# The stage of the column a card slice is cut for: a column of the LATERAL join in ``_shown``.
_COLUMN_STAGE = RawSQL('"board_column"."stage"', (), output_field=CharField())


def _shown(*, projects: QuerySet[Project], stages: list[Stage], offset: int) -> RawSQL | list[int]:
    """The ids of one page of cards of every column in ``stages``: each column's ``LIMIT``ed slice in card order.

    So the database walks the board index (stage, time in stage) of each stage only as far as the page, instead of
    ranking every visible project to keep 20 of each stage. On PostgreSQL the slice is one statement, compiled once
    and run for each stage by a ``LATERAL`` join over the stages: a ``UNION ALL`` of a slice per stage made Django
    compile the visibility filter eight times (9.5 of the fragment's ~50 ms CPU, profiled).
    """
    column = projects.filter(stage=_COLUMN_STAGE).order_by(*CARD_ORDER).values("pk")[offset : offset + COLUMN_SIZE]
    if connections[column.db].vendor != "postgresql":  # SQLite (the demo) has no LATERAL: a query per column there
        return [
            row["pk"]
            for stage in stages
            for row in projects.filter(stage=stage).order_by(*CARD_ORDER).values("pk")[offset : offset + COLUMN_SIZE]
        ]
    sql, params = column.query.get_compiler(using=column.db).as_sql()
    # Django's SQL of the slice (its values as parameters) and the stages as one array parameter.
    lateral = f'SELECT "board_card"."pk" FROM unnest(%s::varchar[]) AS "board_column" ("stage") CROSS JOIN LATERAL ({sql}) AS "board_card"'  # noqa: E501, S608
    return RawSQL(lateral, ([str(stage) for stage in stages], *params))  # noqa: S611


def _cards_by_stage(
    *, request: HttpRequest, projects: QuerySet[Project], stages: list[Stage], page: int
) -> dict[str, list[Card]]:
    """The cards of one page of every shown column, in one query (``_shown`` in it)."""
    if not stages:
        return {}
    shown = _shown(projects=projects, stages=stages, offset=(page - 1) * COLUMN_SIZE)
    rows = list(
        project_cards(user=request.user, projects=Project.objects.filter(pk__in=shown))
        .order_by(*CARD_ORDER)
        .values(*CARD_FIELDS)
    )
    by_stage: dict[str, list[Card]] = {}
    for row, card in zip(rows, _cards(request=request, rows=rows), strict=True):
        by_stage.setdefault(row["stage"], []).append(card)
    return by_stage


@login_required
@require_GET
@vary_on_headers("HX-Request")
def board(request: HttpRequest) -> HttpResponse:
    visible = project_list_visible(user=request.user)
    filterset = project_filters(
        data=request.GET, queryset=visible, departments=filter_departments(projects=visible), request=request
    )
    projects = filterset.qs
    # The filterset validated its (always bound) form above; a valid stage filter holds even if another is wrong.
    cleaned = filterset.form.cleaned_data
    chosen = set(cleaned.get("stage") or ())
    page = _column_page(request)
    if any(value for name, value in cleaned.items() if name != "stage"):
        counts = dict(projects.order_by().values_list("stage").annotate(Count("pk")))
    else:
        # Nothing narrows what the user sees (the stage filter only picks the columns): the counts of all of it,
        # the user's own towns' from the cache instead of counting every project of the town again.
        counts = stage_counts_visible(user=request.user)
    stages = [stage for stage in COLUMN_ORDER if not chosen or stage in chosen]
    # A column whose count ends before the page needs no slice of its own.
    cards = _cards_by_stage(
        request=request,
        projects=projects,
        stages=[stage for stage in stages if counts.get(stage, 0) > (page - 1) * COLUMN_SIZE],
        page=page,
    )
    columns = [
        Column(
            stage=stage,
            count=counts.get(stage, 0),
            cards=cards.get(stage, []),
            page=page,
            # A terminal column opens when it was asked for: filtered to, or paged through.
            expanded=stage not in TERMINAL_STAGES or stage in chosen or page > 1,
        )
        for stage in stages
    ]
    if htmx_partial(request) and "column_page" in request.GET and len(columns) == 1:
        # "Show more" in place: the column's next cards and its next "show more".
        return render_page(request, TEMPLATE, {"column": columns[0]}, fragment="column_more")
    context = {
        "nav": "board",
        "filter_form": filterset.form,
        "columns": columns,
        "total": sum(column.count for column in columns),
        "column_size": COLUMN_SIZE,
        "can_create": can_create_projects(user=request.user),
    }
    return render_page(request, TEMPLATE, context, fragment="board")


urlpatterns = [
    path("board/", board, name="board"),
]
