"""Strategy screens: the list, a strategy's tree with coverage and charts, its amendments, changelog and diff,
and linking a project to measures. Reads go through ``backend.strategy.selectors`` (404 outside the user's
municipality); every change through ``backend.strategy.services``."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backend.accounts.models import Department
from backend.accounts.selectors import user_access
from backend.core.errors import DomainError, NotFound, PermissionDenied
from backend.core.spreadsheets import IMPORT_MAX_BYTES, Sheet, sheet_read
from backend.projects.choices import KpiKind
from backend.projects.selectors import project_get_visible
from backend.projects.services import project_update
from backend.strategy.coverage import Coverage, strategy_coverage
from backend.strategy.forms import AmendmentForm, DecisionForm, ImportForm, ProjectMeasuresForm, ResolutionForm
from backend.strategy.history import strategy_changelog, strategy_diff
from backend.strategy.models import Amendment, Goal, Indicator, ItemKind, Measure, Strategy
from backend.strategy.selectors import (
    amendment_get_visible,
    amendment_list,
    code_key,
    goal_idea_counts,
    goal_list,
    measure_list,
    measure_list_linkable,
    strategy_get_visible,
    strategy_is_read_only,
    strategy_list_visible,
)
from backend.strategy.services import (
    amendment_approver_roles,
    amendment_decide,
    amendment_propose,
    amendment_resolution_record,
    amendment_withdraw,
)
from backend.strategy.transfer import (
    import_errors,
    strategy_import,
    strategy_import_check,
    strategy_xlsx_response,
)
from backend.web.charts import BarChart, Series, bar_chart
from backend.web.htmx import render_page
from backend.web.templatetags.ramec import format_czk
from backend.web.views import strategy_consultation
from workflows.models import ApprovalStatus

STRATEGY_LIST_LIMIT = 50


def _strategy_or_404(request: HttpRequest, pk: int) -> Strategy:
    try:
        return strategy_get_visible(user=request.user, pk=pk)
    except NotFound as error:
        raise Http404(str(error)) from error


def _amendment_or_404(request: HttpRequest, pk: int) -> Amendment:
    try:
        return amendment_get_visible(user=request.user, pk=pk)
    except NotFound as error:
        raise Http404(str(error)) from error


def _messages_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _saved(form, call) -> bool:
    """Run a service for a valid form: its refusals become the form's errors (403 for a missing right)."""
    try:
        call()
    except PermissionDenied as error:
        raise HttpPermissionDenied(str(error)) from error
    except ValidationError as error:
        for message in _messages_of(error):
            form.add_error(None, message)
        return False
    return True


@require_GET
@login_required
def strategy_list(request: HttpRequest) -> HttpResponse:
    strategies = strategy_list_visible(user=request.user).order_by("municipality__name", "-period_start", "title")
    return render_page(
        request, "strategy/strategy_list.html", {"nav": "strategy", "strategies": strategies[:STRATEGY_LIST_LIMIT]}
    )


def _tree(goals: list[Goal], measures: list[Measure]) -> list[dict[str, Any]]:
    """Goals in code order, each followed by its measures and then its specific goals with theirs."""
    measures_of: dict[int, list[Measure]] = {}
    for measure in measures:
        measures_of.setdefault(measure.goal_id, []).append(measure)
    children: dict[int | None, list[Goal]] = {}
    for goal in goals:
        children.setdefault(goal.parent_id, []).append(goal)
    rows: list[dict[str, Any]] = []

    def walk(parent_id: int | None, level: int) -> None:
        for goal in sorted(children.get(parent_id, []), key=lambda g: code_key(g.code)):
            rows.append({"goal": goal, "level": level})
            for measure in sorted(measures_of.get(goal.pk, []), key=lambda m: code_key(m.code)):
                rows.append({"measure": measure, "level": level + 1})
            walk(goal.pk, level + 1)

    walk(None, 1)
    return rows


def _charts(coverage: Coverage, top_goals: list[Goal]) -> tuple[BarChart, BarChart]:
    def projects(count: int) -> str:
        return ngettext("%(count)d project", "%(count)d projects", count) % {"count": count}

    projects_chart = bar_chart(
        id="chart-goal-projects",
        title=_("Projects per goal"),
        rows=[(f"{goal.code} {goal.title}", [coverage.of_goal(goal).projects]) for goal in top_goals],
        series=[Series(css_class="bar", label=_("Projects"), format=projects)],
    )
    money_chart = bar_chart(
        id="chart-goal-money",
        title=_("Estimated cost and secured funding per goal"),
        rows=[
            (f"{goal.code} {goal.title}", [coverage.of_goal(goal).cost, coverage.of_goal(goal).funding])
            for goal in top_goals
        ],
        series=[
            Series(css_class="bar", label=_("Estimated cost"), format=format_czk),
            Series(css_class="bar-alt", label=_("Secured funding"), format=format_czk),
        ],
    )
    return projects_chart, money_chart


