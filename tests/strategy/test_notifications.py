"""Who hears of a strategy's amendments and consultations: the coordinator, the proposer and the head of the
department the amendment touches, in the application and by e-mail as they chose; never the actor, nobody of
another town."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from backend.notifications.models import Channel, Delivery, Notification, NotificationPreference
from backend.notifications.services import digests_send, event_deliveries_send
from backend.projects.models import Event, EventKind
from backend.strategy.consultation import (
    consultation_comment_confirm,
    consultation_comment_submit,
    consultation_open,
)
from backend.strategy.models import ItemKind
from backend.strategy.notices import consultations_closed_announce
from backend.strategy.services import ChangeSpec, amendment_decide, amendment_propose


def _propose(town, strategy, measures):
    # Measure 2.1 belongs to TRA: its head (other_head) is concerned.
    return amendment_propose(
        actor=town.user("manager"),
        strategy=strategy,
        title="Rozšíření 2.1",
        reason="Cyklisté.",
        changes=[
            ChangeSpec(action="change", kind=ItemKind.MEASURE, item_id=measures["2.1"].pk, data={"title": "Nové"})
        ],
    )


def _heard(kind: str) -> dict[str, set[str]]:
    """Who got an in-app notification and who an e-mail delivery (with its channel) of the last event of ``kind``."""
    event = Event.objects.filter(kind=kind).latest("id")
    notified = set(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))
    mailed = {
        f"{username}:{channel}"
        for username, channel in Delivery.objects.filter(event=event).values_list("recipient__username", "channel")
    }
    return {"notified": notified, "mailed": mailed}


def test_a_proposal_reaches_the_coordinator_and_the_head_of_the_department_at_once(town, strategy, measures):
    amendment = _propose(town, strategy, measures)

    heard = _heard(EventKind.AMENDMENT_PROPOSED)
    assert heard == {
        "notified": {"coordinator", "other.head"},
        "mailed": {"coordinator:immediate", "other.head:immediate"},
    }
    event = Event.objects.get(kind=EventKind.AMENDMENT_PROPOSED)
    assert event.project is None and event.municipality == town.municipality
    assert event.payload["amendment_id"] == amendment.pk

    event_deliveries_send(event_id=event.pk)
    assert sorted(message.to[0] for message in mail.outbox) == ["coordinator@example.cz", "other.head@example.cz"]
    message = mail.outbox[0]
    assert "Navržena změna strategie" in message.subject
    assert "Strategie Smart City Vzorov 2024–2030: Rozšíření 2.1" in message.subject
    assert f"/strategie/{strategy.pk}/#amendment-{amendment.pk}" in message.body
    assert "Strategie: Strategie Smart City Vzorov" in message.body


@pytest.mark.parametrize(
    ("decision", "comment", "kind"),
    [
        ("approve", "", EventKind.AMENDMENT_APPROVED),
        ("reject", "Nejde to.", EventKind.AMENDMENT_REJECTED),
    ],
)
def test_the_decision_reaches_the_proposer_and_the_head_not_the_decider(
    town, strategy, measures, decision, comment, kind
):
    amendment = _propose(town, strategy, measures)
    amendment_decide(actor=town.user("coordinator"), amendment=amendment, decision=decision, comment=comment)

    assert _heard(kind) == {
        "notified": {"manager", "other.head"},
        "mailed": {"manager:immediate", "other.head:immediate"},
    }


def test_a_consultation_opening_a_waiting_comment_and_the_closing_are_told(town, strategy, measures):
    amendment = _propose(town, strategy, measures)
    today = timezone.localdate()
    consultation = consultation_open(
        actor=town.user("manager"), amendment=amendment, starts_on=today, ends_on=today + timedelta(days=14)
    )
    # Opening goes to the daily digest.
    assert _heard(EventKind.CONSULTATION_OPENED) == {
        "notified": {"coordinator", "other.head"},
        "mailed": {"coordinator:digest", "other.head:digest"},
    }

    _comment, token = consultation_comment_submit(
        consultation=consultation, author_name="Jan Občan", email="jan@example.org", body="Chybí přechody."
    )
    assert not Event.objects.filter(kind=EventKind.CONSULTATION_COMMENT_WAITING).exists()  # not confirmed yet
    consultation_comment_confirm(token=token)
    consultation_comment_confirm(token=token)  # a second click tells nobody again
    assert Event.objects.filter(kind=EventKind.CONSULTATION_COMMENT_WAITING).count() == 1
    # The moderator and the proposer (who will answer); the citizen is no actor to leave out.
    assert _heard(EventKind.CONSULTATION_COMMENT_WAITING)["notified"] == {"coordinator", "manager"}

    assert digests_send() == 3  # the coordinator, the head, the proposer
    coordinator_digest = next(message for message in mail.outbox if message.to == ["coordinator@example.cz"])
    assert "Strategie Smart City Vzorov 2024–2030: Rozšíření 2.1" in coordinator_digest.body
    assert f"/strategie/zmeny/{amendment.pk}/pripominky/" in coordinator_digest.body

    assert consultations_closed_announce(today=today + timedelta(days=15)) == 1
    assert consultations_closed_announce(today=today + timedelta(days=16)) == 0  # once
    assert _heard(EventKind.CONSULTATION_CLOSED)["notified"] == {"coordinator", "manager", "other.head"}


def test_nobody_of_another_town_hears_of_it_and_preferences_apply(town, strategy, measures):
    NotificationPreference.objects.create(
        user=town.user("other_head"), kind=EventKind.AMENDMENT_PROPOSED, channel=Channel.OFF
    )
    NotificationPreference.objects.create(
        user=town.user("coordinator"), kind=EventKind.AMENDMENT_PROPOSED, channel=Channel.IN_APP
    )
    _propose(town, strategy, measures)

    assert _heard(EventKind.AMENDMENT_PROPOSED) == {"notified": {"coordinator"}, "mailed": set()}
    other_town = {town.user("other_coordinator"), town.user("partner")}
    assert not Notification.objects.filter(recipient__in=other_town).exists()
    assert not Delivery.objects.filter(recipient__in=other_town).exists()


def test_a_person_who_left_the_town_gets_no_mail_of_its_strategy(town, strategy, measures):
    _propose(town, strategy, measures)
    town.user("other_head").memberships.all().delete()

    event = Event.objects.get(kind=EventKind.AMENDMENT_PROPOSED)
    event_deliveries_send(event_id=event.pk)
    assert [message.to for message in mail.outbox] == [["coordinator@example.cz"]]


def test_the_notifications_page_lists_a_strategy_notice(town, strategy, measures, client):
    amendment = _propose(town, strategy, measures)
    client.force_login(town.user("coordinator"))

    for grouping in ("", "?group=project"):
        response = client.get(f"/notifications/{grouping}")
        assert response.status_code == 200
        page = response.content.decode()
        assert "Navržena změna strategie" in page
        assert "Strategie Smart City Vzorov 2024–2030: Rozšíření 2.1" in page
        assert f"/strategie/{strategy.pk}/#amendment-{amendment.pk}" in page


def test_the_api_lists_a_strategy_notice_without_a_project(town, strategy, measures):
    from rest_framework.test import APIClient

    _propose(town, strategy, measures)
    api = APIClient()
    api.force_authenticate(town.user("coordinator"))

    (row,) = api.get("/api/v1/notifications/").json()["results"]
    assert row["kind"] == "amendment_proposed"
    assert row["project"] is None
    assert row["project_title"] == "Strategie Smart City Vzorov 2024–2030: Rozšíření 2.1"
