"""The invitation e-mail: sent by Celery after the invitation commits, swept up when the broker was down.

The invitation row is its own entry of the outbox (``backend.notifications.outbox``): ``sent_at``,
``send_attempts``, ``next_attempt_at``. Sending locks it and marks it sent in the same transaction, so a mail
goes out once however often its task runs, and the link is rebuilt from the row each time, so a retried task
sends the same working link.
"""

import logging
from datetime import timedelta
from functools import partial
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from backend.accounts.invitations import invitation_token
from backend.accounts.models import Invitation, InvitationKind
from backend.notifications import tasks
from backend.notifications.outbox import SWEEP_AFTER, retry_delay_seconds, sweep_due, task_publish
from backend.notifications.services import project_link, site_url

logger = logging.getLogger(__name__)


class InvitationSendFailed(Exception):
    """Sending failed and may succeed later."""


def invitation_dispatch_on_commit(*, invitation_id: int) -> None:
    transaction.on_commit(partial(_dispatch, invitation_id))


def _dispatch(invitation_id: int) -> None:
    task_publish(task=tasks.send_invitation, object_id=invitation_id, waiting=f"invitation {invitation_id}")


def _sendable() -> Q:
    """Rows whose mail is still due: not sent, not given up, and for a new account still usable."""
    return Q(sent_at__isnull=True, revoked_at__isnull=True, send_attempts__lt=settings.NOTIFICATIONS_MAX_ATTEMPTS) & (
        Q(kind=InvitationKind.ACCESS_ADDED) | Q(accepted_at__isnull=True, expires_at__gt=timezone.now())
    )


def invitation_link(invitation: Invitation) -> str:
    return site_url(reverse("web:invitation_accept", args=[invitation_token(invitation=invitation)]))


def _message(invitation: Invitation) -> EmailMultiAlternatives:
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


def invitation_send(*, invitation_id: int) -> bool:
    """Send one invitation's mail if still due; True when sent now. Raises InvitationSendFailed to retry."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "invited_by")
            .filter(_sendable(), pk=invitation_id)
            .first()
        )
        if invitation is None:
            return False
        try:
            _message(invitation).send()
        except ValueError as error:  # an address the mail library refuses will never work
            invitation.send_attempts = settings.NOTIFICATIONS_MAX_ATTEMPTS
            invitation.last_error = f"{type(error).__name__}: {error}"[:2000]
            invitation.save(update_fields=["send_attempts", "last_error"])
            return False
        except (SMTPException, OSError) as error:
            error_text = f"{type(error).__name__}: {error}"
        else:
            invitation.sent_at = timezone.now()
            invitation.send_attempts += 1
            invitation.save(update_fields=["sent_at", "send_attempts"])
            return True
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        invitation.send_attempts += 1
        invitation.last_error = error_text[:2000]
        invitation.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay_seconds(invitation.send_attempts))
        invitation.save(update_fields=["send_attempts", "last_error", "next_attempt_at"])
    raise InvitationSendFailed(error_text)


def invitations_sweep(*, older_than: timedelta = SWEEP_AFTER) -> int:
    """Send invitation mails left unsent (broker down at commit, worker lost, SMTP failing); how many sent."""
    sent = 0
    for invitation_id in list(
        Invitation.objects.filter(_sendable(), sweep_due(older_than=older_than))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:1000]
    ):
        try:
            sent += invitation_send(invitation_id=invitation_id)
        except InvitationSendFailed:
            continue
        except Exception:  # one broken invitation must never stop the rest
            logger.exception("Invitation %s could not be sent.", invitation_id)
    return sent
