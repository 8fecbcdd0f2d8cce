"""The portal's mails to citizens, as kinds of mail of the one outbox (``backend.notifications.outbox``): each
builder reads its subject (an idea, a support, a subscription) when sending, so the outbox keeps no copy of a
citizen's address, and a mail no longer due (the idea deleted, the subscription ended) is not sent."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from backend.notifications.models import Delivery, MailKind
from backend.notifications.outbox import Undeliverable, mail_kind
from backend.portal.idea_news import idea_news_token
from backend.portal.ideas import SUPPORT_SALT, idea_confirmation_token
from backend.portal.models import (
    Idea,
    IdeaDecision,
    IdeaDecisionKind,
    IdeaStatus,
    IdeaSupport,
    Portal,
    ProjectFollower,
)
from backend.portal.public import public_project_queryset, public_update_queryset
from backend.portal.subscriptions import CONFIRM_SALT as FOLLOW_CONFIRM_SALT
from backend.portal.subscriptions import LINK_SALT, follow_token
from backend.projects.models import Event, EventKind
from backend.projects.stages import Stage
from backend.strategy.consultation import consultation_comment_token_renew
from backend.strategy.models import CommentStatus, ConsultationComment


def site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def citizen_message(*, delivery: Delivery, to: str, subject: str, template: str, context: dict) -> EmailMessage:
    """A plain-text mail in the language the citizen used on the portal."""
    with translation.override(delivery.language):
        body = render_to_string(template, context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[to])


@mail_kind(MailKind.IDEA_CONFIRMATION)
def _idea_confirmation(delivery: Delivery) -> EmailMessage:
    idea = Idea.objects.select_related("municipality").filter(pk=delivery.object_id).first()
    if idea is None or idea.status != IdeaStatus.UNCONFIRMED:
        raise Undeliverable("The idea is gone or already confirmed.")
    link = site_link(reverse("portal:idea_confirm", args=[idea_confirmation_token(idea=idea)]))
    with translation.override(delivery.language):
        subject = _("Confirm your idea for %(name)s") % {"name": idea.municipality.name}
    return citizen_message(
        delivery=delivery,
        to=idea.author_email,
        subject=subject,
        template="emails/idea_confirm.txt",
        context={"idea": idea, "link": link, "days": settings.PORTAL_IDEA_CONFIRM_DAYS},
    )


def _idea_unsubscribe(*, idea_id: int, support_id: int | None = None) -> tuple[str, dict]:
    """The one-click unsubscribe of the mails about an idea and the headers that carry it (RFC 2369, 8058)."""
    link = site_link(reverse("portal:idea_unsubscribe", args=[idea_news_token(idea_id=idea_id, support_id=support_id)]))
    return link, {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@mail_kind(MailKind.IDEA_REJECTION)
def _idea_rejection(delivery: Delivery) -> EmailMessage:
    idea = Idea.objects.select_related("municipality").filter(pk=delivery.object_id).first()
    if idea is None or idea.status != IdeaStatus.REJECTED or not idea.news_by_email:
        raise Undeliverable("The idea is gone or no longer rejected.")
    unsubscribe, headers = _idea_unsubscribe(idea_id=idea.pk)
    with translation.override(delivery.language):
        subject = _("Your idea for %(name)s") % {"name": idea.municipality.name}
    message = citizen_message(
        delivery=delivery,
        to=idea.author_email,
        subject=subject,
        template="emails/idea_rejected.txt",
        context={"idea": idea, "unsubscribe_link": unsubscribe},
    )
    message.extra_headers.update(headers)
    return message


def _idea_news_context(delivery: Delivery, idea: Idea) -> dict:
    """What the decision named by the topic told the public: only what the idea's public page shows."""
    kind, _separator, number = delivery.topic.partition("-")
    decision = IdeaDecision.objects.filter(pk=int(number or 0), idea_id=idea.pk, kind=kind).only("id", "reason").first()
    if decision is None:
        raise Undeliverable("The decision is gone.")
    portal = Portal.objects.filter(municipality_id=idea.municipality_id, is_open=True).first()
    if portal is None:
        raise Undeliverable("The portal is closed.")
    if kind == IdeaDecisionKind.REJECT:
        if idea.status != IdeaStatus.REJECTED:
            raise Undeliverable("The idea is no longer rejected.")
        return {"what": kind}
    if idea.status != IdeaStatus.PUBLISHED:
        raise Undeliverable("The idea is no longer public.")
    context = {"what": kind, "idea_link": site_link(reverse("portal:idea", args=[portal.slug, idea.pk]))}
    if kind == IdeaDecisionKind.ANSWER:
        # The answer as it was published (the idea may have become a project since, which its own mail tells).
        context.update(answer_state=idea.get_answer_state_display(), answer=decision.reason)
    elif kind == IdeaDecisionKind.TO_PROJECT:
        if idea.project_id is None:
            raise Undeliverable("The idea no longer names a project.")
        if public_project_queryset().filter(pk=idea.project_id).exists():
            context["project_link"] = _project_link(portal=portal, project_id=idea.project_id)
    return context


