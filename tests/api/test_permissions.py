"""Who may do what through the REST API: the permission matrix of DESIGN.md ("Who uses it", "REST contract").

Read a row as: "this request, on this object, answers this status to each role". The objects are
``shared`` (Vzorov's ENV project, the NGO of ``partner`` invited), ``private`` (Vzorov's TRA project, no
partner) and ``lhota`` (another municipality's project); see tests/api/conftest.py. Every write runs in a
savepoint that is rolled back, so each role meets the same world.

Legend
    OK 200, NEW 201 created, WAIT 202 waiting for approval,
    BAD 400 invalid input (a related id the role cannot see is an invalid choice, never a 404),
    AUTH 401 not signed in (TokenAuthentication comes first, so the answer carries ``WWW-Authenticate: Token``),
    NO 403 the role sees the object but may not do this,
    HID 404 the role may not see the object: the answer is byte for byte that of an id that does not exist,
    NONE 405 the API offers no such method, to anyone.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from backend.accounts.models import User
from backend.notifications.models import Notification
from tests.api.conftest import ANONYMOUS, MISSING_ID, ROLES, World, api_client, rolled_back

pytestmark = pytest.mark.usefixtures("own_throttle_cache")

OK, NEW, WAIT, BAD, AUTH, NO, HID, NONE = 200, 201, 202, 400, 401, 403, 404, 405

# Columns of every row, in this order:
#   anonymous coordinator lead_head other_head manager staff partner partner_not_invited other_coordinator
OBJECTS = ("shared", "private", "lhota")
VZOROV_STAFF = ("coordinator", "lead_head", "other_head", "manager", "staff")

# fmt: off
#                    anon  coord lead  other mgr   staff partn notinv othcrd
SEES = {
    "shared":       (AUTH, OK,   OK,   OK,   OK,   OK,   OK,   HID,  HID),
    "private":      (AUTH, OK,   OK,   OK,   OK,   OK,   HID,  HID,  HID),
    "lhota":        (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  OK),
}
EDITS = {  # the project manager, the head of the lead department and the coordinator
    "shared":       (AUTH, OK,   OK,   NO,   OK,   NO,   NO,   HID,  HID),
    "private":      (AUTH, OK,   NO,   OK,   NO,   NO,   HID,  HID,  HID),
    "lhota":        (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  OK),
}
ADDS = {  # the same people create what hangs on a project
    "shared":       (AUTH, NEW,  NEW,  NO,   NEW,  NO,   NO,   HID,  HID),
    "private":      (AUTH, NEW,  NO,   NEW,  NO,   NO,   HID,  HID,  HID),
    "lhota":        (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  NEW),
}
INTERNAL_ONLY = {  # municipal users only: the partner sees the project but not this
    "shared":       (AUTH, OK,   OK,   OK,   OK,   OK,   HID,  HID,  HID),
    "private":      SEES["private"],
    "lhota":        SEES["lhota"],
}
FUNDING_EDITS = {  # the partner does not even see the funding application
    "shared":       (AUTH, OK,   OK,   NO,   OK,   NO,   HID,  HID,  HID),
    "private":      EDITS["private"],
    "lhota":        EDITS["lhota"],
}
COMMENTS_SHARED = {  # everyone who sees the project may write a comment shared with partners
    "shared":       (AUTH, NEW,  NEW,  NEW,  NEW,  NEW,  NEW,  HID,  HID),
    "private":      (AUTH, NEW,  NEW,  NEW,  NEW,  NEW,  HID,  HID,  HID),
    "lhota":        (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  NEW),
}
COMMENTS_INTERNAL = {
    "shared":       (AUTH, NEW,  NEW,  NEW,  NEW,  NEW,  NO,   HID,  HID),
    "private":      COMMENTS_SHARED["private"],
    "lhota":        COMMENTS_SHARED["lhota"],
}
PUT_ON_HOLD = {  # four-eyes: every request waits for someone else's approval, an approver's own too
    "shared":       (AUTH, WAIT, WAIT, NO,   WAIT, NO,   NO,   HID,  HID),
    "private":      (AUTH, WAIT, NO,   WAIT, NO,   NO,   HID,  HID,  HID),
    "lhota":        (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  WAIT),
}
TASK_RENAME = {  # municipal users edit any task of their municipality; the partner only moves its status
    "shared":       (AUTH, OK,   OK,   OK,   OK,   OK,   BAD,  HID,  HID),
    "private":      SEES["private"],
    "lhota":        SEES["lhota"],
}
TASK_CREATE = {  # the project is named in the body: one the role cannot see is an invalid choice
    "shared":       (AUTH, NEW,  NEW,  NEW,  NEW,  NEW,  NO,   BAD,  BAD),
    "private":      (AUTH, NEW,  NEW,  NEW,  NEW,  NEW,  BAD,  BAD,  BAD),
    "lhota":        (AUTH, BAD,  BAD,  BAD,  BAD,  BAD,  BAD,  BAD,  NEW),
}
# shared: the manager asked to reject it (lead head or coordinator decide);
# private: the coordinator asked to approve it for funding (only TRA's head decides);
# lhota: Lhota's coordinator asked to approve it for funding (Lhota has no head of the department).
APPROVAL_SEEN = {  # by those who may decide it and by the one who asked
    "shared":       (AUTH, OK,   OK,   HID,  OK,   HID,  HID,  HID,  HID),
    "private":      (AUTH, OK,   HID,  OK,   HID,  HID,  HID,  HID,  HID),
    "lhota":        (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  OK),
}
APPROVAL_DECIDED = {  # the one who asked sees the request but may not decide it
    "shared":       (AUTH, OK,   OK,   HID,  NO,   HID,  HID,  HID,  HID),
    "private":      (AUTH, NO,   HID,  OK,   HID,  HID,  HID,  HID,  HID),
    "lhota":        (AUTH, HID,  HID,  HID,  HID,  HID,  HID,  HID,  NO),
}

# Requests that do not depend on the object (on ``shared`` where a path needs one):
#                        anon  coord lead  other mgr   staff partn notinv othcrd
EVERYONE =              (AUTH, OK,   OK,   OK,   OK,   OK,   OK,   OK,   OK)
PROJECT_CREATE =        (AUTH, NEW,  NEW,  NEW,  NEW,  NEW,  NO,   NO,   NEW)   # partners create nothing
MANAGERS_NOTIFICATION = (AUTH, HID,  HID,  HID,  OK,   HID,  HID,  HID,  HID)  # nobody reads another's
NOT_OFFERED =           (AUTH, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE)  # before any lookup: no leak
# fmt: on


@dataclass(frozen=True)
class Endpoint:
    """One method on one path; ``{name}`` placeholders are filled from the object's ids."""

    statuses: dict[str, tuple[int, ...]] | tuple[int, ...]
    body: Any = None  # a dict, or a function of the placeholder values giving one
    item: str | None = None  # the placeholder naming the object itself when it is not the project

    def data(self, values: dict[str, int]):
        return self.body(values) if callable(self.body) else self.body


