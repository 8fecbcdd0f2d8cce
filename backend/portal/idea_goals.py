"""Citizen ideas linked to the strategy goal they serve: the moderator sets it, the public idea page names it, the
strategy page counts the ideas of each goal (``backend.strategy.selectors.goal_idea_counts``)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.portal.ideas import _require_moderator
from backend.portal.models import Idea
from backend.strategy.models import Goal, StrategyStatus


def goal_choices_for(*, user: User) -> list[Goal]:
    """The goals a moderator may link ideas to: those of the strategies (not archived) of the municipalities they
    moderate, in one query."""
    access = user_access(user=user)
    municipality_ids = [pk for pk in access.municipality_ids if access.moderates_ideas_in(pk)]
    goals = Goal.objects.filter(strategy__municipality_id__in=municipality_ids, is_retired=False).exclude(
        strategy__status=StrategyStatus.ARCHIVED
    )
    return list(goals.select_related("strategy").order_by("strategy__title", "strategy_id", "code"))


@transaction.atomic
def idea_goal_set(*, actor: User, idea: Idea, goal_id: int | None) -> Idea:
    """Link the idea to a goal of its municipality's strategies, or unlink it (``goal_id`` None)."""
    idea = _require_moderator(actor=actor, idea=idea)
    goal = None
    if goal_id is not None:
        goal = (
            Goal.objects.filter(pk=goal_id, strategy__municipality_id=idea.municipality_id, is_retired=False)
            .exclude(strategy__status=StrategyStatus.ARCHIVED)
            .first()
        )
        if goal is None:
            raise ValidationError({"goal": _("Choose a goal of the municipality's strategy.")})
    idea.goal = goal
    idea.save(update_fields=["goal"])
    return idea
