"""A whole project lifecycle over HTTP with the demo accounts and real token authentication.

pm.novak takes a new idea of ENV from the idea to the completed stage; head.env and the coordinator approve
the gated transitions as DESIGN.md's default policies say; partner.ngo joins once invited. After every step
the test reads what each person is offered (``transitions/``) and what was recorded (``history/``).
"""

from io import StringIO

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.db import transaction
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

API = "/api/v1/"
PARTNER_PROJECT_FIELDS = {
    "id",
    "title",
    "summary",
    "description",
    "municipality",
    "municipality_name",
    "lead_department",
    "lead_department_name",
    "thematic_area",
    "is_public",
    "planned_start",
    "planned_end",
    "stage",
    "stage_changed_at",
}
INTERNAL_PROJECT_FIELDS = {
    "estimated_cost",
    "assessment_score",
    "assessment_summary",
    "evaluation_summary",
    "manager",
    "departments",
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back at its end so other modules start empty."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", force=True, stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _own_throttle_counters(monkeypatch):
    """Throttling stays on, but counts in a cache of this test only, not in a Redis shared with other runs."""
    cache = LocMemCache("test-lifecycle-throttle", {})
    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "cache", cache)


class Person:
    """One demo account talking to the API with its own token, as a client application would."""

    def __init__(self, username: str, password: str = "demo"):
        self.username = username
        self.client = APIClient()
        response = self.client.post(f"{API}auth/token/", {"username": username, "password": password}, format="json")
        assert response.status_code == 200, response.content
        self.token = response.json()["token"]
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")

    def _check(self, response, status: int):
        assert response.status_code == status, (
            f"{self.username} {response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}: "
            f"{response.status_code} instead of {status}: {response.content[:1000]!r}"
        )
        return response.json() if response.content else None

    def get(self, path: str, status: int = 200, params: dict | None = None):
        return self._check(self.client.get(f"{API}{path}", params or {}), status)

    def post(self, path: str, data: dict | None = None, status: int = 201):
        return self._check(self.client.post(f"{API}{path}", data or {}, format="json"), status)

    def patch(self, path: str, data: dict, status: int = 200):
        return self._check(self.client.patch(f"{API}{path}", data, format="json"), status)

    def options(self, project_id: int) -> list[tuple[str, bool, bool, list[str]]]:
        """What this person is offered on the project: (name, allowed, requires approval, blocker codes)."""
        return [
            (option["name"], option["allowed"], option["requires_approval"], [b["code"] for b in option["blockers"]])
            for option in self.get(f"projects/{project_id}/transitions/")
        ]

    def history(self, project_id: int) -> list[tuple]:
        """The project's history as (name, from, to, actor, [(approver, decision)]), oldest first."""
        body = self.get(f"projects/{project_id}/history/")
        assert body["next"] is None
        return [
            (
                row["name"],
                row["from"],
                row["to"],
                row["actor"]["username"],
                [(approval["approver"]["username"], approval["decision"]) for approval in row["approvals"]],
            )
            for row in body["results"]
        ]

    def stage(self, project_id: int) -> str:
        return self.get(f"projects/{project_id}/")["stage"]

    def request(self, project_id: int, name: str, status: int = 202, comment: str = ""):
        return self.post(f"projects/{project_id}/transitions/", {"name": name, "comment": comment}, status=status)

    def approve(self, approval_id: int, comment: str = "") -> dict:
        return self.post(f"approvals/{approval_id}/approve/", {"comment": comment}, status=200)


def decisions(approval: dict) -> list[tuple[str, str]]:
    return [(decision["approver"]["username"], decision["decision"]) for decision in approval["decisions"]]


def blocker_codes(conflict: dict) -> list[str]:
    assert set(conflict) >= {"detail", "blockers"}
    assert all(blocker["message"] for blocker in conflict["blockers"])
    return [blocker["code"] for blocker in conflict["blockers"]]