def _partner_grant(values):
    return {"organization": values["organization"], "access_level": "view"}


SPEC: dict[str, Endpoint] = {
    # projects
    "GET /projects/": Endpoint(EVERYONE),
    "POST /projects/": Endpoint(PROJECT_CREATE, {"title": "Sdílená kola u nádraží"}),
    "GET /projects/{project}/": Endpoint(SEES),
    "PATCH /projects/{project}/": Endpoint(EDITS, {"summary": "Nové shrnutí"}),
    "PUT /projects/{project}/": Endpoint(NOT_OFFERED, {"title": "Nahrazeno"}),
    "DELETE /projects/{project}/": Endpoint(NOT_OFFERED),
    # the pipeline
    "GET /projects/{project}/transitions/": Endpoint(SEES),
    "POST /projects/{project}/transitions/": Endpoint(
        PUT_ON_HOLD, {"name": "put_on_hold", "comment": "Čekáme na rozpočet."}
    ),
    "GET /projects/{project}/history/": Endpoint(SEES),
    # comments and partners
    "GET /projects/{project}/comments/": Endpoint(SEES),
    "POST /projects/{project}/comments/ (shared)": Endpoint(
        COMMENTS_SHARED, {"body": "Děkujeme za podklady.", "visibility": "shared"}
    ),
    "POST /projects/{project}/comments/ (internal)": Endpoint(
        COMMENTS_INTERNAL, {"body": "Jen pro úřad.", "visibility": "internal"}
    ),
    "GET /projects/{project}/partners/": Endpoint(SEES),
    "POST /projects/{project}/partners/": Endpoint(ADDS, _partner_grant),
    # funding and KPIs
    "GET /projects/{project}/funding/": Endpoint(SEES),
    "POST /projects/{project}/funding/": Endpoint(ADDS, {"programme": "irop", "amount_requested": "50000.00"}),
    "GET /projects/{project}/funding/{funding}/": Endpoint(INTERNAL_ONLY, item="funding"),
    "PATCH /projects/{project}/funding/{funding}/": Endpoint(
        FUNDING_EDITS, {"call_name": "Výzva 2026"}, item="funding"
    ),
    "GET /projects/{project}/kpis/": Endpoint(SEES),
    "POST /projects/{project}/kpis/": Endpoint(ADDS, {"name": "Nabíjecí stanice", "unit": "ks", "target": "10"}),
    "GET /projects/{project}/kpis/{kpi}/": Endpoint(SEES, item="kpi"),
    "PATCH /projects/{project}/kpis/{kpi}/": Endpoint(EDITS, {"actual": "42"}, item="kpi"),
    # approvals
    "GET /approvals/": Endpoint(EVERYONE),
    "GET /approvals/{approval}/": Endpoint(APPROVAL_SEEN, item="approval"),
    "POST /approvals/{approval}/approve/": Endpoint(APPROVAL_DECIDED, {"comment": "Souhlasím."}, item="approval"),
    "POST /approvals/{approval}/reject/": Endpoint(APPROVAL_DECIDED, {"comment": "Nesouhlasím."}, item="approval"),
    # tasks (on ``shared`` the task is the partner's own)
    "GET /tasks/": Endpoint(EVERYONE),
    "POST /tasks/": Endpoint(TASK_CREATE, lambda values: {"project": values["project"], "title": "Nový úkol"}),
    "GET /tasks/{task}/": Endpoint(SEES, item="task"),
    "PATCH /tasks/{task}/ (status)": Endpoint(SEES, {"status": "in_progress"}, item="task"),
    "PATCH /tasks/{task}/ (title)": Endpoint(TASK_RENAME, {"title": "Přejmenováno"}, item="task"),
    "DELETE /tasks/{task}/": Endpoint(NOT_OFFERED, item="task"),
    # the current user's notifications (the one addressed is the manager's)
    "GET /notifications/": Endpoint(EVERYONE),
    "POST /notifications/{notification}/read/": Endpoint(MANAGERS_NOTIFICATION, item="notification"),
    "POST /notifications/read-all/": Endpoint(EVERYONE),
    # who I am and whom I may see
    "GET /me/": Endpoint(EVERYONE),
    "GET /departments/": Endpoint(EVERYONE),
    "GET /organizations/": Endpoint(EVERYONE),
    "GET /users/": Endpoint(EVERYONE),
}


