"""Attacks on the API pages read from SQL compiled once per shape (``backend/api/compiled.py``).

Each test is what an attacker or a confused user would try: another viewer of the same shape of roles compiling a
page first, roles changed between two requests, forged cursors, odd page sizes and parameters. Each asserts what the
caller sees (status, ids), with the compiled path taken where it can be.
"""

import base64
import threading
from urllib import parse

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts.models import Membership, User
from backend.api import compiled
from backend.notifications.models import Notification
from backend.projects.models import Comment, Project, ProjectPartner, Task
from backend.projects.selectors import project_list_visible, task_list_visible
from tests.api.conftest import MISSING_ID
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_compiled_cache")]

PROJECTS = "/api/v1/projects/?page_size=200"
TASKS = "/api/v1/tasks/?page_size=200"
NOTIFICATIONS = "/api/v1/notifications/?page_size=200"


def _client(user: User) -> APIClient:
    """A client for one request of ``user``: the user read afresh, as each real request reads them."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user=User.objects.get(pk=user.pk))
    return client


def _ids(user: User, url: str) -> list[int]:
    response = _client(user).get(url)
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in response.json()["results"]]


def _comments_url(project: Project) -> str:
    return f"/api/v1/projects/{project.pk}/comments/?page_size=200"


def _visible_projects(user: User) -> list[int]:
    return list(
        project_list_visible(user=User.objects.get(pk=user.pk))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )


def _visible_tasks(user: User) -> list[int]:
    return list(task_list_visible(user=User.objects.get(pk=user.pk)).order_by("id").values_list("pk", flat=True))


def _compiled_shapes() -> int:
    return len([page for page in compiled._CACHE.values() if page is not None])


def _cursor(offset: int = 0, reverse: bool = False, position: str | None = None) -> str:
    """A cursor as DRF encodes one, with whatever an attacker puts in it."""
    tokens = {"o": str(offset)} if offset else {}
    if reverse:
        tokens["r"] = "1"
    if position is not None:
        tokens["p"] = position
    return parse.quote(base64.b64encode(parse.urlencode(tokens, doseq=True).encode()).decode())


# --- viewers of one shape, one after another -------------------------------------------------------------------


def test_coordinators_of_two_towns_share_a_shape_not_their_projects_tasks_or_comments(world):
    """One coordinator's page compiles the shape; the other's, of the same counts of roles in another town, binds
    their own town: neither sees a project, task or comment of the other's."""
    coordinator, other = world.user("coordinator"), world.user("other_coordinator")
    for first, second in ((coordinator, other), (other, coordinator)):
        compiled._CACHE.clear()
        for user in (first, second):
            assert _ids(user, PROJECTS) == _visible_projects(user)
            assert _ids(user, TASKS) == _visible_tasks(user)
        assert _compiled_shapes() == 2  # one shape each of projects and tasks, read by both
    assert world.lhota.project.pk not in _ids(coordinator, PROJECTS)
    assert world.shared.project.pk not in _ids(other, PROJECTS)
    assert world.lhota.task.pk not in _ids(coordinator, TASKS)
    assert _ids(other, _comments_url(world.lhota.project)) == [world.lhota.comments["shared"].pk]
    assert _client(other).get(_comments_url(world.shared.project)).status_code == 404
    assert _client(coordinator).get(_comments_url(world.lhota.project)).status_code == 404


def test_a_platform_operator_and_a_user_without_roles_have_the_same_counts_but_not_the_same_page(world):
    """Both hold no membership: the operator sees every project, the user none, whoever compiled first."""
    operator = UserFactory(username="operator", is_superuser=True, is_staff=True)
    nobody = UserFactory(username="nobody")
    everything = sorted(Project.objects.values_list("pk", flat=True))
    for order in ((operator, nobody), (nobody, operator)):
        compiled._CACHE.clear()
        seen = {user.pk: _ids(user, PROJECTS) for user in order}
        assert sorted(seen[operator.pk]) == everything
        assert seen[nobody.pk] == []
        assert _ids(nobody, TASKS) == []
        assert sorted(_ids(operator, TASKS)) == sorted(Task.objects.values_list("pk", flat=True))
        assert _client(nobody).get(_comments_url(world.shared.project)).status_code == 404


