"""The board's column counts: the user's own towns' from the cache (``backend.projects.stage_counts``), equal to a
fresh count of what they see after every kind of change, through the web and the API, for every kind of reader (the
town's staff, another town a project is shared with, partner guests, a platform admin).

Each test reads everyone's board first, so that the counts are in the cache when the change comes; the fresh count
is the board's aggregate as it was before the cache (one count per stage over the visible projects).
"""

import pytest
from django.db.models import Count
from django.urls import reverse

from backend.projects.models import Project
from backend.projects.selectors import project_list_visible
from backend.projects.stages import Stage
from backend.projects.town_cache import town_figures_changed
from tests.api.conftest import api_client
from tests.factories import DepartmentFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.web.test_dashboard_cache import (  # the same kinds of change as the dashboard's figures are tested after
    _new_project_on_the_web,
    _project_deleted,
    _shared_on_the_web,
    _stage_transition,
    _stage_transition_through_the_api,
    _unshared_through_the_api,
)

pytestmark = pytest.mark.django_db

URL = reverse("web:board")
HTMX = {"HTTP_HX_REQUEST": "true"}
READERS = ("coordinator", "manager", "staff", "other_coordinator", "partner", "partner_not_invited", "admin")


@pytest.fixture
def world(town, lhota_project):
    """Two projects of Vzorov (one in implementation shared with Lhota, an idea), one of Lhota; the NGO is a partner
    on both of Vzorov's (``town.project``); and a platform admin."""
    town.users["admin"] = UserFactory(username="operator", is_superuser=True, is_staff=True)
    solar = town.project(Stage.IMPLEMENTATION, ready=False)
    idea = town.project(Stage.IDEA, ready=False)
    ProjectFactory(lead_department=town.tra, stage=Stage.FUNDING)  # no partner on it
    solar.shared_with.add(town.other_municipality)
    return solar, idea, lhota_project


def _observed(client, user, **query) -> dict[str, int]:
    client.force_login(user)
    response = client.get(URL, query)
    assert response.status_code == 200
    return {column.stage.value: column.count for column in response.context["columns"]}


def _fresh(user, **filters) -> dict[str, int]:
    visible = project_list_visible(user=user).filter(**filters).order_by()
    counts = dict(visible.values_list("stage").annotate(Count("pk")))
    return {stage.value: counts.get(stage.value, 0) for stage in Stage}


def _everyone_reads(client, town) -> dict:
    return {role: _observed(client, town.user(role)) for role in READERS}


def _assert_everyone_sees_fresh_counts(client, town, before: dict) -> None:
    after = _everyone_reads(client, town)
    for role in READERS:
        assert after[role] == _fresh(town.user(role)), role
    assert after != before, "the change changed nobody's counts: the test proves nothing"


def _new_project_through_the_api(client, town, world):
    body = {"title": "Sdílená kola", "lead_department": town.tra.pk, "thematic_area": "mobility"}
    response = api_client(town.user("coordinator")).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 201, response.json()


def _partner_invited_on_the_web(client, town, world):
    client.force_login(town.user("manager"))
    response = client.post(
        reverse("web:project_invite", args=[world[0].pk]),
        {"email": "jan@energosmart.cz", "organization": town.firm.pk, "language": "cs"},
    )
    assert response.status_code == 302


def _partner_revoked_on_the_web(client, town, world):
    client.force_login(town.user("manager"))
    response = client.post(reverse("web:project_partner_revoke", args=[world[1].pk, town.ngo.pk]), {})
    assert response.status_code == 302


def _lhota_project_added(client, town, world):
    ProjectFactory(lead_department=world[2].lead_department, stage=Stage.ASSESSMENT)


