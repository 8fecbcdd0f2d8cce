"""The overview: my tasks, approvals waiting for me, the pipeline funnel, funding and recent activity."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from backend.projects.services import comment_create, project_watch
from backend.projects.stages import Stage
from backend.web.charts import Series, bar_chart
from backend.web.templatetags.ramec import format_czk
from tests.factories import FundingApplicationFactory, ProjectFactory, TaskFactory
from workflows.services import approval_decide, project_transition

pytestmark = pytest.mark.django_db

URL = reverse("web:dashboard")


@pytest.fixture
def world(town, lhota_project):
    """ENV's project in assessment waiting for the lead head's approval, TRA's idea, and Lhota's project."""
    shared = town.project(Stage.ASSESSMENT, title="LED veřejné osvětlení", estimated_cost=Decimal("1250000"))
    private = ProjectFactory(lead_department=town.tra, title="Chytré parkování", estimated_cost=Decimal("300000"))
    approval = project_transition(
        project=shared, actor=town.user("manager"), transition="approve_for_funding"
    ).approval_request
    return shared, private, lhota_project, approval


@pytest.mark.parametrize(
    "role", ["coordinator", "lead_head", "manager", "staff", "partner", "partner_not_invited", "other_coordinator"]
)
def test_every_signed_in_role_gets_its_overview(as_role, world, role, assert_safe_page):
    response = as_role(role).get(URL)
    assert response.status_code == 200
    assert_safe_page(response)
    html = response.content.decode()
    # The funnel chart, unless the user sees no project at all.
    assert ('<svg xmlns="http://www.w3.org/2000/svg"' in html) is (role != "partner_not_invited")
    assert 'aria-current="page"' in html


def test_anonymous_is_sent_to_sign_in(as_role):
    response = as_role("anonymous").get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))


def test_my_tasks_due_soon_first_only_open_and_only_mine(as_role, town, world):
    shared, private = world[0], world[1]
    today = timezone.localdate()
    staff = town.user("staff")
    TaskFactory(project=private, assignee=staff, title="Bez termínu")
    TaskFactory(project=private, assignee=staff, title="Příští týden", due_date=today + timedelta(days=7))
    TaskFactory(project=shared, assignee=staff, title="Včera", due_date=today - timedelta(days=1), status="in_progress")
    TaskFactory(project=private, assignee=staff, title="Hotovo dávno", status="done")
    TaskFactory(project=private, assignee=town.user("manager"), title="Cizí úkol")
    html = as_role("staff").get(URL).content.decode()
    positions = [html.index(title) for title in ("Včera", "Příští týden", "Bez termínu")]
    assert positions == sorted(positions)
    assert "Hotovo dávno" not in html and "Cizí úkol" not in html
    assert 'class="overdue"' in html


def test_partner_sees_their_tasks_but_no_approvals_and_no_money(as_role, town, world):
    shared = world[0]
    TaskFactory(project=shared, assignee=town.user("partner"), title="Dodat podklady")
    html = as_role("partner").get(URL).content.decode()
    assert "Dodat podklady" in html
    assert 'id="approvals-heading"' not in html
    assert 'id="funding-heading"' not in html
    assert "Kč" not in html


def test_approvals_waiting_for_the_lead_head_only(as_role, world):
    shared = world[0]
    lead_head_html = as_role("lead_head").get(URL).content.decode()
    section = _section(lead_head_html, "approvals-heading")
    assert shared.title in section
    # The manager requested it and the other head may not decide it: nothing waits for them.
    for role in ("manager", "other_coordinator", "staff"):
        assert shared.title not in _section(as_role(role).get(URL).content.decode(), "approvals-heading")


def test_funnel_counts_and_costs_per_stage_of_visible_projects(as_role, world):
    html = as_role("manager").get(URL).content.decode()
    funnel = _section(html, "funnel-heading")
    rows = dict(re.findall(r'\?stage=(\w+)">.*?</a></th>\s*<td class="number">(\d+)</td>', funnel, re.S))
    assert rows["assessment"] == "1" and rows["idea"] == "1" and rows["completed"] == "0"
    assert "1\xa0250\xa0000\xa0Kč" in funnel and "300\xa0000\xa0Kč" in funnel
    assert '<title id="chart-funnel-title">' in funnel
    assert re.search(r"<desc id=\"chart-funnel-desc\">[^<]*1 (project|projekt)", funnel)
    # Lhota's project counts only for Lhota.
    other = _section(as_role("other_coordinator").get(URL).content.decode(), "funnel-heading")
    assert re.search(r'\?stage=idea">.*?</a></th>\s*<td class="number">1</td>', other, re.S)
    assert re.search(r'\?stage=assessment">.*?</a></th>\s*<td class="number">0</td>', other, re.S)


def test_funding_by_programme(as_role, world):
    private = world[1]
    FundingApplicationFactory(project=private, programme="nzu", amount_requested=Decimal("200000"))
    html = as_role("staff").get(URL).content.decode()
    funding = _section(html, "funding-heading")
    # town.project() gave the shared project an approved IROP application covering its cost.
    assert "IROP" in funding and "Nová zelená úsporám" in funding
    assert "200\xa0000\xa0Kč" in funding
    assert '<title id="chart-funding-title">' in funding
    assert 'class="bar-alt"' in funding
    assert "Nová zelená úsporám" not in as_role("other_coordinator").get(URL).content.decode()


def test_recent_activity_of_projects_i_manage_or_watch(as_role, town, world):
    shared, private = world[0], world[1]
    comment_create(actor=town.user("staff"), project=private, body="Interní poznámka", visibility="internal")
    html = as_role("manager").get(URL).content.decode()
    activity = _section(html, "activity-heading")
    assert shared.title in activity  # managed: the approval request shows
    assert private.title not in activity  # neither managed nor watched
    project_watch(user=town.user("manager"), project=private)
    activity = _section(as_role("manager").get(URL).content.decode(), "activity-heading")
    assert private.title in activity


def test_recent_activity_of_more_projects_than_are_listed(as_role, town, world, monkeypatch):
    """Past ``ACTIVITY_PROJECTS_LISTED`` projects the events are read by a subquery: the same rows."""
    shared, private = world[0], world[1]
    project_watch(user=town.user("manager"), project=private)
    comment_create(actor=town.user("staff"), project=private, body="Interní poznámka", visibility="internal")
    listed = [event.pk for event in as_role("manager").get(URL).context["activity"]]
    monkeypatch.setattr("backend.web.views.dashboard.ACTIVITY_PROJECTS_LISTED", 1)
    activity = as_role("manager").get(URL).context["activity"]
    assert [event.pk for event in activity] == listed
    assert {event.project_id for event in activity} == {shared.pk, private.pk}


def test_partner_activity_shows_stage_changes_only(as_role, town, world):
    shared = world[0]
    project_watch(user=town.user("partner"), project=shared)
    comment_create(actor=town.user("manager"), project=shared, body="Jen pro úřad", visibility="internal")
    activity = _section(as_role("partner").get(URL).content.decode(), "activity-heading")
    assert shared.title not in activity  # an approval request and an internal comment: nothing for a partner
    approval_decide(approval_request=world[3], actor=town.user("lead_head"), decision="approve")
    activity = _section(as_role("partner").get(URL).content.decode(), "activity-heading")
    assert shared.title in activity
    assert "stage-funding" in activity


# session, user, the user's roles, my tasks, approvals waiting for me, the funnel, funding, the projects I manage
# or watch, their recent activity, the energy totals, calls closing soon (issue 17). Each call here follows a change
# of the town, so its funnel, funding and energy are summed (not read from the cache: see test_dashboard_cache.py).
DASHBOARD_QUERIES = 11
# Read again with no change: the town's funnel, funding and energy from the cache, only the funnel of what is shared
# in summed (funding too when something shared in is there).
DASHBOARD_QUERIES_CACHED = DASHBOARD_QUERIES - 2


def test_query_count_is_the_same_for_1_and_30_projects(client, town, django_assert_num_queries):
    def add_project():
        project = town.project(Stage.ASSESSMENT)
        project_watch(user=town.user("lead_head"), project=project)
        TaskFactory(project=project, assignee=town.user("lead_head"))
        project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")

    add_project()
    client.force_login(town.user("lead_head"))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(URL)
    assert response.content.decode().count("/projects/") >= 3
    for _ in range(29):
        add_project()
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(URL)
    assert len(response.context["activity"]) == 12
    with django_assert_num_queries(DASHBOARD_QUERIES_CACHED):
        response = client.get(URL)
    assert len(response.context["activity"]) == 12


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_bar_chart_scales_to_the_largest_value_and_keeps_small_values_visible():
    chart = bar_chart(
        id="chart-test",
        title="Test",
        rows=[("A", [Decimal("1000"), Decimal("1")]), ("B", [Decimal("500"), Decimal("0")])],
        series=[Series(css_class="bar", label="R"), Series(css_class="bar-alt", label="S")],
    )
    widths = [[bar.width for bar in row.bars] for row in chart.rows]
    assert widths == [[250, 2], [125, 0]]
    assert chart.description == "A: R: 1000, S: 1; B: R: 500, S: 0."
    assert [item.label for item in chart.legend] == ["R", "S"]
    assert not chart.is_empty
    assert bar_chart(id="x", title="Empty", rows=[("A", [0])], series=[Series("bar", "R")]).is_empty


@pytest.mark.parametrize(
    ("value", "czech"),
    [
        (Decimal("1250000.60"), "1\xa0250\xa0001\xa0Kč"),
        (Decimal("999.49"), "999\xa0Kč"),
        (0, "0\xa0Kč"),
        (None, "–"),
    ],
)
def test_czk_amounts_in_czech(value, czech):
    with translation.override("cs"):
        assert format_czk(value) == czech
