"""A partner whose access was revoked after an event hears nothing more about that project.

Revoking removes what the organisation's guests were told about the project in the application and the
e-mails not yet sent; what the recipient may see is also checked again when any e-mail goes out (their
access may end in other ways too).
"""

from django.core import mail
from rest_framework.test import APIClient

from backend.accounts.models import Membership
from backend.notifications.models import Channel, Delivery, DeliveryStatus, NotificationPreference
from backend.notifications.outbox import delivery_send
from backend.notifications.services import NO_LONGER_VISIBLE, digests_send
from backend.projects.models import EventKind
from backend.projects.services import comment_create, project_partner_revoke
from backend.projects.stages import Stage

SECRET_TITLE = "Chytré lavičky na náměstí"


def _shared_comment(town, project) -> None:
    comment_create(
        actor=town.user("manager"), project=project, body="Harmonogram je ve sdílené složce.", visibility="shared"
    )


def _partner_delivery(town) -> Delivery:
    return Delivery.objects.get(recipient=town.user("partner"), event__kind=EventKind.COMMENT_POSTED)


def test_e_mails_not_yet_sent_about_the_project_are_dropped_with_the_access(town):
    for role in ("partner", "staff"):
        NotificationPreference.objects.create(
            user=town.user(role), kind=EventKind.COMMENT_POSTED, channel=Channel.IMMEDIATE
        )
    project = town.project(Stage.IDEA, title=SECRET_TITLE)
    project.watchers.add(town.user("partner"), town.user("staff"))
    _shared_comment(town, project)
    delivery = _partner_delivery(town)
    staff_delivery = Delivery.objects.get(recipient=town.user("staff"), event=delivery.event)

    project_partner_revoke(actor=town.user("manager"), project=project, organization=town.ngo)

    assert not Delivery.objects.filter(pk=delivery.pk).exists()
    assert delivery_send(delivery_id=delivery.pk) is False
    assert delivery_send(delivery_id=staff_delivery.pk) is True  # the town's own people still hear of it
    assert [message.to for message in mail.outbox] == [[town.user("staff").email]]


def test_an_e_mail_is_not_sent_to_someone_who_lost_sight_of_the_project_since(town):
    """Access can end in other ways than a revocation (a clerk leaves the municipality): checked at sending."""
    NotificationPreference.objects.create(
        user=town.user("staff"), kind=EventKind.COMMENT_POSTED, channel=Channel.IMMEDIATE
    )
    project = town.project(Stage.IDEA, title=SECRET_TITLE)
    project.watchers.add(town.user("staff"))
    _shared_comment(town, project)
    delivery = Delivery.objects.get(recipient=town.user("staff"))
    Membership.objects.filter(user=town.user("staff")).delete()

    assert delivery_send(delivery_id=delivery.pk) is False
    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, NO_LONGER_VISIBLE)


def test_the_morning_digest_leaves_out_projects_revoked_since(town):
    NotificationPreference.objects.create(
        user=town.user("partner"), kind=EventKind.COMMENT_POSTED, channel=Channel.DIGEST
    )
    revoked = town.project(Stage.IDEA, title=SECRET_TITLE)
    kept = town.project(Stage.IDEA, title="Komunitní zahrada")
    for project in (revoked, kept):
        project.watchers.add(town.user("partner"))
        _shared_comment(town, project)

    project_partner_revoke(actor=town.user("manager"), project=revoked, organization=town.ngo)
    digests_send()

    [digest] = [message for message in mail.outbox if message.to == [town.user("partner").email]]
    assert "Komunitní zahrada" in digest.body
    assert SECRET_TITLE not in digest.body and SECRET_TITLE not in digest.alternatives[0][0]
    assert not Delivery.objects.filter(recipient=town.user("partner"), event__project=revoked).exists()


def test_in_app_notifications_of_a_revoked_project_disappear_with_the_access(town):
    revoked = town.project(Stage.IDEA, title=SECRET_TITLE)
    kept = town.project(Stage.IDEA, title="Komunitní zahrada")
    for project in (revoked, kept):
        project.watchers.add(town.user("partner"))
        _shared_comment(town, project)
    api = APIClient()
    api.force_authenticate(town.user("partner"))
    assert len(api.get("/api/v1/notifications/").json()["results"]) == 2

    project_partner_revoke(actor=town.user("manager"), project=revoked, organization=town.ngo)

    listed = api.get("/api/v1/notifications/").json()["results"]
    assert [item["project"] for item in listed] == [kept.pk]
    assert SECRET_TITLE not in str(listed)