def test_partner_guests_of_different_projects_see_only_their_own(world):
    """The NGO's guest and the firm's (not invited to any project here) have one shape: the firm's guest compiling
    it first or second, they see their own projects, tasks and shared comments only, internal comments never."""
    partner, uninvited = world.user("partner"), world.user("partner_not_invited")
    for order in ((partner, uninvited), (uninvited, partner)):
        compiled._CACHE.clear()
        for user in order:
            assert _ids(user, PROJECTS) == _visible_projects(user)
            assert _ids(user, TASKS) == _visible_tasks(user)
        shared_comments = _ids(partner, _comments_url(world.shared.project))
        assert world.shared.comments["internal"].pk not in shared_comments
        assert world.shared.comments["shared"].pk in shared_comments
        assert _client(uninvited).get(_comments_url(world.shared.project)).status_code == 404
    assert world.shared.project.pk in _ids(partner, PROJECTS)
    assert _ids(uninvited, PROJECTS) == []
    assert world.private.project.pk not in _ids(partner, PROJECTS)


def test_notifications_of_one_user_are_never_anothers(world):
    for user in (world.user("manager"), world.user("partner"), world.user("staff"), world.user("manager")):
        mine = list(
            Notification.objects.filter(recipient=user).order_by("-created_at", "-id").values_list("pk", flat=True)
        )
        assert _ids(user, NOTIFICATIONS) == mine
    assert _compiled_shapes() == 1


# --- roles changed between two requests ------------------------------------------------------------------------


def test_a_membership_added_then_removed_is_seen_at_the_next_request(world):
    """The staff member of Vzorov joins Lhota's department (the shape changes: two towns), then leaves it again (the
    shape compiled before comes back): each request sees exactly the roles of that moment."""
    staff = world.user("staff")
    before = _ids(staff, PROJECTS)
    assert world.lhota.project.pk not in before
    membership = MembershipFactory(user=staff, role="staff", department=world.lhota_department)
    assert world.lhota.project.pk in _ids(staff, PROJECTS)
    assert _client(staff).get(_comments_url(world.lhota.project)).status_code == 200
    membership.delete()
    assert _ids(staff, PROJECTS) == before
    assert world.lhota.task.pk not in _ids(staff, TASKS)
    assert _client(staff).get(_comments_url(world.lhota.project)).status_code == 404


def test_a_role_swapped_for_another_of_the_same_counts_is_seen_at_once(world):
    """The manager's membership moved to Lhota's department: the same counts of every set of roles, the compiled
    shape reused, and only Lhota's projects shown."""
    manager = world.user("manager")
    assert world.shared.project.pk in _ids(manager, PROJECTS)
    Membership.objects.filter(user=manager).update(
        department=world.lhota_department, municipality=world.lhota_department.municipality
    )
    shown = _ids(manager, PROJECTS)
    assert shown == _visible_projects(manager)
    assert world.shared.project.pk not in shown
    assert world.lhota.project.pk in shown
    assert _compiled_shapes() == 1  # the first request's shape answered the second
    assert _client(manager).get(_comments_url(world.shared.project)).status_code == 404


def test_a_partner_whose_invitation_is_revoked_loses_the_project_its_tasks_and_comments(world):
    partner = world.user("partner")
    project = world.shared.project
    assert project.pk in _ids(partner, PROJECTS)
    assert world.shared.task.pk in _ids(partner, TASKS)
    assert _client(partner).get(_comments_url(project)).status_code == 200
    ProjectPartner.objects.filter(project=project, organization=world.town.ngo).delete()
    assert project.pk not in _ids(partner, PROJECTS)
    assert world.shared.task.pk not in _ids(partner, TASKS)
    assert _client(partner).get(_comments_url(project)).status_code == 404


def test_a_partner_whose_membership_is_removed_sees_nothing(world):
    partner = world.user("partner")
    assert _ids(partner, PROJECTS)
    Membership.objects.filter(user=partner).delete()
    assert _ids(partner, PROJECTS) == []
    assert _ids(partner, TASKS) == []
    assert _client(partner).get(_comments_url(world.shared.project)).status_code == 404


def test_a_project_no_longer_shared_with_the_town_leaves_its_staff_page(world):
    """Lhota shares its project with Vzorov, then stops: Vzorov's coordinator sees it, then not, at once."""
    coordinator = world.user("coordinator")
    lhota = world.lhota.project
    lhota.shared_with.add(world.town.municipality)
    assert lhota.pk in _ids(coordinator, PROJECTS)
    lhota.shared_with.remove(world.town.municipality)
    assert lhota.pk not in _ids(coordinator, PROJECTS)
    assert _ids(coordinator, PROJECTS) == _visible_projects(coordinator)


