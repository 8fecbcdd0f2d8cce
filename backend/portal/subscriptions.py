"""Following a public project by e-mail: double opt-in (a signed, single-use link confirmed by a POST), the news
mailed through the outbox (a change of stage, a new public update; only what ``backend.portal.public`` shows), the
subscriptions page reached from every mail, and unsubscribing in one click, which erases the e-mail.

Abuse as for ideas: a honeypot, hourly limits per client address and per e-mail, and no answer that tells
whether an address already follows a project.
"""

from functools import cache

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from backend.core.compiled import CompiledQuery, query_compile
from backend.core.errors import NotFound
from backend.notifications.models import MailKind
from backend.notifications.outbox import mail_enqueue, mails_enqueue, subject_mails_forget
from backend.portal.ideas import BotSubmission, citizen_over_limits
from backend.portal.models import Portal, ProjectFollower
from backend.portal.public import public_project_queryset
from backend.projects.models import Event, EventKind, Project, ProjectUpdate

CONFIRM_SALT = "portal.follow.confirm"
LINK_SALT = "portal.follow.link"
FOLLOWER_KINDS = (MailKind.FOLLOW_CONFIRMATION, MailKind.FOLLOW_UPDATE)


# --- links -----------------------------------------------------------------------------------------------------


def follow_token(*, follower: ProjectFollower, salt: str) -> str:
    return signing.dumps({"f": follower.pk, "n": follower.secret}, salt=salt, compress=False)