def _values(world: World, obj: str) -> dict[str, int]:
    values = world.bundle(obj).ids()
    values["notification"] = world.notifications["manager"].pk
    return values


def _send(client, method: str, path: str, body):
    call = getattr(client, method.lower())
    return call(path, body, format="json") if body is not None else call(path)


def _request(world: World, role: str, name: str, values: dict[str, int]):
    method, template = name.split(" ")[:2]
    path = "/api/v1" + template.format(**values)
    body = SPEC[name].data(values)
    if method == "GET":
        return _send(world.client(role), method, path, body)
    return rolled_back(lambda: _send(world.client(role), method, path, body))


def _json(response):
    return response.json() if response["Content-Type"] == "application/json" else None


def _hidden_target(endpoint: Endpoint, name: str, obj: str, role: str) -> str:
    """Which id a 404 hides: the project when the role cannot see it, else the item under it."""
    if "{project}" in name and SEES[obj][ROLES.index(role)] != OK:
        return "project"
    return endpoint.item or "project"


@pytest.mark.parametrize("name", SPEC)
def test_status_for_every_role(world, name):
    """One request on every object by every role: the observed table must be SPEC's, cell for cell."""
    endpoint = SPEC[name]
    rows = endpoint.statuses if isinstance(endpoint.statuses, dict) else {"shared": endpoint.statuses}
    expected = {(obj, role): status for obj, row in rows.items() for role, status in zip(ROLES, row, strict=True)}

    observed, leaks, shapeless = {}, {}, {}
    missing_answers = {}  # an id that does not exist answers the same to everyone: ask once per path
    for obj, role in expected:
        values = _values(world, obj)
        response = _request(world, role, name, values)
        observed[obj, role] = response.status_code
        if response.status_code >= 400 and not isinstance(_json(response), dict):
            shapeless[obj, role] = response.content[:200]
        if response.status_code == AUTH:
            assert response["WWW-Authenticate"] == "Token"
        if response.status_code == HID:
            missing = {**values, _hidden_target(endpoint, name, obj, role): MISSING_ID}
            key = tuple(sorted(missing.items()))
            if key not in missing_answers:
                twin = _request(world, role, name, missing)
                missing_answers[key] = (twin.status_code, _json(twin))
            if missing_answers[key] != (HID, _json(response)):
                leaks[obj, role] = (_json(response), *missing_answers[key])

    assert observed == expected
    assert leaks == {}, "a hidden object answers differently from a missing one"
    assert shapeless == {}, "every error answers a JSON object"


