"""The invitation e-mail, a kind of mail of the outbox (``backend.notifications.outbox``): queued in the
transaction that creates the invitation, sent by Celery after commit, swept up when the broker was down. The link
is rebuilt from the invitation each time, so a retried task sends the same working link.
"""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from backend.accounts.invitations import invitation_token
from backend.accounts.models import Invitation, InvitationKind
from backend.notifications.models import Delivery, MailKind
from backend.notifications.outbox import Undeliverable, mail_enqueue, mail_kind
from backend.notifications.services import project_link, site_url


def invitation_mail_enqueue(*, invitation: Invitation) -> None:
    mail_enqueue(kind=MailKind.INVITATION, object_id=invitation.pk, language=invitation.language)


def invitation_link(invitation: Invitation) -> str:
    return site_url(reverse("web:invitation_accept", args=[invitation_token(invitation=invitation)]))


@mail_kind(MailKind.INVITATION)
def _invitation_mail(delivery: Delivery) -> EmailMultiAlternatives:
    """The mail of an invitation still due: not revoked, and for a new account not accepted nor expired."""
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=delivery.object_id).first()
    if invitation is None or invitation.revoked_at is not None:
        raise Undeliverable("The invitation was revoked or deleted.")
    if invitation.kind == InvitationKind.NEW_ACCOUNT and (
        invitation.accepted_at is not None or invitation.expires_at <= timezone.now()
    ):
        raise Undeliverable("The invitation was accepted or has expired.")
    projects = list(invitation.projects.order_by("title"))
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
        "projects": [{"title": project.title, "link": project_link(project.pk)} for project in projects],
        "link": invitation_link(invitation),
        "sign_in_link": site_url(reverse("web:login")),
        "expires_at": invitation.expires_at,
        "access_added": invitation.kind == InvitationKind.ACCESS_ADDED,
    }
    with translation.override(invitation.language):
        subject = " ".join(render_to_string("emails/invitation_subject.txt", context).split())
        text = render_to_string("emails/invitation.txt", context)
        html = render_to_string("emails/invitation.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.extra_headers["Message-ID"] = f"<invitation-{invitation.pk}@ramec>"
    return message
