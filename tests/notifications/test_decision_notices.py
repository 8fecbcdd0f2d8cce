"""The requester hears of every decision on their request, in the application and by e-mail; the decider
does not hear of their own decision. The history says who asked and who approved."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from backend.notifications.models import Channel, Delivery, Notification, NotificationPreference
from backend.notifications.reminders import approval_reminders_send
from backend.notifications.services import digests_send, event_deliveries_send
from backend.projects.models import Event, EventKind
from backend.projects.stages import Stage
from workflows.models import TransitionRecord
from workflows.services import approval_decide, approval_withdraw, project_transition


def _request(town):
    project = town.project(Stage.ASSESSMENT, title="Chytré parkování")
    outcome = project_transition(
        project=project, actor=town.user("manager"), transition="approve_for_funding", comment="Posouzení hotovo."
    )
    return outcome.approval_request


def _approved(town, request):
    approval_decide(approval_request=request, actor=town.user("lead_head"), decision="approve", comment="Souhlasím.")
    return EventKind.APPROVAL_GRANTED, "lead_head"


def _rejected(town, request):
    approval_decide(approval_request=request, actor=town.user("lead_head"), decision="reject", comment="Chybí studie.")
    return EventKind.APPROVAL_REJECTED, "lead_head"


def _withdrawn_by_the_coordinator(town, request):
    approval_withdraw(approval_request=request, actor=town.user("coordinator"), comment="Nahrazeno jiným projektem.")
    return EventKind.APPROVAL_CANCELLED, "coordinator"


def _escalated(town, request):
    with time_machine.travel(timezone.now() + dt.timedelta(days=7), tick=False):
        approval_reminders_send(now=timezone.now())
    return EventKind.APPROVAL_ESCALATED, None


def _emails_to(user) -> list:
    """Every e-mail the person got: the immediate ones, then whatever the daily digest brings."""
    for event_id in Delivery.objects.filter(recipient=user, channel=Channel.IMMEDIATE).values_list(
        "event_id", flat=True
    ):
        event_deliveries_send(event_id=event_id)
    digests_send()
    return [message for message in mail.outbox if message.to == [user.email]]


@pytest.mark.parametrize(
    ("decide", "expected_line"),
    [
        (_approved, "byla schválena"),
        (_rejected, "byla zamítnuta"),
        (_withdrawn_by_the_coordinator, "byla stažena"),
        (_escalated, "předána koordinátorovi"),
    ],
    ids=["approved", "rejected", "withdrawn", "escalated"],
)
def test_the_requester_hears_of_every_decision_in_the_application_and_by_email(town, decide, expected_line):
    request = _request(town)
    manager = town.user("manager")
    mail.outbox.clear()

    kind, decider = decide(town, request)

    notice = Notification.objects.get(recipient=manager, event__kind=kind)
    assert notice.read_at is None
    messages = _emails_to(manager)
    assert any(expected_line in message.body for message in messages), [message.body for message in messages]
    assert any("Schválit k financování" in message.body for message in messages)
    if decider:
        assert not Notification.objects.filter(recipient=town.user(decider), event__kind=kind).exists()
        assert not Delivery.objects.filter(recipient=town.user(decider), event__kind=kind).exists()


def test_approval_reaches_the_requester_at_once_with_a_link_to_the_request(town, settings):
    settings.SITE_URL = "https://ramec.vzorov.example"
    request = _request(town)
    mail.outbox.clear()

    _approved(town, request)

    delivery = Delivery.objects.get(recipient=town.user("manager"), event__kind=EventKind.APPROVAL_GRANTED)
    assert delivery.channel == Channel.IMMEDIATE
    event_deliveries_send(event_id=delivery.event_id)
    (message,) = [message for message in mail.outbox if message.to == [town.user("manager").email]]
    assert "Žádost „Schválit k financování“ byla schválena a projekt postoupil dál." in message.body
    link = f"https://ramec.vzorov.example/projects/{request.project_id}/approvals/#approval-request-{request.pk}"
    assert link in message.body


def test_the_requester_is_told_once_not_twice_when_the_approval_runs_the_transition(town):
    request = _request(town)
    request.project.watchers.add(town.user("coordinator"))

    _approved(town, request)

    kinds = list(Notification.objects.filter(recipient=town.user("manager")).values_list("event__kind", flat=True))
    assert kinds == [EventKind.APPROVAL_GRANTED]
    # Those who follow the project hear that it moved.
    assert Notification.objects.filter(recipient=town.user("coordinator"), event__kind="project_transitioned").exists()


def test_a_requester_who_is_not_the_manager_hears_too(town):
    project = town.project(Stage.FUNDING)
    request = project_transition(
        project=project, actor=town.user("lead_head"), transition="put_on_hold", comment="Čekáme na rozpočet."
    ).approval_request

    approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")

    assert Notification.objects.filter(recipient=town.user("lead_head"), event__kind="approval_granted").exists()
    assert Notification.objects.filter(recipient=town.user("manager"), event__kind="approval_granted").exists()
    assert not Notification.objects.filter(recipient=town.user("coordinator"), event__kind="approval_granted").exists()


def test_the_history_row_shows_who_approved_and_the_request_who_asked(town):
    request = _request(town)

    _approved(town, request)

    record = TransitionRecord.objects.get(project=request.project)
    assert record.actor == town.user("lead_head")
    assert record.approval_request.requested_by == town.user("manager")
    assert record.comment == "Posouzení hotovo."
    transitioned = Event.objects.get(project=request.project, kind=EventKind.PROJECT_TRANSITIONED)
    assert transitioned.actor == town.user("lead_head")


def test_a_withdrawal_by_the_requester_tells_them_nothing(town):
    request = _request(town)

    approval_withdraw(approval_request=request, actor=town.user("manager"))

    assert not Notification.objects.filter(recipient=town.user("manager"), event__kind="approval_cancelled").exists()


def test_decisions_switched_off_reach_the_requester_neither_in_the_application_nor_by_email(town):
    NotificationPreference.objects.create(user=town.user("manager"), kind="approval_granted", channel=Channel.OFF)
    request = _request(town)
    mail.outbox.clear()

    _approved(town, request)

    assert not Notification.objects.filter(recipient=town.user("manager"), event__kind="approval_granted").exists()
    assert _emails_to(town.user("manager")) == []
