"""The pipeline board: who sees which cards, the htmx fragment, the shared filters, and a fixed query count."""

import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from backend.projects.models import Project
from backend.projects.stages import ACTIVE_STAGES, TERMINAL_STAGES, Stage
from backend.web.templatetags.ramec import format_czk
from backend.web.views.board import COLUMN_SIZE
from tests.factories import DepartmentFactory, ProjectFactory, TaskFactory

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


def test_a_column_per_stage_active_ones_first_then_on_hold_then_the_terminal_ones(as_role, projects):
    html = as_role("manager").get(URL).content.decode()
    order = (*ACTIVE_STAGES, Stage.ON_HOLD, *TERMINAL_STAGES)
    positions = [html.index(f'id="column-{stage.value}"') for stage in order]
    assert positions == sorted(positions)
    shared_at = html.index(SHARED)
    assert html.index('id="column-assessment"') < shared_at < html.index('id="column-funding"')


def test_card_shows_department_code_cost_days_in_stage_and_open_tasks(as_role, town, projects):
    shared = projects[0]
    TaskFactory(project=shared, status="open")
    TaskFactory(project=shared, status="in_progress")
    TaskFactory(project=shared, status="done")
    Project.objects.filter(pk=shared.pk).update(stage_changed_at=timezone.now() - timedelta(days=12, hours=1))
    html = as_role("staff").get(URL).content.decode()
    card = _card(html, shared.pk)
    assert f'<abbr title="Odbor životního prostředí a energetiky">{town.env.code}</abbr>' in card
    assert "1\xa0250\xa0000\xa0Kč" in card
    assert re.search(r'class="badge badge-days">ve fázi 12 dní<', card)
    assert re.search(r'class="badge badge-tasks">2 otevřené úkoly<', card)
    assert reverse("web:project_detail", kwargs={"pk": shared.pk}) in card


def test_card_escapes_its_title_and_marks_a_missing_department_or_cost(as_role, town):
    project = town.project(Stage.IDEA, ready=False, title="Kašna <b>na návsi</b>")
    Project.objects.filter(pk=project.pk).update(
        lead_department=None, estimated_cost=None, stage_changed_at=timezone.now()
    )
    card = _card(as_role("coordinator").get(URL, **HTMX).content.decode(), project.pk)
    url = reverse("web:project_detail", kwargs={"pk": project.pk})
    assert f'<a href="{url}">Kašna &lt;b&gt;na návsi&lt;/b&gt;</a>' in card
    assert '<p class="card-meta">–</p>' in card
    assert re.search(r'class="badge badge-days">ve fázi 0 dní<', card)
    assert "badge-tasks" not in card


def test_partner_card_has_no_costs_and_no_internal_people(as_role, town, projects):
    shared = projects[0]
    TaskFactory(project=shared, status="open")
    TaskFactory(project=shared, status="open", assignee=town.user("partner"))
    html = as_role("partner").get(URL).content.decode()
    card = _card(html, shared.pk)
    assert "Kč" not in html
    assert str(town.user("manager")) not in card
    # A partner counts only the open tasks assigned to them.
    assert re.search(r'class="badge badge-tasks">1 otevřený úkol<', card)


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


