"""Citizen ideas (podněty): submission with e-mail confirmation, moderation by the coordinator, public answers,
and turning an idea into a project in the pipeline. Reads (selectors) and writes (services) of ideas.

Abuse: a hidden honeypot field that people leave empty (bots that fill it are told "thank you" and nothing is
saved), limits per client address and per e-mail over a sliding hour (settings), text limits, and text only:
ideas are shown escaped, never as HTML or Markdown. Nothing is public before a coordinator publishes it.
"""

import hashlib
import logging

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.core.errors import NotFound, PermissionDenied
from backend.integrations.models import WebhookEventType
from backend.integrations.services import webhook_messages_record
from backend.notifications.models import MailKind
from backend.notifications.outbox import mail_enqueue, subject_mails_forget
from backend.notifications.services import site_url
from backend.portal.idea_news import idea_news_enqueue, idea_people_follow
from backend.portal.models import (
    Idea,
    IdeaAnswerState,
    IdeaComment,
    IdeaDecision,
    IdeaDecisionKind,
    IdeaStatus,
    IdeaSupport,
    Portal,
)
from backend.portal.photos import photo_without_metadata
from backend.portal.public import public_idea_card
from backend.projects.models import Project
from backend.projects.services import project_create
from backend.projects.uploads import JPEG, PNG, WEBP, CheckedUpload, check_upload

logger = logging.getLogger(__name__)

CONFIRM_SALT = "portal.idea.confirm"
SUPPORT_SALT = "portal.idea.support"
# Tests give each test its own prefix, so that counts of one test never reach another.
RATE_KEY_PREFIX = "portal:ideas"
RATE_WINDOW_SECONDS = 60 * 60
PUBLIC_STATUSES = (IdeaStatus.PUBLISHED,)
PHOTO_TYPES = (JPEG, PNG, WEBP)


class BotSubmission(Exception):
    """The honeypot was filled: answer as if all went well, save nothing."""


# --- reads -----------------------------------------------------------------------------------------------------


def idea_list_public(*, portal: Portal) -> QuerySet[Idea]:
    """Published ideas of the portal's municipality, newest first; never the author's name or e-mail."""
    return (
        Idea.objects.filter(municipality_id=portal.municipality_id, status__in=PUBLIC_STATUSES)
        .select_related("project", "goal__strategy")
        .only(
            "id",
            "title",
            "description",
            "thematic_area",
            "place",
            "photo",
            "photo_type",
            "answer_state",
            "answer",
            "published_at",
            "created_at",
            "project__id",
            "project__stage",
            "project__is_public",
            "goal__id",
            "goal__code",
            "goal__title",
            "goal__strategy__id",
            "goal__strategy__title",
        )
        .annotate(support_count=Count("supports", filter=Q(supports__confirmed_at__isnull=False)))
        .order_by("-published_at", "-id")
    )


