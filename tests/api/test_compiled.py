"""API lists from SQL compiled once per shape (``backend/api/compiled.py``): projects, a project's comments and the
viewer's notifications; every page of every kind of viewer reads as the ORM's page does, and no viewer's ids reach
another's page."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.api import compiled
from backend.api.compiled import PageQuery
from backend.projects.models import Project
from backend.projects.selectors import project_list_visible
from backend.projects.stages import Stage
from tests.api.conftest import ANONYMOUS, MISSING_ID, ROLES
from tests.factories import (
    CommentFactory,
    DepartmentFactory,
    MembershipFactory,
    MunicipalityFactory,
    PartnerOrganizationFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_compiled_cache")]


def _client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=User.objects.get(pk=user.pk))
    return client


def _walk(client: APIClient, url: str) -> list[bytes]:
    """Every page forwards from ``url``, then back from the last one by its previous links."""
    bodies, response = [], client.get(url)
    while True:
        assert response.status_code == 200, response.content[:300]
        bodies.append(response.content)
        following = response.json()["next"]
        if following is None:
            break
        response = client.get(following)
    previous = response.json()["previous"]
    while previous is not None:
        response = client.get(previous)
        bodies.append(response.content)
        previous = response.json()["previous"]
    return bodies


@pytest.fixture
def viewers(town):
    """Projects of three towns (one shares some with Vzorov, partners invited to some) and who looks at them."""
    other = town.other_municipality
    third = MunicipalityFactory(name="Město Třetí")
    third_department = DepartmentFactory(municipality=third, code="ENV")
    other_department = DepartmentFactory(municipality=other, code="ENV")
    for number in range(5):
        town.project(Stage.IDEA, title=f"Vzorov {number}")
    for number in range(4):
        ProjectFactory(municipality=other, lead_department=other_department, title=f"Lhota {number}")
    third_projects = [
        ProjectFactory(municipality=third, lead_department=third_department, title=f"Třetí {number}")
        for number in range(4)
    ]
    for project in third_projects[:2]:
        project.shared_with.add(town.municipality)
    third_firm = PartnerOrganizationFactory(municipality=third, name="Třetí firma")
    ProjectPartnerFactory(project=third_projects[3], organization=third_firm)
    ProjectPartnerFactory(project=third_projects[2], organization=town.ngo)

    two_towns = UserFactory(username="two.towns")
    MembershipFactory(user=two_towns, role="staff", department=town.env)
    MembershipFactory(user=two_towns, role="staff", department=other_department)
    two_firms = UserFactory(username="two.firms")
    MembershipFactory(user=two_firms, role="partner", department=None, organization=town.ngo)
    MembershipFactory(user=two_firms, role="partner", department=None, organization=third_firm)
    staff_and_guest = UserFactory(username="staff.guest")
    MembershipFactory(user=staff_and_guest, role="staff", department=other_department)
    MembershipFactory(user=staff_and_guest, role="partner", department=None, organization=third_firm)
    operator = UserFactory(username="operator", is_superuser=True, is_staff=True)
    other_manager = UserFactory(username="lhota.manager")
    MembershipFactory(user=other_manager, role="manager", department=other_department)
    return {
        "manager": town.user("manager"),
        "manager of Lhota": other_manager,
        "other coordinator": town.user("other_coordinator"),
        "partner": town.user("partner"),
        "partner not invited": town.user("partner_not_invited"),
        "staff of two towns": two_towns,
        "partner of two firms": two_firms,
        "staff and partner": staff_and_guest,
        "platform operator": operator,
    }


BUNDLES = ("shared", "private", "lhota")
URLS = (
    "/api/v1/projects/",
    "/api/v1/projects/?page_size=2",
    "/api/v1/projects/?page_size=3",
    "/api/v1/projects/?page_size=1",
)


@pytest.mark.parametrize("url", URLS)
def test_every_page_reads_as_the_orm_reads_it(viewers, url, monkeypatch):
    compiled_pages = {name: _walk(_client(user), url) for name, user in viewers.items()}
    assert any(page is not None for page in compiled._CACHE.values()), "the compiled path was not taken"
    assert None not in compiled._CACHE.values(), "a shape of these viewers could not be compiled"

    compiled._CACHE.clear()
    monkeypatch.setattr(compiled, "_prove", lambda *arguments: None)  # every page through the ORM
    orm_pages = {name: _walk(_client(user), url) for name, user in viewers.items()}
    assert compiled_pages == orm_pages


def test_viewers_of_the_same_shape_see_their_own_projects(viewers, town):
    """The managers of Vzorov and of Lhota have the same shape of roles, and so have the two partner guests: the
    second of each reads the SQL the first compiled, with their own ids in it."""
    for name in ("manager", "manager of Lhota", "partner", "partner not invited"):
        user = viewers[name]
        shown = [project["id"] for project in _client(user).get("/api/v1/projects/?page_size=200").json()["results"]]
        visible = project_list_visible(user=User.objects.get(pk=user.pk)).order_by("-created_at", "-id")
        assert shown == list(visible.values_list("pk", flat=True)), name
    assert len([page for page in compiled._CACHE.values() if page is not None]) == 2  # staff, partner


def test_a_parameter_made_from_a_value_is_not_compiled_and_the_orm_answers(town):
    """A build whose SQL carries something made from a value (not the value itself) cannot be bound: the page comes
    from the ORM, right for every request."""
    first, second = (town.project(Stage.IDEA, title=title) for title in ("1", "2"))

    def page(value: int) -> list[dict]:
        query = PageQuery(
            model=Project,
            key=("test",),
            build=lambda values: Project.objects.filter(title=str(values["number"][0])).values("pk"),
            values={"number": (value,)},
            fallback=lambda: Project.objects.filter(title=str(value)).values("pk"),
        )
        return list(query.order_by("-id")[0:5])

    assert page(1) == [{"pk": first.pk}]
    assert page(2) == [{"pk": second.pk}]
    assert list(compiled._CACHE.values()) == [None]


def test_a_value_compiled_into_the_page_is_bound_per_request(town):
    first, second = (town.project(Stage.IDEA, title=title) for title in ("1", "2"))

    def page(pk: int) -> list[dict]:
        query = PageQuery(
            model=Project,
            key=("test",),
            build=lambda values: Project.objects.filter(pk__in=values["ids"]).values("pk", "title"),
            values={"ids": (pk,)},
            fallback=lambda: Project.objects.filter(pk=pk).values("pk", "title"),
        )
        return list(query.order_by("-id")[0:5])

    assert page(first.pk) == [{"pk": first.pk, "title": "1"}]
    assert page(second.pk) == [{"pk": second.pk, "title": "2"}]
    assert len(compiled._CACHE) == 1
    assert next(iter(compiled._CACHE.values())) is not None


def test_comments_tasks_and_notifications_read_as_the_orm_reads_them(world, monkeypatch):
    """A project's comments (partners get the shared ones, a hidden project is 404 or an empty page as before), tasks
    (all, or the viewer's own) and the viewer's notifications, page by page, every role one after another, against
    the ORM's answers."""
    partner = world.user("partner")
    for number in range(3):
        CommentFactory(project=world.shared.project, author=partner, visibility="shared", body=f"{number}")
        CommentFactory(project=world.shared.project, author=world.user("manager"), visibility="internal")
    urls = [
        *(f"/api/v1/projects/{world.bundle(name).project.pk}/comments/?page_size=2" for name in BUNDLES),
        f"/api/v1/projects/{MISSING_ID}/comments/",
        "/api/v1/projects/x1/comments/",
        f"/api/v1/projects/{10**30}/comments/",
        "/api/v1/tasks/?page_size=1",
        "/api/v1/tasks/?assignee=me&page_size=1",
        "/api/v1/tasks/?assignee=me&assignee=me",
        "/api/v1/tasks/?assignee=me&status=open",
        "/api/v1/notifications/?page_size=1",
        "/api/v1/notifications/",
    ]

    def answers() -> dict:
        clients = {role: _client(world.user(role)) for role in ROLES if role != ANONYMOUS}
        return {
            (role, url): _walk(client, url) if client.get(url).status_code == 200 else client.get(url).content
            for role, client in clients.items()
            for url in urls
        }

    compiled_answers = answers()
    assert any(page is not None for page in compiled._CACHE.values()), "the compiled path was not taken"
    compiled._CACHE.clear()
    monkeypatch.setattr(compiled, "_prove", lambda *arguments: None)
    assert compiled_answers == answers()