# session, user, the user's roles, departments for the filter, the count per stage, the cards of every column; the
# fragment draws no filter form, so it reads no departments
BOARD_QUERIES = 6
BOARD_FRAGMENT_QUERIES = BOARD_QUERIES - 1


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("role", ["manager", "partner"])
def test_query_count_is_the_same_for_1_and_many_projects(client, town, django_assert_num_queries, role, htmx):
    headers = HTMX if htmx else {}
    first = town.project(Stage.IDEA)
    TaskFactory(project=first, assignee=town.user("partner"))
    client.force_login(town.user(role))
    with django_assert_num_queries(BOARD_FRAGMENT_QUERIES if htmx else BOARD_QUERIES):
        response = client.get(URL, **headers)
    assert response.content.decode().count('class="project-card"') == 1
    stages = list(Stage)
    for n in range(29):
        project = town.project(stages[n % len(stages)], ready=False, lead_department=(town.env, town.tra)[n % 2])
        TaskFactory(project=project, assignee=town.user("partner"))
    _many(town, Stage.IDEA, COLUMN_SIZE + 5, partner_task=True)
    with django_assert_num_queries(BOARD_FRAGMENT_QUERIES if htmx else BOARD_QUERIES):
        response = client.get(URL, **headers)
    html = response.content.decode()
    # 30 projects in 8 columns, of them the idea column's 5 + 25 capped at its 20.
    assert html.count('class="project-card"') == 30 - 5 + COLUMN_SIZE
    assert _count(html, Stage.IDEA) == 5 + COLUMN_SIZE + 5


# --- a bounded board ----------------------------------------------------------------------------------------


def _many(town, stage: Stage, n: int, *, partner_task: bool = False, days_ago: int = 0) -> list[Project]:
    """``n`` projects in ``stage`` shared with the town's NGO, the first longest in its stage."""
    projects = []
    for index in range(n):
        project = town.project(stage, ready=False, title=f"Hromadný {stage.value} {index:03d}")
        when = timezone.now() - timedelta(days=days_ago + n - index)
        Project.objects.filter(pk=project.pk).update(stage_changed_at=when)
        if partner_task:
            TaskFactory(project=project, assignee=town.user("partner"))
        projects.append(project)
    return projects


def _count(html: str, stage: Stage) -> int:
    heading = re.search(rf'id="column-{stage.value}">.*?class="column-count">(\d+)<', html, re.S)
    return int(heading.group(1))


def _column(html: str, stage: Stage) -> str:
    start = html.index(f'id="column-{stage.value}"')
    return html[start : html.index("</section>", start)]


def test_a_column_shows_its_first_cards_longest_in_stage_first_and_its_true_count(as_role, town):
    ideas = _many(town, Stage.IDEA, COLUMN_SIZE + 3)
    html = as_role("manager").get(URL).content.decode()
    column = _column(html, Stage.IDEA)
    assert column.count('class="project-card"') == COLUMN_SIZE
    assert _count(html, Stage.IDEA) == COLUMN_SIZE + 3
    assert "23 projekty" in html or "23 projektů" in html
    shown = re.findall(r'id="project-card-(\d+)"', column)
    assert [int(pk) for pk in shown] == [project.pk for project in ideas[:COLUMN_SIZE]]


def test_show_more_appends_the_next_cards_by_htmx(as_role, town):
    ideas = _many(town, Stage.IDEA, COLUMN_SIZE + 3)
    _many(town, Stage.FUNDING, 2)
    client = as_role("manager")
    column = _column(client.get(f"{URL}?search=Hromadný").content.decode(), Stage.IDEA)
    link = re.search(r'<p class="column-more"><a href="([^"]+)" hx-get="([^"]+)"', column)
    assert link.group(1) == link.group(2) == "?search=Hromadn%C3%BD&amp;stage=idea&amp;column_page=2"
    more = client.get(f"{URL}?search=Hromadný&stage=idea&column_page=2", **HTMX).content.decode()
    assert "<html" not in more and 'id="board"' not in more
    shown = [int(pk) for pk in re.findall(r'id="project-card-(\d+)"', more)]
    assert shown == [project.pk for project in ideas[COLUMN_SIZE:]]
    assert "column-more" not in more  # the last page has no further link


def test_show_more_without_javascript_opens_that_column_at_its_next_page(as_role, town):
    ideas = _many(town, Stage.IDEA, 2 * COLUMN_SIZE + 1)
    _many(town, Stage.FUNDING, 2)
    html = as_role("manager").get(f"{URL}?stage=idea&column_page=2").content.decode()
    assert "<html" in html
    assert 'id="column-funding"' not in html
    column = _column(html, Stage.IDEA)
    shown = [int(pk) for pk in re.findall(r'id="project-card-(\d+)"', column)]
    assert shown == [project.pk for project in ideas[COLUMN_SIZE : 2 * COLUMN_SIZE]]
    assert "21–40 z 41" in column
    assert "column_page=3" in column