# --- What each role sees in lists: the exact ids --------------------------------------------------------------


def _names(world: World) -> dict[str, dict[str, int]]:
    town = world.town
    shared, private, lhota = world.shared, world.private, world.lhota
    return {
        "projects": {name: world.bundle(name).project.pk for name in OBJECTS},
        "tasks": {
            "partner's task": shared.tasks[0].pk,
            "manager's task": shared.tasks[1].pk,
            "staff's task": private.tasks[0].pk,
            "lhota's task": lhota.tasks[0].pk,
        },
        "approvals": {
            "reject shared": shared.approval.pk,
            "fund private": private.approval.pk,
            "fund lhota": lhota.approval.pk,
        },
        "departments": {"ENV": town.env.pk, "TRA": town.tra.pk, "Lhota's": world.lhota_department.pk},
        "organizations": {
            "NGO": town.ngo.pk,
            "firm": town.firm.pk,
            "university": world.university.pk,
            "Lhota's": world.lhota_organization.pk,
        },
        "users": {role: town.user(role).pk for role in ROLES if role != ANONYMOUS},
        "notifications": {f"{role}'s": notification.pk for role, notification in world.notifications.items()},
    }


VZOROV_USERS = (*VZOROV_STAFF, "partner", "partner_not_invited")


def _same_for(roles, names):
    return dict.fromkeys(roles, names)


# fmt: off
LISTED = {
    "projects": {
        **_same_for(VZOROV_STAFF, ("shared", "private")),
        "partner":             ("shared",),
        "partner_not_invited": (),
        "other_coordinator":   ("lhota",),
    },
    "tasks": {
        **_same_for(VZOROV_STAFF, ("partner's task", "manager's task", "staff's task")),
        "partner":             ("partner's task",),
        "partner_not_invited": (),
        "other_coordinator":   ("lhota's task",),
    },
    "approvals": {
        "coordinator":         ("reject shared", "fund private"),  # may decide the first, asked for the second
        "lead_head":           ("reject shared",),
        "other_head":          ("fund private",),
        "manager":             ("reject shared",),  # asked for it
        "staff":               (),
        "partner":             (),
        "partner_not_invited": (),
        "other_coordinator":   ("fund lhota",),
    },
    "departments": {
        **_same_for(VZOROV_STAFF, ("ENV", "TRA")),
        "partner":             (),
        "partner_not_invited": (),
        "other_coordinator":   ("Lhota's",),
    },
    "organizations": {
        **_same_for(VZOROV_STAFF, ("NGO", "firm", "university")),
        "partner":             ("NGO",),
        "partner_not_invited": ("firm",),
        "other_coordinator":   ("Lhota's",),
    },
    "users": {
        **_same_for(VZOROV_STAFF, VZOROV_USERS),
        "partner":             ("partner",),
        "partner_not_invited": ("partner_not_invited",),
        "other_coordinator":   ("other_coordinator",),
    },
    "notifications": {
        **_same_for(VZOROV_STAFF, ()),
        "manager":             ("manager's",),
        "partner":             ("partner's",),
        "partner_not_invited": (),
        "other_coordinator":   ("other_coordinator's",),
    },
}
# fmt: on


