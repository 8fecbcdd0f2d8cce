"""Following a public project: double opt-in, the news mailed through the outbox with one-click unsubscribe
headers (RFC 8058), the subscriptions page, erasure, retention and the abuse limits."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backend.notifications.models import Delivery, DeliveryStatus, MailKind
from backend.portal.models import ProjectFollower
from backend.portal.subscriptions import LINK_SALT, follow_news_for_event, follow_token, followers_prune_unconfirmed
from backend.portal.tasks import ideas_prune_unconfirmed
from backend.projects.models import Event, EventKind
from backend.projects.stages import Stage
from backend.projects.updates import project_update_publish, project_update_withdraw
from tests.mail import outbox_send_all
from tests.portal.conftest import MARKER
from workflows.services import project_transition

pytestmark = pytest.mark.django_db

CITIZEN = "eva@example.org"


@pytest.fixture
def project(town, portal):
    return town.project(Stage.IDEA, title="Nové lavičky v parku", is_public=True)


def _follow(client, portal, project, **fields):
    data = {"email": CITIZEN, "consent": "on", "website": "", **fields}
    return client.post(reverse("portal:follow", args=[portal.slug, project.pk]), data)


def _mails_to(address: str = CITIZEN) -> list:
    outbox_send_all()
    return [message for message in mail.outbox if message.to == [address]]


def _path(link: str) -> str:
    return link.split("127.0.0.1:8000", 1)[-1]


def _confirm(client, portal, project) -> ProjectFollower:
    assert _follow(client, portal, project).status_code == 200
    (message,) = _mails_to()
    link = re.search(r"http\S+/obec/odber/potvrdit/\S+/", message.body).group(0)
    assert client.post(_path(link)).status_code == 200
    return ProjectFollower.objects.get(project=project)


def _move(town, project) -> None:
    project_transition(project=project, actor=town.user("manager"), transition="submit")


def test_following_is_confirmed_by_a_post_on_the_mailed_link(client, portal, project):
    response = _follow(client, portal, project)
    assert response.status_code == 200 and 'role="status"' in response.content.decode()
    follower = ProjectFollower.objects.get()
    assert (follower.email, follower.confirmed_at) == (CITIZEN, None)
    (message,) = _mails_to()
    assert "Nové lavičky v parku" in message.subject
    assert "List-Unsubscribe" not in message.extra_headers  # a confirmation is not a list mail yet
    path = _path(re.search(r"http\S+/obec/odber/potvrdit/\S+/", message.body).group(0))

    assert client.get(path).status_code == 200  # a mail scanner opening the link confirms nothing
    follower.refresh_from_db()
    assert follower.confirmed_at is None
    assert "Sledujete projekt" in client.post(path).content.decode()
    follower.refresh_from_db()
    assert follower.confirmed_at is not None
    again = client.post(path)
    assert again.status_code == 400 and "jen jednou" in again.content.decode()  # single use


def test_the_project_page_leads_to_the_follow_form(client, portal, project):
    page = client.get(reverse("portal:project", args=[portal.slug, project.pk])).content.decode()
    assert reverse("portal:follow", args=[portal.slug, project.pk]) in page


def test_a_stage_change_mails_the_follower_with_one_click_unsubscribe_headers(client, town, portal, project):
    _confirm(client, portal, project)
    mail.outbox.clear()
    _move(town, project)

    (message,) = _mails_to()
    assert "Posouzení" in message.body or "posouzení" in message.body.lower()
    unsubscribe = re.fullmatch(r"<(http\S+/obec/odber/odhlasit/\S+/)>", message.extra_headers["List-Unsubscribe"])
    assert unsubscribe is not None
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.group(1) in message.body
    assert re.search(r"http\S+/obec/odber/[^/\s]+/\s", message.body)  # the subscriptions page
    assert Delivery.objects.get(kind=MailKind.FOLLOW_UPDATE).status == DeliveryStatus.SENT


def test_one_click_unsubscribe_works_by_post_without_sign_in_or_csrf_token_and_erases_the_email(
    client, town, portal, project
):
    _confirm(client, portal, project)
    mail.outbox.clear()
    _move(town, project)
    (message,) = _mails_to()
    path = _path(message.extra_headers["List-Unsubscribe"].strip("<>"))

    mail_client = Client(enforce_csrf_checks=True)  # what a mail client sends: RFC 8058's body, no cookie
    response = mail_client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert not ProjectFollower.objects.filter(email=CITIZEN).exists()
    assert not Delivery.objects.filter(kind__in=[MailKind.FOLLOW_CONFIRMATION, MailKind.FOLLOW_UPDATE]).exists()
    assert mail_client.post(path).status_code == 200  # a second click: nothing left, nothing told
    mail.outbox.clear()
    project_update_publish(actor=town.user("manager"), project=project, title="Lavičky dorazily", body="Jsou v parku.")
    assert _mails_to() == []


def test_a_get_of_the_unsubscribe_link_only_shows_a_button(client, town, portal, project):
    _confirm(client, portal, project)
    mail.outbox.clear()
    _move(town, project)
    (message,) = _mails_to()
    path = _path(message.extra_headers["List-Unsubscribe"].strip("<>"))
    assert 'method="post"' in client.get(path).content.decode()
    assert ProjectFollower.objects.filter(email=CITIZEN).exists()


def test_the_subscriptions_page_lists_and_ends_the_subscriptions_of_the_email(client, town, portal, project):
    other = town.project(Stage.IDEA, title="Cyklostezka k nádraží", is_public=True)
    _confirm(client, portal, project)
    mail.outbox.clear()
    _confirm(client, portal, other)
    mail.outbox.clear()
    _move(town, project)
    (message,) = _mails_to()
    page_path = _path(re.search(r"(http\S+/obec/odber/[^/\s]+/)\s", message.body).group(1))

    page = client.get(page_path).content.decode()
    assert "Nové lavičky v parku" in page and "Cyklostezka k nádraží" in page and CITIZEN in page
    other_follower = ProjectFollower.objects.get(project=other)
    response = client.post(page_path + "zrusit/", {"follower": other_follower.pk})
    assert response.status_code == 302
    assert list(ProjectFollower.objects.values_list("project_id", flat=True)) == [project.pk]
    page = client.get(page_path).content.decode()
    assert "Cyklostezka k nádraží" not in page and "Nové lavičky v parku" in page

    client.post(page_path + "zrusit/", {"all": "1"})
    assert not ProjectFollower.objects.exists()
    assert client.get(page_path).status_code == 404  # the link died with the last subscription


def test_a_public_update_is_mailed_and_a_withdrawn_one_is_not(client, town, portal, project):
    _confirm(client, portal, project)
    mail.outbox.clear()
    manager = town.user("manager")
    update = project_update_publish(
        actor=manager, project=project, title="Lavičky jsou objednané", body="Dorazí v květnu."
    )
    (message,) = _mails_to()
    assert "Lavičky jsou objednané" in message.body

    mail.outbox.clear()
    late = project_update_publish(actor=manager, project=project, title="Omylem zveřejněno", body="x")
    project_update_withdraw(actor=manager, update=late)  # withdrawn before the worker got to it
    assert _mails_to() == []
    assert Delivery.objects.get(topic=f"update-{late.pk}").status == DeliveryStatus.FAILED
    assert Delivery.objects.get(topic=f"update-{update.pk}").status == DeliveryStatus.SENT


def test_a_project_that_is_not_public_sends_nothing(client, town, portal, project):
    _confirm(client, portal, project)
    mail.outbox.clear()
    project.is_public = False
    project.save()
    _move(town, project)
    assert _mails_to() == []
    assert not Delivery.objects.filter(kind=MailKind.FOLLOW_UPDATE).exists()


def test_a_project_withdrawn_from_the_portal_after_the_change_sends_nothing(client, town, portal, project):
    _confirm(client, portal, project)
    mail.outbox.clear()
    _move(town, project)
    type(project).objects.filter(pk=project.pk).update(is_public=False)  # before the worker sends
    assert _mails_to() == []
    assert Delivery.objects.get(kind=MailKind.FOLLOW_UPDATE).status == DeliveryStatus.FAILED


def test_only_public_projects_can_be_followed(client, town, portal):
    internal = town.project(Stage.IDEA, title="Interní", is_public=False)
    assert _follow(client, portal, internal).status_code == 404
    assert not ProjectFollower.objects.exists()


def test_the_honeypot_saves_nothing_and_answers_as_usual(client, portal, project):
    response = _follow(client, portal, project, website="http://spam.example")
    assert response.status_code == 200
    assert not ProjectFollower.objects.exists() and _mails_to() == []


def test_consent_is_required(client, portal, project):
    assert _follow(client, portal, project, consent="").status_code == 400
    assert not ProjectFollower.objects.exists()


def test_hourly_limits_per_address_and_per_email(client, portal, project, settings):
    settings.PORTAL_IDEAS_PER_EMAIL_PER_HOUR = 2
    settings.PORTAL_IDEAS_PER_ADDRESS_PER_HOUR = 3
    assert _follow(client, portal, project).status_code == 200
    assert _follow(client, portal, project).status_code == 200
    refused = _follow(client, portal, project)
    assert refused.status_code == 400 and "příliš mnoho žádostí" in refused.content.decode()
    assert _follow(client, portal, project, email="jiny@example.org").status_code == 400  # the address's limit
    assert ProjectFollower.objects.count() == 1


def test_asking_again_resends_the_link_and_a_confirmed_follower_gets_nothing_more(client, portal, project, settings):
    settings.PORTAL_IDEAS_PER_EMAIL_PER_HOUR = 10
    _follow(client, portal, project)
    assert len(_mails_to()) == 1
    _follow(client, portal, project)
    assert len(_mails_to()) == 2  # the link again, for one not yet confirmed
    mail.outbox.clear()
    _confirm(client, portal, project)  # asks a third time, confirms the newest link
    mail.outbox.clear()
    response = _follow(client, portal, project)
    assert response.status_code == 200  # the same answer: whether an address follows is not told
    assert _mails_to() == []
    assert ProjectFollower.objects.count() == 1


def test_unconfirmed_subscriptions_are_pruned_by_the_nightly_job(client, portal, project):
    _follow(client, portal, project)
    outbox_send_all()
    ProjectFollower.objects.update(created_at=timezone.now() - timedelta(days=15))
    assert ideas_prune_unconfirmed() == 1
    assert not ProjectFollower.objects.exists()
    assert not Delivery.objects.filter(kind=MailKind.FOLLOW_CONFIRMATION).exists()
    assert followers_prune_unconfirmed() == 0


def test_a_news_mail_holds_nothing_internal(client, town, portal, leaky_project):
    """The news of the marked project (a public update) and of a stage change made with an internal comment."""
    moving = town.project(
        Stage.IDEA, title="Chytré lampy", is_public=True, summary=f"{MARKER}-summary", description=f"{MARKER}-text"
    )
    for project in (leaky_project, moving):
        ProjectFollower.objects.create(project=project, email=CITIZEN, confirmed_at=timezone.now())
    project_update_publish(
        actor=town.user("manager"), project=leaky_project, title="Revize proběhla", body="Vše v pořádku."
    )
    project_transition(project=moving, actor=town.user("manager"), transition="submit", comment=f"{MARKER}-comment")

    messages = _mails_to()
    assert len(messages) == 2
    for message in messages:
        text = message.subject + message.body + "".join(message.extra_headers.values())
        assert MARKER not in text.upper(), text


def _subscriptions_path(follower: ProjectFollower) -> str:
    return reverse("portal:subscriptions", args=[follow_token(follower=follower, salt=LINK_SALT)])


@pytest.mark.parametrize("count", [1, 4])
def test_the_subscriptions_page_costs_the_same_for_one_and_many(client, town, portal, count, django_assert_num_queries):
    followers = [
        ProjectFollower.objects.create(
            project=town.project(Stage.IDEA, title=f"Projekt {number}", is_public=True),
            email=CITIZEN,
            confirmed_at=timezone.now(),
        )
        for number in range(count)
    ]
    path = _subscriptions_path(followers[0])
    with django_assert_num_queries(3):  # the link's subscription, the count, the page
        response = client.get(path)
    assert response.content.decode().count("Přestat sledovat</button>") == count


def test_the_follow_page_costs_a_fixed_number_of_queries(client, portal, project, django_assert_num_queries):
    with django_assert_num_queries(2):  # the portal, the public project
        assert client.get(reverse("portal:follow", args=[portal.slug, project.pk])).status_code == 200


def test_a_forged_or_ended_link_answers_404_alike(client, town, portal, project):
    follower = ProjectFollower.objects.create(project=project, email=CITIZEN, confirmed_at=timezone.now())
    path = _subscriptions_path(follower)
    assert client.get(path[:-3] + "xx/").status_code == 404
    follower.delete()
    assert client.get(path).status_code == 404


def test_a_follower_who_asked_in_english_gets_english_mails(client, town, portal, project):
    client.cookies["django_language"] = "en"
    _confirm(client, portal, project)
    mail.outbox.clear()
    _move(town, project)
    (message,) = _mails_to()
    assert message.subject == "News of “Nové lavičky v parku”"
    assert "moved to the stage: Assessment." in message.body
    assert "Unsubscribe:" in message.body


@pytest.mark.parametrize("followers", [1, 20])
@pytest.mark.parametrize("with_its_project", [True, False], ids=["with its project", "read alone"])
def test_the_news_of_a_change_costs_the_same_queries_for_one_follower_and_many(
    town, portal, followers, with_its_project
):
    """Queued in the transaction of the change by two queries (who follows, one insert) when the event came with
    the project the transition locked (its flag is current); an event read alone asks first whether it is public."""
    project = town.project(Stage.IDEA, is_public=True)
    ProjectFollower.objects.bulk_create(
        ProjectFollower(project=project, email=f"obcan{number}@example.org", confirmed_at=timezone.now())
        for number in range(followers)
    )
    event = Event.objects.create(project=project, kind=EventKind.PROJECT_TRANSITIONED, payload={"target": "assessment"})
    if not with_its_project:
        event = Event.objects.get(pk=event.pk)
    with CaptureQueriesContext(connection) as queries:
        assert follow_news_for_event(event=event) == followers
    assert len(queries) == (2 if with_its_project else 3)
    assert Delivery.objects.filter(kind=MailKind.FOLLOW_UPDATE, topic=f"event-{event.pk}").count() == followers