@pytest.mark.parametrize("page", ["0", "-1", "abc", "999999999"])
def test_a_wrong_column_page_shows_the_first(as_role, town, page):
    _many(town, Stage.IDEA, 2)
    response = as_role("manager").get(f"{URL}?column_page={page}")
    assert response.status_code == 200
    assert response.content.decode().count('class="project-card"') == 2


def test_terminal_columns_are_collapsed_with_their_counts(as_role, town):
    _many(town, Stage.COMPLETED, 3)
    _many(town, Stage.IDEA, 1)
    html = as_role("manager").get(URL).content.decode()
    completed = _column(html, Stage.COMPLETED)
    assert _count(html, Stage.COMPLETED) == 3
    assert '<details class="column-details">' in completed  # closed: no "open" attribute
    assert completed.count('class="project-card"') == 3
    assert "<details" not in _column(html, Stage.IDEA)
    # Asked for by the filter, the column opens.
    chosen = _column(as_role("manager").get(f"{URL}?stage=completed").content.decode(), Stage.COMPLETED)
    assert '<details class="column-details" open>' in chosen


def _lhota(town, stage: Stage, n: int, *, days_ago: int) -> list[Project]:
    """``n`` projects of Lhota in ``stage``, longer in it than any of the town's."""
    department = DepartmentFactory(municipality=town.other_municipality)
    projects = []
    for index in range(n):
        project = ProjectFactory(lead_department=department, stage=stage, title=f"Lhota {stage.value} {index:03d}")
        Project.objects.filter(pk=project.pk).update(stage_changed_at=timezone.now() - timedelta(days=days_ago - index))
        projects.append(project)
    return projects


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_each_column_shows_the_first_cards_of_what_the_reader_sees_in_its_stage(as_role, town, htmx):
    """Every column cut at once: each its own first page of the visible projects of its stage, in card order; the
    older projects of another town never crowd them out, and one it shared with the town takes its place."""
    stages = (Stage.IDEA, Stage.FUNDING, Stage.COMPLETED)
    own = {stage: _many(town, stage, COLUMN_SIZE + 2) for stage in stages}
    hidden = [project for stage in stages for project in _lhota(town, stage, 3, days_ago=1000)]
    shared = _lhota(town, Stage.FUNDING, 1, days_ago=2000)[0]
    shared.shared_with.add(town.municipality)
    headers = HTMX if htmx else {}
    expected = {stage: own[stage][:COLUMN_SIZE] for stage in stages}
    expected[Stage.FUNDING] = [shared, *own[Stage.FUNDING][: COLUMN_SIZE - 1]]
    for role, shows in (("manager", expected), ("partner", {stage: own[stage][:COLUMN_SIZE] for stage in stages})):
        html = as_role(role).get(URL, **headers).content.decode()
        for stage in stages:
            cards = [int(pk) for pk in re.findall(r'id="project-card-(\d+)"', _column(html, stage))]
            assert cards == [project.pk for project in shows[stage]], (role, stage)
        assert not any(f'id="project-card-{project.pk}"' in html for project in hidden), role
    # The next page of every column at once: what is left of each.
    html = as_role("manager").get(f"{URL}?column_page=2", **headers).content.decode()
    for stage in stages:
        cards = [int(pk) for pk in re.findall(r'id="project-card-(\d+)"', _column(html, stage))]
        left = own[stage][COLUMN_SIZE - 1 :] if stage == Stage.FUNDING else own[stage][COLUMN_SIZE:]
        assert cards == [project.pk for project in left], stage