def _result_ids(response) -> set[int]:
    assert response.status_code == OK, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


@pytest.mark.parametrize("kind", LISTED)
def test_lists_show_exactly_what_each_role_may_see(world, kind):
    ids = _names(world)[kind]
    expected = {role: {ids[name] for name in names} for role, names in LISTED[kind].items()}
    if kind == "notifications":
        # Besides the ones the fixture wrote, whatever the pipeline notified each person of while building it.
        for role in expected:
            expected[role] |= set(Notification.objects.filter(recipient=world.user(role)).values_list("pk", flat=True))
    observed = {role: _result_ids(world.client(role).get(f"/api/v1/{kind}/")) for role in expected}
    assert observed == expected


# Lists under one project: the ids of comments and invited organisations each role gets.
# fmt: off
PROJECT_LISTS = {
    ("shared", "comments"): {
        **_same_for(VZOROV_STAFF, ("internal", "shared")),
        "partner":           ("shared",),  # never an internal comment
    },
    ("private", "comments"): _same_for(VZOROV_STAFF, ("internal",)),
    ("lhota", "comments"): {"other_coordinator": ("shared",)},
    ("shared", "partners"): {
        **_same_for(VZOROV_STAFF, ("NGO", "university")),
        "partner":           ("NGO",),  # never the other partners
    },
    ("private", "partners"): _same_for(VZOROV_STAFF, ()),
    ("shared", "funding"): {
        **_same_for(VZOROV_STAFF, ("funding",)),
        "partner":           (),  # funding carries internal notes: nothing for partners
    },
    ("shared", "kpis"): {
        **_same_for(VZOROV_STAFF, ("kpi",)),
        "partner":           ("kpi",),
    },
}
# fmt: on


@pytest.mark.parametrize(("obj", "kind"), PROJECT_LISTS, ids=[f"{o} {k}" for o, k in PROJECT_LISTS])
def test_project_lists_show_exactly_what_each_role_may_see(world, obj, kind):
    bundle = world.bundle(obj)
    ids = {
        "comments": {name: comment.pk for name, comment in bundle.comments.items()},
        "funding": {"funding": bundle.funding.pk},
        "kpis": {"kpi": bundle.kpi.pk},
    }
    path = f"/api/v1/projects/{bundle.project.pk}/{kind}/"
    if kind == "partners":
        organizations = {"NGO": world.town.ngo.pk, "university": world.university.pk}
        expected = {role: {organizations[name] for name in names} for role, names in PROJECT_LISTS[(obj, kind)].items()}
        observed = {}
        for role in expected:
            response = world.client(role).get(path)
            assert response.status_code == OK, response.content
            observed[role] = {row["organization"] for row in response.json()}
    else:
        expected = {role: {ids[kind][name] for name in names} for role, names in PROJECT_LISTS[(obj, kind)].items()}
        observed = {role: _result_ids(world.client(role).get(path)) for role in expected}
    assert observed == expected


# --- What a partner never gets --------------------------------------------------------------------------------

INTERNAL_PROJECT_FIELDS = {"estimated_cost", "assessment_score", "assessment_summary", "manager"}


def test_partner_project_json_has_no_internal_fields(world):
    partner = world.client("partner")
    project_id = world.shared.project.pk
    detail = partner.get(f"/api/v1/projects/{project_id}/").json()
    listed = partner.get("/api/v1/projects/").json()["results"]

    assert detail["id"] == project_id
    assert INTERNAL_PROJECT_FIELDS.isdisjoint(detail)
    assert "evaluation_summary" not in detail
    assert [row["id"] for row in listed] == [project_id]
    assert INTERNAL_PROJECT_FIELDS.isdisjoint(listed[0])
    # ... while the municipality's own people get them
    municipal = world.client("manager").get(f"/api/v1/projects/{project_id}/").json()
    assert INTERNAL_PROJECT_FIELDS.issubset(municipal)


