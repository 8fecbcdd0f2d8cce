"""Permission-scoped reads of strategies: the municipal staff of the strategy's municipality see it, nobody else.

Partner guests and other municipalities get ``NotFound`` exactly as for a strategy that does not exist.
"""

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.core.errors import NotFound
from backend.strategy.models import Amendment, Goal, Indicator, ItemVersion, Measure, Revision, Strategy


def strategy_list_visible(*, user: User | None) -> QuerySet[Strategy]:
    access = user_access(user=user)
    strategies = Strategy.objects.select_related("municipality")
    if access.is_platform_admin:
        return strategies
    return strategies.filter(municipality_id__in=access.municipality_ids)


def strategy_get_visible(*, user: User | None, pk: int | str) -> Strategy:
    try:
        return strategy_list_visible(user=user).get(pk=int(pk))
    except (Strategy.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Strategy not found.")) from None


def code_key(code: str) -> tuple:
    """``1.10`` after ``1.9``: codes compare part by part, numbers as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in code.replace("-", ".").split("."))


def goal_list(*, strategy: Strategy) -> QuerySet[Goal]:
    return Goal.objects.filter(strategy=strategy).select_related("parent")


def measure_list(*, strategy: Strategy) -> QuerySet[Measure]:
    return (
        Measure.objects.filter(strategy=strategy)
        .select_related("goal", "responsible_department")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("name", "id")))
    )


def measure_list_linkable(*, user: User | None, municipality_id: int | None) -> QuerySet[Measure]:
    """Measures a project of ``municipality_id`` (None: of any of the user's municipalities) may serve: not
    retired, of a strategy that is not archived."""
    visible = strategy_list_visible(user=user).exclude(status="archived")
    if municipality_id is not None:
        visible = visible.filter(municipality_id=municipality_id)
    return (
        Measure.objects.filter(strategy__in=visible, is_retired=False)
        .select_related("strategy")
        .order_by("strategy__title", "code")
    )


def amendment_list(*, strategy: Strategy) -> QuerySet[Amendment]:
    return (
        Amendment.objects.filter(strategy=strategy)
        .select_related("proposed_by", "department")
        .prefetch_related("changes", "decisions__approver")
    )


def amendment_get_visible(*, user: User | None, pk: int | str) -> Amendment:
    visible = strategy_list_visible(user=user)
    try:
        return Amendment.objects.select_related("strategy__municipality", "proposed_by").get(
            pk=int(pk), strategy__in=visible
        )
    except (Amendment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Amendment not found.")) from None


def revision_list(*, strategy: Strategy) -> QuerySet[Revision]:
    return Revision.objects.filter(strategy=strategy).select_related("amendment", "created_by").order_by("-number")


def version_list(*, strategy: Strategy) -> QuerySet[ItemVersion]:
    return ItemVersion.objects.filter(strategy=strategy).order_by("revision", "kind", "item_id")


# The portal's idea is public in this status (``backend.portal.ideas.PUBLIC_STATUSES``); the portal sits above the
# strategy, so the value is named here rather than imported.
_PUBLIC_IDEA_STATUS = "published"


def goal_idea_counts(*, strategy: Strategy) -> dict[int, int]:
    """Goal id → how many published citizen ideas serve it (the portal's ``Idea.goal``), in one query."""
    rows = (
        Goal.objects.filter(strategy=strategy, ideas__status=_PUBLIC_IDEA_STATUS)
        .values("pk")
        .annotate(count=Count("ideas"))
        .values_list("pk", "count")
    )
    return dict(rows)
