"""Notification preferences on the profile: per kind of event, e-mail at once, daily digest, in the
application only, or off; saved all or nothing, and what is saved is what happens."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from backend.notifications.models import Channel, Delivery, Notification, NotificationPreference
from backend.notifications.selectors import notification_preferences_for
from backend.notifications.services import digests_send, event_deliveries_send
from backend.projects.services import comment_create
from backend.projects.stages import Stage
from workflows.services import project_transition

pytestmark = pytest.mark.django_db

PROFILE = reverse("web:profile")
SAVE = reverse("web:notification_preferences")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _all_posted(user, **changes) -> dict:
    """The form as the browser posts it: every row's current choice, with ``changes``."""
    return {**notification_preferences_for(user=user), **changes}


def test_the_profile_shows_every_kind_with_its_current_channel(town, assert_safe_page):
    head = town.user("lead_head")
    NotificationPreference.objects.create(user=head, kind="comment_posted", channel=Channel.OFF)

    response = _client(head).get(PROFILE)

    assert response.status_code == 200
    assert_safe_page(response)
    body = response.content.decode()
    assert 'id="notifications-heading"' in body
    assert "Denní souhrn e-mailem" in body and "Pouze v aplikaci" in body
    assert 'name="comment_posted" value="off" checked' in body
    assert 'name="approval_requested" value="immediate" checked' in body  # the kind's default
    assert 'name="mention" value="immediate" checked' in body
    assert "Zmínka v komentáři" in body


def test_a_partner_is_offered_only_what_a_partner_can_hear_of(town):
    body = _client(town.user("partner")).get(PROFILE).content.decode()
    assert 'name="task_assigned"' in body
    assert 'name="mention"' in body
    assert 'name="approval_requested"' not in body
    assert 'name="funding_deadline"' not in body


def test_saving_stores_every_choice_and_says_so(town):
    head = town.user("lead_head")
    client = _client(head)

    response = client.post(SAVE, _all_posted(head, comment_posted="digest", approval_requested="in_app"), follow=True)

    assert response.status_code == 200
    assert "Předvolby oznámení byly uloženy." in response.content.decode()
    chosen = dict(NotificationPreference.objects.filter(user=head).values_list("kind", "channel"))
    assert (chosen["comment_posted"], chosen["approval_requested"]) == ("digest", "in_app")


@pytest.mark.parametrize(
    "changes",
    [{"comment_posted": "pigeon"}, {"comment_posted": ""}],
    ids=["unknown channel", "missing choice"],
)
def test_an_invalid_choice_saves_nothing(town, changes):
    head = town.user("lead_head")
    data = _all_posted(head, approval_requested="off", **changes)
    if not changes["comment_posted"]:
        del data["comment_posted"]

    response = _client(head).post(SAVE, data)

    assert response.status_code == 400
    assert "Předvolby oznámení nebyly uloženy." in response.content.decode()
    assert not NotificationPreference.objects.filter(user=head).exists()


def test_a_partner_cannot_choose_a_kind_they_are_not_offered(town):
    partner = town.user("partner")
    data = _all_posted(partner)
    data["approval_requested"] = "immediate"  # not a field of their form: ignored
    assert _client(partner).post(SAVE, data).status_code == 302
    assert not NotificationPreference.objects.filter(user=partner, kind="approval_requested").exists()


def test_saving_needs_a_post_and_a_sign_in(town):
    assert _client(town.user("manager")).get(SAVE).status_code == 405
    response = Client().post(SAVE, {})
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def _request_funding(town):
    project = town.project(Stage.ASSESSMENT)
    project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    return project


def test_off_means_no_notification_and_no_email(town):
    head = town.user("lead_head")
    _client(head).post(SAVE, _all_posted(head, approval_requested="off"))
    mail.outbox.clear()

    _request_funding(town)

    assert not Notification.objects.filter(recipient=head).exists()
    assert not Delivery.objects.filter(recipient=head).exists()
    digests_send()
    assert mail.outbox == []


def test_digest_means_the_daily_digest_not_an_email_at_once(town):
    head = town.user("lead_head")
    _client(head).post(SAVE, _all_posted(head, approval_requested="digest"))
    mail.outbox.clear()

    _request_funding(town)

    assert Notification.objects.filter(recipient=head).count() == 1
    delivery = Delivery.objects.get(recipient=head)
    assert delivery.channel == Channel.DIGEST
    event_deliveries_send(event_id=delivery.event_id)
    assert mail.outbox == []  # nothing at once
    assert digests_send() == 1
    assert mail.outbox[0].to == [head.email]


def test_in_app_only_means_a_notification_and_no_email(town):
    head = town.user("lead_head")
    _client(head).post(SAVE, _all_posted(head, approval_requested="in_app"))

    _request_funding(town)

    assert Notification.objects.filter(recipient=head).count() == 1
    assert not Delivery.objects.filter(recipient=head).exists()


def test_mentions_follow_their_own_choice_not_that_of_comments(town):
    head = town.user("lead_head")
    _client(head).post(SAVE, _all_posted(head, comment_posted="off", mention="digest"))
    project = town.project(Stage.ASSESSMENT)

    comment_create(actor=town.user("manager"), project=project, body="Prosím o kontrolu, @lead.head.")

    notification = Notification.objects.get(recipient=head)
    assert notification.is_mention
    assert Delivery.objects.get(recipient=head).channel == Channel.DIGEST
