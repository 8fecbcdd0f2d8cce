"""Reminders and escalation fire once per threshold, on a frozen clock."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from backend.notifications.models import Notification
from backend.notifications.reminders import reminders_send
from backend.projects.models import Event
from backend.projects.stages import Stage
from tests.factories import FundingApplicationFactory, TaskFactory
from workflows.services import project_transition

PRAGUE = ZoneInfo("Europe/Prague")
MONDAY = dt.datetime(2026, 11, 23, 8, 0, tzinfo=PRAGUE)


def kinds() -> list[str]:
    return sorted(
        Event.objects.exclude(kind__in=["project_transitioned", "approval_requested"]).values_list("kind", flat=True)
    )


def test_task_due_tomorrow_then_overdue_each_once(town):
    project = town.project(Stage.IMPLEMENTATION)
    TaskFactory(project=project, assignee=town.user("partner"), due_date=dt.date(2026, 11, 24))

    with time_machine.travel(MONDAY, tick=False):
        reminders_send()
        reminders_send()
    assert kinds() == ["task_due_soon"]
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        reminders_send()
        reminders_send()
    assert kinds() == ["task_due_soon", "task_overdue"]
    assert Notification.objects.filter(recipient=town.user("partner")).count() == 2


def test_done_tasks_are_never_reminded(town):
    project = town.project(Stage.IMPLEMENTATION)
    TaskFactory(project=project, assignee=town.user("staff"), due_date=dt.date(2026, 11, 20), status="done")
    with time_machine.travel(MONDAY, tick=False):
        reminders_send()
    assert kinds() == []


def test_pending_approval_is_reminded_after_the_sla_and_escalated_after_twice_the_sla(town):
    with time_machine.travel(MONDAY, tick=False):
        project_transition(
            project=town.project(Stage.ASSESSMENT), actor=town.user("manager"), transition="approve_for_funding"
        )
    # The default policy: remind after 3 days, escalate after 6.
    with time_machine.travel(MONDAY + dt.timedelta(days=2, hours=23), tick=False):
        reminders_send()
    assert kinds() == []
    with time_machine.travel(MONDAY + dt.timedelta(days=3, hours=1), tick=False):
        reminders_send()
        reminders_send()
    assert kinds() == ["approval_reminder"]
    with time_machine.travel(MONDAY + dt.timedelta(days=7), tick=False):
        reminders_send()
        reminders_send()
    assert kinds() == ["approval_escalated", "approval_reminder"]
    # The coordinator may now decide it; the requester hears that it was escalated.
    escalated_to = Notification.objects.filter(event__kind="approval_escalated").values_list("recipient", flat=True)
    assert set(escalated_to) == {town.user("coordinator").pk, town.user("manager").pk}
    reminder = Notification.objects.get(event__kind="approval_reminder")
    assert reminder.recipient == town.user("lead_head")


def test_funding_deadlines_warn_fourteen_and_three_days_ahead_once_each(town):
    project = town.project(Stage.FUNDING)
    FundingApplicationFactory(
        project=project, status="planned", amount_requested=Decimal("100"), call_deadline=dt.date(2026, 12, 10)
    )
    for day in (
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 26),
        dt.date(2026, 11, 27),
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 8),
    ):
        with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=PRAGUE), tick=False):
            reminders_send()
    deadlines = Event.objects.filter(kind="funding_deadline").order_by("created_at")
    assert [event.payload["days_left"] for event in deadlines] == [14, 3]
    assert Notification.objects.filter(event__kind="funding_deadline", recipient=town.user("manager")).count() == 2
