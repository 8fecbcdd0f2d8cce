"""The pipeline board: who sees which cards, the htmx fragment, the shared filters, and a fixed query count."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ProjectFactory, TaskFactory
from workflows.stages import Stage

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = reverse("web:board")
SHARED = "LED veřejné osvětlení"
PRIVATE = "Chytré parkování u nádraží"
LHOTA = "Lhota: osvětlení návsi"


@pytest.fixture
def projects(town, lhota_project):
    """ENV's project shared with the NGO (in assessment), TRA's project nobody outside sees (an idea)."""
    shared = town.project(Stage.ASSESSMENT, title=SHARED, estimated_cost=Decimal("1250000"), thematic_area="energy")
    private = ProjectFactory(lead_department=town.tra, title=PRIVATE, thematic_area="mobility")
    return shared, private, lhota_project


# role: (shared, private, lhota) visible
VISIBILITY = {
    "coordinator": (True, True, False),
    "lead_head": (True, True, False),
    "manager": (True, True, False),
    "staff": (True, True, False),
    "partner": (True, False, False),
    "partner_not_invited": (False, False, False),
    "other_coordinator": (False, False, True),
}


@pytest.mark.parametrize("role", VISIBILITY)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_each_role_sees_only_its_projects(as_role, projects, role, htmx):
    response = as_role(role).get(URL, **(HTMX if htmx else {}))
    assert response.status_code == 200
    html = response.content.decode()
    for title, visible in zip((SHARED, PRIVATE, LHOTA), VISIBILITY[role], strict=True):
        assert (title in html) is visible, title
    assert ("<html" in html) is not htmx
    assert ('id="project-filters"' in html) is not htmx  # the fragment is the board alone
    assert 'id="board"' in html


def test_anonymous_is_sent_to_sign_in(as_role, projects):
    response = as_role("anonymous").get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))


def test_page_is_safe_under_the_csp(as_role, projects, assert_safe_page):
    response = as_role("manager").get(URL)
    assert_safe_page(response)
    assert response.headers["Vary"].count("HX-Request") == 1


def test_a_column_per_stage_in_pipeline_order(as_role, projects):
    html = as_role("manager").get(URL).content.decode()
    positions = [html.index(f'id="column-{stage.value}"') for stage in Stage]
    assert positions == sorted(positions)
    shared_at = html.index(SHARED)
    assert html.index('id="column-assessment"') < shared_at < html.index('id="column-funding"')


def test_card_shows_department_manager_cost_days_and_open_tasks(as_role, town, projects):
    shared = projects[0]
    TaskFactory(project=shared, status="open")
    TaskFactory(project=shared, status="in_progress")
    TaskFactory(project=shared, status="done")
    html = as_role("staff").get(URL).content.decode()
    card = _card(html, shared.pk)
    assert "Odbor životního prostředí a energetiky" in card
    assert str(town.user("manager")) in card
    assert "1\xa0250\xa0000\xa0Kč" in card
    assert re.search(r"<dd>0 (dní|days?)</dd>", card)
    assert re.search(r"<dd>2</dd>", card)
    assert reverse("web:project_detail", kwargs={"pk": shared.pk}) in card


def test_partner_card_has_no_costs_and_no_internal_people(as_role, town, projects):
    shared = projects[0]
    TaskFactory(project=shared, status="open")
    TaskFactory(project=shared, status="open", assignee=town.user("partner"))
    html = as_role("partner").get(URL).content.decode()
    card = _card(html, shared.pk)
    assert "Kč" not in html
    assert str(town.user("manager")) not in card
    # A partner counts only the open tasks assigned to them.
    assert re.search(r"<dd>1</dd>", card)


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("lead_department={tra}", PRIVATE, SHARED),
        ("thematic_area=energy", SHARED, PRIVATE),
        ("search=parkování", PRIVATE, SHARED),
        ("search=OSVĚTLENÍ", SHARED, PRIVATE),
        ("stage=idea", PRIVATE, SHARED),
        ("stage=assessment&stage=idea&search=LED", SHARED, PRIVATE),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_filters(as_role, town, projects, query, shown, hidden, htmx):
    url = f"{URL}?{query.format(tra=town.tra.pk)}"
    html = as_role("manager").get(url, **(HTMX if htmx else {})).content.decode()
    assert shown in html
    assert hidden not in html


@pytest.mark.parametrize("query", ["stage=idea", "stage=idea&lead_department=abc"])
def test_stage_filter_shows_only_the_chosen_columns(as_role, projects, query):
    html = as_role("manager").get(f"{URL}?{query}").content.decode()
    assert 'id="column-idea"' in html
    assert 'id="column-assessment"' not in html


def test_filter_form_keeps_its_values_and_offers_departments_of_visible_projects(as_role, town, projects):
    html = as_role("manager").get(f"{URL}?lead_department={town.tra.pk}&search=park").content.decode()
    assert re.search(rf'<option value="{town.tra.pk}" selected>', html)
    assert 'value="park"' in html
    assert "Odbor životního prostředí</option>" not in html  # Lhota's department is not offered


def test_a_wrong_filter_value_is_reported_not_a_crash(as_role, projects):
    response = as_role("manager").get(f"{URL}?lead_department=abc&stage=nonsense")
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()


def test_form_works_with_and_without_htmx(as_role, projects):
    html = as_role("manager").get(URL).content.decode()
    form = re.search(r"<form id=\"project-filters\"[^>]*>", html).group(0)
    assert 'method="get"' in form and f'action="{URL}"' in form
    assert f'hx-get="{URL}"' in form and 'hx-target="#board"' in form and 'hx-push-url="true"' in form
    assert "keyup changed delay:300ms from:input[type=search]" in form
    assert 'type="search"' in html


def test_partner_has_no_new_project_link(as_role, projects):
    create = reverse("web:project_create")
    assert create not in as_role("partner").get(URL).content.decode()
    assert create in as_role("staff").get(URL).content.decode()


# session, user, the user's roles, departments for the filter, the projects with their open task counts
BOARD_QUERIES = 5


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("role", ["manager", "partner"])
def test_query_count_is_the_same_for_1_and_30_projects(client, town, django_assert_num_queries, role, htmx):
    headers = HTMX if htmx else {}
    first = town.project(Stage.IDEA)
    TaskFactory(project=first, assignee=town.user("partner"))
    client.force_login(town.user(role))
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(URL, **headers)
    assert response.content.decode().count('class="project-card"') == 1
    stages = list(Stage)
    for n in range(29):
        project = town.project(stages[n % len(stages)], ready=False, lead_department=(town.env, town.tra)[n % 2])
        TaskFactory(project=project, assignee=town.user("partner"))
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(URL, **headers)
    assert response.content.decode().count('class="project-card"') == 30


def _card(html: str, pk: int) -> str:
    start = html.index(f'id="project-card-{pk}"')
    return html[start : html.index("</article>", start)]
