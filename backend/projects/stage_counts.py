"""How many projects a user sees in each stage (the board's column heads), without counting a whole town per read.

A town's staff see every project of their town, so its count per stage is the same for each of them: it is kept in
the cache per town (``backend.projects.town_cache``, renewed by any save or delete of a project of the town). What a
reader sees beyond their own towns (projects shared with them, those their partner organisations were invited to)
is counted live, as is everything a partner guest or a platform admin sees.
"""

from django.db.models import Count

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.projects.models import Project
from backend.projects.selectors import project_list_visible, project_list_visible_elsewhere
from backend.projects.town_cache import town_figures

STAGE_COUNTS_CACHE_NAME = "stage_counts"


def _add(counts: dict[str, int], stage: str, count: int) -> None:
    counts[stage] = counts.get(stage, 0) + count


def stage_counts_visible(*, user: User | None) -> dict[str, int]:
    """The number of projects ``user`` sees (``project_list_visible``) in each stage that has any, in one query.

    The user's own towns come from the cache where it holds them; a town missing there is counted in the same query
    as what is shared in, and stored. Platform admins (every town is theirs, and listing the towns would cost a query
    of its own) and partner guests count live.
    """
    access = user_access(user=user)
    if access.is_anonymous or access.is_platform_admin or not access.municipality_ids:
        rows = project_list_visible(user=user).order_by().values_list("stage").annotate(Count("pk"))
        return dict(rows)
    read = town_figures(name=STAGE_COUNTS_CACHE_NAME, municipality_ids=access.municipality_ids)
    missing = read.missing
    elsewhere = project_list_visible_elsewhere(user=user)
    projects = (Project.objects.filter(municipality_id__in=missing) | elsewhere) if missing else elsewhere
    towns: dict[int, dict[str, int]] = {pk: {} for pk in missing}
    live: dict[str, int] = {}
    for municipality_id, stage, count in (
        projects.order_by().values_list("municipality_id", "stage").annotate(Count("pk"))
    ):
        _add(towns.get(municipality_id, live), stage, count)
    if missing:
        read.store(towns)
    counts: dict[str, int] = {}
    for part in (*read.found.values(), live):
        for stage, count in part.items():
            _add(counts, stage, count)
    return counts