def test_a_token_request_after_a_role_change_sees_the_new_roles(world):
    """Through the token (the user and roles read with the token): the page of the next request holds no stale role."""
    staff = world.user("staff")
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    assert world.lhota.project.pk not in [row["id"] for row in client.get(PROJECTS).json()["results"]]
    membership = MembershipFactory(user=staff, role="staff", department=world.lhota_department)
    assert world.lhota.project.pk in [row["id"] for row in client.get(PROJECTS).json()["results"]]
    membership.delete()
    assert world.lhota.project.pk not in [row["id"] for row in client.get(PROJECTS).json()["results"]]
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert client.get(PROJECTS).status_code in (401, 403)


# --- the anonymous and what is not visible ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [PROJECTS, TASKS, NOTIFICATIONS, "/api/v1/tasks/?assignee=me", "/api/v1/projects/{pk}/comments/"]
)
def test_the_anonymous_get_no_rows(world, url):
    response = APIClient(raise_request_exception=False).get(url.format(pk=world.shared.project.pk))
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


@pytest.mark.parametrize(
    "pk", [str(MISSING_ID), "0", "-1", "00{pk}", "{pk}.0", "١٢", "9" * 19, "9" * 5000, "{pk}%00", "{pk}'--"]
)
def test_comments_of_a_missing_hidden_or_malformed_project_are_404(world, pk):
    """A project of another town and every odd spelling of an id: 404, no comment."""
    other = world.user("other_coordinator")
    pk = pk.format(pk=world.shared.project.pk)
    response = _client(other).get(f"/api/v1/projects/{pk}/comments/")
    assert response.status_code == 404, response.content[:300]


def test_leading_zeros_name_the_same_project_and_its_visibility(world):
    """``/projects/00<pk>/comments/`` is the project's comments for who may see it, 404 for anyone else."""
    pk = world.shared.project.pk
    manager, other = world.user("manager"), world.user("other_coordinator")
    assert _ids(manager, f"/api/v1/projects/00{pk}/comments/") == _ids(manager, _comments_url(world.shared.project))
    assert _client(other).get(f"/api/v1/projects/00{pk}/comments/").status_code == 404


# --- cursors, page sizes, parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "position",
    [
        "x",
        "",
        "1.5",
        "9" * 25,
        "-" + "9" * 25,
        "9" * 5000,
        "1\x00",
        "1' OR '1'='1",
        "2026-01-01T00:00:00+00:00",
    ],
)
def test_a_forged_task_position_is_400_or_a_page_of_visible_tasks(world, position):
    staff = world.user("staff")
    response = _client(staff).get(f"/api/v1/tasks/?cursor={_cursor(position=position)}")
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:
        assert set(row["id"] for row in response.json()["results"]) <= set(_visible_tasks(staff))
    else:
        assert "cursor" in response.json()


@pytest.mark.parametrize("reverse", [False, True])
def test_a_task_position_beyond_every_id_of_either_sign_is_an_empty_page_or_the_visible_tasks(world, reverse):
    """Positions at the column's ends are numbers DRF could have written: the page holds only visible tasks."""
    staff = world.user("staff")
    for position in ("-2147483648", "0", "2147483647", "9223372036854775807", "-9223372036854775808"):
        response = _client(staff).get(f"/api/v1/tasks/?cursor={_cursor(reverse=reverse, position=position)}")
        if response.status_code == 400:
            continue
        assert response.status_code == 200, (position, response.content[:300])
        assert set(row["id"] for row in response.json()["results"]) <= set(_visible_tasks(staff))


def test_a_task_position_in_other_digits_reads_as_the_number(world):
    """``١`` (Arabic-Indic one) is a number to Python: the page is the visible tasks after it, as for ``1``."""
    staff = world.user("staff")
    ascii_page = _client(staff).get(f"/api/v1/tasks/?cursor={_cursor(position='1')}")
    other_digits = _client(staff).get(f"/api/v1/tasks/?cursor={_cursor(position='١')}")
    assert other_digits.status_code in (200, 400)
    if other_digits.status_code == 200:
        assert other_digits.json()["results"] == ascii_page.json()["results"]


