"""Permission-scoped reads of strategies, and the one rule of who reads one:

- the municipal staff of the strategy's municipality (they work on it by their roles, ``services``);
- of a DSO's or MAS's strategy, also the municipal staff of its member municipalities: they read it, and
  their projects may serve its measures (``measure_list_linkable``); changing it stays with the group's staff.

Partner guests and other municipalities get ``NotFound`` exactly as for a strategy that does not exist.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.accounts.selectors import groups_of, user_access
from backend.core.errors import NotFound
from backend.strategy.models import Amendment, Goal, Indicator, ItemVersion, Measure, Revision, Strategy


def strategy_list_visible(*, user: User | None) -> QuerySet[Strategy]:
    access = user_access(user=user)
    strategies = Strategy.objects.select_related("municipality")
    if access.is_platform_admin:
        return strategies
    groups = groups_of(municipality_ids=access.municipality_ids).values("pk")
    return strategies.filter(Q(municipality_id__in=access.municipality_ids) | Q(municipality_id__in=groups))


def strategy_is_read_only(*, user: User | None, strategy: Strategy) -> bool:
    """A member's staff reading their DSO's or MAS's strategy: they see it but take no part in changing it."""
    return not user_access(user=user).is_staff_in(strategy.municipality_id)


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
    """Measures a project of ``municipality_id`` (None: of any of the user's municipalities) may serve: of its
    municipality's strategies or of the DSOs and MASes it is a member of; not retired, of a strategy that is not
    archived."""
    visible = strategy_list_visible(user=user).exclude(status="archived")
    if municipality_id is not None:
        groups = groups_of(municipality_ids=[municipality_id]).values("pk")
        visible = visible.filter(Q(municipality_id=municipality_id) | Q(municipality_id__in=groups))
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