def test_partner_is_offered_no_transition_and_cannot_request_one(world):
    path = f"/api/v1/projects/{world.shared.project.pk}/transitions/"
    partner = world.client("partner")

    assert partner.get(path).json() == []
    response = partner.post(path, {"name": "put_on_hold", "comment": "Chceme pauzu."}, format="json")
    assert response.status_code == NO
    assert response.json()["detail"]
    world.shared.project.refresh_from_db()
    assert world.shared.project.stage == "assessment"


# The transitions each role is offered on ``shared`` (in assessment): only those who may request them.
OFFERED_ON_SHARED = {
    **_same_for(
        ("coordinator", "lead_head", "manager"), ["approve_for_funding", "return_to_idea", "reject", "put_on_hold"]
    ),
    "other_head": [],
    "staff": [],
    "partner": [],
}


def test_transitions_offered_to_each_role(world):
    path = f"/api/v1/projects/{world.shared.project.pk}/transitions/"
    observed = {role: [option["name"] for option in world.client(role).get(path).json()] for role in OFFERED_ON_SHARED}
    assert observed == OFFERED_ON_SHARED


def test_partner_history_has_no_actor_or_comment(world):
    path = f"/api/v1/projects/{world.shared.project.pk}/history/"
    municipal = world.client("staff").get(path).json()["results"]
    partner = world.client("partner").get(path).json()["results"]

    assert [row["name"] for row in municipal] == [row["name"] for row in partner] == ["submit"]
    assert {"actor", "comment", "approvals"} <= set(municipal[0])
    assert {"actor", "comment", "approvals"}.isdisjoint(partner[0])


def test_partner_cannot_see_the_tasks_of_others_on_an_invited_project(world):
    manager_task = world.shared.tasks[1]
    partner = world.client("partner")

    hidden = partner.get(f"/api/v1/tasks/{manager_task.pk}/")
    missing = partner.get(f"/api/v1/tasks/{MISSING_ID}/")
    refused = partner.patch(f"/api/v1/tasks/{manager_task.pk}/", {"status": "done"}, format="json")

    assert (hidden.status_code, hidden.json()) == (HID, missing.json())
    assert refused.status_code == HID
    manager_task.refresh_from_db()
    assert manager_task.status == "open"


# --- Zero leaks through ids of other projects and filters -----------------------------------------------------


@pytest.mark.parametrize("kind", ["funding", "kpis"])
def test_item_of_another_project_answers_like_a_missing_item(world, kind):
    """An item id is looked up under the project in the path, never across projects."""
    manager = world.client("manager")
    base = f"/api/v1/projects/{world.shared.project.pk}/{kind}"
    for other in (world.private, world.lhota):
        item = other.funding if kind == "funding" else other.kpi
        foreign = manager.get(f"{base}/{item.pk}/")
        missing = manager.get(f"{base}/{MISSING_ID}/")
        change = {"programme": "nzu"} if kind == "funding" else {"actual": "1"}
        patched = rolled_back(
            lambda item=item, change=change: manager.patch(f"{base}/{item.pk}/", change, format="json")
        )
        assert (foreign.status_code, foreign.json()) == (HID, missing.json())
        assert patched.status_code == HID


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/api/v1/tasks/", "project"), ("/api/v1/approvals/", "project"), ("/api/v1/projects/", "lead_department")],
)
def test_filtering_by_a_hidden_id_answers_like_a_missing_id(world, path, parameter):
    hidden = world.lhota.project.pk if parameter == "project" else world.lhota_department.pk
    manager = world.client("manager")

    by_hidden = manager.get(path, {parameter: hidden})
    by_missing = manager.get(path, {parameter: MISSING_ID})

    assert by_hidden.status_code == by_missing.status_code == OK
    assert by_hidden.json() == by_missing.json() == {"next": None, "previous": None, "results": []}


# --- Real authentication: a token, and a browser session --------------------------------------------------------


