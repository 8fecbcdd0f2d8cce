"""A municipality's public portal (its address ``/obec/<slug>/``, open or not) and the citizens' ideas it collects."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Municipality
from backend.core.fields import SingleLineCharField
from backend.core.models import TimeStampedModel
from backend.projects.choices import ThematicArea
from backend.projects.uploads import attachment_storage

IDEA_TEXT_MAX = 5_000


def _idea_photo_path(instance: "Idea", filename: str) -> str:
    # A random name: the citizen's file name may carry their own name, and the path is never shown.
    return f"ideas/{instance.municipality_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class Portal(TimeStampedModel):
    """A municipality opts in to the public portal; without one (or with it closed) its portal answers 404."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="portal", verbose_name=_("municipality")
    )
    slug = models.SlugField(
        _("address"), max_length=64, unique=True, help_text=_("The portal's address: /obec/<address>/.")
    )
    is_open = models.BooleanField(_("open to the public"), default=True)
    introduction = models.TextField(_("introduction"), blank=True, help_text=_("Markdown, shown on the portal's home."))
    ruian_code = models.PositiveIntegerField(
        _("RÚIAN code of the municipality"),
        null=True,
        blank=True,
        help_text=_("The municipality's code in RÚIAN (obec); the open data catalogue names it as the area covered."),
    )

    class Meta:
        verbose_name = _("public portal")
        verbose_name_plural = _("public portals")
        ordering = ("municipality__name",)

    def __str__(self) -> str:
        return self.slug


class IdeaStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("E-mail not confirmed")
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    SPAM = "spam", _("Spam")
    MERGED = "merged", _("Merged into another idea")


class IdeaAnswerState(models.TextChoices):
    """Where a published idea stands, as the town answers it publicly."""

    RECEIVED = "received", _("Received")
    ASSESSING = "assessing", _("Being assessed")
    ACCEPTED = "accepted", _("Accepted")
    PROJECT = "project", _("Turned into a project")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class Idea(models.Model):
    """A citizen's idea (podnět): counts once its e-mail is confirmed, public once the coordinator publishes it.

    The author's name and e-mail are never shown; they serve the confirmation and the answers, and an idea whose
    e-mail was never confirmed is deleted after ``PORTAL_IDEA_UNCONFIRMED_DAYS``.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="ideas", verbose_name=_("municipality")
    )
    title = SingleLineCharField(_("title"), max_length=200)
    description = models.TextField(_("description"), validators=[MaxLengthValidator(IDEA_TEXT_MAX)])
    thematic_area = models.CharField(_("thematic area"), max_length=16, choices=ThematicArea.choices, blank=True)
    place = SingleLineCharField(_("place"), max_length=300, blank=True)
    # Shown on the idea's public page only once it is published; served by the portal, never by a media URL.
    photo = models.FileField(
        _("photo"), storage=attachment_storage, upload_to=_idea_photo_path, max_length=255, blank=True
    )
    photo_type = models.CharField(_("type of the photo"), max_length=32, blank=True)
    author_name = SingleLineCharField(_("name"), max_length=120)
    author_email = models.EmailField(_("e-mail"))
    # The language the author used on the portal: every mail about the idea is written in it.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="cs")
    # Off once the author unsubscribes (the one-click link of each mail about the idea).
    news_by_email = models.BooleanField(_("news of the idea by e-mail"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.UNCONFIRMED, db_index=True
    )
    answer_state = models.CharField(
        _("answer"), max_length=16, choices=IdeaAnswerState.choices, default=IdeaAnswerState.RECEIVED
    )
    answer = models.TextField(_("official answer"), blank=True, validators=[MaxLengthValidator(IDEA_TEXT_MAX)])
    rejection_reason = models.TextField(_("reason of the rejection"), blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("merged into")
    )
    project = models.OneToOneField(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_idea",
        verbose_name=_("project"),
    )
    # The strategy goal the idea serves, set by the moderator (``backend.portal.idea_goals``).
    goal = models.ForeignKey(
        "strategy.Goal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
        verbose_name=_("strategy goal"),
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen idea")
        verbose_name_plural = _("citizen ideas")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("municipality", "status", "-created_at"), name="idea_queue"),
            # The portal's places (backend.portal.public.public_place_page): a page of the published ones by place.
            models.Index(
                fields=("municipality", "place", "id"),
                condition=models.Q(status="published") & ~models.Q(place=""),
                name="idea_published_place",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IdeaDecisionKind(models.TextChoices):
    PUBLISH = "publish", _("Published")
    REJECT = "reject", _("Rejected")
    SPAM = "spam", _("Marked as spam")
    MERGE = "merge", _("Merged")
    ANSWER = "answer", _("Answered")
    TO_PROJECT = "to_project", _("Turned into a project")


class IdeaDecision(models.Model):
    """The moderation's audit log: who decided what about an idea, when and why. Never edited."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("idea"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("who")
    )
    kind = models.CharField(_("decision"), max_length=16, choices=IdeaDecisionKind.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idea decision")
        verbose_name_plural = _("idea decisions")
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.idea}"


class IdeaSupport(models.Model):
    """A citizen's "Podpořit": one per e-mail and idea, counted once the e-mail is confirmed."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports", verbose_name=_("idea"))
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="cs")
    news_by_email = models.BooleanField(_("news of the idea by e-mail"), default=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("support of an idea")
        verbose_name_plural = _("supports of ideas")
        constraints = [models.UniqueConstraint(fields=("idea", "email"), name="idea_support_once_per_email")]

    def __str__(self) -> str:
        return f"{self.idea} ({self.email})"


def _follow_secret() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class ProjectFollower(models.Model):
    """A citizen who follows a public project by e-mail (double opt-in): mailed when it changes stage or gets a
    public update, once ``confirmed_at`` is set. The e-mail is kept for this alone and erased on unsubscribing;
    an unconfirmed one is deleted after ``PORTAL_IDEA_UNCONFIRMED_DAYS``. ``secret`` goes into the signed links of
    the mails (confirmation, subscriptions page, one-click unsubscribe), so a link dies with its row."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="followers", verbose_name=_("project")
    )
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="cs")
    secret = models.CharField(max_length=64, default=_follow_secret, editable=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follower of a project")
        verbose_name_plural = _("followers of projects")
        constraints = [models.UniqueConstraint(fields=("project", "email"), name="project_follower_once_per_email")]
        indexes = [
            models.Index(fields=("project", "confirmed_at"), name="project_follower_confirmed"),
            models.Index(fields=("email",), name="project_follower_by_email"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} ({self.email})"


class IdeaComment(models.Model):
    """An internal comment of the town's staff on an idea, before answering it: never shown to the public."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments", verbose_name=_("idea"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("comment"), validators=[MaxLengthValidator(IDEA_TEXT_MAX)])
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("internal comment on an idea")
        verbose_name_plural = _("internal comments on ideas")
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.idea}: {self.body[:40]}"