@pytest.mark.parametrize(
    "change",
    [
        _stage_transition,
        _stage_transition_through_the_api,
        _new_project_on_the_web,
        _new_project_through_the_api,
        _project_deleted,
        _shared_on_the_web,
        _unshared_through_the_api,
        _partner_invited_on_the_web,
        _partner_revoked_on_the_web,
        _lhota_project_added,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_after_each_kind_of_change_everyone_sees_fresh_counts(client, town, world, change):
    before = _everyone_reads(client, town)
    change(client, town, world)
    _assert_everyone_sees_fresh_counts(client, town, before)


def test_the_counts_are_right_for_every_reader_and_a_second_read_costs_the_same_queries(
    client, town, world, django_assert_num_queries
):
    for role in READERS:
        assert _observed(client, town.user(role)) == _fresh(town.user(role)), role
    assert _observed(client, town.user("manager"))["implementation"] == 1
    assert _observed(client, town.user("other_coordinator"))["implementation"] == 1  # shared in: counted live
    assert _observed(client, town.user("partner"))["funding"] == 0  # no partner on it
    client.force_login(town.user("manager"))
    # Session, user, roles, the departments of the filter, the counts (what is shared in), the cards.
    with django_assert_num_queries(6):
        assert client.get(URL).status_code == 200


def test_a_partner_guest_who_works_for_another_town_counts_that_town_from_the_cache_and_the_guest_part_live(
    client, town, world
):
    mixed = town.user("partner")
    MembershipFactory(user=mixed, role="staff", department=DepartmentFactory(municipality=town.other_municipality))
    mixed = type(mixed).objects.get(pk=mixed.pk)
    _observed(client, mixed)
    ProjectFactory(lead_department__municipality=town.other_municipality, stage=Stage.IDEA)
    observed = _observed(client, mixed)
    assert observed == _fresh(mixed)
    assert observed["idea"] == 3  # Vzorov's idea as a guest, Lhota's two as its staff


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ({"stage": "implementation"}, {"stage": "implementation"}),
        ({"stage": "idea", "column_page": "2"}, {"stage": "idea"}),
        ({"mine": "false", "search": ""}, {}),
        ({"search": "Chytré"}, {"title__icontains": "Chytré"}),
        ({"lead_department": "TRA"}, {}),  # not an id: the filter is dropped, as the API drops it
    ],
    ids=["stage", "column page", "empty filters", "search", "invalid filter"],
)
def test_filtered_boards_count_what_they_show(client, town, world, query, filters):
    town.project(Stage.IMPLEMENTATION, ready=False, title="Chytré lavičky")
    for role in READERS:
        _observed(client, town.user(role))  # the cache is warm
    ProjectFactory(lead_department=town.env, stage=Stage.IMPLEMENTATION, title="Chytré osvětlení")
    for role in READERS:
        user = town.user(role)
        observed = _observed(client, user, **query)
        fresh = _fresh(user, **filters)
        assert observed == {stage: fresh[stage] for stage in observed}, role
    assert _observed(client, town.user("manager"), search="Chytré")["implementation"] == 2


def test_a_bulk_write_that_sends_no_signal_shows_once_the_town_is_renewed_as_bulk_loaders_do(client, town, world):
    """The counts are the cache's until the town's version changes: a bulk write (no ``save``) must renew it."""
    assert _observed(client, town.user("manager"))["idea"] == 1
    Project.objects.filter(pk=world[0].pk).update(stage=Stage.IDEA)
    assert _observed(client, town.user("manager"))["idea"] == 1
    town_figures_changed(municipality_id=town.municipality.pk)
    assert _observed(client, town.user("manager"))["idea"] == 2


def test_without_a_reachable_cache_the_board_counts_live(client, town, world, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for role in READERS:
        assert _observed(client, town.user(role)) == _fresh(town.user(role)), role
    Project.objects.filter(pk=world[0].pk).update(stage=Stage.IDEA)
    assert _observed(client, town.user("manager"))["idea"] == 2


def test_show_more_in_place_counts_from_the_cache_too(client, town, world):
    client.force_login(town.user("manager"))
    response = client.get(URL, {"stage": "implementation", "column_page": "1"}, **HTMX)
    assert response.status_code == 200
    assert response.context["column"].count == 1
