"""Project detail: every tab by role (full page and htmx fragment), the transition panel, tasks, comments,
funding, KPIs and the overview edit, what a partner never sees, query counts and the page's safety."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from backend.projects.models import Comment, FundingApplication, Kpi, Project, Task
from backend.projects.stages import Stage
from tests.factories import CommentFactory, MembershipFactory, TaskFactory, UserFactory
from workflows import guards
from workflows.models import ApprovalRequest, ApprovalStatus, TransitionRecord
from workflows.services import approval_decide, project_transition

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ANONYMOUS = "anonymous"
TABS = ("overview", "tasks", "comments", "funding", "kpis", "history", "approvals")
MUNICIPAL = ("coordinator", "lead_head", "other_head", "manager", "staff")
HIDDEN_FROM_PARTNERS = ("funding", "approvals")
INTERNAL_TEXT = "Interní: vyjednáváme s dodavatelem slevu 12 %"
SHARED_TEXT = "Sdílené: děkujeme spolku za podklady"


def tab_url(project: Project, tab: str = "overview") -> str:
    if tab == "overview":
        return reverse("web:project_detail", args=[project.pk])
    return reverse("web:project_tab", args=[project.pk, tab])


def url(name: str, project: Project, *args) -> str:
    return reverse(f"web:{name}", args=[project.pk, *args])


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture(autouse=True)
def _czech():
    """The UI speaks Czech by default: expected messages are computed in Czech too."""
    with translation.override("cs"):
        yield


def czech(message: str) -> str:
    return translation.gettext(message)


def expected_status(role: str, tab: str) -> int:
    if role == ANONYMOUS:
        return 302
    if role in MUNICIPAL:
        return 200
    if role == "partner":
        return 404 if tab in HIDDEN_FROM_PARTNERS else 200
    return 404  # partner_not_invited, other_coordinator


@pytest.fixture
def project(town) -> Project:
    """An idea of ENV managed by ``manager`` with the NGO invited, an internal and a shared comment and a task each."""
    project = town.project(Stage.IDEA, title="Chytré veřejné osvětlení")
    CommentFactory(project=project, author=town.user("manager"), visibility="internal", body=INTERNAL_TEXT)
    CommentFactory(project=project, author=town.user("manager"), visibility="shared", body=SHARED_TEXT)
    TaskFactory(project=project, title="Úkol spolku", assignee=town.user("partner"))
    TaskFactory(project=project, title="Interní rozpočet", assignee=town.user("manager"))
    return project


# --- every tab, full page and fragment, by role ------------------------------------------------------

ROLES = (ANONYMOUS, *MUNICIPAL, "partner", "partner_not_invited", "other_coordinator")
MATRIX = [(role, tab) for role in ROLES for tab in TABS]


@pytest.mark.parametrize(("role", "tab"), MATRIX, ids=[f"{role}-{tab}" for role, tab in MATRIX])
def test_tab_as_full_page_by_role(as_role, project, role, tab, assert_safe_page):
    response = as_role(role).get(tab_url(project, tab))

    assert response.status_code == expected_status(role, tab)
    if role == ANONYMOUS:
        assert response["Location"].startswith(reverse("web:login"))
    if response.status_code == 200:
        page = text(response)
        assert "<html" in page and project.title in page
        assert re.search(rf'id="tab-{tab}"[^>]*aria-current="page"', page)
        assert "HX-Request" in response["Vary"]
        assert_safe_page(response)


@pytest.mark.parametrize(("role", "tab"), MATRIX, ids=[f"{role}-{tab}" for role, tab in MATRIX])
def test_tab_as_htmx_fragment_by_role(as_role, project, role, tab):
    response = as_role(role).get(tab_url(project, tab), **HTMX)

    if role == ANONYMOUS:  # htmx is told to load the sign-in page as a page, not inside the tab
        assert response.status_code == 200 and response.content == b""
        assert response["HX-Redirect"].startswith(reverse("web:login"))
        return
    assert response.status_code == expected_status(role, tab)
    if response.status_code == 200:
        fragment = text(response)
        assert "<html" not in fragment and "<title>" in fragment
        assert 'id="project-tabs"' in fragment and 'id="tab-content"' in fragment
        assert 'id="transition-panel"' not in fragment  # the panel stays put while tabs change


def test_htmx_history_restore_gets_the_whole_page(as_role, project):
    response = as_role("manager").get(tab_url(project, "tasks"), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)

    assert "<html" in text(response)


def test_unknown_tab_and_missing_project_answer_404(as_role, project):
    client = as_role("manager")

    assert client.get(f"/projects/{project.pk}/nonsense/").status_code == 404
    assert client.get(reverse("web:project_detail", args=[987_654_321])).status_code == 404


def test_partner_sees_only_the_partner_view(as_role, project, town):
    project.estimated_cost = Decimal("4321987")
    project.assessment_summary = "Hodnocení jen pro úřad"
    project.save()
    client = as_role("partner")

    pages = [text(client.get(tab_url(project, tab))) for tab in TABS if tab not in HIDDEN_FROM_PARTNERS]
    pages += [text(client.get(tab_url(project, tab), **HTMX)) for tab in TABS if tab not in HIDDEN_FROM_PARTNERS]

    for page in pages:
        assert INTERNAL_TEXT not in page
        assert 'id="transition-panel"' not in page
        assert url("project_transition", project) not in page
        assert url("project_edit", project) not in page
        assert tab_url(project, "funding") not in page and tab_url(project, "approvals") not in page
        assert "4 321 987" not in page and "4321987" not in page
        assert "Hodnocení jen pro úřad" not in page
        assert 'value="internal"' not in page
    overview = pages[0]
    assert czech("Project manager") not in overview and str(town.user("manager")) not in overview
    comments = pages[TABS.index("comments")]
    assert SHARED_TEXT in comments
    tasks = pages[TABS.index("tasks")]
    assert "Úkol spolku" in tasks and "Interní rozpočet" not in tasks


def test_partner_cannot_reach_hidden_parts_by_url(as_role, project):
    client = as_role("partner")
    application = project.funding_applications.get()

    assert client.post(url("project_funding_create", project), {"programme": "irop"}).status_code == 404
    assert client.get(url("project_funding_update", project, application.pk)).status_code == 404
    assert client.get(url("project_edit", project)).status_code == 403
    assert client.post(url("project_transition", project), {"name": "submit"}).status_code == 403
    assert client.post(url("project_task_create", project), {"title": "X", "stage": "idea"}).status_code == 403
    assert Project.objects.get(pk=project.pk).stage == Stage.IDEA


def test_municipal_users_see_the_internal_parts(as_role, project):
    page = text(as_role("staff").get(tab_url(project, "comments")))

    assert INTERNAL_TEXT in page and SHARED_TEXT in page
    assert 'value="internal"' in page  # staff choose the visibility


# --- the transition panel ----------------------------------------------------------------------------


def test_panel_shows_every_transition_with_its_state_in_words(as_role, town):
    project = town.project(Stage.ASSESSMENT, ready=False)  # no assessment recorded yet
    page = text(as_role("manager").get(tab_url(project)))

    panel = page[page.index('id="transition-panel"') :]
    assert czech("Approve for funding") in panel and czech("Reject") in panel and czech("Put on hold") in panel
    assert 'class="transition-state blocked"' in panel and czech("Blocked") in panel
    assert czech(guards.HAS_ASSESSMENT.describe(project)) in panel
    assert 'class="transition-state needs-approval"' in panel and czech("Needs approval") in panel
    assert 'name="comment"' in panel  # reject and put on hold need a reason


def test_staff_without_rights_get_no_buttons(as_role, project):
    page = text(as_role("staff").get(tab_url(project)))

    assert 'id="transition-panel"' in page
    assert url("project_transition", project) not in page
    assert czech("No transition of this stage is open to you.") in page


def test_ready_transition_runs_and_updates_badge_and_timeline_out_of_band(as_role, project):
    response = as_role("manager").post(
        url("project_transition", project),
        {"name": "submit", "stage": "idea", "tab": "history"},
        HTTP_HX_CURRENT_URL=f"http://testserver{tab_url(project, 'history')}",
        **HTMX,
    )

    assert response.status_code == 200
    fragment = text(response)
    assert fragment.lstrip().startswith('<section id="transition-panel"')
    assert re.search(r'id="project-stage"[^>]*hx-swap-oob="true"', fragment)
    assert re.search(r'id="history-section"[^>]*hx-swap-oob="true"', fragment)
    assert 'id="project-timeline"' in fragment and czech("Submit for assessment") in fragment
    assert 'class="stage-badge stage-assessment"' in fragment
    assert 'role="status"' in fragment
    project.refresh_from_db()
    assert project.stage == Stage.ASSESSMENT
    assert TransitionRecord.objects.filter(project=project, transition="submit").count() == 1


def test_open_tabs_with_forms_are_not_replaced_after_a_transition(as_role, project):
    response = as_role("manager").post(
        url("project_transition", project),
        {"name": "submit", "stage": "idea"},
        HTTP_HX_CURRENT_URL=f"http://testserver{tab_url(project, 'comments')}",
        **HTMX,
    )

    fragment = text(response)
    assert re.search(r'id="project-stage"[^>]*hx-swap-oob="true"', fragment)
    assert "comments-section" not in fragment and "history-section" not in fragment


def test_gated_transition_creates_an_approval_request_and_says_so(as_role, town):
    project = town.project(Stage.ASSESSMENT)

    response = as_role("manager").post(
        url("project_transition", project), {"name": "approve_for_funding", "stage": "assessment"}, **HTMX
    )

    assert response.status_code == 200
    request = ApprovalRequest.objects.get(project=project, transition="approve_for_funding")
    assert request.status == ApprovalStatus.PENDING
    fragment = text(response)
    assert czech("Head of the lead department") in fragment and 'role="status"' in fragment
    assert czech("Waiting for approval") in fragment
    project.refresh_from_db()
    assert project.stage == Stage.ASSESSMENT


def test_blocked_transition_lists_blockers_next_to_the_button_and_changes_nothing(as_role, town):
    project = town.project(Stage.ASSESSMENT, ready=False)

    response = as_role("manager").post(
        url("project_transition", project), {"name": "approve_for_funding", "stage": "assessment"}, **HTMX
    )

    assert response.status_code == 200  # htmx swaps only successful answers
    fragment = text(response)
    error = fragment[fragment.index('id="transition-approve_for_funding-error"') :]
    assert 'role="alert"' in error[:80]
    assert czech(guards.HAS_ASSESSMENT.describe(project)) in error
    assert not ApprovalRequest.objects.filter(project=project).exists()
    assert not TransitionRecord.objects.filter(project=project).exists()
    project.refresh_from_db()
    assert project.stage == Stage.ASSESSMENT


def test_missing_reason_is_reported_and_changes_nothing(as_role, town):
    project = town.project(Stage.ASSESSMENT)

    response = as_role("lead_head").post(
        url("project_transition", project), {"name": "return_to_idea", "stage": "assessment", "comment": " "}, **HTMX
    )

    fragment = text(response)
    assert czech(guards.reason_blocker().message) in fragment
    assert re.search(r'id="transition-return_to_idea-comment"[^>]*aria-invalid="true"', fragment)
    project.refresh_from_db()
    assert project.stage == Stage.ASSESSMENT


def test_with_a_reason_the_same_transition_runs(as_role, town):
    town.allow_self_approval("return_to_idea")
    project = town.project(Stage.ASSESSMENT)

    as_role("lead_head").post(
        url("project_transition", project),
        {"name": "return_to_idea", "stage": "assessment", "comment": "Chybí rozpočet."},
        **HTMX,
    )

    record = TransitionRecord.objects.get(project=project)
    assert (record.target, record.comment) == (Stage.IDEA, "Chybí rozpočet.")


def test_without_htmx_a_transition_redirects_with_a_message(as_role, project):
    client = as_role("manager")

    response = client.post(url("project_transition", project), {"name": "submit", "stage": "idea", "tab": "tasks"})

    assert response.status_code == 302 and response["Location"] == tab_url(project, "tasks")
    page = text(client.get(response["Location"]))
    assert czech(Stage.ASSESSMENT.label) in page and 'class="message message-success"' in page


def test_without_htmx_a_blocked_transition_shows_the_page_with_the_blockers(as_role, town):
    project = town.project(Stage.ASSESSMENT, ready=False)

    response = as_role("manager").post(
        url("project_transition", project), {"name": "approve_for_funding", "stage": "assessment"}
    )

    assert response.status_code == 409
    page = text(response)
    assert "<html" in page and czech(guards.HAS_ASSESSMENT.describe(project)) in page


def test_a_stale_panel_does_not_move_the_project(as_role, project):
    response = as_role("manager").post(
        url("project_transition", project), {"name": "reject", "stage": "assessment", "comment": "x"}, **HTMX
    )

    assert 'role="alert"' in text(response)
    project.refresh_from_db()
    assert project.stage == Stage.IDEA


def test_a_transition_the_user_may_not_request_answers_403(as_role, project):
    response = as_role("staff").post(url("project_transition", project), {"name": "submit", "stage": "idea"}, **HTMX)

    assert response.status_code == 403
    project.refresh_from_db()
    assert project.stage == Stage.IDEA


def _panel(page: str) -> str:
    start = page.index('id="transition-panel"')
    return page[start : page.index("</section>", start)]


def _option(panel: str, name: str) -> str:
    start = panel.index(f'value="{name}"')
    end = panel.find("</li>", start)
    return panel[start:end]


def test_the_forward_move_is_primary_reject_danger_and_hold_secondary(as_role, town):
    project = town.project(Stage.ASSESSMENT)

    panel = _panel(text(as_role("coordinator").get(tab_url(project))))

    assert re.search(r'id="transition-approve_for_funding-button" class="primary"', panel)
    assert re.search(r'id="transition-reject-button" class="danger"', panel)
    assert re.search(r'id="transition-put_on_hold-button" class="secondary"', panel)
    assert re.search(r'id="transition-return_to_idea-button" class="secondary"', panel)


def test_a_reason_box_opens_only_when_its_move_is_chosen(as_role, town):
    project = town.project(Stage.ASSESSMENT)
    client = as_role("lead_head")

    panel = _panel(text(client.get(tab_url(project))))
    failed = _panel(
        text(
            client.post(
                url("project_transition", project), {"name": "reject", "stage": "assessment", "comment": ""}, **HTMX
            )
        )
    )

    for name in ("reject", "put_on_hold"):
        closed = _option(panel, name)
        # The textarea and the button sit inside a closed <details>: no JavaScript needed to open it.
        assert re.search(r'<details class="transition-reason">\s*<summary class="button \w+">', closed)
        assert closed.index("<details") < closed.index('name="comment"') < closed.index("</details>")
        assert closed.index("<details") < closed.index(f'id="transition-{name}-button"') < closed.index("</details>")
    assert '<details class="transition-reason" open>' in _option(failed, "reject")
    assert '<details class="transition-reason">' in _option(failed, "put_on_hold")
    assert "<details" not in _option(panel, "approve_for_funding")  # no reason, no box


def test_the_outcome_of_an_htmx_transition_takes_the_focus(as_role, project):
    fragment = text(
        as_role("manager").post(url("project_transition", project), {"name": "submit", "stage": "idea"}, **HTMX)
    )

    # ramec.js focuses a role=status with tabindex=-1 after htmx swapped the panel.
    assert re.search(r'<p class="notice" id="transition-notice" role="status" tabindex="-1">', fragment)


def test_the_panel_comes_before_the_tabs_so_a_phone_shows_it_first(as_role, project):
    page = text(as_role("manager").get(tab_url(project)))

    assert page.index('id="transition-panel"') < page.index('id="project-tabs"')


# --- blockers lead to their fix ----------------------------------------------------------------------


def test_a_missing_assessment_links_to_the_small_assessment_form(as_role, town):
    project = town.project(Stage.ASSESSMENT, ready=False)
    fix = url("project_edit_part", project, "assessment")

    for_manager = _option(_panel(text(as_role("manager").get(tab_url(project)))), "approve_for_funding")
    for_staff = text(as_role("staff").get(tab_url(project)))

    assert czech(guards.HAS_ASSESSMENT.describe(project)) in for_manager
    assert f'href="{fix}"' in for_manager and czech("Record the assessment") in for_manager
    assert fix not in for_staff  # only who may edit gets the link
    assert as_role("staff").get(fix).status_code == 403


def test_the_assessment_form_asks_for_the_score_on_its_scale_and_the_summary_only(as_role, town):
    project = town.project(Stage.ASSESSMENT, ready=False)
    client = as_role("manager")

    page = text(client.get(url("project_edit_part", project, "assessment")))
    fragment = text(client.get(url("project_edit_part", project, "assessment"), HTTP_HX_TARGET="project-tabs", **HTMX))

    form = page[page.index('id="overview-section"') :]
    form = form[: form.index("</form>")]
    assert set(re.findall(r'name="(?!csrfmiddlewaretoken)(\w+)"', form)) == {"assessment_score", "assessment_summary"}
    assert re.search(r'name="assessment_score"[^>]*max="100"', form) and 'min="0"' in form
    assert "50" in form and czech("Record the assessment") in form  # the threshold, in the scale's explanation
    assert (
        fragment.lstrip().startswith("<title>")
        and 'id="project-tabs"' in fragment
        and 'id="overview-section"' in fragment
    )
    assert "<html" not in fragment


def test_recording_the_assessment_opens_the_gate(as_role, town):
    project = town.project(Stage.ASSESSMENT, ready=False)
    client = as_role("manager")
    fix = url("project_edit_part", project, "assessment")

    without_summary = client.post(fix, {"assessment_score": "72"})
    saved = client.post(fix, {"assessment_score": "72", "assessment_summary": "Přínosné a levné."}, **HTMX)

    assert without_summary.status_code == 400 and 'role="alert"' in text(without_summary)
    fragment = text(saved)
    assert re.search(r'id="transition-panel"[^>]*hx-swap-oob="true"', fragment)
    assert 'id="transition-approve_for_funding-button" class="primary"' in fragment
    assert czech(guards.HAS_ASSESSMENT.describe(project)) not in fragment
    project.refresh_from_db()
    assert (project.assessment_score, project.assessment_summary) == (72, "Přínosné a levné.")


def test_without_javascript_the_assessment_form_saves_and_goes_back_to_the_overview(as_role, town):
    project = town.project(Stage.ASSESSMENT, ready=False)

    response = as_role("manager").post(
        url("project_edit_part", project, "assessment"), {"assessment_score": "40", "assessment_summary": "Slabé."}
    )

    assert response.status_code == 302 and response["Location"] == tab_url(project)
    project.refresh_from_db()
    assert project.assessment_score == 40


def _kpi_without_actual(town):
    project = town.project(Stage.EVALUATION)
    project.kpis.update(actual=None)
    return project, "complete", url("project_tab", project, "kpis")


def _no_evaluation_summary(town):
    project = town.project(Stage.EVALUATION, evaluation_summary="")
    return project, "complete", url("project_edit_part", project, "evaluation")


def _funding_short(town):
    project = town.project(Stage.FUNDING)
    project.funding_applications.update(amount_approved=Decimal("1"))
    return project, "start_implementation", url("project_tab", project, "funding")


def _open_task(town):
    project = town.project(Stage.IMPLEMENTATION)
    TaskFactory(project=project, title="Montáž")
    return project, "finish_implementation", url("project_tab", project, "tasks")


@pytest.mark.parametrize("situation", [_kpi_without_actual, _no_evaluation_summary, _funding_short, _open_task])
def test_each_blocker_links_to_where_it_is_fixed(as_role, town, situation):
    project, transition, fix = situation(town)

    option = _option(_panel(text(as_role("coordinator").get(tab_url(project)))), transition)

    assert f'href="{fix}"' in option and f'hx-get="{fix}"' in option
    assert as_role("coordinator").get(fix).status_code == 200


def test_the_evaluation_form_writes_the_summary_only(as_role, town):
    project = town.project(Stage.EVALUATION, evaluation_summary="", assessment_summary="Přínosné.")

    response = as_role("coordinator").post(
        url("project_edit_part", project, "evaluation"), {"evaluation_summary": "Úspora 12 %."}
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.evaluation_summary, project.assessment_summary) == ("Úspora 12 %.", "Přínosné.")


# --- history and approvals ---------------------------------------------------------------------------


def test_history_shows_who_why_when_and_the_approvals(as_role, town):
    project = town.project(Stage.ASSESSMENT)
    request = project_transition(
        project=project, actor=town.user("lead_head"), transition="put_on_hold", comment="Čekáme."
    ).approval_request
    approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")

    staff_page = text(as_role("staff").get(tab_url(project, "history")))
    partner_page = text(as_role("partner").get(tab_url(project, "history")))

    for page in (staff_page, partner_page):
        assert czech("Put on hold") in page and 'class="stage-badge stage-on_hold"' in page
    assert str(town.user("coordinator")) in staff_page and "Čekáme." in staff_page  # who approved, and why
    assert f"{czech('requested by')} {town.user('lead_head')}" in staff_page  # who asked
    assert czech("Approve") in staff_page  # the coordinator's approval of the request
    assert str(town.user("lead_head")) not in partner_page and "Čekáme." not in partner_page
    # The creation time is internal (a partner guest's list, CSV and API shape have none).
    assert czech("Project created") in staff_page and czech("Project created") not in partner_page


def test_approvals_tab_lists_requests_with_status_and_decisions(as_role, town):
    project = town.project(Stage.ASSESSMENT)
    project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding", comment="IROP")

    page = text(as_role("staff").get(tab_url(project, "approvals")))

    assert czech("Approve for funding") in page and czech(ApprovalStatus.PENDING.label) in page
    assert "IROP" in page and str(town.user("manager")) in page


# --- tasks -------------------------------------------------------------------------------------------


def test_task_create_with_htmx_swaps_the_list(as_role, project, town):
    response = as_role("manager").post(
        url("project_task_create", project),
        {"title": "Zaměřit stožáry", "assignee": town.user("partner").pk, "due_date": "2030-05-01", "stage": "idea"},
        **HTMX,
    )

    assert response.status_code == 200
    fragment = text(response)
    assert fragment.lstrip().startswith('<div id="tasks-section"') and "Zaměřit stožáry" in fragment
    task = Task.objects.get(title="Zaměřit stožáry")
    assert (task.assignee, task.due_date, task.created_by) == (
        town.user("partner"),
        date(2030, 5, 1),
        town.user("manager"),
    )


def test_a_task_due_before_the_planned_start_saves(as_role, project):
    """A grant application falls due before the works start: the form takes it without a word."""
    Project.objects.filter(pk=project.pk).update(planned_start=date(2030, 3, 1), planned_end=date(2030, 12, 31))

    response = as_role("manager").post(
        url("project_task_create", project),
        {"title": "Podat žádost o dotaci", "due_date": "2030-02-01", "stage": "idea"},
        **HTMX,
    )

    assert response.status_code == 200 and 'role="alert"' not in text(response)
    assert Task.objects.get(title="Podat žádost o dotaci").due_date == date(2030, 2, 1)


def test_task_create_without_htmx_redirects(as_role, project):
    response = as_role("staff").post(url("project_task_create", project), {"title": "Průzkum", "stage": "idea"})

    assert response.status_code == 302 and response["Location"] == tab_url(project, "tasks")
    assert Task.objects.filter(project=project, title="Průzkum").exists()


def test_task_create_refuses_people_outside_the_project(as_role, project, town):
    response = as_role("manager").post(
        url("project_task_create", project),
        {"title": "Nabídka", "assignee": town.user("partner_not_invited").pk, "stage": "idea"},
    )

    assert response.status_code == 400
    assert 'role="alert"' in text(response)
    assert not Task.objects.filter(title="Nabídka").exists()


def test_task_assignee_choices_are_the_people_of_the_project(as_role, project, town):
    page = text(as_role("manager").get(tab_url(project, "tasks")))
    choices = page[page.index('id="task-new-assignee"') :]
    choices = choices[: choices.index("</select>")]

    assert "@partner)" in choices and "@staff)" in choices
    assert "@partner.not.invited)" not in choices and "@other.coordinator)" not in choices


def test_task_status_changes_inline(as_role, project):
    task = project.tasks.get(title="Interní rozpočet")

    response = as_role("manager").post(url("project_task_status", project, task.pk), {"status": "done"}, **HTMX)

    assert response.status_code == 200
    assert text(response).lstrip().startswith(f'<tr id="task-{task.pk}"')
    task.refresh_from_db()
    assert task.status == "done" and task.completed_at is not None


def test_partner_moves_their_own_task_only(as_role, project):
    own = project.tasks.get(title="Úkol spolku")
    other = project.tasks.get(title="Interní rozpočet")
    client = as_role("partner")

    assert (
        client.post(url("project_task_status", project, own.pk), {"status": "in_progress"}, **HTMX).status_code == 200
    )
    assert client.post(url("project_task_status", project, other.pk), {"status": "done"}, **HTMX).status_code == 404
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.status, other.status) == ("in_progress", "open")


def test_unknown_task_status_is_reported_in_the_row(as_role, project):
    task = project.tasks.first()

    response = as_role("manager").post(url("project_task_status", project, task.pk), {"status": "lost"}, **HTMX)

    assert f'id="task-{task.pk}-error"' in text(response)
    task.refresh_from_db()
    assert task.status == "open"


def test_task_edit_in_place(as_role, project, town):
    task = project.tasks.get(title="Interní rozpočet")
    client = as_role("manager")

    form = client.get(url("project_task_edit", project, task.pk), **HTMX)
    saved = client.post(
        url("project_task_edit", project, task.pk),
        {"title": "Rozpočet 2027", "assignee": town.user("staff").pk, "due_date": ""},
        **HTMX,
    )

    assert f'id="task-{task.pk}-title"' in text(form)
    assert "Rozpočet 2027" in text(saved) and 'role="status"' in text(saved)
    task.refresh_from_db()
    assert (task.title, task.assignee) == ("Rozpočet 2027", town.user("staff"))


# --- comments and mentions ---------------------------------------------------------------------------


def test_partner_posts_a_shared_comment_with_htmx(as_role, project, town):
    response = as_role("partner").post(url("project_comment_create", project), {"body": "Posíláme fotky."}, **HTMX)

    assert response.status_code == 200
    fragment = text(response)
    assert "Posíláme fotky." in fragment and INTERNAL_TEXT not in fragment
    comment = Comment.objects.get(body="Posíláme fotky.")
    assert (comment.visibility, comment.author) == ("shared", town.user("partner"))


def test_partner_cannot_post_an_internal_comment(as_role, project):
    response = as_role("partner").post(
        url("project_comment_create", project), {"body": "Tajné", "visibility": "internal"}
    )

    assert response.status_code == 400
    assert czech("Partners may write only comments shared with partners.") in text(response)
    assert not Comment.objects.filter(body="Tajné").exists()


def test_staff_comment_mentions_people_and_redirects_without_htmx(as_role, project, town):
    response = as_role("manager").post(
        url("project_comment_create", project), {"body": "@lead.head prosím o kontrolu", "visibility": "internal"}
    )

    assert response.status_code == 302 and response["Location"] == tab_url(project, "comments")
    comment = Comment.objects.get(body__startswith="@lead.head")
    assert list(comment.mentions.all()) == [town.user("lead_head")]


def test_empty_comment_shows_the_error_next_to_the_field(as_role, project):
    response = as_role("manager").post(
        url("project_comment_create", project), {"body": "", "visibility": "shared"}, **HTMX
    )

    assert response.status_code == 200
    assert 'role="alert"' in text(response) and 'id="comments-section"' in text(response)


def test_mention_search_offers_people_on_the_project(as_role, project):
    found = as_role("manager").get(url("project_mention_search", project), {"q": "part"}).json()["results"]

    usernames = {person["username"] for person in found}
    assert "partner" in usernames and "partner.not.invited" not in usernames


MUNICIPALITY_PEOPLE = {"coordinator", "lead.head", "other.head", "manager", "staff"}


# fmt: off
MENTIONABLE = [
    ("partner",             {"manager", "partner"}),  # the manager and the assignees of the tasks they see
    ("staff",               MUNICIPALITY_PEOPLE | {"partner", "kolega.spolku"}),  # and the invited partners
    ("manager",             MUNICIPALITY_PEOPLE | {"partner", "kolega.spolku"}),
    ("partner_not_invited", None),  # 404: not their project
    ("other_coordinator",   None),
]
# fmt: on


@pytest.mark.parametrize(("role", "offered"), MENTIONABLE)
def test_mention_search_offers_exactly_the_people_one_may_mention(as_role, project, town, role, offered):
    colleague = UserFactory(username="kolega.spolku")
    MembershipFactory(user=colleague, role="partner", department=None, organization=town.ngo)
    CommentFactory(project=project, author=town.user("staff"), visibility="shared", body="Děkujeme")
    TaskFactory(project=project, title="Úkol kolegy", assignee=colleague)  # the partner does not see it

    response = as_role(role).get(url("project_mention_search", project))
    api = APIClient()
    api.force_authenticate(town.user(role))
    listed = api.get("/api/v1/users/", {"project": project.pk, "page_size": 50})

    if offered is None:
        assert response.status_code == 404
        assert (listed.status_code, listed.json()["results"]) == (200, [])
        return
    assert {person["username"] for person in response.json()["results"]} == offered
    assert {person["username"] for person in listed.json()["results"]} == offered


def test_a_partner_mentions_the_manager_but_reaches_nobody_else(as_role, project, town):
    body = "@manager hotovo, @staff @lead.head pro info"
    as_role("partner").post(url("project_comment_create", project), {"body": body, "visibility": "shared"})

    assert list(Comment.objects.get(body=body).mentions.all()) == [town.user("manager")]


def test_the_mention_hint_shows_the_project_managers_real_user_name(as_role, project, town):
    page = text(as_role("partner").get(tab_url(project, "comments")))

    assert f"@{town.user('manager').username}" in page and "@jan.novak" not in page


def test_comment_textarea_offers_the_mention_autocomplete(as_role, project):
    page = text(as_role("manager").get(tab_url(project, "comments")))

    assert f'data-mention-url="{url("project_mention_search", project)}"' in page
    assert re.search(r'<script src="[^"]*ramec/mentions\.js" nonce="[^"]+"', page)


# --- funding, KPIs and the overview edit -------------------------------------------------------------


def test_editor_adds_and_edits_funding(as_role, project):
    client = as_role("manager")

    added = client.post(
        url("project_funding_create", project),
        {"programme": "op_zp", "amount_requested": "500000", "status": "planned"},
        **HTMX,
    )
    application = FundingApplication.objects.get(project=project, programme="op_zp")
    edited = client.post(
        url("project_funding_update", project, application.pk),
        {"programme": "op_zp", "amount_requested": "500000", "amount_approved": "400000", "status": "approved"},
        **HTMX,
    )

    assert added.status_code == 200 and "OP ŽP" in text(added)
    assert edited.status_code == 200 and text(edited).lstrip().startswith(f'<tr id="funding-{application.pk}"')
    application.refresh_from_db()
    assert application.amount_approved == Decimal("400000")


def test_funding_rules_of_the_model_come_back_as_field_errors(as_role, project):
    response = as_role("manager").post(
        url("project_funding_create", project), {"programme": "irop", "amount_requested": "100", "status": "approved"}
    )

    assert response.status_code == 400
    assert czech("An approved application needs the approved amount.") in text(response)
    assert FundingApplication.objects.filter(project=project).count() == 1  # only the fixture's


def test_non_editors_read_funding_but_get_no_forms(as_role, project):
    client = as_role("staff")
    page = text(client.get(tab_url(project, "funding")))

    assert url("project_funding_create", project) not in page
    assert client.post(url("project_funding_create", project), {"programme": "irop"}).status_code == 403


def test_editor_adds_and_edits_kpis(as_role, project):
    client = as_role("lead_head")

    client.post(url("project_kpi_create", project), {"name": "Úspora CO₂", "kind": "co2_reduction", "target": "12"})
    kpi = Kpi.objects.get(project=project, name="Úspora CO₂")
    response = client.post(
        url("project_kpi_update", project, kpi.pk),
        {"name": "Úspora CO₂", "kind": "co2_reduction", "target": "12", "actual": "13.5"},
    )

    assert response.status_code == 302 and response["Location"] == tab_url(project, "kpis")
    kpi.refresh_from_db()
    assert (kpi.unit, kpi.actual) == ("t CO₂/year", Decimal("13.5"))
    assert as_role("staff").post(url("project_kpi_create", project), {"name": "X"}).status_code == 403


def test_editor_edits_the_overview_with_htmx(as_role, project):
    client = as_role("manager")
    form = client.get(url("project_edit", project), **HTMX)
    data = {
        "title": "Chytré osvětlení II",
        "summary": project.summary,
        "description": project.description,
        "lead_department": project.lead_department_id,
        "manager": project.manager_id,
        "thematic_area": "energy",
        "estimated_cost": "1200000",
        "planned_start": "2027-01-01",
        "planned_end": "2027-12-31",
    }

    response = client.post(url("project_edit", project), data, **HTMX)

    assert 'id="project-title"' in text(form)
    assert response.status_code == 200
    assert re.search(r'id="project-header"[^>]*hx-swap-oob="true"', text(response))
    project.refresh_from_db()
    assert (project.title, project.estimated_cost) == ("Chytré osvětlení II", Decimal("1200000"))


def test_writes_that_change_a_gate_refresh_the_panel_out_of_band(as_role, town):
    project = town.project(Stage.IMPLEMENTATION)
    task = TaskFactory(project=project, title="Montáž", assignee=town.user("partner"))  # an open task blocks
    client = as_role("manager")
    blocked = text(client.get(tab_url(project, "tasks")))

    response = client.post(url("project_task_status", project, task.pk), {"status": "done"}, **HTMX)

    assert 'class="transition-state blocked"' in blocked[blocked.index('id="transition-panel"') :]
    fragment = text(response)
    assert fragment.lstrip().startswith(f'<tr id="task-{task.pk}"')
    panel = fragment[fragment.index("<template>") :]
    assert re.search(r'id="transition-panel"[^>]*hx-swap-oob="true"', panel)
    assert 'id="transition-finish_implementation-button"' in panel and "blocked" not in panel


def test_partners_get_no_panel_after_their_writes(as_role, project):
    task = project.tasks.get(title="Úkol spolku")

    response = as_role("partner").post(url("project_task_status", project, task.pk), {"status": "done"}, **HTMX)

    assert "transition-panel" not in text(response)


def test_invalid_overview_edit_saves_nothing(as_role, project):
    data = {
        "title": "Nový název",
        "planned_start": "2027-12-31",
        "planned_end": "2027-01-01",
        "thematic_area": "energy",
    }

    response = as_role("manager").post(url("project_edit", project), data)

    assert response.status_code == 400
    page = text(response)
    assert czech("The planned end is before the planned start.") in page
    assert "<h1>Chytré veřejné osvětlení</h1>" in page
    project.refresh_from_db()
    assert project.title == "Chytré veřejné osvětlení"


def test_non_editors_get_no_edit_button_and_403(as_role, project):
    client = as_role("staff")

    assert url("project_edit", project) not in text(client.get(tab_url(project)))
    assert client.get(url("project_edit", project)).status_code == 403


# --- query counts ------------------------------------------------------------------------------------


def _grow(town, project: Project, n: int) -> None:
    """``n`` tasks, comments and history rows (with approvals) on the project."""
    for i in range(n):
        TaskFactory(project=project, title=f"Úkol {i}", assignee=town.user("partner" if i % 2 else "staff"))
        CommentFactory(project=project, author=town.user("partner"), visibility="shared", body=f"Komentář {i}")
    town.allow_self_approval("put_on_hold", "resume")
    for _ in range((n + 1) // 2):
        for name in ("put_on_hold", "resume"):
            project_transition(project=project, actor=town.user("coordinator"), transition=name, comment="Pauza")
            project.refresh_from_db()


# The manager's overview of an idea: session, user, roles, project, involved departments, strategic measures,
# municipalities it is shared with, partner organisations, then the panel: approval policies and pending
# requests (the idea's guards need none).
OVERVIEW_QUERIES = 10


# Queries of each tab as a page and as the htmx fragment, the same for 1 row and for 30.
TAB_QUERIES = {
    "manager": {
        "overview": (OVERVIEW_QUERIES, 8),
        "tasks": (9, 7),
        "comments": (9, 7),
        "funding": (9, 7),  # + the programmes the new-application form offers
        "kpis": (8, 6),
        "history": (9, 7),
        "approvals": (9, 7),
    },
    # A partner's page reads no approval policies or requests; funding and approvals are hidden (404).
    "partner": {"overview": (6, 6), "tasks": (7, 7), "comments": (8, 8), "kpis": (7, 7), "history": (8, 8)},
}


@pytest.mark.parametrize("role", ["manager", "partner"])
def test_query_counts_are_pinned_and_do_not_grow_with_the_rows(client, town, role, django_assert_num_queries):
    small, large = town.project(Stage.IDEA), town.project(Stage.IDEA)
    _grow(town, small, 1)
    _grow(town, large, 30)
    client.force_login(town.user(role))

    assert set(TAB_QUERIES[role]) == {tab for tab in TABS if expected_status(role, tab) == 200}
    for tab, pinned in TAB_QUERIES[role].items():
        for headers, queries in zip(({}, HTMX), pinned, strict=True):
            for project in (small, large):
                address = tab_url(project, tab)
                client.get(address, **headers)  # warm up: sessions, content types, translations
                with django_assert_num_queries(queries):
                    assert client.get(address, **headers).status_code == 200


# --- page safety -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "partner"])
def test_every_tab_carries_the_csp_nonce_and_no_inline_style(as_role, project, role, assert_safe_page):
    client = as_role(role)
    for tab in TABS:
        if expected_status(role, tab) != 200:
            continue
        assert_safe_page(client.get(tab_url(project, tab)))
        fragment = client.get(tab_url(project, tab), **HTMX)
        assert "Content-Security-Policy" in fragment.headers
        assert "<script" not in fragment.content.decode() and " style=" not in fragment.content.decode()


@pytest.mark.parametrize(
    ("name", "prefix", "tab"),
    [
        ("project_task_edit", "task", "tasks"),
        ("project_funding_update", "funding", "funding"),
        ("project_kpi_update", "kpi", "kpis"),
    ],
)
def test_every_edit_row_replaces_its_own_row_and_cancels_back_to_its_tab(as_role, project, name, prefix, tab):
    item = {"task": project.tasks.first, "funding": project.funding_applications.first, "kpi": project.kpis.first}[
        prefix
    ]()
    response = as_role("manager").get(url(name, project, item.pk), **HTMX)

    assert response.status_code == 200
    html = text(response)
    assert f'<tr id="{prefix}-{item.pk}"' in html
    assert f'hx-target="#{prefix}-{item.pk}"' in html
    assert f'href="{tab_url(project, tab)}"' in html


def test_mention_search_survives_a_nul_byte(as_role, project):
    response = as_role("manager").get(url("project_mention_search", project), {"q": "pa\x00rt"})
    assert response.status_code == 200