@pytest.mark.parametrize(
    "position",
    ["2026-13-45 00:00:00+00:00", "2026-01-01 00:00:00", "yesterday", "9" * 30, "2026-01-01T00:00:00+99:00", "\x00"],
)
@pytest.mark.parametrize("url", ["/api/v1/projects/", "/api/v1/notifications/", "/api/v1/projects/{pk}/comments/"])
def test_a_forged_moment_position_is_400_on_the_cursor(world, position, url):
    response = _client(world.user("manager")).get(
        url.format(pk=world.shared.project.pk) + f"?cursor={_cursor(position=position)}"
    )
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()) == ["cursor"]


def test_a_cursor_of_another_list_reads_only_what_this_list_shows(world):
    """A project list's cursor (a moment) on the tasks (ordered by id) is invalid; a task list's (an id) on projects
    too; a comments' cursor on another project's comments gives that project's visible comments or nothing."""
    manager = world.user("manager")
    projects = _client(manager).get("/api/v1/projects/?page_size=1").json()
    tasks = _client(manager).get("/api/v1/tasks/?page_size=1").json()
    project_cursor = parse.parse_qs(parse.urlsplit(projects["next"]).query)["cursor"][0]
    task_cursor = parse.parse_qs(parse.urlsplit(tasks["next"]).query)["cursor"][0]
    assert _client(manager).get("/api/v1/tasks/", {"cursor": project_cursor}).status_code == 400
    assert _client(manager).get("/api/v1/projects/", {"cursor": task_cursor}).status_code == 400
    comments = _client(manager).get(f"/api/v1/projects/{world.shared.project.pk}/comments/?page_size=1").json()
    comment_cursor = parse.parse_qs(parse.urlsplit(comments["next"]).query)["cursor"][0]
    other = world.user("other_coordinator")
    answer = _client(other).get(f"/api/v1/projects/{world.shared.project.pk}/comments/", {"cursor": comment_cursor})
    assert answer.status_code == 404
    answer = _client(manager).get(f"/api/v1/projects/{world.private.project.pk}/comments/", {"cursor": comment_cursor})
    assert answer.status_code in (200, 404)
    if answer.status_code == 200:
        private = set(Comment.objects.filter(project=world.private.project).values_list("pk", flat=True))
        assert {row["id"] for row in answer.json()["results"]} <= private


@pytest.mark.parametrize("offset", ["-1", "99999999", "x", "9" * 5000, "١"])
def test_a_forged_offset_is_400_or_a_page_of_visible_projects(world, offset):
    staff = world.user("staff")
    token = parse.quote(base64.b64encode(f"o={offset}".encode()).decode())
    response = _client(staff).get(f"/api/v1/projects/?cursor={token}")
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:
        assert {row["id"] for row in response.json()["results"]} <= set(_visible_projects(staff))


@pytest.mark.parametrize("cursor", ["%%%", "!!", base64.b64encode(b"\xff\xfe").decode(), "A" * 10_000])
def test_a_cursor_that_is_not_one_is_400_or_the_first_page(world, cursor):
    """DRF decodes base64 leniently (what is not base64 is dropped): garbage reads as no cursor at all."""
    staff = world.user("staff")
    response = _client(staff).get("/api/v1/projects/", {"cursor": cursor})
    if response.status_code == 400:
        assert list(response.json()) == ["cursor"]
    else:
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == _visible_projects(staff)[:50]


@pytest.mark.parametrize(
    ("page_size", "expected"),
    [("1", 1), ("0", 50), ("-5", 50), ("x", 50), ("9" * 5000, 50), ("10" * 20, 200), ("١", 1), ("1e3", 50), ("", 50)],
)
def test_odd_page_sizes_are_the_default_or_capped(page_size, expected):
    manager = UserFactory(username="many")
    membership = MembershipFactory(user=manager, role="staff")
    for _ in range(210):
        ProjectFactory(municipality=membership.municipality, lead_department=membership.department)
    response = _client(manager).get("/api/v1/projects/", {"page_size": page_size})
    assert response.status_code == 200, response.content[:300]
    results = response.json()["results"]
    assert len(results) == expected
    assert {row["id"] for row in results} <= set(_visible_projects(manager))