def test_the_board_stays_small_however_many_projects(as_role, town):
    for stage in Stage:
        _many(town, stage, COLUMN_SIZE + 2, partner_task=True)
    response = as_role("manager").get(URL)
    html = response.content.decode()
    assert html.count('class="project-card"') == len(Stage) * COLUMN_SIZE
    assert len(response.content) < 200_000


# --- "my projects" and "assigned to me" ---------------------------------------------------------------------


@pytest.fixture
def mine(town):
    """Managed by the manager, created by them, watched by them, with their open task, and none of these."""
    staff, manager = town.user("staff"), town.user("manager")
    town.project(Stage.IDEA, title="Spravuji", manager=manager)
    town.project(Stage.IDEA, title="Založil jsem", manager=staff, author=manager)
    watched = town.project(Stage.FUNDING, title="Sleduji", manager=staff)
    watched.watchers.add(manager)
    tasked = town.project(Stage.ASSESSMENT, title="Mám úkol", manager=staff)
    TaskFactory(project=tasked, assignee=manager, status="in_progress")
    finished = town.project(Stage.ASSESSMENT, title="Hotový úkol", manager=staff)
    TaskFactory(project=finished, assignee=manager, status="done")
    town.project(Stage.IDEA, title="Cizí projekt", manager=staff)
    return {"Spravuji", "Založil jsem", "Sleduji", "Mám úkol", "Hotový úkol", "Cizí projekt"}


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("mine=true", {"Spravuji", "Založil jsem", "Sleduji"}),
        ("assigned_to_me=true", {"Mám úkol"}),
        ("mine=true&assigned_to_me=true", set()),
        ("mine=false", {"Spravuji", "Založil jsem", "Sleduji", "Mám úkol", "Hotový úkol", "Cizí projekt"}),
    ],
)
@pytest.mark.parametrize("url", [URL, reverse("web:project_list")], ids=["board", "list"])
def test_my_projects_and_assigned_to_me(as_role, mine, query, shown, url):
    html = as_role("manager").get(f"{url}?{query}").content.decode()
    assert {title for title in mine if f">{title}</a>" in html} == shown


def test_the_filter_boxes_keep_their_state(as_role, mine):
    html = as_role("manager").get(f"{URL}?mine=true").content.decode()
    assert re.search(r'<input type="checkbox" name="mine" value="true" id="id_mine" checked>', html)
    assert re.search(r'<input type="checkbox" name="assigned_to_me" value="true" id="id_assigned_to_me">', html)


def _card(html: str, pk: int) -> str:
    start = html.index(f'id="project-card-{pk}"')
    return html[start : html.index("</article>", start)]


@pytest.mark.parametrize("language", ["cs", "en"])
def test_card_costs_are_grouped_as_djangos_number_format_groups_them(language):
    """The cards' costs are grouped without ``number_format`` (five times faster): the same text in each language."""
    values = [0, 7, 999, 1000, 99_999, 1_000_000, 123_456_789_012, Decimal("1234.5"), Decimal("-45000.2"), "2500"]
    with translation.override(language):
        for value in values:
            amount = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            grouped = formats.number_format(amount, decimal_pos=0, use_l10n=True, force_grouping=True)
            assert format_czk(value) == f"{grouped}\xa0Kč", value


def test_card_texts_are_escaped_as_the_template_escaped_them(as_role, town):
    """A card's title, department name and code reach the page escaped, never as markup."""
    department = DepartmentFactory(municipality=town.municipality, code="<i>", name='Odbor "A" & <b>B</b>')
    ProjectFactory(lead_department=department, title="<script>alert('x')</script> & spol.", estimated_cost=5)
    html = as_role("manager").get(URL).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; spol." in html
    assert '<abbr title="Odbor &quot;A&quot; &amp; &lt;b&gt;B&lt;/b&gt;">&lt;i&gt;</abbr>' in html
    assert "<script>alert" not in html and "<i>" not in html