def _indicator_rows(measure: Measure, coverage: Coverage) -> list[dict[str, Any]]:
    """Each indicator with the projects' KPI totals where it measures energy or CO₂."""
    rows = []
    figures = coverage.of_measure(measure)
    for indicator in measure.indicators.all():
        planned = achieved = None
        if indicator.kind in (KpiKind.ENERGY_SAVINGS, KpiKind.CO2_REDUCTION):
            planned, achieved = figures.kpi(indicator.kind)
        share = None
        if achieved is not None and indicator.target:
            share = round(100 * achieved / indicator.target)
        rows.append({"indicator": indicator, "planned": planned, "achieved": achieved, "share": share})
    return rows


@require_GET
@login_required
def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _strategy_or_404(request, pk)
    goals = list(goal_list(strategy=strategy))
    measures = list(measure_list(strategy=strategy))
    coverage = strategy_coverage(strategy=strategy, goals=goals, measures=measures)
    active_goals = [goal for goal in goals if not goal.is_retired]
    active_measures = [measure for measure in measures if not measure.is_retired]
    top_goals = sorted((goal for goal in active_goals if goal.parent_id is None), key=lambda g: code_key(g.code))
    projects_chart, money_chart = _charts(coverage, top_goals)
    tree = _tree(active_goals, active_measures)
    ideas_by_goal = goal_idea_counts(strategy=strategy)
    for row in tree:
        if "measure" in row:
            row["figures"] = coverage.of_measure(row["measure"])
            row["indicators"] = _indicator_rows(row["measure"], coverage)
        else:
            row["figures"] = coverage.of_goal(row["goal"])
            row["ideas"] = ideas_by_goal.get(row["goal"].pk, 0)
    amendments = list(amendment_list(strategy=strategy).select_related("consultation")[:20])
    for amendment in amendments:
        amendment.strategy = strategy
        own = amendment.forbid_self_approval and amendment.proposed_by_id == request.user.pk
        amendment.may_decide = (
            amendment.status == ApprovalStatus.PENDING
            and not own
            and bool(amendment_approver_roles(amendment=amendment, user=request.user))
        )
    access = user_access(user=request.user)
    context = {
        "nav": "strategy",
        "strategy": strategy,
        "coverage": coverage,
        "tree": tree,
        "top_goals": [(goal, coverage.of_goal(goal)) for goal in top_goals],
        "without_project": [m for m in active_measures if coverage.of_measure(m).has_no_project],
        "all_stalled": [m for m in active_measures if coverage.of_measure(m).all_stalled],
        "projects_chart": projects_chart,
        "money_chart": money_chart,
        "amendments": amendments,
        "is_coordinator": access.is_coordinator_in(strategy.municipality_id),
        "may_propose": access.is_staff_in(strategy.municipality_id) and strategy.status != "draft",
        "read_only": strategy_is_read_only(user=request.user, strategy=strategy),
        "changelog": strategy_changelog(strategy=strategy),
        "revisions": list(range(1, strategy.revision + 1)),
        **_diff_context(request, strategy),
        "decision_form": DecisionForm(),
        "resolution_form": ResolutionForm(),
    }
    return render_page(request, "strategy/strategy_detail.html", context)


def _diff_context(request: HttpRequest, strategy: Strategy) -> dict[str, Any]:
    def revision(name: str, default: int) -> int:
        value = request.GET.get(name, "")
        # ASCII digits only: "²" passes isdigit but not int.
        valid = value.isascii() and value.isdigit() and len(value) <= 9
        return int(value) if valid and 1 <= int(value) <= strategy.revision else default

    after = revision("after", strategy.revision)
    before = revision("before", max(after - 1, 1))
    diff = strategy_diff(strategy=strategy, before=before, after=after) if before != after else []
    return {"diff_before": before, "diff_after": after, "diff": diff}