def test_unknown_parameters_read_the_same_page_through_the_orm(world):
    manager = world.user("manager")
    plain = _ids(manager, PROJECTS)
    for extra in ("foo=1", "user_id=1", "municipality_ids=99", "platform_admin=1", "cursor="):
        assert _ids(manager, f"{PROJECTS}&{extra}") == plain, extra
    # The last of a repeated page size counts (DRF reads one value), compiled or not.
    assert _ids(manager, "/api/v1/projects/?page_size=200&page_size=1") == plain[:1]
    assert _ids(manager, "/api/v1/projects/?page_size=200&page_size=1&foo=1") == plain[:1]


def test_ordering_by_a_hidden_field_is_ignored_for_a_partner(world):
    """A partner guest asking for ``estimated_cost`` order gets the default order (the hidden field cannot be
    probed by sorting); staff asking the same get it too (not among the orderings), and a shown field orders."""
    partner = world.user("partner")
    plain = _ids(partner, PROJECTS)
    for field in (
        "estimated_cost",
        "-estimated_cost",
        "assessment_score",
        "manager__username",
        "created_at,estimated_cost",
    ):
        response = _client(partner).get(PROJECTS, {"ordering": field})
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == plain, field
        assert all("estimated_cost" not in row for row in response.json()["results"])


# --- the per-process cache across threads ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_viewers_of_one_shape_in_threads_see_their_own(town):
    """Coordinators of two towns (one shape) request their lists at once, in threads, the cache empty at first: each
    answer is the requester's own projects."""
    mine = [town.project(title=f"Vzorov {number}") for number in range(3)]
    theirs = [ProjectFactory(municipality=town.other_municipality, title=f"Lhota {number}") for number in range(3)]
    users = {
        town.user("coordinator").pk: {p.pk for p in mine},
        town.user("other_coordinator").pk: {p.pk for p in theirs},
    }
    failures: list = []
    barrier = threading.Barrier(4)

    def run(user_pk: int):
        try:
            barrier.wait()
            for _ in range(5):
                if user_pk == min(users):
                    compiled._CACHE.clear()
                got = set(_ids(User(pk=user_pk), PROJECTS))
                if got != users[user_pk]:
                    failures.append((user_pk, got))
        except Exception as error:
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in (*users, *users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.parametrize("list_name", ["tasks", "comments"])
def test_a_page_a_platform_operator_compiled_first_is_not_read_by_a_user_of_the_same_counts(world, list_name):
    """The operator's visibility has no filter at all (no id of theirs in the SQL): compiled first, that SQL must not
    answer someone whose roles have the same counts (no membership, or staff of one department)."""
    operator = UserFactory(username="operator", is_superuser=True, is_staff=True)
    operator_staff = UserFactory(username="operator.staff", is_superuser=True, is_staff=True)
    MembershipFactory(user=operator_staff, role="staff", department=world.lhota_department)
    nobody = UserFactory(username="nobody")
    url = TASKS if list_name == "tasks" else _comments_url(world.shared.project)
    lhota_url = TASKS if list_name == "tasks" else _comments_url(world.lhota.project)
    assert _ids(operator, url)
    if list_name == "tasks":
        assert _ids(nobody, url) == []
    else:
        assert _client(nobody).get(url).status_code == 404
    staff = world.user("staff")  # staff of TRA in Vzorov: the counts of ``operator_staff``
    assert _ids(operator_staff, lhota_url)
    if list_name == "tasks":
        assert _ids(staff, url) == _visible_tasks(staff)
    else:
        assert _client(staff).get(lhota_url).status_code == 404
        assert world.shared.comments["internal"].pk in _ids(operator_staff, url)


def test_a_platform_operator_demoted_between_two_requests_sees_only_their_roles_at_once(world):
    """The operator's pages are compiled (no filter); made an ordinary user, the next request has no role: nothing."""
    operator = UserFactory(username="operator", is_superuser=True, is_staff=True)
    comments = _comments_url(world.shared.project)
    assert _ids(operator, TASKS) and _ids(operator, PROJECTS) and _ids(operator, comments)
    User.objects.filter(pk=operator.pk).update(is_superuser=False)
    assert _ids(operator, TASKS) == []
    assert _ids(operator, PROJECTS) == []
    assert _client(operator).get(comments).status_code == 404
    User.objects.filter(pk=operator.pk).update(is_superuser=True)
    assert world.shared.comments["internal"].pk in _ids(operator, comments)