def test_sign_in_gives_a_token_and_a_wrong_password_gives_none(seeded):
    person = Person("pm.novak")
    assert person.get("me/")["username"] == "pm.novak"

    anonymous = APIClient()
    response = anonymous.post(f"{API}auth/token/", {"username": "pm.novak", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert anonymous.get(f"{API}projects/").status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anonymous.get(f"{API}projects/").status_code == 401


def test_an_idea_goes_from_idea_to_completed_over_http(seeded):
    novak, head, coordinator, ngo, dvorak = (
        Person(username) for username in ("pm.novak", "head.env", "coordinator", "partner.ngo", "staff.dvorak")
    )
    env = next(row for row in novak.get("departments/")["results"] if row["code"] == "ENV")
    organization = next(row for row in novak.get("organizations/")["results"] if row["name"] == "Zelená Vzorov, z.s.")
    ngo_guest = next(row for row in novak.get("users/")["results"] if row["username"] == "partner.ngo")

    invited = False

    def offered(project_id: int, expected: dict[str, list]) -> None:
        """What each person is offered now; the partner and a referent of another department never move it."""
        for person in (novak, head, coordinator):
            assert person.options(project_id) == expected[person.username], person.username
        assert dvorak.options(project_id) == []
        if invited:
            assert ngo.get(f"projects/{project_id}/transitions/") == []
        else:
            ngo.get(f"projects/{project_id}/transitions/", status=404)

    # -- Idea: pm.novak writes it down for ENV. ------------------------------------------------------------------
    project = novak.post(
        "projects/",
        {
            "title": "Fotovoltaika na střeše sportovní haly",
            "summary": "Vlastní spotřeba haly z obnovitelného zdroje.",
            "description": "Instalace FVE 80 kWp s baterií, řízení spotřeby a napojení na energetický management.",
            "lead_department": env["id"],
            "thematic_area": "energy",
            "estimated_cost": "2400000.00",
            "planned_start": "2027-04-01",
            "planned_end": "2027-10-31",
        },
    )
    pid = project["id"]
    assert project["stage"] == "idea"
    assert project["lead_department"] == env["id"]
    assert project["municipality"] == env["municipality"]
    assert project["manager"] == novak.get("me/")["id"]
    assert novak.history(pid) == []

    ngo.get(f"projects/{pid}/", status=404)
    offered(
        pid,
        {
            "pm.novak": [("submit", True, False, []), ("reject", True, True, []), ("put_on_hold", True, True, [])],
            "head.env": [("submit", True, False, []), ("reject", True, True, []), ("put_on_hold", True, True, [])],
            "coordinator": [
                ("submit", True, False, []),
                ("reject", True, True, []),
                ("put_on_hold", True, True, []),
            ],
        },
    )

    # -- The NGO is invited and joins the conversation. -----------------------------------------------------------
    access = novak.post(f"projects/{pid}/partners/", {"organization": organization["id"]})
    assert (access["organization"], access["access_level"]) == (organization["id"], "contribute")
    invited = True

    seen_by_partner = ngo.get(f"projects/{pid}/")
    assert set(seen_by_partner) == PARTNER_PROJECT_FIELDS
    assert not INTERNAL_PROJECT_FIELDS & set(seen_by_partner)
    assert seen_by_partner["lead_department_name"] == env["name"]
    assert pid in {row["id"] for row in ngo.get("projects/", params={"page_size": 200})["results"]}

    novak.post(f"projects/{pid}/comments/", {"body": "Interně: rozpočet zatím bez DPH.", "visibility": "internal"})
    shared = ngo.post(f"projects/{pid}/comments/", {"body": "Rádi pomůžeme s osvětou.", "visibility": "shared"})
    assert (shared["author"]["username"], shared["visibility"]) == ("partner.ngo", "shared")
    ngo.post(f"projects/{pid}/comments/", {"body": "Jen pro úřad?", "visibility": "internal"}, status=403)
    assert [c["visibility"] for c in ngo.get(f"projects/{pid}/comments/")["results"]] == ["shared"]
    assert [c["visibility"] for c in novak.get(f"projects/{pid}/comments/")["results"]] == ["internal", "shared"]
    assert [row["organization"] for row in ngo.get(f"projects/{pid}/partners/")] == [organization["id"]]
    ngo.patch(f"projects/{pid}/", {"title": "Partnerův název"}, status=403)
    ngo.post(f"projects/{pid}/transitions/", {"name": "submit"}, status=403)

    # -- Submit: no approval needed. --------------------------------------------------------------------------------
    moved = novak.request(pid, "submit", status=200)
    assert moved["stage"] == "assessment"
    assert novak.history(pid) == [("submit", "idea", "assessment", "pm.novak", [])]
    assessment_options = {
        "pm.novak": [
            ("approve_for_funding", False, True, ["assessment_missing"]),
            ("return_to_idea", True, True, []),
            ("reject", True, True, []),
            ("put_on_hold", True, True, []),
        ],
        "head.env": [
            ("approve_for_funding", False, True, ["assessment_missing"]),
            ("return_to_idea", True, True, []),
            ("reject", True, True, []),
            ("put_on_hold", True, True, []),
        ],
        "coordinator": [
            ("approve_for_funding", False, True, ["assessment_missing"]),
            ("return_to_idea", True, True, []),
            ("reject", True, True, []),
            ("put_on_hold", True, True, []),
        ],
    }
    offered(pid, assessment_options)
    assert blocker_codes(novak.request(pid, "approve_for_funding", status=409)) == ["assessment_missing"]

    # -- Assessment recorded, approval for funding requested and given by the head of ENV. ----------------------
    novak.patch(f"projects/{pid}/", {"assessment_score": 82, "assessment_summary": "Návratnost 9 let, dotace MF."})
    for person in assessment_options:
        assessment_options[person][0] = ("approve_for_funding", True, True, [])
    offered(pid, assessment_options)

    requested = novak.request(pid, "approve_for_funding", comment="Posouzení je hotové.")
    assert requested["project"] == pid
    assert (requested["transition"], requested["status"]) == ("approve_for_funding", "pending")
    assert requested["requested_by"]["username"] == "pm.novak"
    assert (requested["approver_roles"], requested["required_approvals"], decisions(requested)) == (
        ["lead_head"],
        1,
        [],
    )
    assert novak.stage(pid) == "assessment"
    pending = [option for option in novak.get(f"projects/{pid}/transitions/") if option["pending_request"]]
    assert [(option["name"], option["pending_request"]) for option in pending] == [
        ("approve_for_funding", requested["id"])
    ]
    for person in assessment_options:
        assessment_options[person][0] = ("approve_for_funding", False, True, ["approval_pending"])
    offered(pid, assessment_options)
    assert requested["id"] in {
        row["id"] for row in head.get("approvals/", params={"status": "pending", "page_size": 200})["results"]
    }
    assert novak.history(pid) == [("submit", "idea", "assessment", "pm.novak", [])]
    ngo.get(f"approvals/{requested['id']}/", status=404)
    dvorak.post(f"approvals/{requested['id']}/approve/", {}, status=404)

    approved = head.approve(requested["id"], comment="Souhlasím.")
    assert (approved["status"], decisions(approved)) == ("approved", [("head.env", "approve")])
    assert novak.stage(pid) == "funding"
    history = [
        ("submit", "idea", "assessment", "pm.novak", []),
        ("approve_for_funding", "assessment", "funding", "head.env", [("head.env", "approve")]),
    ]
    assert novak.history(pid) == history

    # -- Funding: the approved grant must cover the estimated cost. ----------------------------------------------
    funding_options = {
        person: [
            ("start_implementation", False, True, ["funding_insufficient"]),
            ("return_to_assessment", True, True, []),
            ("reject", True, True, []),
            ("put_on_hold", True, True, []),
        ]
        for person in ("pm.novak", "head.env", "coordinator")
    }
    offered(pid, funding_options)
    grant = novak.post(
        f"projects/{pid}/funding/",
        {
            "programme": "modernisation_fund",
            "call_name": "RES+ č. 2/2027",
            "amount_requested": "2400000.00",
            "amount_approved": "2400000.00",
            "status": "approved",
            "call_deadline": "2027-02-28",
            "internal_note": "Spoluúčast 0 %.",
        },
    )
    assert (grant["amount_approved"], grant["status"]) == ("2400000.00", "approved")
    assert ngo.get(f"projects/{pid}/funding/") == []
    for person in funding_options:
        funding_options[person][0] = ("start_implementation", True, True, [])
    offered(pid, funding_options)

    # -- Start of implementation: the head and the coordinator must both approve. -------------------------------
    requested = novak.request(pid, "start_implementation")
    assert (requested["approver_roles"], requested["required_approvals"]) == (["lead_head", "coordinator"], 2)
    assert requested["each_role_must_approve"] is True

    halfway = head.approve(requested["id"])
    assert (halfway["status"], decisions(halfway)) == ("pending", [("head.env", "approve")])
    assert novak.stage(pid) == "funding"
    assert blocker_codes(head.post(f"approvals/{requested['id']}/approve/", {}, status=409)) == [
        "already_decided_by_you"
    ]
    for person in funding_options:
        funding_options[person][0] = ("start_implementation", False, True, ["approval_pending"])
    offered(pid, funding_options)
    assert novak.history(pid) == history

    approved = coordinator.approve(requested["id"], comment="Schváleno radou.")
    assert (approved["status"], decisions(approved)) == (
        "approved",
        [("head.env", "approve"), ("coordinator", "approve")],
    )
    assert novak.stage(pid) == "implementation"
    history.append(
        (
            "start_implementation",
            "funding",
            "implementation",
            "coordinator",
            [("head.env", "approve"), ("coordinator", "approve")],
        )
    )
    assert novak.history(pid) == history
    implementation_options = {
        person: [
            ("finish_implementation", True, True, []),
            ("put_on_hold", True, True, []),
        ]
        for person in ("pm.novak", "head.env", "coordinator")
    }
    offered(pid, implementation_options)

    # -- Implementation: open tasks block its end. ---------------------------------------------------------------
    own_task = novak.post(
        "tasks/",
        {
            "project": pid,
            "title": "Výběrové řízení na dodavatele FVE",
            "assignee": novak.get("me/")["id"],
            "due_date": "2027-05-15",
            "stage": "implementation",
        },
    )
    partner_task = novak.post(
        "tasks/",
        {
            "project": pid,
            "title": "Informační kampaň pro návštěvníky haly",
            "assignee": ngo_guest["id"],
            "due_date": "2027-09-30",
            "stage": "implementation",
        },
    )
    assert (own_task["status"], partner_task["status"]) == ("open", "open")
    for person in implementation_options:
        implementation_options[person][0] = ("finish_implementation", False, True, ["open_tasks"])
    offered(pid, implementation_options)
    assert blocker_codes(novak.request(pid, "finish_implementation", status=409)) == ["open_tasks"]

    assert [task["id"] for task in ngo.get("tasks/", params={"project": pid})["results"]] == [partner_task["id"]]
    ngo.patch(f"tasks/{partner_task['id']}/", {"title": "Jiný název"}, status=400)
    assert ngo.patch(f"tasks/{partner_task['id']}/", {"status": "done"})["status"] == "done"
    assert blocker_codes(novak.request(pid, "finish_implementation", status=409)) == ["open_tasks"]
    done = novak.patch(f"tasks/{own_task['id']}/", {"status": "done"})
    assert done["status"] == "done"
    assert done["completed_at"]
    for person in implementation_options:
        implementation_options[person][0] = ("finish_implementation", True, True, [])
    offered(pid, implementation_options)

    requested = novak.request(pid, "finish_implementation", comment="Elektrárna běží.")
    assert requested["approver_roles"] == ["lead_head"]
    approved = head.approve(requested["id"])
    assert (approved["status"], decisions(approved)) == ("approved", [("head.env", "approve")])
    assert novak.stage(pid) == "evaluation"
    history.append(("finish_implementation", "implementation", "evaluation", "head.env", [("head.env", "approve")]))
    assert novak.history(pid) == history

    # -- Evaluation: KPIs with their actual values and a summary, then the coordinator completes it. ------------
    evaluation_options = {
        person: [
            ("complete", False, True, ["kpis_missing", "evaluation_summary_missing"]),
            ("put_on_hold", True, True, []),
        ]
        for person in ("pm.novak", "head.env", "coordinator")
    }
    offered(pid, evaluation_options)

    kpi = novak.post(
        f"projects/{pid}/kpis/",
        {"name": "Úspora elektřiny ze sítě", "kind": "energy_savings", "baseline": "0", "target": "72"},
    )
    assert (kpi["unit"], kpi["target"], kpi["actual"]) == ("MWh/year", "72.000", None)
    for person in evaluation_options:
        evaluation_options[person][0] = (
            "complete",
            False,
            True,
            ["kpi_actual_missing", "evaluation_summary_missing"],
        )
    offered(pid, evaluation_options)

    assert novak.patch(f"projects/{pid}/kpis/{kpi['id']}/", {"actual": "75.4"})["actual"] == "75.400"
    assert [row["actual"] for row in ngo.get(f"projects/{pid}/kpis/")] == ["75.400"]
    for person in evaluation_options:
        evaluation_options[person][0] = ("complete", False, True, ["evaluation_summary_missing"])
    offered(pid, evaluation_options)

    novak.patch(f"projects/{pid}/", {"evaluation_summary": "Hala pokrývá 61 % spotřeby z vlastní FVE."})
    for person in evaluation_options:
        evaluation_options[person][0] = ("complete", True, True, [])
    offered(pid, evaluation_options)

    requested = novak.request(pid, "complete")
    assert requested["approver_roles"] == ["coordinator"]
    # Not among its approvers nor its requester, the head does not even see this request.
    head.post(f"approvals/{requested['id']}/approve/", {}, status=404)
    approved = coordinator.approve(requested["id"], comment="Výborný výsledek.")
    assert (approved["status"], decisions(approved)) == ("approved", [("coordinator", "approve")])

    # -- Completed: nothing more to do, and the whole story is on record. ---------------------------------------
    assert novak.stage(pid) == "completed"
    history.append(("complete", "evaluation", "completed", "coordinator", [("coordinator", "approve")]))
    assert novak.history(pid) == history
    offered(pid, {"pm.novak": [], "head.env": [], "coordinator": []})
    final_record = novak.get(f"projects/{pid}/history/")["results"][-1]
    assert final_record["comment"] == ""
    assert final_record["approvals"][0]["comment"] == "Výborný výsledek."

    partner_history = ngo.get(f"projects/{pid}/history/")["results"]
    assert [(row["name"], row["from"], row["to"]) for row in partner_history] == [row[:3] for row in history]
    assert all(set(row) == {"id", "name", "from", "to", "at"} for row in partner_history)
    assert ngo.stage(pid) == "completed"
