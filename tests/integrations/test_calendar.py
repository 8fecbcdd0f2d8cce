"""Calendar feeds: a calendar library parses the personal feed, re-reading it gives the same UIDs, all-day
entries are dates, summaries are Czech, and nobody reads what they may not see."""

from datetime import date, timedelta

import icalendar
import pytest
from django.utils import timezone

from backend.integrations import services
from backend.integrations.models import CalendarFeed
from backend.projects.stages import Stage
from tests.factories import FundingApplicationFactory, TaskFactory
from workflows.services import project_transition

pytestmark = pytest.mark.django_db


def feed_url(user) -> str:
    return f"/integrations/calendar/{services.calendar_feed_regenerate(user=user).token}.ics"


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def dated_project(town):
    """A project managed by ``manager`` with a planned start and end, an open funding call, a task of theirs
    due, a done task, and a task of the staff member."""
    today = timezone.localdate()
    project = town.project(
        Stage.FUNDING,
        title="Chytré veřejné osvětlení",
        planned_start=today + timedelta(days=30),
        planned_end=today + timedelta(days=300),
        ready=False,
    )
    FundingApplicationFactory(project=project, status="submitted", call_deadline=today + timedelta(days=14))
    TaskFactory(
        project=project, title="Podat žádost", assignee=town.user("manager"), due_date=today + timedelta(days=7)
    )
    TaskFactory(project=project, title="Hotovo", assignee=town.user("manager"), due_date=today, status="done")
    TaskFactory(project=project, title="Cizí úkol", assignee=town.user("staff"), due_date=today)
    return project


def test_the_personal_feed_parses_and_re_reading_gives_the_same_uids(client, town, dated_project):
    url = feed_url(town.user("manager"))
    first = events(parse(client.get(url)))
    second = events(parse(client.get(url)))
    assert first.keys() == second.keys()
    summaries = sorted(str(event["SUMMARY"]) for event in first.values())
    assert summaries == [
        "Konec projektu: Chytré veřejné osvětlení",
        "Termín úkolu: Podat žádost (Chytré veřejné osvětlení)",
        "Uzávěrka výzvy: IROP – Integrovaný regionální operační program – Chytré veřejné osvětlení",
        "Zahájení projektu: Chytré veřejné osvětlení",
    ]
    for event in first.values():
        # All-day entries: DTSTART is a date (VALUE=DATE), not a moment; DTEND is the next day.
        assert type(event.decoded("DTSTART")) is date
        assert event.decoded("DTEND") == event.decoded("DTSTART") + timedelta(days=1)
    assert b"DTSTART;VALUE=DATE:" in client.get(url).content


def test_an_approver_sees_the_deadline_of_the_approval_waiting_for_them(client, town, dated_project):
    project = town.project(Stage.ASSESSMENT, title="Sdílená kola")
    project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    calendar = events(parse(client.get(feed_url(town.user("lead_head")))))
    [approval] = [event for uid, event in calendar.items() if uid.startswith("approval-")]
    assert str(approval["SUMMARY"]).startswith("Termín schválení: ")
    assert "Sdílená kola" in str(approval["SUMMARY"])


def test_a_regenerated_address_replaces_the_old_one_and_a_revoked_one_is_gone(client, town):
    manager = town.user("manager")
    old = feed_url(manager)
    new = feed_url(manager)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    services.calendar_feed_revoke(user=manager)
    assert client.get(new).status_code == 404
    assert client.get("/integrations/calendar/guessed.ics").status_code == 404


def test_the_profile_makes_shows_and_revokes_the_address(as_role, town):
    client = as_role("manager")
    assert client.post("/integrations/calendar/new/").status_code == 302
    token = CalendarFeed.objects.get(user=town.user("manager")).token
    page = client.get("/profile/").content.decode()
    assert f"/integrations/calendar/{token}.ics" in page
    assert "Vypnout kalendář" in page
    client.post("/integrations/calendar/revoke/")
    assert not CalendarFeed.objects.exists()


def test_the_project_feed_is_404_to_whoever_may_not_see_the_project(client, town, dated_project, lhota_project):
    manager_token = services.calendar_feed_regenerate(user=town.user("manager")).token
    project_url = f"/integrations/calendar/{manager_token}/projects/{dated_project.pk}.ics"
    assert len(events(parse(client.get(project_url)))) == 5  # 2 open tasks, the call, start and end; not the done one
    assert client.get(f"/integrations/calendar/{manager_token}/projects/{lhota_project.pk}.ics").status_code == 404
    firm_token = services.calendar_feed_regenerate(user=town.user("partner_not_invited")).token
    assert client.get(f"/integrations/calendar/{firm_token}/projects/{dated_project.pk}.ics").status_code == 404


def test_a_partner_guest_sees_only_their_own_tasks_and_no_funding(client, town, dated_project):
    TaskFactory(
        project=dated_project, title="Úkol partnera", assignee=town.user("partner"), due_date=timezone.localdate()
    )
    token = services.calendar_feed_regenerate(user=town.user("partner")).token
    calendar = events(parse(client.get(f"/integrations/calendar/{token}/projects/{dated_project.pk}.ics")))
    summaries = sorted(str(event["SUMMARY"]) for event in calendar.values())
    assert summaries == [
        "Konec projektu: Chytré veřejné osvětlení",
        "Termín úkolu: Úkol partnera (Chytré veřejné osvětlení)",
        "Zahájení projektu: Chytré veřejné osvětlení",
    ]


def test_the_project_calendar_page_gives_the_address_to_those_who_see_the_project(as_role, town, dated_project):
    client = as_role("staff")
    assert "Nejprve si" in client.get(f"/integrations/projects/{dated_project.pk}/calendar/").content.decode()
    client.post("/integrations/calendar/new/")
    token = CalendarFeed.objects.get(user=town.user("staff")).token
    page = client.get(f"/integrations/projects/{dated_project.pk}/calendar/").content.decode()
    assert f"/integrations/calendar/{token}/projects/{dated_project.pk}.ics" in page
    assert as_role("partner_not_invited").get(f"/integrations/projects/{dated_project.pk}/calendar/").status_code == 404
