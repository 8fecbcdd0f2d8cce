"""Who may invite partner guests and revoke partner access through the REST API: a row per request, a column
per role, the exact status in every cell (legend and objects as in tests/api/test_permissions.py).

``shared`` is Vzorov's ENV project (the NGO and the university invited), ``private`` Vzorov's TRA project
(no partner), ``lhota`` the other municipality's project. Every write is rolled back, so each role meets the
same world. A 404 must answer exactly what a missing id answers, so existence never leaks.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.accounts.models import Invitation
from backend.projects.models import ProjectPartner
from tests.api.conftest import MISSING_ID, ROLES, World, rolled_back

pytestmark = pytest.mark.usefixtures("own_throttle_cache")

OK, NEW, GONE, BAD, AUTH, NO, HID = 200, 201, 204, 400, 401, 403, 404

# fmt: off
#                      anon  coord lead  other mgr   staff partn notinv othcrd
LIST =                (AUTH, OK,   OK,   OK,   OK,   OK,   HID,  HID,  OK)
INVITE = {  # editors of the project invite; a project or organisation the role cannot see is an invalid choice
    "shared":         (AUTH, NEW,  NEW,  NO,   NEW,  NO,   HID,  HID,  BAD),
    "private":        (AUTH, NEW,  NO,   NEW,  NO,   NO,   HID,  HID,  BAD),
    "lhota":          (AUTH, BAD,  BAD,  BAD,  BAD,  BAD,  HID,  HID,  NEW),
}
WITHDRAW = {  # the inviter (manager on shared, coordinator on private), editors and the coordinator
    "shared":         (AUTH, OK,   OK,   NO,   OK,   NO,   HID,  HID,  HID),
    "private":        (AUTH, OK,   NO,   OK,   NO,   NO,   HID,  HID,  HID),
    "lhota":          (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  OK),
}
REVOKE_PROJECT = {  # the project's editors take one organisation's access away
    "shared":         (AUTH, GONE, GONE, NO,   GONE, NO,   HID,  HID,  HID),
    "private":        (AUTH, GONE, NO,   GONE, NO,   NO,   HID,  HID,  HID),
    "lhota":          (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  GONE),
}
REVOKE_ORGANIZATION = {  # only the coordinator of the organisation's municipality
    "shared":         (AUTH, OK,   NO,   NO,   NO,   NO,   HID,  HID,  HID),
    "lhota":          (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  OK),
}
# fmt: on


@dataclass
class Target:
    project: int
    organization: int  # with access to the project
    uninvited: int  # an organisation of the project's municipality without access
    invitation: int


@pytest.fixture
def targets(world: World) -> dict[str, Target]:
    town = world.town
    ProjectPartner.objects.create(project=world.private.project, organization=town.firm)
    ProjectPartner.objects.create(project=world.lhota.project, organization=world.lhota_organization)

    def invitation(bundle, organization, inviter):
        row = Invitation.objects.create(
            email=f"host{bundle.project.pk}@example.org",
            organization=organization,
            invited_by=inviter,
            expires_at=timezone.now() + timedelta(days=7),
        )
        row.projects.set([bundle.project])
        return row.pk

    users = town.users
    return {
        "shared": Target(
            world.shared.project.pk, town.ngo.pk, town.firm.pk, invitation(world.shared, town.ngo, users["manager"])
        ),
        "private": Target(
            world.private.project.pk,
            town.firm.pk,
            town.ngo.pk,
            invitation(world.private, town.firm, users["coordinator"]),
        ),
        "lhota": Target(
            world.lhota.project.pk,
            world.lhota_organization.pk,
            world.lhota_organization.pk,
            invitation(world.lhota, world.lhota_organization, users["other_coordinator"]),
        ),
    }


@dataclass(frozen=True)
class Endpoint:
    statuses: dict[str, tuple[int, ...]]
    method: str
    path: str  # placeholders: {project}, {organization}, {invitation}
    hidden: str  # the placeholder a 404 hides
    body: Any = None


SPEC = {
    "POST /invitations/": Endpoint(
        INVITE,
        "post",
        "/api/v1/invitations/",
        "",
        lambda t: {"email": "nova.hostka@example.org", "organization": t.uninvited, "projects": [t.project]},
    ),
    "POST /invitations/{invitation}/revoke/": Endpoint(
        WITHDRAW, "post", "/api/v1/invitations/{invitation}/revoke/", "invitation"
    ),
    "DELETE /projects/{project}/partners/{organization}/": Endpoint(
        REVOKE_PROJECT, "delete", "/api/v1/projects/{project}/partners/{organization}/", "project"
    ),
    "POST /organizations/{organization}/revoke/": Endpoint(
        REVOKE_ORGANIZATION, "post", "/api/v1/organizations/{organization}/revoke/", "organization"
    ),
}


def _call(world: World, role: str, endpoint: Endpoint, values: dict[str, int], target: Target):
    client = world.client(role)
    path = endpoint.path.format(**values)
    body = endpoint.body(target) if endpoint.body else None
    return rolled_back(lambda: getattr(client, endpoint.method)(path, body, format="json"))


@pytest.mark.parametrize("name", SPEC)
def test_status_for_every_role(world, targets, name):
    endpoint = SPEC[name]
    expected, observed, leaks = {}, {}, {}
    for obj, row in endpoint.statuses.items():
        target = targets[obj]
        values = {"project": target.project, "organization": target.organization, "invitation": target.invitation}
        for role, status in zip(ROLES, row, strict=True):
            expected[obj, role] = status
            response = _call(world, role, endpoint, values, target)
            observed[obj, role] = response.status_code
            if response.status_code == HID and endpoint.hidden:
                twin = _call(world, role, endpoint, {**values, endpoint.hidden: MISSING_ID}, target)
                if (twin.status_code, twin.json()) != (HID, response.json()):
                    leaks[obj, role] = (response.json(), twin.status_code, twin.json())
    assert observed == expected
    assert leaks == {}, "a hidden object answers differently from a missing one"
    print(f"{name}: {len(observed)} cases, {sum(s == HID for s in observed.values())} hidden, 0 leaked")


def test_list_status_and_rows_for_every_role(world, targets):
    expected_rows = {
        "coordinator": {targets["shared"].invitation, targets["private"].invitation},
        "lead_head": {targets["shared"].invitation, targets["private"].invitation},
        "other_head": {targets["shared"].invitation, targets["private"].invitation},
        "manager": {targets["shared"].invitation, targets["private"].invitation},
        "staff": {targets["shared"].invitation, targets["private"].invitation},
        "other_coordinator": {targets["lhota"].invitation},
    }
    observed, rows = {}, {}
    for role in ROLES:
        response = world.client(role).get("/api/v1/invitations/")
        observed[role] = response.status_code
        if response.status_code == OK:
            rows[role] = {item["id"] for item in response.json()["results"]}
    assert tuple(observed[role] for role in ROLES) == LIST
    assert rows == expected_rows


def test_an_invitation_names_its_projects_and_state(world, targets):
    response = world.client("manager").get("/api/v1/invitations/")
    item = next(i for i in response.json()["results"] if i["id"] == targets["shared"].invitation)
    assert item["projects"] == [targets["shared"].project]
    assert (item["status"], item["kind"], item["language"]) == ("pending", "new_account", "cs")


def test_junk_input_answers_400_by_field(world):
    client = world.client("manager")
    for body in (
        {},
        {"email": "not-an-email", "organization": "x", "projects": "y"},
        {"email": "a@b.cz", "organization": world.town.firm.pk, "projects": []},
        {"email": "a@b.cz", "organization": world.town.firm.pk, "projects": [MISSING_ID], "language": "de"},
        {"email": "a@b.cz", "organization": world.town.firm.pk, "projects": [world.shared.project.pk], "extra": 1},
        [1, 2],
    ):
        response = rolled_back(lambda body=body: client.post("/api/v1/invitations/", body, format="json"))
        assert response.status_code == BAD, (body, response.content)


def test_inviting_staff_by_email_is_a_field_error(world):
    client = world.client("manager")
    body = {
        "email": world.town.user("staff").email,
        "organization": world.town.firm.pk,
        "projects": [world.shared.project.pk],
    }
    response = rolled_back(lambda: client.post("/api/v1/invitations/", body, format="json"))
    assert response.status_code == BAD and set(response.json()) == {"email"}


def test_withdrawing_an_accepted_invitation_is_refused(world, targets):
    Invitation.objects.filter(pk=targets["shared"].invitation).update(accepted_at=timezone.now())
    response = world.client("manager").post(f"/api/v1/invitations/{targets['shared'].invitation}/revoke/")
    assert response.status_code == BAD


def test_the_list_costs_the_same_for_one_and_many_invitations(world, targets, django_assert_num_queries):
    client = world.client("coordinator")
    client.get("/api/v1/invitations/")  # the forced user keeps its roles from here on
    with django_assert_num_queries(2):  # the page with its organisations and people, the projects of the page
        client.get("/api/v1/invitations/")
    for number in range(5):
        row = Invitation.objects.create(
            email=f"dalsi{number}@example.org",
            organization=world.town.ngo,
            expires_at=timezone.now() + timedelta(days=7),
        )
        row.projects.set([world.shared.project])
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/invitations/").json()["results"]) == 7
