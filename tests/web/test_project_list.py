"""The project list (visibility, filters, sorting, paging, fixed query count) and creating a project."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from backend.projects.models import Event, EventKind, Project
from backend.projects.stages import Stage
from backend.web.views.projects import PAGE_SIZE
from tests.factories import DepartmentFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = reverse("web:project_list")
CREATE_URL = reverse("web:project_create")
SHARED = "LED veřejné osvětlení"
PRIVATE = "Chytré parkování u nádraží"
LHOTA = "Lhota: osvětlení návsi"


@pytest.fixture
def projects(town, lhota_project):
    shared = town.project(Stage.ASSESSMENT, title=SHARED, estimated_cost=Decimal("1250000"), thematic_area="energy")
    private = ProjectFactory(
        lead_department=town.tra, title=PRIVATE, thematic_area="mobility", estimated_cost=Decimal("300000")
    )
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
    assert ('id="project-filters"' in html) is not htmx  # the fragment is the results alone
    assert 'id="project-results"' in html


def test_anonymous_is_sent_to_sign_in(as_role, projects):
    response = as_role("anonymous").get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))


def test_page_is_safe_under_the_csp(as_role, projects, assert_safe_page):
    assert_safe_page(as_role("staff").get(URL))


def test_staff_see_costs_partners_do_not(as_role, projects):
    assert "1\xa0250\xa0000\xa0Kč" in as_role("staff").get(URL).content.decode()
    partner_html = as_role("partner").get(URL).content.decode()
    assert "Kč" not in partner_html
    assert "sort=estimated_cost" not in partner_html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("lead_department={tra}", PRIVATE, SHARED),
        ("thematic_area=energy", SHARED, PRIVATE),
        ("search=parkování", PRIVATE, SHARED),
        ("stage=assessment", SHARED, PRIVATE),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_filters(as_role, town, projects, query, shown, hidden, htmx):
    html = as_role("manager").get(f"{URL}?{query.format(tra=town.tra.pk)}", **(HTMX if htmx else {})).content.decode()
    assert shown in html
    assert hidden not in html


@pytest.mark.parametrize(
    ("sort", "first", "second"),
    [
        ("title", PRIVATE, SHARED),
        ("-title", SHARED, PRIVATE),
        ("estimated_cost", PRIVATE, SHARED),
        ("-estimated_cost", SHARED, PRIVATE),
        ("created_at", SHARED, PRIVATE),
        ("-created_at", PRIVATE, SHARED),
        ("nonsense", PRIVATE, SHARED),  # falls back to the newest first
    ],
)
def test_sorting(as_role, projects, sort, first, second):
    html = as_role("manager").get(f"{URL}?sort={sort}").content.decode()
    assert html.index(first) < html.index(second)


@pytest.mark.parametrize("sort", ["estimated_cost", "-estimated_cost"])
def test_projects_without_a_cost_come_last_whichever_way_cost_is_sorted(as_role, town, projects, sort):
    ProjectFactory(lead_department=town.env, title="Bez odhadu nákladů", estimated_cost=None)
    html = as_role("manager").get(f"{URL}?sort={sort}").content.decode()
    assert html.index(SHARED) < html.index("Bez odhadu nákladů")
    assert html.index(PRIVATE) < html.index("Bez odhadu nákladů")


def test_sort_headers_toggle_and_keep_the_filters(as_role, projects):
    html = as_role("manager").get(f"{URL}?sort=title&search=e").content.decode()
    assert re.search(r'aria-sort="ascending"[^>]*>\s*<a href="\?sort=-title&amp;search=e"', html)
    assert 'name="sort" value="title" form="project-filters"' in html


def test_partner_cannot_sort_by_cost(as_role, projects):
    response = as_role("partner").get(f"{URL}?sort=-estimated_cost")
    assert response.status_code == 200
    assert 'name="sort" value="-created_at"' in response.content.decode()


@pytest.mark.parametrize("sort", ["-estimated_cost", "created_at"])
def test_partner_cannot_sort_by_an_internal_column(as_role, projects, sort):
    """The creation time is internal, as in the API's and the CSV's partner shape: not shown, not sortable."""
    response = as_role("partner").get(f"{URL}?sort={sort}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="sort" value="-created_at"' in html  # the default, unchanged by the request
    assert 'href="?sort=created_at"' not in html and 'href="?sort=-created_at"' not in html
    assert localtime(projects[0].created_at).isoformat() not in html


def test_staff_see_and_sort_by_the_creation_time(as_role, projects):
    html = as_role("staff").get(URL).content.decode()
    assert 'href="?sort=created_at"' in html
    assert localtime(projects[0].created_at).isoformat() in html


def test_paging_with_page_links(as_role, town):
    for n in range(2 * PAGE_SIZE + 5):
        ProjectFactory(lead_department=town.env, title=f"Projekt č. {n:03d}")
    client = as_role("manager")
    first = client.get(f"{URL}?sort=title").content.decode()
    last_on_first = f"Projekt č. {PAGE_SIZE - 1:03d}"
    assert "Projekt č. 000" in first and last_on_first in first and f"Projekt č. {PAGE_SIZE:03d}" not in first
    assert first.count('<th scope="row"><a href="/projects/') == PAGE_SIZE
    assert 'href="?sort=title&amp;page=2"' in first and 'href="?sort=title&amp;page=3"' in first
    assert '<span aria-current="page">1</span>' in first
    assert "Strana 1 z 3" in first
    second = client.get(f"{URL}?sort=title&page=2", **HTMX).content.decode()
    assert f"Projekt č. {PAGE_SIZE:03d}" in second and last_on_first not in second
    assert '<span aria-current="page">2</span>' in second
    assert "<html" not in second
    third = client.get(f"{URL}?sort=title&page=3").content.decode()
    assert third.count('<th scope="row"><a href="/projects/') == 5
    assert client.get(f"{URL}?page=abc").status_code == 200


def test_open_tasks_are_counted(as_role, projects):
    shared = projects[0]
    TaskFactory(project=shared, status="open")
    TaskFactory(project=shared, status="done")
    html = as_role("manager").get(f"{URL}?search=LED").content.decode()
    assert re.search(r'<td class="number">1</td>\s*</tr>', html)


# session, user, the user's roles, departments for the filter, the count for the pager, the page of projects; the
# fragment draws no filter form, so it reads no departments
LIST_QUERIES = 6
LIST_FRAGMENT_QUERIES = LIST_QUERIES - 1


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("role", ["manager", "partner"])
def test_query_count_is_the_same_for_1_and_many_projects(client, town, django_assert_num_queries, role, htmx):
    headers = HTMX if htmx else {}
    TaskFactory(project=town.project(Stage.IDEA))
    client.force_login(town.user(role))
    with django_assert_num_queries(LIST_FRAGMENT_QUERIES if htmx else LIST_QUERIES):
        response = client.get(URL, **headers)
    assert response.content.decode().count('<th scope="row"><a href="/projects/') == 1
    for n in range(PAGE_SIZE + 4):
        TaskFactory(project=town.project(list(Stage)[n % 8], ready=False, lead_department=(town.env, town.tra)[n % 2]))
    with django_assert_num_queries(LIST_FRAGMENT_QUERIES if htmx else LIST_QUERIES):
        response = client.get(URL, **headers)
    assert response.content.decode().count('<th scope="row"><a href="/projects/') == PAGE_SIZE


# --- creating a project -------------------------------------------------------------------------------------


def _valid(town, **changes):
    data = {
        "title": "Fotovoltaika na ZŠ Komenského",
        "summary": "Střešní elektrárna 50 kWp.",
        "description": "Instalace FVE na střechu školy.",
        "lead_department": town.env.pk,
        "departments": [town.tra.pk],
        "thematic_area": "energy",
        "estimated_cost": "2500000",
        "planned_start": "2026-03-01",
        "planned_end": "2026-12-31",
        "is_public": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("coordinator", 200),
        ("lead_head", 200),
        ("manager", 200),
        ("staff", 200),
        ("other_coordinator", 200),
        ("partner", 404),
        ("partner_not_invited", 404),
    ],
)
def test_who_may_open_the_form(as_role, town, role, status):
    response = as_role(role).get(CREATE_URL)
    assert response.status_code == status


def test_form_page(as_role, town, assert_safe_page):
    response = as_role("manager").get(CREATE_URL)
    assert_safe_page(response)
    html = response.content.decode()
    for name in ("title", "summary", "description", "lead_department", "thematic_area", "estimated_cost"):
        assert f'name="{name}"' in html
    assert f'<option value="{town.env.pk}" selected>' in html  # the manager's own department
    assert 'type="date"' in html and 'type="checkbox" name="departments"' in html


def test_anonymous_is_sent_to_sign_in_from_the_form(as_role, town):
    response = as_role("anonymous").post(CREATE_URL, _valid(town))
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))
    assert not Project.objects.exists()


def test_create(as_role, town):
    response = as_role("manager").post(CREATE_URL, _valid(town))
    project = Project.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("web:project_detail", kwargs={"pk": project.pk})
    assert project.stage == Stage.IDEA
    assert project.municipality == town.municipality
    assert project.author == project.manager == town.user("manager")
    assert project.estimated_cost == Decimal("2500000")
    assert project.is_public
    assert list(project.departments.all()) == [town.tra]
    assert Event.objects.filter(project=project, kind=EventKind.PROJECT_CREATED).exists()


def test_create_with_htmx_redirects_the_browser(as_role, town):
    response = as_role("staff").post(CREATE_URL, _valid(town, title="Chytrá zastávka"), **HTMX)
    project = Project.objects.get()
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == reverse("web:project_detail", kwargs={"pk": project.pk})


def test_without_a_department_the_project_belongs_to_the_users_only_municipality(as_role, town):
    as_role("other_coordinator").post(CREATE_URL, {"title": "Obecní rozhlas"})
    assert Project.objects.get().municipality == town.other_municipality


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"estimated_cost": "-5"}, "estimated_cost"),
        ({"estimated_cost": "hodně"}, "estimated_cost"),
        ({"planned_end": "2026-01-01"}, "planned_end"),
        ({"planned_start": "32.13.2026"}, "planned_start"),
        ({"thematic_area": "space"}, "thematic_area"),
        ({"title": "x" * 201}, "title"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_invalid_input_is_refused_next_to_the_field(as_role, town, changes, field, htmx):
    response = as_role("manager").post(CREATE_URL, _valid(town, **changes), **(HTMX if htmx else {}))
    assert response.status_code == (200 if htmx else 422)
    html = response.content.decode()
    assert ("<html" in html) is not htmx
    assert 'role="alert"' in html
    assert re.search(rf'<ul class="errorlist" id="id_{field}_error">', html)
    assert 'aria-invalid="true"' in html
    assert not Project.objects.exists()


def test_another_municipalitys_department_is_refused(as_role, town):
    foreign = DepartmentFactory(municipality=town.other_municipality)
    response = as_role("manager").post(CREATE_URL, _valid(town, lead_department=foreign.pk))
    assert response.status_code == 422
    assert 'id="id_lead_department_error"' in response.content.decode()
    response = as_role("manager").post(CREATE_URL, _valid(town, departments=[foreign.pk]))
    assert response.status_code == 422
    assert not Project.objects.exists()


def test_partner_cannot_create(as_role, town):
    response = as_role("partner").post(CREATE_URL, _valid(town))
    assert response.status_code == 404
    assert not Project.objects.exists()
