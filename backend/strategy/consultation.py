"""Public consultation of an amendment: opened for a period, citizens comment (confirmed from their e-mail, then
moderated), the proposer answers every published comment, and only then may the amendment be decided.

The public page and the confirmation e-mail belong to the portal (``backend.portal``); these services are what
it calls, and what the coordinator's screens call to moderate and answer.
"""

import hashlib
import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.core.errors import NotFound, PermissionDenied
from backend.projects.models import EventKind
from backend.strategy.models import Amendment, CommentStatus, Consultation, ConsultationComment
from backend.strategy.notices import amendment_event_record
from workflows.models import ApprovalStatus


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def consultation_open(*, actor: User, amendment: Amendment, starts_on: date, ends_on: date) -> Consultation:
    """The proposer or the coordinator puts a pending amendment to public consultation."""
    access = user_access(user=actor)
    municipality_id = amendment.strategy.municipality_id
    if amendment.proposed_by_id != actor.pk and not access.is_coordinator_in(municipality_id):
        raise PermissionDenied(_("Only the proposer or the coordinator may open a consultation."))
    if amendment.status != ApprovalStatus.PENDING:
        raise ValidationError(_("Only a pending amendment can be put to consultation."))
    if hasattr(amendment, "consultation"):
        raise ValidationError(_("The amendment is already in consultation."))
    consultation = Consultation(amendment=amendment, starts_on=starts_on, ends_on=ends_on, opened_by=actor)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The consultation cannot end before it starts.")})
    consultation.full_clean()
    consultation.save()
    amendment_event_record(
        amendment=amendment,
        kind=EventKind.CONSULTATION_OPENED,
        actor=actor,
        consultation_id=consultation.pk,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
    )
    return consultation


@transaction.atomic
def consultation_comment_submit(
    *, consultation: Consultation, author_name: str, email: str, body: str, today: date | None = None
) -> tuple[ConsultationComment, str]:
    """A citizen's comment, waiting for its e-mail confirmation; returns the token for the confirmation link."""
    today = today or timezone.localdate()
    if not consultation.is_open_on(today):
        raise ValidationError(_("The consultation is not open."))
    token = secrets.token_urlsafe(32)
    comment = ConsultationComment(
        consultation=consultation,
        author_name=author_name.strip(),
        email=email.strip(),
        body=body.strip(),
        token_hash=_token_hash(token),
    )
    comment.full_clean()
    comment.save()
    return comment, token


@transaction.atomic
def consultation_comment_token_renew(*, comment: ConsultationComment) -> str:
    """A new confirmation token for an unconfirmed comment (its mail is built when sent, and only the token's hash
    is stored): the link of the latest mail works, earlier ones no longer do."""
    token = secrets.token_urlsafe(32)
    ConsultationComment.objects.filter(pk=comment.pk, status=CommentStatus.UNCONFIRMED).update(
        token_hash=_token_hash(token)
    )
    return token


@transaction.atomic
def consultation_comment_confirm(*, token: str) -> ConsultationComment:
    """The link from the e-mail: the comment goes to moderation (a second click changes nothing)."""
    comment = ConsultationComment.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
    if comment is None:
        raise NotFound(_("The confirmation link is not valid."))
    if comment.status == CommentStatus.UNCONFIRMED:
        comment.status = CommentStatus.PENDING
        comment.confirmed_at = timezone.now()
        comment.save(update_fields=["status", "confirmed_at"])
        amendment = Amendment.objects.select_related("strategy__municipality").get(pk=comment.consultation.amendment_id)
        amendment_event_record(
            amendment=amendment,
            kind=EventKind.CONSULTATION_COMMENT_WAITING,
            actor=None,
            consultation_id=comment.consultation_id,
            comment_id=comment.pk,
        )
    return comment


@transaction.atomic
def consultation_comment_moderate(*, actor: User, comment: ConsultationComment, publish: bool) -> ConsultationComment:
    """The coordinator publishes a confirmed comment or rejects it."""
    strategy = comment.consultation.amendment.strategy
    if not user_access(user=actor).is_coordinator_in(strategy.municipality_id):
        raise PermissionDenied(_("Only the coordinator moderates comments."))
    if comment.status != CommentStatus.PENDING:
        raise ValidationError(_("Only a confirmed comment waiting for moderation can be moderated."))
    comment.status = CommentStatus.PUBLISHED if publish else CommentStatus.REJECTED
    comment.moderated_by = actor
    comment.save(update_fields=["status", "moderated_by"])
    return comment


@transaction.atomic
def consultation_comment_answer(*, actor: User, comment: ConsultationComment, answer: str) -> ConsultationComment:
    """The proposer answers a published comment."""
    if comment.consultation.amendment.proposed_by_id != actor.pk:
        raise PermissionDenied(_("Only the proposer answers comments on the amendment."))
    if comment.status != CommentStatus.PUBLISHED:
        raise ValidationError(_("Only a published comment can be answered."))
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer.")})
    comment.answer = answer.strip()
    comment.answered_by = actor
    comment.answered_at = timezone.now()
    comment.save(update_fields=["answer", "answered_by", "answered_at"])
    return comment


def consultation_check_decidable(*, amendment: Amendment, today: date | None = None) -> None:
    """Refuse a decision while the consultation runs or while a published comment waits for its answer."""
    consultation = Consultation.objects.filter(amendment=amendment).first()
    if consultation is None:
        return
    today = today or timezone.localdate()
    if today <= consultation.ends_on:
        until = date_format(consultation.ends_on, "SHORT_DATE_FORMAT")
        message = _("The amendment is in public consultation until %(date)s.") % {"date": until}
        raise ValidationError(message)
    waiting = consultation.comments.filter(status__in=(CommentStatus.PENDING, CommentStatus.PUBLISHED), answer="")
    if waiting.exists():
        raise ValidationError(_("Moderate and answer every comment of the consultation before the decision."))