def _amendment_form(strategy: Strategy, data=None) -> AmendmentForm:
    goals = goal_list(strategy=strategy).filter(is_retired=False).order_by("code")
    measures = Measure.objects.filter(strategy=strategy, is_retired=False).order_by("code")
    indicators = (
        Indicator.objects.filter(measure__strategy=strategy, is_retired=False)
        .select_related("measure")
        .order_by("measure__code", "name")
    )
    items = [
        *((f"{ItemKind.GOAL}:{goal.pk}", f"{_('Goal')} {goal}") for goal in goals),
        *((f"{ItemKind.MEASURE}:{measure.pk}", f"{_('Measure')} {measure}") for measure in measures),
        *(
            (f"{ItemKind.INDICATOR}:{indicator.pk}", f"{_('Indicator')} {indicator.measure.code} {indicator.name}")
            for indicator in indicators
        ),
    ]
    departments = list(
        Department.objects.filter(municipality_id=strategy.municipality_id).order_by("name").values_list("pk", "name")
    )
    return AmendmentForm(data, items=items, departments=departments)


@require_http_methods(["GET", "POST"])
@login_required
def amendment_create(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _strategy_or_404(request, pk)
    if not user_access(user=request.user).is_staff_in(strategy.municipality_id):
        raise HttpPermissionDenied(_("Only people of the municipality may propose amendments."))
    form = _amendment_form(strategy, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        proposed = _saved(
            form,
            lambda: amendment_propose(
                actor=request.user,
                strategy=strategy,
                title=form.cleaned_data["title"],
                reason=form.cleaned_data["reason"],
                changes=[form.change()],
            ),
        )
        if proposed:
            messages.success(request, _("The amendment was proposed."))
            return redirect("strategy:detail", pk=strategy.pk)
    status = 400 if form.errors else 200
    context = {"nav": "strategy", "strategy": strategy, "form": form}
    return render_page(request, "strategy/amendment_form.html", context, status=status)


def _amendment_action(request: HttpRequest, amendment: Amendment, action) -> HttpResponse:
    try:
        action()
    except PermissionDenied as error:
        raise HttpPermissionDenied(str(error)) from error
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("strategy:detail", pk=amendment.strategy_id)


@require_POST
@login_required
def amendment_decision(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = _amendment_or_404(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Approve or reject."))
        return redirect("strategy:detail", pk=amendment.strategy_id)

    def decide() -> None:
        decided = amendment_decide(
            actor=request.user,
            amendment=amendment,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(
            request, _("Your decision was recorded: %(status)s.") % {"status": decided.get_status_display()}
        )

    return _amendment_action(request, amendment, decide)


@require_POST
@login_required
def amendment_resolution(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = _amendment_or_404(request, pk)
    form = ResolutionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("strategy:detail", pk=amendment.strategy_id)

    def record() -> None:
        amendment_resolution_record(actor=request.user, amendment=amendment, **form.cleaned_data)
        messages.success(request, _("The council resolution was recorded and the amendment applied."))

    return _amendment_action(request, amendment, record)


@require_POST
@login_required
def amendment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = _amendment_or_404(request, pk)

    def withdraw() -> None:
        amendment_withdraw(actor=request.user, amendment=amendment)
        messages.success(request, _("The amendment was withdrawn."))

    return _amendment_action(request, amendment, withdraw)


@require_http_methods(["GET", "POST"])
@login_required
def project_measures(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Which measures a project serves: the choice is bounded by the municipality's strategies, not projects."""
    try:
        project = project_get_visible(user=request.user, pk=project_pk)
    except NotFound as error:
        raise Http404(str(error)) from error
    access = user_access(user=request.user)
    if not access.is_staff_in(project.municipality_id):
        raise Http404(_("Project not found."))
    linkable = list(measure_list_linkable(user=request.user, municipality_id=project.municipality_id))
    choices = [(measure.pk, f"{measure.strategy.title}: {measure}") for measure in linkable]
    current = [measure.pk for measure in project.strategic_measures.all()]
    form = ProjectMeasuresForm(request.POST or None, choices=choices, initial={"measures": current})
    if request.method == "POST" and form.is_valid():
        chosen = {int(pk) for pk in form.cleaned_data["measures"]}
        # Measures outside the form (retired since, of an archived strategy) stay linked as they were.
        kept = [measure for measure in project.strategic_measures.all() if measure.pk not in {m.pk for m in linkable}]
        saved = _saved(
            form,
            lambda: project_update(
                actor=request.user,
                project=project,
                strategic_measures=[*kept, *(m for m in linkable if m.pk in chosen)],
            ),
        )
        if saved:
            messages.success(request, _("The project's strategic measures were saved."))
            return redirect("web:project_detail", pk=project.pk)
    context = {"nav": "projects", "project": project, "form": form, "has_measures": bool(choices)}
    return render_page(request, "strategy/project_measures.html", context, status=400 if form.errors else 200)


IMPORT_SESSION_KEY = "strategy_import"
IMPORT_PREVIEW_ROWS = 300


def _storable(value: Any) -> Any:
    """A cell as the session (JSON) keeps it until the import is confirmed."""
    return value if value is None or isinstance(value, (int, float, str)) else str(value)


def _require_coordinator_page(request: HttpRequest, strategy: Strategy) -> None:
    if not user_access(user=request.user).is_coordinator_in(strategy.municipality_id):
        raise HttpPermissionDenied(_("Only the Smart City coordinator may do this."))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def strategy_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a table, see every row checked (nothing saved), then import it whole or not at all."""
    strategy = _strategy_or_404(request, pk)
    _require_coordinator_page(request, strategy)
    form = ImportForm()
    context: dict[str, Any] = {"nav": "strategy", "strategy": strategy, "form": form}
    step = request.POST.get("step", "")
    stored = request.session.get(IMPORT_SESSION_KEY)
    if stored and stored.get("strategy") != strategy.pk:
        stored = None
    try:
        if step == "upload":
            form = context["form"] = ImportForm(request.POST, request.FILES)
            if not form.is_valid():
                return render_page(request, "strategy/import.html", context, status=400)
            upload = form.cleaned_data["file"]
            sheet = sheet_read(name=upload.name, content=upload.read(IMPORT_MAX_BYTES + 1))
            stored = {
                "strategy": strategy.pk,
                "name": upload.name,
                "reason": form.cleaned_data["reason"],
                "headers": sheet.headers,
                "rows": [[_storable(cell) for cell in row] for row in sheet.rows],
            }
            request.session[IMPORT_SESSION_KEY] = stored
            rows = strategy_import_check(actor=request.user, strategy=strategy, sheet=sheet)
            context.update(file_name=upload.name, rows=rows[:IMPORT_PREVIEW_ROWS], row_count=len(rows))
            context["errors"] = import_errors(rows)
            return render_page(request, "strategy/import.html", context, status=400 if context["errors"] else 200)
        if step == "import" and stored:
            sheet = Sheet(headers=stored["headers"], rows=stored["rows"])
            result = strategy_import(actor=request.user, strategy=strategy, sheet=sheet, reason=stored["reason"])
            del request.session[IMPORT_SESSION_KEY]
            if result.amendment is not None:
                messages.success(request, _("The rows were proposed as an amendment of the strategy."))
            else:
                count = len(result.items)
                messages.success(
                    request,
                    ngettext("%(count)s item was imported.", "%(count)s items were imported.", count)
                    % {"count": count},
                )
            return redirect("strategy:detail", pk=strategy.pk)
    except PermissionDenied as error:
        raise HttpPermissionDenied(str(error)) from error
    except ValidationError as error:
        form.add_error(None if step == "import" else "file", _messages_of(error))
        return render_page(request, "strategy/import.html", context, status=400)
    return render_page(request, "strategy/import.html", context)


@login_required
@require_GET
def strategy_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The live tree with each goal's and measure's coverage, as XLSX (anyone who sees the strategy)."""
    return strategy_xlsx_response(strategy=_strategy_or_404(request, pk))


app_name = "strategy"
urlpatterns = [
    path("", strategy_list, name="list"),
    path("<int:pk>/", strategy_detail, name="detail"),
    path("<int:pk>/import/", strategy_import_page, name="import"),
    path("<int:pk>/export.xlsx", strategy_export, name="export"),
    path("<int:pk>/zmeny/nova/", amendment_create, name="amendment_create"),
    path("zmeny/<int:pk>/rozhodnuti/", amendment_decision, name="amendment_decision"),
    path("zmeny/<int:pk>/usneseni/", amendment_resolution, name="amendment_resolution"),
    path("zmeny/<int:pk>/stazeni/", amendment_cancel, name="amendment_cancel"),
    path("projekty/<int:project_pk>/opatreni/", project_measures, name="project_measures"),
    path("zmeny/<int:pk>/pripominky/", strategy_consultation.consultation_comments, name="consultation_comments"),
    path(
        "zmeny/<int:pk>/pripominky/<int:comment_pk>/moderace/",
        strategy_consultation.consultation_comment_moderation,
        name="consultation_comment_moderate",
    ),
    path(
        "zmeny/<int:pk>/pripominky/<int:comment_pk>/odpoved/",
        strategy_consultation.consultation_comment_reply,
        name="consultation_comment_answer",
    ),
]
