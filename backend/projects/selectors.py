"""Permission-scoped reads of projects and what hangs on them: the one place that decides who sees what.

Municipal users see every project of their municipalities and those explicitly shared with them;
partner guests see only projects their organisation was invited to; everyone else sees nothing. What a
user who sees a project is to it (partner guest, roles) is ``backend.projects.access``.
"""

from collections.abc import Callable, Hashable

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.accounts.selectors import Access, user_access
from backend.core.compiled import CompiledQuery, query_compile
from backend.core.errors import NotFound
from backend.core.expressions import InSubquery
from backend.projects.access import (
    internal_projects_filter,
    project_access,
    project_audience,
    sees_internals_everywhere,
)
from backend.projects.choices import CommentVisibility
from backend.projects.models import Comment, Event, FundingApplication, Kpi, Project, ProjectPartner, Task


def _shared_with(access: Access, column: str) -> Q:
    """Projects another municipality shared with the user's municipalities (``column`` holds the project id)."""
    shared = Project.shared_with.through.objects.filter(municipality_id__in=access.municipality_ids)
    return Q(InSubquery(F(column), shared.values("project_id")))


def _partner_on(access: Access, column: str) -> Q:
    """Projects the user's partner organisations were invited to."""
    invited = ProjectPartner.objects.filter(organization_id__in=access.partner_of)
    return Q(InSubquery(F(column), invited.values("project_id")))


def _visibility_filter(access: Access) -> Q | None:
    """None means everything (platform admins); an empty Q match means nothing. Reads only ``is_platform_admin``,
    ``municipality_ids`` and ``partner_of``: ``project_one_visible_brief`` compiles it by those.

    Each branch is left out when the user's roles make it empty, and the subqueries are ``InSubquery``: so
    the planner can use the indexes on ``municipality_id`` and ``created_at`` instead of testing every row.
    """
    if access.is_platform_admin:
        return None
    condition = Q(pk__in=[])
    if access.municipality_ids:
        condition |= Q(municipality_id__in=access.municipality_ids)
        condition |= _shared_with(access, "pk")
    if access.partner_of:
        condition |= _partner_on(access, "pk")
    return condition


def project_list_visible(*, user: User | None) -> QuerySet[Project]:
    return project_list_visible_to(access=user_access(user=user))


def project_list_visible_to(*, access: Access) -> QuerySet[Project]:
    """``project_list_visible`` of someone with these roles. Its SQL depends only on which of them are empty and how
    many ids each holds (``backend/api/compiled.py`` relies on that: keep it so, or change the API list's key)."""
    queryset = Project.objects.select_related("municipality", "lead_department", "manager")
    if access.is_anonymous:
        return queryset.none()
    condition = _visibility_filter(access)
    return queryset if condition is None else queryset.filter(condition)


def project_one_visible_brief(
    *, user: User | None, pk: int | str, annotate: Callable[[QuerySet[Project]], QuerySet[Project]], shape: Hashable
) -> Project:
    """``project_one_visible`` passed through ``annotate``, as a Project that carries only its id, municipality and
    stage (any other field read would be a query of its own) and the annotations; NotFound when missing or hidden.

    For a write that locks the project next and reads its fields there (a transition): the SQL is compiled once
    per process for each shape of the user's access that ``_visibility_filter`` reads (how many municipalities and
    partner organisations, platform admin or not) and each ``shape`` of ``annotate`` (the caller's key of what
    it adds), then run with the user's ids. Building and compiling it cost more than the query itself."""
    access = user_access(user=user)
    try:
        pk = int(pk)
    except (ValueError, TypeError):
        raise NotFound(_("Project not found.")) from None
    if access.is_anonymous:
        raise NotFound(_("Project not found."))
    municipality_ids, partner_of = sorted(access.municipality_ids), sorted(access.partner_of)
    query, names = _brief_query(
        shape=shape,
        annotate=annotate,
        is_platform_admin=access.is_platform_admin,
        municipalities=len(municipality_ids),
        partners=len(partner_of),
    )
    values = {f"municipality_{number}": value for number, value in enumerate(municipality_ids)}
    values |= {f"partner_{number}": value for number, value in enumerate(partner_of)}
    rows = query.rows(project=pk, **values)
    if not rows:
        raise NotFound(_("Project not found."))
    project = Project.from_db(DEFAULT_DB_ALIAS, _BRIEF_FIELDS, rows[0][: len(_BRIEF_FIELDS)])
    for name, value in zip(names, rows[0][len(_BRIEF_FIELDS) :], strict=True):
        setattr(project, name, value)
    return project


_BRIEF_FIELDS = ("id", "municipality_id", "stage")
_brief_queries: dict[tuple, tuple[CompiledQuery, tuple[str, ...]]] = {}


def _brief_query(
    *, shape: Hashable, annotate: Callable, is_platform_admin: bool, municipalities: int, partners: int
) -> tuple[CompiledQuery, tuple[str, ...]]:
    key = (shape, is_platform_admin, municipalities, partners)
    if key not in _brief_queries:
        names: tuple[str, ...] = ()

        def build(**values: int) -> QuerySet:
            nonlocal names
            placeholder = Access(
                is_platform_admin=is_platform_admin,
                municipality_ids=frozenset(values[f"municipality_{number}"] for number in range(municipalities)),
                partner_of=frozenset(values[f"partner_{number}"] for number in range(partners)),
            )
            condition = _visibility_filter(placeholder)
            queryset = Project.objects.filter(pk=values["project"])
            annotated = annotate(queryset if condition is None else queryset.filter(condition))
            names = tuple(annotated.query.annotations)
            return annotated.order_by().values_list(*_BRIEF_FIELDS, *names)

        query = query_compile(
            build,
            "project",
            *(f"municipality_{number}" for number in range(municipalities)),
            *(f"partner_{number}" for number in range(partners)),
        )
        _brief_queries[key] = (query, names)
    return _brief_queries[key]