def _follower_from(token: str, *, salt: str, max_age: int | None = None) -> ProjectFollower:
    """The subscription a link was made for; a forged, expired or ended one is refused alike."""
    invalid = ValidationError(_("The link is not valid or the subscription has already ended."))
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError(
            _("The confirmation link has expired. Ask to follow the project again, please.")
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise invalid from None
    if not isinstance(value, dict) or not isinstance(value.get("f"), int) or not isinstance(value.get("n"), str):
        raise invalid
    follower = ProjectFollower.objects.filter(pk=value["f"]).first()
    if follower is None or not constant_time_compare(follower.secret, value["n"]):
        raise invalid
    return follower


# --- reads -----------------------------------------------------------------------------------------------------


def followed_project_get(*, portal: Portal, pk: int | str) -> Project:
    """A public project of the portal's municipality that may be followed; NotFound alike for any other."""
    try:
        return public_project_queryset(municipality=portal.municipality).get(pk=int(pk))
    except (Project.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Project not found.")) from None


def follower_from_link(*, token: str) -> ProjectFollower:
    return _follower_from(token, salt=LINK_SALT)


def subscription_list(*, follower: ProjectFollower) -> QuerySet[ProjectFollower]:
    """The confirmed subscriptions of the link's e-mail, to public projects only, with the project's public title."""
    return (
        ProjectFollower.objects.filter(
            email=follower.email, confirmed_at__isnull=False, project__in=public_project_queryset().values("pk")
        )
        .select_related("project")
        # The project's stage too: the state machine reads it whenever a project is loaded.
        .only("id", "email", "confirmed_at", "project__id", "project__title", "project__stage")
        .order_by("project__title", "id")
    )


# --- writes ----------------------------------------------------------------------------------------------------


@transaction.atomic
def follow_request(
    *, portal: Portal, project_id: int, email: str, consent: bool, honeypot: str, client_address: str
) -> ProjectFollower | None:
    """Ask to follow a public project: the e-mail gets a confirmation link (again, if asked again before it was
    confirmed); an address that already follows gets nothing more, and the answer is the same either way."""
    if honeypot:
        raise BotSubmission
    if not consent:
        raise ValidationError({"consent": _("Agree to the processing of your e-mail to follow the project.")})
    project = followed_project_get(portal=portal, pk=project_id)
    email = (email or "").strip().lower()
    if citizen_over_limits(what="follows", client_address=client_address, email=email):
        raise ValidationError(_("Too many requests were sent from here in the last hour. Try again later."))
    language = translation.get_language() or settings.LANGUAGE_CODE
    follower, created = ProjectFollower.objects.select_for_update().get_or_create(
        project=project, email=email, defaults={"language": language}
    )
    if follower.confirmed_at is not None:
        return None
    if not created:
        follower.language = language
        follower.save(update_fields=["language"])
    mail_enqueue(kind=MailKind.FOLLOW_CONFIRMATION, object_id=follower.pk, language=language, again=True)
    return follower


@transaction.atomic
def follow_confirm(*, token: str) -> ProjectFollower:
    """Start the subscription. The link works once and for ``PORTAL_IDEA_CONFIRM_DAYS``."""
    follower = _follower_from(token, salt=CONFIRM_SALT, max_age=settings.PORTAL_IDEA_CONFIRM_DAYS * 24 * 60 * 60)
    follower = ProjectFollower.objects.select_for_update().get(pk=follower.pk)
    if follower.confirmed_at is not None:
        raise ValidationError(_("This subscription was already confirmed; the link works only once."))
    follower.confirmed_at = timezone.now()
    follower.save(update_fields=["confirmed_at"])
    return follower


def _erase(followers: QuerySet[ProjectFollower]) -> int:
    """Delete the subscriptions and every mail about them: nothing of the e-mail stays."""
    ids = list(followers.values_list("pk", flat=True))
    for kind in FOLLOWER_KINDS:
        subject_mails_forget(kind=kind, object_ids=ids)
    ProjectFollower.objects.filter(pk__in=ids).delete()
    return len(ids)


@transaction.atomic
def unfollow(*, token: str, follower_id: int | None = None) -> int:
    """End one subscription of the link's e-mail (the link's own unless ``follower_id`` names another of the
    same e-mail); how many ended (0 when that one was already gone)."""
    follower = follower_from_link(token=token)
    target = follower.pk if follower_id is None else follower_id
    return _erase(ProjectFollower.objects.filter(pk=target, email=follower.email))


@transaction.atomic
def unfollow_all(*, token: str) -> int:
    """End every subscription of the link's e-mail."""
    follower = follower_from_link(token=token)
    return _erase(ProjectFollower.objects.filter(email=follower.email))


def followers_prune_unconfirmed(*, now=None) -> int:
    """Delete subscriptions never confirmed, after the time the consent text states."""
    limit = (now or timezone.now()) - timezone.timedelta(days=settings.PORTAL_IDEA_UNCONFIRMED_DAYS)
    return _erase(ProjectFollower.objects.filter(confirmed_at__isnull=True, created_at__lt=limit))


def _news_enqueue(*, project_id: int, topic: str, event_id: int | None = None, is_public: bool | None = None) -> int:
    # A project that is not public tells the public nothing. ``is_public``: its flag as the caller read it in this
    # transaction with the row locked (then no query asks again), or None when the caller has not read it.
    if is_public is None:
        is_public = public_project_queryset().filter(pk=project_id).exists()
    if not is_public:
        return 0
    languages = dict(_confirmed_followers().rows(project=project_id))
    return mails_enqueue(kind=MailKind.FOLLOW_UPDATE, languages=languages, topic=topic, event_id=event_id)


@cache
def _confirmed_followers() -> CompiledQuery:
    """Who follows a project (id → language), compiled once: every transition of a public project asks."""
    return query_compile(
        lambda *, project: ProjectFollower.objects.filter(project_id=project, confirmed_at__isnull=False).values_list(
            "pk", "language"
        ),
        "project",
    )


def follow_news_for_event(*, event: Event) -> int:
    """A public project moved to another stage: its followers are told, in the transaction of the change."""
    if event.kind != EventKind.PROJECT_TRANSITIONED:
        return 0
    # The event's project, when it came with it, is the one the transition locked and moved: its flag is current
    # (no query asks again whether the project is public).
    is_public = event.project.is_public if Event.project.is_cached(event) else None
    return _news_enqueue(project_id=event.project_id, topic=f"event-{event.pk}", event_id=event.pk, is_public=is_public)


def follow_news_for_update(*, update: ProjectUpdate) -> int:
    """A public update was published: its project's followers are told, in the transaction that wrote it."""
    return _news_enqueue(project_id=update.project_id, topic=f"update-{update.pk}")
