"""News of a citizen idea to its author and its confirmed supporters: the idea was published, answered by the
town, turned into a project or rejected. Queued through the outbox in the transaction of the decision, in the
language each of them used on the portal; every mail carries a one-click unsubscribe (``List-Unsubscribe``).

When an idea becomes a project, its author and confirmed supporters follow that project as a confirmed follower
does (their e-mail was confirmed by the idea's or the support's link, as the idea form says), so the project's
news reach them with the unsubscribe of ``backend.portal.subscriptions``.
"""

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.notifications.models import MailKind
from backend.notifications.outbox import mail_enqueue, mails_enqueue
from backend.portal.models import Idea, IdeaDecision, IdeaDecisionKind, IdeaSupport, ProjectFollower
from backend.projects.models import Project

NEWS_SALT = "portal.idea.news"
# The decisions whose news reach the author (a rejection has its own mail, with the reason) and the supporters.
AUTHOR_NEWS = (IdeaDecisionKind.PUBLISH, IdeaDecisionKind.ANSWER, IdeaDecisionKind.TO_PROJECT)
SUPPORTER_NEWS = (*AUTHOR_NEWS, IdeaDecisionKind.REJECT)


def idea_news_topic(decision: IdeaDecision) -> str:
    return f"{decision.kind}-{decision.pk}"


def idea_news_token(*, idea_id: int, support_id: int | None = None) -> str:
    """The one-click unsubscribe of the mails about one idea, for its author (no support) or one supporter."""
    return signing.dumps({"i": idea_id, "s": support_id or 0}, salt=NEWS_SALT, compress=False)


def idea_news_enqueue(*, idea: Idea, decision: IdeaDecision) -> int:
    """Queue the news of ``decision`` to the author (unless unsubscribed) and every confirmed supporter."""
    topic = idea_news_topic(decision)
    queued = 0
    if decision.kind in AUTHOR_NEWS and idea.news_by_email:
        delivery = mail_enqueue(kind=MailKind.IDEA_NEWS, object_id=idea.pk, language=idea.language, topic=topic)
        queued += delivery is not None
    if decision.kind in SUPPORTER_NEWS:
        languages = dict(
            IdeaSupport.objects.filter(idea_id=idea.pk, confirmed_at__isnull=False, news_by_email=True).values_list(
                "pk", "language"
            )
        )
        queued += mails_enqueue(kind=MailKind.IDEA_SUPPORT_NEWS, languages=languages, topic=topic)
    return queued


def idea_people_follow(*, idea: Idea, project: Project) -> int:
    """The idea's author and confirmed supporters (those who did not unsubscribe) follow the project it became,
    confirmed already: their e-mail was confirmed for the idea."""
    now = timezone.now()
    people = {}
    if idea.news_by_email:
        people[idea.author_email.strip().lower()] = idea.language
    for email, language in IdeaSupport.objects.filter(
        idea_id=idea.pk, confirmed_at__isnull=False, news_by_email=True
    ).values_list("email", "language"):
        people.setdefault(email.strip().lower(), language)
    ProjectFollower.objects.bulk_create(
        [
            ProjectFollower(project=project, email=email, language=language, confirmed_at=now)
            for email, language in people.items()
        ],
        ignore_conflicts=True,
    )
    return len(people)


def _unsign(token: str) -> tuple[int, int]:
    try:
        value = signing.loads(token, salt=NEWS_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError(_("The link is not valid or the subscription has already ended.")) from None
    if not isinstance(value, dict) or not isinstance(value.get("i"), int) or not isinstance(value.get("s"), int):
        raise ValidationError(_("The link is not valid or the subscription has already ended."))
    return value["i"], value["s"]


def idea_news_check(*, token: str) -> None:
    """Raise ValidationError unless the link names an idea (and support) that still exists."""
    idea_id, support_id = _unsign(token)
    rows = IdeaSupport.objects.filter(pk=support_id, idea_id=idea_id) if support_id else Idea.objects.filter(pk=idea_id)
    if not rows.exists():
        raise ValidationError(_("The link is not valid or the subscription has already ended."))


@transaction.atomic
def idea_news_stop(*, token: str) -> int:
    """No more mails about the idea to the link's person; how many rows changed (0 when already stopped)."""
    idea_id, support_id = _unsign(token)
    if support_id:
        return IdeaSupport.objects.filter(pk=support_id, idea_id=idea_id, news_by_email=True).update(
            news_by_email=False
        )
    return Idea.objects.filter(pk=idea_id, news_by_email=True).update(news_by_email=False)
