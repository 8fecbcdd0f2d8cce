"""Sharing a project with another municipality (a DSO's member) and withdrawing it: who may, what each way in
answers, and who sees the project before, during and after (web detail, API, people pickers, notifications).

``town.other_municipality`` is Obec Lhota (its coordinator ``other_coordinator``); Lhota's staff member and a
third town's staff are made here. A hidden project answers exactly what a missing id answers.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from backend.core.errors import NotFound, PermissionDenied
from backend.notifications.recipients import recipients_for
from backend.projects.access import project_audience
from backend.projects.models import Event, EventKind
from backend.projects.selectors import mention_candidates
from backend.projects.sharing import project_share, project_share_candidates, project_unshare
from backend.projects.stages import Stage
from tests.factories import DepartmentFactory, MembershipFactory, MunicipalityFactory, UserFactory

MISSING_ID = 987_654_321


@pytest.fixture
def people(town):
    lhota_staff = UserFactory(username="lhota.staff")
    MembershipFactory(
        user=lhota_staff, role="staff", department=DepartmentFactory(municipality=town.other_municipality)
    )
    third = MunicipalityFactory(name="Obec Dolní Újezd")
    third_staff = UserFactory(username="ujezd.staff")
    MembershipFactory(user=third_staff, role="staff", department=DepartmentFactory(municipality=third))
    return {"lhota_staff": lhota_staff, "third_staff": third_staff, "third": third, **town.users}


def _api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _web(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- who may share and withdraw: every role ---------------------------------------------------------------------

# fmt: off
#                      may share      may withdraw Lhota
MATRIX = {
    "coordinator":        (True,           True),
    "manager":            (True,           True),
    "lead_head":          (PermissionDenied, PermissionDenied),
    "other_head":         (PermissionDenied, PermissionDenied),
    "staff":              (PermissionDenied, PermissionDenied),
    "partner":            (PermissionDenied, PermissionDenied),   # a guest of the project sees it, may not share
    "partner_not_invited": (NotFound,      NotFound),
    "other_coordinator":  (NotFound,       True),                 # Lhota's coordinator withdraws Lhota only
    "lhota_staff":        (NotFound,       PermissionDenied),
    "third_staff":        (NotFound,       NotFound),
}
# fmt: on


@pytest.mark.parametrize("role", list(MATRIX))
def test_who_may_share(town, people, role):
    project = town.project(Stage.ASSESSMENT)
    expected = MATRIX[role][0]
    if expected is True:
        project_share(actor=people[role], project=project, municipality=town.other_municipality)
        assert list(project.shared_with.all()) == [town.other_municipality]
        event = Event.objects.get(project=project, kind=EventKind.PROJECT_SHARED)
        assert event.actor == people[role] and event.payload["municipality"] == "Obec Lhota"
    else:
        with pytest.raises(expected):
            project_share(actor=people[role], project=project, municipality=town.other_municipality)
        assert not project.shared_with.exists()
        assert not Event.objects.filter(project=project, kind=EventKind.PROJECT_SHARED).exists()


@pytest.mark.parametrize("role", list(MATRIX))
def test_who_may_withdraw(town, people, role):
    project = town.project(Stage.ASSESSMENT)
    project.shared_with.add(town.other_municipality)
    expected = MATRIX[role][1]
    if expected is True:
        project_unshare(actor=people[role], project=project, municipality=town.other_municipality)
        assert not project.shared_with.exists()
        event = Event.objects.get(project=project, kind=EventKind.PROJECT_UNSHARED)
        assert event.actor == people[role]
    else:
        with pytest.raises(expected):
            project_unshare(actor=people[role], project=project, municipality=town.other_municipality)
        assert list(project.shared_with.all()) == [town.other_municipality]


def test_lhota_coordinator_cannot_withdraw_another_municipality(town, people):
    project = town.project(Stage.ASSESSMENT)
    project.shared_with.add(town.other_municipality, people["third"])
    with pytest.raises(PermissionDenied):
        project_unshare(actor=people["other_coordinator"], project=project, municipality=people["third"])
    assert project.shared_with.count() == 2


def test_refusals_are_czech_and_change_nothing(town, people):
    project = town.project(Stage.ASSESSMENT)
    coordinator = people["coordinator"]
    with pytest.raises(ValidationError) as lead:
        project_share(actor=coordinator, project=project, municipality=town.municipality)
    assert lead.value.message_dict == {"municipality": ["Projekt patří této obci, nelze ho s ní sdílet."]}
    project_share(actor=coordinator, project=project, municipality=town.other_municipality)
    with pytest.raises(ValidationError) as twice:
        project_share(actor=coordinator, project=project, municipality=town.other_municipality)
    assert twice.value.message_dict == {"municipality": ["Projekt je s touto obcí už sdílen."]}
    assert Event.objects.filter(project=project, kind=EventKind.PROJECT_SHARED).count() == 1
    assert list(project_share_candidates(project=project)) == [people["third"]]


def test_closed_project_cannot_be_shared_but_can_be_withdrawn(town, people):
    project = town.project(Stage.COMPLETED)
    with pytest.raises(ValidationError) as closed:
        project_share(actor=people["coordinator"], project=project, municipality=town.other_municipality)
    assert closed.value.error_dict["municipality"][0].code == "project_closed"
    project.shared_with.add(town.other_municipality)
    project_unshare(actor=people["other_coordinator"], project=project, municipality=town.other_municipality)
    assert not project.shared_with.exists()


# --- who sees it: web, API, pickers, notifications --------------------------------------------------------------

VIEWERS = ("lhota_staff", "other_coordinator", "third_staff", "partner_not_invited", None)


def _stable(content: bytes) -> bytes:
    """The page without what differs on every request (CSP nonce, CSRF token)."""
    return re.sub(rb'(nonce="|X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", content)


def _web_answer(client, user, pk):
    response = _web(client, user).get(reverse("web:project_detail", args=[pk]))
    client.logout()
    return response


@pytest.mark.parametrize("viewer", VIEWERS)
def test_visibility_follows_sharing(client, town, people, viewer):
    project = town.project(Stage.ASSESSMENT)
    user = people[viewer] if viewer else None
    sees_when_shared = viewer in ("lhota_staff", "other_coordinator")
    api_hidden = 401 if user is None else 404

    def answers():
        web = _web_answer(client, user, project.pk)
        api = _api(user).get(f"/api/v1/projects/{project.pk}/")
        return web, api

    missing_web = _web_answer(client, user, MISSING_ID)
    missing_api = _api(user).get(f"/api/v1/projects/{MISSING_ID}/")

    def assert_hidden(web, api):
        if user is None:
            assert web.status_code == 302  # to the login page, as for a missing id
            assert web["Location"].replace(str(project.pk), "X") == missing_web["Location"].replace(
                str(MISSING_ID), "X"
            )
        else:
            assert web.status_code == missing_web.status_code == 404
            page = _stable(web.content).replace(f"/projects/{project.pk}/".encode(), b"/projects/X/")
            assert page == _stable(missing_web.content).replace(f"/projects/{MISSING_ID}/".encode(), b"/projects/X/")
        assert api.status_code == missing_api.status_code == api_hidden
        assert api.json() == missing_api.json()

    assert_hidden(*answers())
    project_share(actor=people["coordinator"], project=project, municipality=town.other_municipality)
    web, api = answers()
    if sees_when_shared:
        assert web.status_code == 200 and project.title in web.content.decode()
        assert api.status_code == 200 and api.json()["title"] == project.title
    else:
        assert_hidden(web, api)
    project_unshare(actor=people["other_coordinator"], project=project, municipality=town.other_municipality)
    assert_hidden(*answers())


def test_pickers_and_notifications_follow_sharing(town, people):
    project = town.project(Stage.ASSESSMENT)
    lhota_staff = people["lhota_staff"]
    manager = people["manager"]
    project_share(actor=people["coordinator"], project=project, municipality=town.other_municipality)
    assert lhota_staff in mention_candidates(user=manager, project=project)
    assert lhota_staff in project_audience(project=project).internal()
    assert people["third_staff"] not in project_audience(project=project).everyone()
    project_unshare(actor=people["other_coordinator"], project=project, municipality=town.other_municipality)
    assert lhota_staff not in mention_candidates(user=manager, project=project)
    assert lhota_staff not in project_audience(project=project).everyone()
    # Every rule ends with the audience: a comment's event reaches none of Lhota's staff any more.
    event = Event.objects.create(project=project, kind=EventKind.COMMENT_POSTED, actor=manager, payload={})
    assert lhota_staff.pk not in recipients_for(event)
    assert people["other_coordinator"].pk not in recipients_for(event)


# --- the API ------------------------------------------------------------------------------------------------------

# fmt: off
#                      GET   POST  DELETE Lhota
API_MATRIX = {
    None:                 (401, 401, 401),
    "coordinator":        (200, 201, 204),
    "manager":            (200, 201, 204),
    "lead_head":          (200, 403, 403),
    "staff":              (200, 403, 403),
    "partner":            (404, 404, 404),
    "partner_not_invited": (404, 404, 404),
    "other_coordinator":  (200, 404, 204),   # before the POST Lhota does not see it; it withdraws its own share
    "lhota_staff":        (200, 404, 403),
    "third_staff":        (404, 404, 404),
}
# fmt: on


@pytest.mark.parametrize("role", list(API_MATRIX))
def test_api_permission_matrix(town, people, role):
    project = town.project(Stage.ASSESSMENT)
    user = people[role] if role else None
    client = _api(user)
    base = f"/api/v1/projects/{project.pk}/shared-with/"
    get, post, delete = API_MATRIX[role]

    created = client.post(base, {"municipality": people["third"].pk}, format="json")
    assert created.status_code == post
    if post == 201:
        assert created.json() == {"id": people["third"].pk, "name": "Obec Dolní Újezd"}
    project.shared_with.add(town.other_municipality)
    listed = client.get(base)
    assert listed.status_code == get
    if get == 200:
        names = [row["name"] for row in listed.json()]
        assert names == (["Obec Dolní Újezd", "Obec Lhota"] if post == 201 else ["Obec Lhota"])
    removed = client.delete(f"{base}{town.other_municipality.pk}/")
    assert removed.status_code == delete
    assert project.shared_with.filter(pk=town.other_municipality.pk).exists() == (delete != 204)
    if delete in (401, 404):
        missing = client.delete(f"/api/v1/projects/{MISSING_ID}/shared-with/{town.other_municipality.pk}/")
        assert (removed.status_code, removed.json()) == (missing.status_code, missing.json())


def test_api_refusals_follow_the_error_contract(town, people):
    project = town.project(Stage.ASSESSMENT)
    client = _api(people["coordinator"])
    base = f"/api/v1/projects/{project.pk}/shared-with/"
    own = client.post(base, {"municipality": town.municipality.pk}, format="json")
    assert own.status_code == 400
    assert "Projekt patří této obci, nelze ho s ní sdílet." in str(own.json())
    assert client.post(base, {"municipality": town.other_municipality.pk}, format="json").status_code == 201
    twice = client.post(base, {"municipality": town.other_municipality.pk}, format="json")
    assert twice.status_code == 400 and "Projekt je s touto obcí už sdílen." in str(twice.json())
    assert client.post(base, {"municipality": MISSING_ID}, format="json").status_code == 400
    assert client.post(base, {"municipality": town.other_municipality.pk, "x": 1}, format="json").status_code == 400
    not_shared = client.delete(f"{base}{people['third'].pk}/")
    assert not_shared.status_code == 404
    assert project.shared_with.count() == 1


def test_api_closed_project_refuses_sharing(town, people):
    project = town.project(Stage.COMPLETED)
    response = _api(people["coordinator"]).post(
        f"/api/v1/projects/{project.pk}/shared-with/", {"municipality": town.other_municipality.pk}, format="json"
    )
    assert response.status_code == 400 and "dokončen" in str(response.json())
    assert not project.shared_with.exists()


@pytest.mark.parametrize("count", [1, 5])
def test_api_list_query_count_is_flat(town, people, count, django_assert_num_queries):
    project = town.project(Stage.ASSESSMENT)
    for number in range(count):
        project.shared_with.add(MunicipalityFactory(name=f"Obec {number}"))
    client = _api(people["coordinator"])
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get(f"/api/v1/projects/{project.pk}/shared-with/")
    assert len(response.json()) == count


QUERIES_LIST = 3  # the memberships, the project, the municipalities


def test_schema_describes_the_endpoints(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/projects/{id}/shared-with/" in schema
    assert "/api/v1/projects/{id}/shared-with/{municipality_id}/" in schema