def _idea_news_message(*, delivery: Delivery, idea: Idea, to: str, support_id: int | None) -> EmailMessage:
    unsubscribe, headers = _idea_unsubscribe(idea_id=idea.pk, support_id=support_id)
    with translation.override(delivery.language):
        context = {
            **_idea_news_context(delivery, idea),
            "title": idea.title,
            "town": idea.municipality.name,
            "supporter": support_id is not None,
            "unsubscribe_link": unsubscribe,
        }
        if support_id is None:
            subject = _("News of your idea “%(title)s”") % {"title": idea.title}
        else:
            subject = _("News of the idea you support: “%(title)s”") % {"title": idea.title}
    message = citizen_message(
        delivery=delivery, to=to, subject=subject, template="emails/idea_news.txt", context=context
    )
    message.extra_headers.update(headers)
    return message


@mail_kind(MailKind.IDEA_NEWS)
def _idea_news(delivery: Delivery) -> EmailMessage:
    idea = Idea.objects.select_related("municipality").filter(pk=delivery.object_id, news_by_email=True).first()
    if idea is None:
        raise Undeliverable("The idea is gone or its author unsubscribed.")
    return _idea_news_message(delivery=delivery, idea=idea, to=idea.author_email, support_id=None)


@mail_kind(MailKind.IDEA_SUPPORT_NEWS)
def _idea_support_news(delivery: Delivery) -> EmailMessage:
    support = (
        IdeaSupport.objects.select_related("idea__municipality")
        .filter(pk=delivery.object_id, news_by_email=True, confirmed_at__isnull=False)
        .first()
    )
    if support is None:
        raise Undeliverable("The support is gone or its supporter unsubscribed.")
    return _idea_news_message(delivery=delivery, idea=support.idea, to=support.email, support_id=support.pk)


@mail_kind(MailKind.SUPPORT_CONFIRMATION)
def _support_confirmation(delivery: Delivery) -> EmailMessage:
    support = IdeaSupport.objects.select_related("idea").filter(pk=delivery.object_id).first()
    if support is None or support.confirmed_at is not None:
        raise Undeliverable("The support is gone or already confirmed.")
    link = site_link(
        reverse("portal:idea_support_confirm", args=[signing.dumps({"support": support.pk}, salt=SUPPORT_SALT)])
    )
    with translation.override(delivery.language):
        subject = _("Confirm your support of “%(title)s”") % {"title": support.idea.title}
    return citizen_message(
        delivery=delivery,
        to=support.email,
        subject=subject,
        template="emails/idea_support_confirm.txt",
        context={"idea": support.idea, "link": link, "days": settings.PORTAL_IDEA_CONFIRM_DAYS},
    )


def _followed(delivery: Delivery, *, confirmed: bool) -> tuple[ProjectFollower, Portal]:
    """The subscription and the open portal of its project, while the project is public; else not due."""
    follower = ProjectFollower.objects.filter(pk=delivery.object_id, confirmed_at__isnull=not confirmed).first()
    if follower is None:
        raise Undeliverable("The subscription ended or is in another state.")
    project = public_project_queryset().filter(pk=follower.project_id).first()
    portal = Portal.objects.filter(municipality_id=project.municipality_id, is_open=True).first() if project else None
    if project is None or portal is None:
        raise Undeliverable("The project is no longer public.")
    follower.project = project
    return follower, portal


