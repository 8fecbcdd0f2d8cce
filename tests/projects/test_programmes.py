"""Funding programmes as data (issue 17): the seeded list, a town's own programme, its scope and deactivation."""

import io
from datetime import timedelta

import icalendar
import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from backend.core.models import AuditEntry
from backend.integrations.services import calendar_feed_regenerate
from backend.projects.choices import FundingProgramme
from backend.projects.models import FundingApplication, Programme
from backend.projects.programmes import programme_choices, programme_create
from backend.projects.stages import Stage
from tests.accounts.test_admin import admin_url, browser, staff
from tests.api.conftest import api_client
from tests.factories import FundingApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = "Krajský dotační program Energie 2027"


def test_the_migration_seeded_every_former_choice_with_its_code():
    seeded = set(Programme.objects.filter(municipality__isnull=True).values_list("code", flat=True))
    assert set(FundingProgramme.values) <= seeded


def _add(client) -> Programme:
    response = client.post("/integrations/programmes/", {"name": NAME, "provider": "Kraj Vysočina"})
    assert response.status_code == 302
    return Programme.objects.get(name=NAME)


def test_a_coordinators_programme_is_used_shown_and_refused_elsewhere(client, town):
    client.force_login(town.user("coordinator"))
    programme = _add(client)
    assert NAME in client.get("/integrations/programmes/").content.decode()
    project = town.project(Stage.FUNDING)
    created = api_client(town.user("coordinator")).post(
        f"/api/v1/projects/{project.pk}/funding/", {"programme": programme.code, "amount_requested": "1000"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["programme"] == programme.code
    page = client.get(reverse("web:project_tab", args=[project.pk, "funding"]))
    assert NAME in page.content.decode()

    refused = api_client(town.user("other_coordinator")).post(
        "/api/v1/funding-calls/",
        {"programme": programme.code, "number": "K-1", "name": "Výzva", "closes": "2027-01-01"},
    )
    assert refused.status_code == 400
    assert "programme" in refused.json()


def test_a_deactivated_programme_is_not_offered_but_old_applications_keep_its_name(client, town):
    client.force_login(town.user("coordinator"))
    programme = _add(client)
    project = town.project(Stage.FUNDING)
    api = api_client(town.user("coordinator"))
    assert (
        api.post(
            f"/api/v1/projects/{project.pk}/funding/", {"programme": programme.code, "amount_requested": "1"}
        ).status_code
        == 201
    )
    assert client.post(f"/integrations/programmes/{programme.pk}/active/", {"active": "0"}).status_code == 302
    again = api.post(f"/api/v1/projects/{project.pk}/funding/", {"programme": programme.code, "amount_requested": "1"})
    assert again.status_code == 400
    kept = FundingApplication.objects.filter(project=project, programme=programme.code)
    assert kept.count() == 1
    assert kept.get().get_programme_display() == NAME


def test_other_roles_are_refused_and_other_towns_rows_are_404(client, town):
    client.force_login(town.user("coordinator"))
    programme = _add(client)
    client.force_login(town.user("manager"))
    assert client.get("/integrations/programmes/").status_code == 403
    client.force_login(town.user("other_coordinator"))
    assert client.post(f"/integrations/programmes/{programme.pk}/active/", {"active": "0"}).status_code == 404
    assert NAME not in client.get("/integrations/programmes/").content.decode()


# --- a town's own programme through the web, in the audit log, in feeds and exports -----------------------------

OTHER_NAME = "Program obnovy venkova Lhota"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def own(town) -> Programme:
    """Vzorov's own programme, and Lhota's (which Vzorov must never be offered or accept)."""
    programme_create(actor=town.user("other_coordinator"), municipality=town.other_municipality, name=OTHER_NAME)
    return programme_create(actor=town.user("coordinator"), municipality=town.municipality, name=NAME)


def test_the_web_funding_form_offers_and_takes_the_towns_own_programme_but_not_another_towns(client, town, own):
    project = town.project(Stage.FUNDING, ready=False)
    client.force_login(town.user("manager"))
    form = client.get(reverse("web:project_tab", args=[project.pk, "funding"])).content.decode()
    assert f'<option value="{own.code}">{NAME}</option>' in form
    assert OTHER_NAME not in form
    create = reverse("web:project_funding_create", args=[project.pk])

    added = client.post(create, {"programme": own.code, "amount_requested": "1000", "status": "planned"}, **HTMX)
    assert added.status_code == 200 and NAME in added.content.decode()
    assert FundingApplication.objects.get(project=project).get_programme_display() == NAME

    lhota = Programme.objects.get(name=OTHER_NAME)
    refused = client.post(create, {"programme": lhota.code, "amount_requested": "1000", "status": "planned"})
    assert refused.status_code == 400
    assert "Vyberte platnou možnost" in refused.content.decode()
    assert FundingApplication.objects.filter(project=project).count() == 1


def test_adding_and_deactivating_a_programme_is_in_the_towns_audit_log(client, town):
    client.force_login(town.user("coordinator"))
    programme = _add(client)
    assert client.post(f"/integrations/programmes/{programme.pk}/active/", {"active": "0"}).status_code == 302
    assert client.post(f"/integrations/programmes/{programme.pk}/active/", {"active": "0"}).status_code == 302
    entries = AuditEntry.objects.filter(object_type="programme", object_id=str(programme.pk)).order_by("pk")
    assert [(entry.action, entry.actor, entry.municipality) for entry in entries] == [
        ("programme_added", town.user("coordinator"), town.municipality),
        ("programme_deactivated", town.user("coordinator"), town.municipality),  # a repeated "off" changes nothing
    ]
    page = client.get(reverse("web:audit")).content.decode()
    assert "Dotační program přidán" in page and "Dotační program vyřazen" in page and NAME in page
    client.force_login(town.user("other_coordinator"))
    assert NAME not in client.get(reverse("web:audit")).content.decode()


def _applications(town, programme: Programme, count: int) -> None:
    deadline = timezone.localdate() + timedelta(days=10)
    for _ in range(count):
        project = town.project(Stage.FUNDING, ready=False)
        FundingApplicationFactory(project=project, programme=programme.code, status="planned", call_deadline=deadline)


@pytest.mark.parametrize("count", [1, 5])
def test_the_calendar_feed_names_a_towns_programme_with_the_same_queries_for_1_and_5(
    client, town, own, count, django_assert_num_queries
):
    _applications(town, own, count)
    url = f"/integrations/calendar/{calendar_feed_regenerate(user=town.user('manager')).token}.ics"
    with django_assert_num_queries(5):  # the feed and its user, tasks, approvals, funding (names in it), projects
        response = client.get(url)
    assert response.status_code == 200
    summaries = [str(event["SUMMARY"]) for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]
    assert sum(NAME in summary for summary in summaries) == count


@pytest.mark.parametrize("count", [1, 5])
def test_the_funding_workbook_names_a_towns_programme_with_the_same_queries_for_1_and_5(
    town, own, count, django_assert_num_queries
):
    _applications(town, own, count)
    client = api_client(town.user("coordinator"))
    with django_assert_num_queries(2):  # the projects, their funding (the programmes' names in it)
        response = client.get("/api/v1/funding/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Financování"]
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [NAME] * count


# --- the admin: the coordinator reads, the operator keeps the installation-wide list, nobody deletes ------------


def test_a_coordinator_reads_in_the_admin_only_the_shared_and_their_own_programmes_and_changes_none(town, own):
    coordinator = staff(
        town.user("coordinator"), *(f"{what}_programme" for what in ("view", "add", "change", "delete"))
    )
    client = browser(coordinator)
    listing = client.get(admin_url(Programme, "changelist")).content.decode()
    assert NAME in listing and "IROP" in listing and OTHER_NAME not in listing
    lhota = Programme.objects.get(name=OTHER_NAME)
    assert client.get(admin_url(Programme, "change", lhota.pk)).status_code == 404
    assert client.get(admin_url(Programme, "add")).status_code == 403
    assert client.post(admin_url(Programme, "change", own.pk), {"name": "Přejmenováno"}).status_code == 403
    assert client.post(admin_url(Programme, "delete", own.pk), {"post": "yes"}).status_code == 403
    own.refresh_from_db()
    assert own.name == NAME


def test_the_operator_adds_an_installation_wide_programme_every_town_is_offered(town, own):
    operator = UserFactory(username="operator", is_superuser=True, is_staff=True)
    client = browser(operator)
    response = client.post(
        admin_url(Programme, "add"),
        {"code": "jtf", "name": "Operační program Spravedlivá transformace", "is_active": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    added = Programme.objects.get(code="jtf")
    assert added.municipality is None
    for municipality in (town.municipality, town.other_municipality):
        assert "jtf" in dict(programme_choices(municipality_id=municipality.pk))
    # A town's programme stays the coordinator's, and no programme is ever deleted.
    assert client.post(admin_url(Programme, "change", own.pk), {"name": "Jinak"}).status_code == 403
    assert client.post(admin_url(Programme, "delete", added.pk), {"post": "yes"}).status_code == 403