def project_list_visible_elsewhere(*, user: User | None) -> QuerySet[Project]:
    """The visible projects of towns other than the user's own: those shared with the user's municipalities and
    those their partner organisations were invited to. With every project of the user's own municipalities they
    are ``project_list_visible`` (for platform admins, who see every town as their own, there are none)."""
    access = user_access(user=user)
    if access.is_anonymous or access.is_platform_admin:
        return Project.objects.none()
    condition = Q(pk__in=[])
    if access.municipality_ids:
        condition |= _shared_with(access, "pk")
    if access.partner_of:
        condition |= _partner_on(access, "pk")
    return Project.objects.filter(condition).exclude(municipality_id__in=access.municipality_ids)


def project_get_visible(*, user: User | None, pk: int | str) -> Project:
    """The project if the user may see it; NotFound whether it is missing or hidden."""
    try:
        return project_one_visible(user=user, pk=pk).get()
    except Project.DoesNotExist:
        raise NotFound(_("Project not found.")) from None


def project_one_visible(*, user: User | None, pk: int | str) -> QuerySet[Project]:
    """The project as a queryset of at most one (empty when missing or hidden); NotFound for a malformed id."""
    try:
        return project_list_visible(user=user).filter(pk=int(pk))
    except (ValueError, TypeError):
        raise NotFound(_("Project not found.")) from None


def comment_list_visible(*, user: User | None, project: Project) -> QuerySet[Comment]:
    """Comments of a project the caller already may see; partners get the shared ones only."""
    queryset = Comment.objects.filter(project=project).select_related("author")
    if not project_access(user=user, project=project).sees_internals:
        queryset = queryset.filter(visibility=CommentVisibility.SHARED)
    return queryset


def comment_list_of_visible(*, user: User | None, project_pk: int | str) -> QuerySet[Comment]:
    """``comment_list_visible`` without the Project loaded first: the project's visibility and the partner rule
    (``ProjectAccess.sees_internals`` as ``internal_projects_filter``) in the comments' own query. Empty when the
    project is missing or hidden: a caller that finds no rows tells "no comments" from 404 with
    ``project_one_visible(...).exists()``. NotFound for a malformed id."""
    try:
        project_id = int(project_pk)
    except (ValueError, TypeError):
        raise NotFound(_("Project not found.")) from None
    return comment_list_of_visible_to(access=user_access(user=user), project_id=project_id)


def comment_list_of_visible_to(*, access: Access, project_id: int) -> QuerySet[Comment]:
    """``comment_list_of_visible`` of someone with these roles. Its SQL depends only on which of them are empty and
    how many ids each holds (as ``project_list_visible_to``)."""
    visible = project_list_visible_to(access=access).filter(pk=project_id)
    queryset = Comment.objects.filter(project__in=visible.values("pk"))
    if not sees_internals_everywhere(access=access):
        shared = Q(visibility=CommentVisibility.SHARED)
        queryset = queryset.filter(shared | internal_projects_filter(access=access, prefix="project__"))
    return queryset.select_related("author")


def task_list_visible(*, user: User | None) -> QuerySet[Task]:
    """Tasks of visible projects; a partner guest sees only the tasks assigned to them."""
    return task_list_visible_to(access=user_access(user=user))


def task_list_visible_to(*, access: Access) -> QuerySet[Task]:
    """``task_list_visible`` of someone with these roles. Its SQL depends only on which of them are empty and how
    many ids each holds (as ``project_list_visible_to``)."""
    queryset = Task.objects.select_related("project", "assignee")
    if access.is_anonymous:
        return queryset.none()
    if access.is_platform_admin:
        return queryset
    condition = Q(pk__in=[])
    if access.municipality_ids:
        condition |= Q(project__municipality_id__in=access.municipality_ids) | _shared_with(access, "project_id")
    if access.partner_of:
        condition |= Q(assignee_id=access.user_id) & _partner_on(access, "project_id")
    return queryset.filter(condition)


def funding_list_visible(*, user: User | None, project: Project) -> QuerySet[FundingApplication]:
    """Funding applications carry internal notes and negotiations: municipal users only."""
    if not project_access(user=user, project=project).sees_internals:
        return FundingApplication.objects.none()
    return FundingApplication.objects.filter(project=project)


def kpi_list_visible(*, user: User | None, project: Project) -> QuerySet[Kpi]:
    return Kpi.objects.filter(project=project)


def event_list_visible(*, user: User | None, project: Project) -> QuerySet[Event]:
    """The project's timeline; partners see stage changes only, not internal approvals or comments."""
    queryset = Event.objects.filter(project=project).select_related("actor")
    if not project_access(user=user, project=project).sees_internals:
        queryset = queryset.filter(kind="project_transitioned")
    return queryset


def mention_candidates(*, user: User | None, project: Project) -> QuerySet[User]:
    """Whom ``user`` may @mention on the project (the search offers them; a comment notifies no one else).

    Municipal users: everyone on the project. A partner guest: the project's manager and the assignees of
    the tasks the guest sees, the people they work with; never the rest of the municipality or other partners.
    """
    people = project_audience(project=project).everyone()
    if not project_access(user=user, project=project).is_partner_view:
        return people
    assignees = task_list_visible(user=user).filter(project=project, assignee__isnull=False)
    return people.filter(Q(pk=project.manager_id) | Q(pk__in=assignees.values("assignee_id")))