def _project_link(*, portal: Portal, project_id: int) -> str:
    return site_link(reverse("portal:project", args=[portal.slug, project_id]))


def _list_headers(*, follower: ProjectFollower) -> tuple[str, str, dict]:
    """The subscriptions page, the one-click unsubscribe address and the headers that carry it (RFC 2369, 8058)."""
    token = follow_token(follower=follower, salt=LINK_SALT)
    manage = site_link(reverse("portal:subscriptions", args=[token]))
    unsubscribe = site_link(reverse("portal:unsubscribe", args=[token]))
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return manage, unsubscribe, headers


@mail_kind(MailKind.FOLLOW_CONFIRMATION)
def _follow_confirmation(delivery: Delivery) -> EmailMessage:
    follower, portal = _followed(delivery, confirmed=False)
    link = site_link(reverse("portal:follow_confirm", args=[follow_token(follower=follower, salt=FOLLOW_CONFIRM_SALT)]))
    with translation.override(delivery.language):
        subject = _("Confirm that you want to follow “%(title)s”") % {"title": follower.project.title}
    return citizen_message(
        delivery=delivery,
        to=follower.email,
        subject=subject,
        template="emails/follow_confirm.txt",
        context={
            "project_title": follower.project.title,
            "link": link,
            "days": settings.PORTAL_IDEA_CONFIRM_DAYS,
            "project_link": _project_link(portal=portal, project_id=follower.project.pk),
        },
    )


def _news(delivery: Delivery, project_id: int) -> dict:
    """What happened, from the public records only: the new stage's name, or the public update's title."""
    what, _separator, number = delivery.topic.partition("-")
    if what == "event":
        event = Event.objects.filter(pk=int(number), project_id=project_id, kind=EventKind.PROJECT_TRANSITIONED).first()
        target = (event.payload or {}).get("target") if event else None
        if target not in Stage.values:
            raise Undeliverable("The change of stage is gone.")
        return {"stage_label": Stage(target).label}
    update = public_update_queryset().filter(pk=int(number), project_id=project_id).only("id", "title").first()
    if update is None:
        raise Undeliverable("The update was withdrawn.")
    return {"update_title": update.title}


@mail_kind(MailKind.FOLLOW_UPDATE)
def _follow_news(delivery: Delivery) -> EmailMessage:
    follower, portal = _followed(delivery, confirmed=True)
    manage, unsubscribe, headers = _list_headers(follower=follower)
    with translation.override(delivery.language):
        context = {
            "project_title": follower.project.title,
            "project_link": _project_link(portal=portal, project_id=follower.project.pk),
            "manage_link": manage,
            "unsubscribe_link": unsubscribe,
            **{key: str(value) for key, value in _news(delivery, follower.project.pk).items()},
        }
        subject = _("News of “%(title)s”") % {"title": follower.project.title}
    message = citizen_message(
        delivery=delivery, to=follower.email, subject=subject, template="emails/follow_news.txt", context=context
    )
    message.extra_headers.update(headers)
    return message


@mail_kind(MailKind.CONSULTATION_COMMENT_CONFIRMATION)
def _consultation_comment_confirmation(delivery: Delivery) -> EmailMessage:
    comment = (
        ConsultationComment.objects.select_related("consultation__amendment__strategy__municipality")
        .filter(pk=delivery.object_id, status=CommentStatus.UNCONFIRMED)
        .first()
    )
    if comment is None:
        raise Undeliverable("The comment is gone or already confirmed.")
    token = consultation_comment_token_renew(comment=comment)
    link = site_link(reverse("portal:consultation_comment_confirm", args=[token]))
    amendment = comment.consultation.amendment
    with translation.override(delivery.language):
        subject = _("Confirm your comment on “%(title)s”") % {"title": amendment.title}
    return citizen_message(
        delivery=delivery,
        to=comment.email,
        subject=subject,
        template="emails/consultation_comment_confirm.txt",
        context={
            "comment": comment,
            "amendment": amendment,
            "town": amendment.strategy.municipality.name,
            "link": link,
        },
    )