def test_token_authentication(world):
    client = api_client()
    wrong = client.post("/api/v1/auth/token/", {"username": "manager", "password": "wrong"}, format="json")
    assert wrong.status_code == BAD
    assert wrong.json()["non_field_errors"]

    issued = client.post("/api/v1/auth/token/", {"username": "manager", "password": "demo"}, format="json")
    assert issued.status_code == OK
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")

    assert client.get("/api/v1/me/").json()["username"] == "manager"
    assert _result_ids(client.get("/api/v1/projects/")) == {world.shared.project.pk, world.private.project.pk}
    assert client.get(f"/api/v1/projects/{world.lhota.project.pk}/").status_code == HID
    created = client.post(
        f"/api/v1/projects/{world.shared.project.pk}/comments/", {"body": "Přes token."}, format="json"
    )
    assert created.status_code == NEW  # no CSRF token needed with a token

    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    refused = client.get("/api/v1/projects/")
    assert refused.status_code == AUTH
    assert refused["WWW-Authenticate"] == "Token"
    assert refused.json()["detail"]


def test_a_token_reads_the_roles_of_its_user_and_refuses_a_deactivated_one(world):
    """The token's query brings its user's roles: a partner's token sees the partner's projects, shapes and shared
    comments only; a token of a deactivated user is refused as DRF refuses it, with nothing shown."""
    partner = User.objects.get(username="partner")
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=partner).key}")

    listed = client.get("/api/v1/projects/").json()["results"]
    assert [row["id"] for row in listed] == [world.shared.project.pk]
    assert "estimated_cost" not in listed[0] and "municipality_name" in listed[0]
    comments = client.get(f"/api/v1/projects/{world.shared.project.pk}/comments/").json()["results"]
    assert {row["id"] for row in comments} == {world.shared.comments["shared"].pk}
    assert client.get(f"/api/v1/projects/{world.private.project.pk}/comments/").status_code == HID

    User.objects.filter(pk=partner.pk).update(is_active=False)
    refused = client.get("/api/v1/projects/")
    assert refused.status_code == AUTH
    assert refused["WWW-Authenticate"] == "Token"
    assert "results" not in refused.json() and refused.json()["detail"]


def test_session_authentication(world):
    client = api_client(enforce_csrf_checks=True)
    assert client.login(username="partner", password="demo")
    comments = f"/api/v1/projects/{world.shared.project.pk}/comments/"

    assert _result_ids(client.get("/api/v1/projects/")) == {world.shared.project.pk}
    assert _result_ids(client.get(comments)) == {world.shared.comments["shared"].pk}

    without_csrf = client.post(comments, {"body": "Bez CSRF.", "visibility": "shared"}, format="json")
    assert without_csrf.status_code == NO
    assert "CSRF" in without_csrf.json()["detail"]

    csrf_token = "a" * 32
    client.cookies["csrftoken"] = csrf_token
    with_csrf = client.post(
        comments, {"body": "S CSRF.", "visibility": "shared"}, format="json", HTTP_X_CSRFTOKEN=csrf_token
    )
    assert with_csrf.status_code == NEW
    assert with_csrf.json()["author"]["username"] == "partner"


def test_staff_of_one_municipality_who_is_a_partner_on_another_gets_the_partner_view(town):
    """Staff in Lhota and a guest of Vzorov's NGO: Vzorov's project shows without its internal fields."""
    from rest_framework.test import APIClient

    from tests.factories import MembershipFactory

    person = town.user("other_coordinator")
    MembershipFactory(user=person, role="partner", department=None, organization=town.ngo)
    project = town.project("funding")
    client = APIClient()
    client.force_authenticate(person)

    detail = client.get(f"/api/v1/projects/{project.pk}/").json()
    listed = next(item for item in client.get("/api/v1/projects/").json()["results"] if item["id"] == project.pk)

    for body in (detail, listed):
        assert not {"estimated_cost", "assessment_score", "assessment_summary", "manager"} & set(body)


def test_me_with_a_browser_session(world):
    """The browser's session (not a token): request.user is Django's lazy wrapper there, which once gave a 500."""
    browser = Client()
    browser.force_login(User.objects.get(username="manager"))
    response = browser.get("/api/v1/me/")
    assert response.status_code == OK
    assert response.json()["username"] == "manager"