def idea_get_public(*, portal: Portal, pk: int | str) -> Idea:
    try:
        return idea_list_public(portal=portal).get(pk=int(pk))
    except (Idea.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Idea not found.")) from None


def idea_list_for_project(*, project_id: int) -> QuerySet[Idea]:
    """The published ideas a public project came from (its public page names them)."""
    return Idea.objects.filter(project_id=project_id, status__in=PUBLIC_STATUSES).only("id", "title", "project_id")


def may_moderate(*, user: User | None, municipality_id: int) -> bool:
    return user_access(user=user).moderates_ideas_in(municipality_id)


def idea_list_moderated(*, user: User) -> QuerySet[Idea]:
    """The ideas of the municipalities the user moderates: confirmed ones (waiting, published, decided)."""
    access = user_access(user=user)
    municipality_ids = [pk for pk in access.municipality_ids if access.moderates_ideas_in(pk)]
    return (
        Idea.objects.filter(municipality_id__in=municipality_ids)
        .exclude(status=IdeaStatus.UNCONFIRMED)
        .select_related("municipality", "project")
        .order_by("-created_at", "-id")
    )


def idea_get_moderated(*, user: User, pk: int | str) -> Idea:
    try:
        return idea_list_moderated(user=user).get(pk=int(pk))
    except (Idea.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Idea not found.")) from None


# --- submission and confirmation -------------------------------------------------------------------------------


def _check_limits(*, client_address: str, email: str) -> None:
    if citizen_over_limits(what="ideas", client_address=client_address, email=email):
        raise ValidationError(_("Too many ideas were sent from here in the last hour. Try again later."))


def citizen_over_limits(*, what: str, client_address: str, email: str) -> bool:
    """Count one more request of ``what`` from this address and e-mail this hour; True when either is past its
    limit (``PORTAL_IDEAS_PER_ADDRESS_PER_HOUR``, ``PORTAL_IDEAS_PER_EMAIL_PER_HOUR``)."""
    prefix = f"{RATE_KEY_PREFIX}:{what}"
    return _over_limit(f"{prefix}:address:{client_address}", settings.PORTAL_IDEAS_PER_ADDRESS_PER_HOUR) or (
        _over_limit(f"{prefix}:email:{_email_key(email)}", settings.PORTAL_IDEAS_PER_EMAIL_PER_HOUR)
    )


def _over_limit(key: str, limit: int) -> bool:
    """Count one more attempt under ``key`` this hour; True when that is past ``limit``."""
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > limit


def _email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


@transaction.atomic
def idea_submit(
    *,
    portal: Portal,
    title: str,
    description: str,
    thematic_area: str,
    place: str,
    name: str,
    email: str,
    consent: bool,
    honeypot: str,
    client_address: str,
    photo=None,
) -> Idea:
    """Save an unconfirmed idea (with its photo, if any) and mail its confirmation link, all or nothing.
    Raises BotSubmission for a filled honeypot."""
    if honeypot:
        raise BotSubmission
    if not consent:
        raise ValidationError({"consent": _("Agree to the processing of your name and e-mail to submit the idea.")})
    _check_limits(client_address=client_address, email=email)
    idea = Idea(
        municipality=portal.municipality,
        title=title,
        description=description,
        thematic_area=thematic_area,
        place=place,
        author_name=name,
        author_email=email.strip(),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    checked = _checked_photo(photo)
    idea.full_clean(exclude=["photo"])
    if checked is not None:
        idea.photo.save(checked.name, checked.file, save=False)
        idea.photo_type = checked.content_type
    try:
        idea.save()
    except Exception:
        if idea.photo:  # nothing half-saved: no file without its idea
            idea.photo.storage.delete(idea.photo.name)
        raise
    mail_enqueue(kind=MailKind.IDEA_CONFIRMATION, object_id=idea.pk, language=idea.language)
    return idea


def _checked_photo(photo) -> CheckedUpload | None:
    """The photo through the upload checks of every file, then as an image of ours: JPEG, PNG or WebP only, at
    most ``PORTAL_IDEA_PHOTO_MAX_BYTES``, and redrawn without its metadata (EXIF, GPS: backend.portal.photos)."""
    if not photo:
        return None
    limit = settings.PORTAL_IDEA_PHOTO_MAX_BYTES
    too_large = ValidationError(
        {"photo": _("The photo is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}}, code="size"
    )
    if getattr(photo, "size", 0) > limit:
        raise too_large
    try:
        checked = check_upload(photo)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from None
    if checked.content_type not in PHOTO_TYPES:
        raise ValidationError({"photo": _("A photo must be a JPEG, PNG or WebP image.")}, code="type")
    if checked.size > limit:
        raise too_large
    return photo_without_metadata(upload=checked)


def idea_confirmation_token(*, idea: Idea) -> str:
    return signing.dumps({"idea": idea.pk}, salt=CONFIRM_SALT)


@transaction.atomic
def idea_confirm(*, token: str) -> Idea:
    """Count the idea: its e-mail is confirmed. A link works once and for ``PORTAL_IDEA_CONFIRM_DAYS``."""
    data = _unsign(token, CONFIRM_SALT)
    idea = Idea.objects.select_for_update().filter(pk=data.get("idea")).first()
    if idea is None:
        raise ValidationError(_("The confirmation link has expired. Send the idea again, please."))
    if idea.status != IdeaStatus.UNCONFIRMED:
        raise ValidationError(_("This idea was already confirmed; the link works only once."))
    idea.status, idea.confirmed_at = IdeaStatus.PENDING, timezone.now()
    idea.save(update_fields=["status", "confirmed_at"])
    return idea


def _unsign(token: str, salt: str) -> dict:
    try:
        return signing.loads(token, salt=salt, max_age=settings.PORTAL_IDEA_CONFIRM_DAYS * 24 * 60 * 60)
    except signing.SignatureExpired:
        raise ValidationError(_("The confirmation link has expired. Send the idea again, please.")) from None
    except signing.BadSignature:
        raise ValidationError(_("The confirmation link is not valid.")) from None


@transaction.atomic
def idea_support_request(*, idea: Idea, email: str, honeypot: str, client_address: str) -> IdeaSupport:
    """ "Podpořit": one support per e-mail, counted once that e-mail confirms it by the link mailed to it."""
    if honeypot:
        raise BotSubmission
    email = (email or "").strip().lower()
    _check_limits(client_address=client_address, email=email)
    language = translation.get_language() or settings.LANGUAGE_CODE
    support, created = IdeaSupport.objects.get_or_create(idea=idea, email=email, defaults={"language": language})
    if support.confirmed_at is not None:
        raise ValidationError({"email": _("This e-mail already supports the idea.")})
    if not created and support.language != language:
        support.language = language
        support.save(update_fields=["language"])
    # Asking again sends the link again (the hourly limits above bound how often).
    mail_enqueue(kind=MailKind.SUPPORT_CONFIRMATION, object_id=support.pk, language=language, again=True)
    return support


@transaction.atomic
def idea_support_confirm(*, token: str) -> IdeaSupport:
    data = _unsign(token, SUPPORT_SALT)
    support = IdeaSupport.objects.select_for_update().filter(pk=data.get("support")).first()
    if support is None:
        raise ValidationError(_("The confirmation link is not valid."))
    if support.confirmed_at is not None:
        raise ValidationError(_("This support was already confirmed; the link works only once."))
    support.confirmed_at = timezone.now()
    support.save(update_fields=["confirmed_at"])
    return support


def idea_prune_unconfirmed(*, now=None) -> int:
    """Delete ideas whose e-mail was never confirmed, after the time the consent text states."""
    limit = (now or timezone.now()) - timezone.timedelta(days=settings.PORTAL_IDEA_UNCONFIRMED_DAYS)
    supports = IdeaSupport.objects.filter(confirmed_at__isnull=True, created_at__lt=limit)
    subject_mails_forget(kind=MailKind.SUPPORT_CONFIRMATION, object_ids=list(supports.values_list("pk", flat=True)))
    supports.delete()
    ideas = Idea.objects.filter(status=IdeaStatus.UNCONFIRMED, created_at__lt=limit)
    idea_ids = list(ideas.values_list("pk", flat=True))
    subject_mails_forget(kind=MailKind.IDEA_CONFIRMATION, object_ids=idea_ids)
    ideas.delete()
    return len(idea_ids)


# --- moderation ------------------------------------------------------------------------------------------------


def _require_moderator(*, actor: User, idea: Idea) -> Idea:
    idea = Idea.objects.select_for_update().filter(pk=idea.pk).first()
    if idea is None or idea.status == IdeaStatus.UNCONFIRMED:
        raise NotFound(_("Idea not found."))
    if not may_moderate(user=actor, municipality_id=idea.municipality_id):
        if user_access(user=actor).is_staff_in(idea.municipality_id):
            raise PermissionDenied(_("Only the coordinator moderates citizen ideas."))
        raise NotFound(_("Idea not found."))
    return idea


def _decided(*, idea: Idea, actor: User, kind: str, reason: str = "") -> IdeaDecision:
    """The audit log's row of a decision; its news go to the idea's author and supporters in this transaction."""
    decision = IdeaDecision.objects.create(idea=idea, actor=actor, kind=kind, reason=reason)
    idea_news_enqueue(idea=idea, decision=decision)
    return decision


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


@transaction.atomic
def idea_moderate(*, actor: User, idea: Idea, decision: str, reason: str = "", into: Idea | None = None) -> Idea:
    """Publish, reject (with a reason the author is told), mark as spam, or merge into another published idea."""
    idea = _require_moderator(actor=actor, idea=idea)
    now = timezone.now()
    if decision == IdeaDecisionKind.PUBLISH:
        if idea.status != IdeaStatus.PENDING:
            raise ValidationError(_("Only an idea waiting for moderation can be published."))
        idea.status, idea.published_at = IdeaStatus.PUBLISHED, now
    elif decision == IdeaDecisionKind.REJECT:
        if idea.status not in (IdeaStatus.PENDING, IdeaStatus.PUBLISHED) or idea.project_id:
            raise ValidationError(_("This idea can no longer be rejected."))
        reason = _reason(reason, _("Give the reason: the author is told it."))
        idea.status, idea.rejection_reason = IdeaStatus.REJECTED, reason
        if idea.news_by_email:
            mail_enqueue(kind=MailKind.IDEA_REJECTION, object_id=idea.pk, language=idea.language)
    elif decision == IdeaDecisionKind.SPAM:
        if idea.status not in (IdeaStatus.PENDING, IdeaStatus.PUBLISHED) or idea.project_id:
            raise ValidationError(_("This idea can no longer be marked as spam."))
        idea.status = IdeaStatus.SPAM
    elif decision == IdeaDecisionKind.MERGE:
        if idea.status != IdeaStatus.PENDING and idea.status != IdeaStatus.PUBLISHED:
            raise ValidationError(_("This idea can no longer be merged."))
        if (
            into is None
            or into.pk == idea.pk
            or into.municipality_id != idea.municipality_id
            or into.status != IdeaStatus.PUBLISHED
        ):
            raise ValidationError({"into": _("Choose another published idea of the same municipality.")})
        idea.status, idea.merged_into = IdeaStatus.MERGED, into
        reason = reason or into.title
    else:
        raise ValidationError({"decision": _("Unknown decision.")})
    idea.save()
    _decided(idea=idea, actor=actor, kind=decision, reason=reason)
    if decision == IdeaDecisionKind.PUBLISH:
        _idea_published_webhook(idea=idea)
    return idea


def _idea_published_webhook(*, idea: Idea) -> None:
    """The ``idea.published`` webhook, written with the publication: the public record of the idea only
    (``backend.portal.public``), never its author's name or e-mail."""
    card = public_idea_card(idea)
    portal = Portal.objects.filter(municipality_id=idea.municipality_id, is_open=True).first()
    url = site_url(reverse("portal:idea", args=[portal.slug, card.id])) if portal is not None else None
    webhook_messages_record(
        municipality=idea.municipality,
        event_type=WebhookEventType.IDEA_PUBLISHED,
        timestamp=card.published_at,
        data={
            "idea": {
                "id": card.id,
                "title": card.title,
                "text": card.description,
                "thematic_area": card.thematic_area,
                "url": url,
                "published_at": card.published_at,
            }
        },
    )


@transaction.atomic
def idea_answer(*, actor: User, idea: Idea, state: str, answer: str) -> Idea:
    """The town's public answer to a published idea; "not accepted" needs a reason."""
    idea = _require_moderator(actor=actor, idea=idea)
    if idea.status != IdeaStatus.PUBLISHED:
        raise ValidationError(_("Only a published idea gets a public answer."))
    if state not in IdeaAnswerState.values or state == IdeaAnswerState.PROJECT:
        raise ValidationError({"state": _("Choose the state of the answer.")})
    if idea.project_id:
        raise ValidationError({"state": _("The idea became a project: its page follows the project's stage.")})
    answer = (answer or "").strip()
    if state == IdeaAnswerState.NOT_ACCEPTED and not answer:
        raise ValidationError({"answer": _("Say why the idea is not accepted.")})
    idea.answer_state, idea.answer = state, answer
    idea.full_clean()
    idea.save()
    _decided(idea=idea, actor=actor, kind=IdeaDecisionKind.ANSWER, reason=answer)
    return idea


@transaction.atomic
def idea_to_project(*, actor: User, idea: Idea) -> Project:
    """A new project in the stage ``idea`` from a published idea, linked both ways; the coordinator manages it
    until someone is assigned."""
    idea = _require_moderator(actor=actor, idea=idea)
    if idea.status != IdeaStatus.PUBLISHED:
        raise ValidationError(_("Only a published idea can become a project."))
    if idea.project_id:
        raise ValidationError(_("The idea already became a project."))
    description = idea.description
    if idea.place:
        description += "\n\n" + _("Place: %(place)s") % {"place": idea.place}
    project = project_create(
        actor=actor,
        municipality=idea.municipality,
        title=idea.title,
        summary=_("From a citizen idea."),
        description=description,
        thematic_area=idea.thematic_area,
    )
    idea.project, idea.answer_state = project, IdeaAnswerState.PROJECT
    idea.save(update_fields=["project", "answer_state"])
    idea_people_follow(idea=idea, project=project)
    _decided(idea=idea, actor=actor, kind=IdeaDecisionKind.TO_PROJECT, reason=project.title)
    return project


# --- internal comments -----------------------------------------------------------------------------------------


@transaction.atomic
def idea_comment_add(*, actor: User, idea: Idea, body: str) -> IdeaComment:
    """An internal comment of a moderator on a confirmed idea; never public (no public read loads comments)."""
    idea = _require_moderator(actor=actor, idea=idea)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the comment.")})
    comment = IdeaComment(idea=idea, author=actor, body=body)
    comment.full_clean()
    comment.save()
    return comment


def idea_counts_moderated(*, user: User) -> dict[str, int] | None:
    """How many ideas the user moderates are in each status (one aggregate query); None for a user who moderates
    none (no query)."""
    if not user_access(user=user).moderates_ideas:
        return None
    counts = dict.fromkeys(IdeaStatus.values, 0)
    counts.pop(IdeaStatus.UNCONFIRMED)
    rows = idea_list_moderated(user=user).select_related(None).order_by().values_list("status").annotate(Count("id"))
    counts.update(dict(rows))
    return counts


def idea_list_waiting(*, user: User) -> QuerySet[Idea]:
    """The ideas the user moderates that wait for the town: for moderation, or published and not yet answered
    (received or being assessed) nor turned into a project; oldest first."""
    return (
        idea_list_moderated(user=user)
        .filter(
            Q(status=IdeaStatus.PENDING)
            | Q(
                status=IdeaStatus.PUBLISHED,
                project__isnull=True,
                answer_state__in=(IdeaAnswerState.RECEIVED, IdeaAnswerState.ASSESSING),
            )
        )
        .select_related(None)
        .only("id", "title", "status", "created_at")
        .order_by("created_at", "id")
    )
