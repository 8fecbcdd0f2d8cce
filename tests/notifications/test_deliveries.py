"""The outbox: e-mails written with their event, sent after commit once, retried, swept up, digested."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.accounts.models import Role
from backend.notifications import outbox, services
from backend.notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationPreference
from backend.notifications.outbox import deliveries_sweep, delivery_send
from backend.notifications.services import digests_send, event_deliveries_send
from backend.projects.models import Event, EventKind
from backend.projects.services import comment_create
from backend.projects.stages import Stage
from tests.factories import MembershipFactory
from workflows.services import project_transition


def request_funding_approval(town):
    project = town.project(Stage.ASSESSMENT)
    project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    return project


def test_an_approval_request_writes_an_immediate_delivery_for_the_approver(town):
    request_funding_approval(town)

    delivery = Delivery.objects.get()
    assert (delivery.recipient, delivery.channel, delivery.status) == (
        town.user("lead_head"),
        Channel.IMMEDIATE,
        DeliveryStatus.PENDING,
    )
    assert Notification.objects.filter(recipient=town.user("lead_head")).count() == 1


def test_sending_twice_sends_one_email_in_the_recipients_language_with_a_link(town, settings):
    settings.SITE_URL = "https://ramec.vzorov.example"
    request_funding_approval(town)
    delivery = Delivery.objects.get()

    assert delivery_send(delivery_id=delivery.pk) is True
    assert delivery_send(delivery_id=delivery.pk) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [town.user("lead_head").email]
    assert "Žádáme vás o schválení." in message.body  # the recipient speaks Czech (the default)
    # The approver's link leads to the request in their approvals inbox.
    request_id = delivery.event.payload["approval_request_id"]
    assert f"https://ramec.vzorov.example/approvals/#approval-{request_id}" in message.body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_english_speakers_get_english_email(town):
    head = town.user("lead_head")
    head.language = "en"
    head.save()
    request_funding_approval(town)

    event_deliveries_send(event_id=Delivery.objects.get().event_id)

    assert "Your approval is requested." in mail.outbox[0].body


def test_smtp_failure_is_recorded_retried_and_given_up_after_the_bound(town, settings, monkeypatch):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    request_funding_approval(town)
    delivery = Delivery.objects.get()

    def refuse(message):
        raise SMTPServerDisconnected("connection closed")

    monkeypatch.setattr(outbox, "_send", refuse)
    for _ in range(3):
        with pytest.raises(outbox.DeliveryFailed):
            delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert "connection closed" in delivery.last_error
    assert delivery_send(delivery_id=delivery.pk) is False  # a failed delivery is not retried by the sweep


def test_the_sweep_sends_what_was_left_pending(town):
    request_funding_approval(town)
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    assert deliveries_sweep() == 1
    assert deliveries_sweep() == 0
    assert len(mail.outbox) == 1


def test_preferences_choose_the_channel(town):
    NotificationPreference.objects.create(user=town.user("lead_head"), kind="approval_requested", channel=Channel.OFF)
    request_funding_approval(town)
    assert not Delivery.objects.exists()
    assert not Notification.objects.exists()


def test_in_app_only_preference_writes_no_email(town):
    NotificationPreference.objects.create(
        user=town.user("lead_head"), kind="approval_requested", channel=Channel.IN_APP
    )
    request_funding_approval(town)
    assert not Delivery.objects.exists()
    assert Notification.objects.filter(recipient=town.user("lead_head")).exists()


def test_digest_collects_everything_into_one_email_per_person(town):
    project = town.project(Stage.ASSESSMENT)
    for number in range(3):
        comment_create(actor=town.user("manager"), project=project, body=f"Poznámka {number} @staff")
    comment_create(actor=town.user("staff"), project=project, body="Odpověď")  # the manager hears by digest
    pending = Delivery.objects.filter(channel=Channel.DIGEST, status=DeliveryStatus.PENDING)
    recipients = set(pending.values_list("recipient__username", flat=True))

    assert digests_send() == len(recipients)
    assert digests_send() == 0
    assert sorted(message.to[0] for message in mail.outbox) == sorted(f"{name}@example.cz" for name in recipients)


def test_mentioned_people_get_an_immediate_email(town):
    project = town.project(Stage.ASSESSMENT)
    comment_create(actor=town.user("manager"), project=project, body="Prosím o kontrolu, @staff")
    assert Delivery.objects.get(recipient=town.user("staff")).channel == Channel.IMMEDIATE


def test_a_broker_that_is_down_never_fails_the_commit(town, settings, monkeypatch, django_capture_on_commit_callbacks):
    from backend.notifications import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(tasks.send_event_deliveries, "apply_async", broker_down)
    monkeypatch.setattr(outbox, "_broker_paused_until", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        project = request_funding_approval(town)

    project.refresh_from_db()
    assert Delivery.objects.get().status == DeliveryStatus.PENDING  # waits for the sweep


def test_the_sweep_waits_for_the_backoff_after_a_failure(town, monkeypatch):
    request_funding_approval(town)
    delivery = Delivery.objects.get()
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    def refuse(message):
        raise SMTPServerDisconnected("connection closed")

    monkeypatch.setattr(outbox, "_send", refuse)
    assert deliveries_sweep() == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()

    assert deliveries_sweep() == 0  # not due yet: no attempt used up
    delivery.refresh_from_db()
    assert delivery.attempts == 1

    monkeypatch.undo()
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert deliveries_sweep() == 1
    assert len(mail.outbox) == 1


def test_an_address_the_mail_library_refuses_fails_alone_and_the_outbox_moves_on(town, monkeypatch):
    request_funding_approval(town)
    request_funding_approval(town)
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    first, second = Delivery.objects.order_by("pk")
    real_send = outbox._send

    def refuse_first(message):
        if message.extra_headers["Message-ID"] == f"<delivery-{first.pk}@ramec>":
            raise ValueError("Invalid address")
        return real_send(message)

    monkeypatch.setattr(outbox, "_send", refuse_first)
    assert deliveries_sweep() == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (DeliveryStatus.FAILED, DeliveryStatus.SENT)
    assert "Invalid address" in first.last_error


def test_plain_text_emails_are_not_html_escaped(town):
    project = town.project(Stage.ASSESSMENT, title='Chodníky & "Zelená" ulice')
    project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")

    event_deliveries_send(event_id=Delivery.objects.get().event_id)

    assert 'Chodníky & "Zelená" ulice' in mail.outbox[0].subject
    assert 'Chodníky & "Zelená" ulice' in mail.outbox[0].body


def test_a_transition_watched_by_many_writes_every_row_once_in_the_same_queries_as_for_one(
    town, django_assert_num_queries
):
    """The fan-out is set-based: 1 watcher or 40, the same statements; a fan-out run again for the same event
    (a retried task, a re-sent signal) writes no second row."""
    env = town.env
    watchers = [
        MembershipFactory(municipality=town.municipality, department=env, role=Role.STAFF).user for _ in range(40)
    ]
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, kind="project_transitioned", channel=Channel.IMMEDIATE) for user in watchers]
    )
    counts = []
    project_transition(project=town.project(Stage.IDEA), actor=town.user("manager"), transition="submit")  # warm-up
    for group in (watchers[:1], watchers):
        project = town.project(Stage.IDEA)
        project.watchers.add(*group)
        with CaptureQueriesContext(connection) as queries:
            project_transition(project=project, actor=town.user("manager"), transition="submit")
        counts.append(len(queries))
        event = Event.objects.get(project=project, kind=EventKind.PROJECT_TRANSITIONED)
        services.event_fanout(event=event)  # again: nothing doubles

        immediate = Delivery.objects.filter(event=event, channel=Channel.IMMEDIATE, status=DeliveryStatus.PENDING)
        assert sorted(immediate.values_list("recipient_id", flat=True)) == sorted(user.pk for user in group)
        assert set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True)) >= {
            user.pk for user in group
        }
        assert Notification.objects.filter(event=event).count() == len(group) + 1  # and the lead head
        assert not Notification.objects.filter(event=event, is_mention=True).exists()
    assert counts[0] == counts[1]
    # Pinned: the team and the watchers are one query (16 before, when the watchers were asked apart), and who of
    # them may see the project is asked in it too; the in-app rows and the e-mail deliveries are one statement; a
    # project that is not public asks nothing for the portal's followers (15 before): savepoint, lock (with the
    # town's policy: 11 before, when it was asked apart), the update, history row and event with the pending requests
    # in one statement (10 before, when they were four), recipients with their preferences and the fan-out rows in
    # one statement, which asks for the town's webhook endpoints too (12 before, when the preferences were asked
    # apart; 7 before, when the rows were a statement of their own; 6 before, when the endpoints were), release.
    assert counts[0] == 5


def test_a_mention_is_marked_on_the_mentioned_persons_row_only(town):
    project = town.project(Stage.ASSESSMENT)
    project.watchers.add(town.user("lead_head"))
    comment_create(actor=town.user("manager"), project=project, body="Prosím o kontrolu, @staff")
    rows = dict(Notification.objects.values_list("recipient__username", "is_mention"))
    assert rows == {"staff": True, "lead.head": False}


@pytest.mark.parametrize("in_one", [True, False], ids=["one statement", "by the audience's rows"])
def test_a_transitions_fan_out_gives_each_watcher_the_channel_they_chose_or_the_default(
    town, monkeypatch, django_capture_on_commit_callbacks, in_one
):
    """On PostgreSQL a transition's audience, their channels and both tables' rows are one statement; the other
    path (other events, SQLite) reads the audience first. Both give the same rows: off nothing, in-app a
    notification, e-mail channels a notification and a delivery, no choice the kind's default (the digest)."""
    if not in_one:
        monkeypatch.setattr(services, "recipient_choices_sql", lambda event, kinds: None)
    env = town.env
    people = {
        channel: MembershipFactory(municipality=town.municipality, department=env, role=Role.STAFF).user
        for channel in [Channel.OFF, Channel.IN_APP, Channel.DIGEST, Channel.IMMEDIATE, None]
    }
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind="project_transitioned", channel=channel)
            for channel, user in people.items()
            if channel is not None
        ]
    )
    project = town.project(Stage.IDEA)
    project.watchers.add(*people.values())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        project_transition(project=project, actor=town.user("manager"), transition="submit")

    event = Event.objects.get(project=project, kind=EventKind.PROJECT_TRANSITIONED)
    told = set(Notification.objects.filter(event=event, is_mention=False).values_list("recipient_id", flat=True))
    mailed = set(Delivery.objects.filter(event=event).values_list("recipient_id", "channel"))
    assert told >= {people[channel].pk for channel in [Channel.IN_APP, Channel.DIGEST, Channel.IMMEDIATE, None]}
    assert people[Channel.OFF].pk not in told
    assert town.user("manager").pk not in told  # the actor
    watched = {user.pk for user in people.values()}
    assert {(pk, channel) for pk, channel in mailed if pk in watched} == {
        (people[Channel.DIGEST].pk, Channel.DIGEST),
        (people[Channel.IMMEDIATE].pk, Channel.IMMEDIATE),
        (people[None].pk, Channel.DIGEST),
    }
    # An immediate e-mail is sent after the commit.
    assert [callback.args for callback in callbacks if getattr(callback, "func", None) is services._dispatch] == [
        (event.pk,)
    ]
