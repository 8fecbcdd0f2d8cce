"""Who a user is to a project and what they may do on it: the one home of that answer.

Selectors, services, views, serializers, templates and notification rules ask ``project_access`` (one user,
one project) or ``project_audience`` (everyone who may see one project); no other module counts roles. Which
projects a user sees at all is the selectors' filter (``project_list_visible``); this module answers what
someone who sees a project is to it.

Audiences
---------
``staff``    works for the project's municipality (or operates the platform): holds roles, sees everything.
``shared``   works for a municipality the project is shared with: sees everything, holds no role on it.
``partner``  a guest of a partner organisation (and of no municipality that owns the project): sees only
             shared comments, their own tasks and the partner fields; contributes only with contribute access.
``none``     anonymous, or someone the project is not for. A public audience of the portal goes here too,
             beside it: it sees no internals and may do nothing.

A user both of a municipality and of a partner organisation is a partner guest on every project their own
municipality does not own: the guest's shape is the safe one when in doubt.
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from django.db.models import Q, QuerySet

from backend.accounts.models import Membership, Role, User
from backend.accounts.selectors import Access, user_access
from backend.projects.choices import PartnerAccessLevel
from backend.projects.models import Project, ProjectPartner

# Roles on one project (municipal staff of its municipality only).
COORDINATOR = "coordinator"
LEAD_HEAD = "lead_head"
INVOLVED_HEAD = "involved_head"
MANAGER = "manager"
AUTHOR = "author"
STAFF = "staff"

# Who edits the project and what hangs on it (fields, funding, KPIs, partners, others' attachments).
EDITOR_ROLES = frozenset({MANAGER, LEAD_HEAD, INVOLVED_HEAD, COORDINATOR})
# Who may ask for a transition at all: every transition's permission is a subset (workflows.permissions).
REQUESTER_ROLES = frozenset({MANAGER, AUTHOR, LEAD_HEAD, COORDINATOR})


class Audience(StrEnum):
    STAFF = "staff"
    SHARED = "shared"
    PARTNER = "partner"
    NONE = "none"


_MEMO_ATTRIBUTE = "_ramec_access"


class ProjectAccess:
    """What one user is to one project. Built by ``project_access``; every answer is computed at most once.

    The audience costs no query; the roles cost one (the involved departments) unless they were prefetched;
    a partner's contribute access costs one, asked only of partner guests.
    """

    def __init__(self, *, project: Project, access: Access) -> None:
        self.project = project
        self.access = access

    def __repr__(self) -> str:
        user, project = self.access.user_id, self.project.pk
        return f"<ProjectAccess user={user} project={project} {self.audience} {sorted(self.roles)}>"

    @cached_property
    def audience(self) -> Audience:
        access = self.access
        if access.is_anonymous:
            return Audience.NONE
        if access.is_staff_in(self.project.municipality_id):
            return Audience.STAFF
        if access.partner_of:
            return Audience.PARTNER
        if access.municipality_ids:
            return Audience.SHARED
        return Audience.NONE

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles the user holds on this project; empty for everyone but the municipality's staff."""
        if self.audience != Audience.STAFF:
            return frozenset()
        access, project = self.access, self.project
        roles = {STAFF}
        if access.is_coordinator_in(project.municipality_id):
            roles.add(COORDINATOR)
        if project.lead_department_id is not None and project.lead_department_id in access.head_of:
            roles.add(LEAD_HEAD)
        if access.head_of and access.head_of.intersection(involved_department_ids(project)):
            roles.add(INVOLVED_HEAD)
        if project.manager_id is not None and project.manager_id == access.user_id:
            roles.add(MANAGER)
        if project.author_id is not None and project.author_id == access.user_id:
            roles.add(AUTHOR)
        return frozenset(roles)

    @property
    def is_staff(self) -> bool:
        """Works for the project's municipality: creates and edits tasks, may hold roles."""
        return self.audience == Audience.STAFF

    @property
    def is_partner_view(self) -> bool:
        """Sees the project only as a partner guest."""
        return self.audience == Audience.PARTNER

    @property
    def sees_internals(self) -> bool:
        """Internal comments, funding, costs, approvals and the whole timeline."""
        return self.audience in (Audience.STAFF, Audience.SHARED)

    @property
    def is_coordinator(self) -> bool:
        return COORDINATOR in self.roles

    @property
    def may_edit(self) -> bool:
        """Fields, funding applications, KPIs, partner organisations: the manager, heads, the coordinator."""
        return bool(self.roles & EDITOR_ROLES)

    @property
    def may_transition(self) -> bool:
        """May ask for some transition of the pipeline (which ones: workflows.permissions)."""
        return bool(self.roles & REQUESTER_ROLES)

    @cached_property
    def may_contribute(self) -> bool:
        """May comment, attach files and work on tasks assigned to them: municipal users, partners with
        contribute access."""
        if self.sees_internals:
            return True
        if not self.is_partner_view:
            return False
        return ProjectPartner.objects.filter(
            project_id=self.project.pk,
            organization_id__in=self.access.partner_of,
            access_level=PartnerAccessLevel.CONTRIBUTE,
        ).exists()


def project_access(*, user: User | None, project: Project) -> ProjectAccess:
    """What ``user`` is to ``project``, remembered on the project object for the rest of the request.

    The memo is keyed by the user's memberships and the fields roles depend on, so a project whose manager or
    lead department was just changed is asked again; services that change partner access call
    ``project_access_forget``.
    """
    access = user_access(user=user)
    memo = project.__dict__.setdefault(_MEMO_ATTRIBUTE, {})
    key = (access, project.municipality_id, project.lead_department_id, project.manager_id, project.author_id)
    if key not in memo:
        memo[key] = ProjectAccess(project=project, access=access)
    return memo[key]


def project_access_forget(*, project: Project) -> None:
    project.__dict__.pop(_MEMO_ATTRIBUTE, None)


def involved_department_ids(project: Project) -> set[int]:
    """Departments involved besides the lead one; uses the prefetch cache when the caller made one."""
    return {department.pk for department in project.departments.all()}


# --- the same rules over many projects, as query filters -------------------------------------------------------


def sees_internals_everywhere(*, access: Access) -> bool:
    """True when the user is a partner guest on no project they see (so internal columns may be offered)."""
    return access.is_platform_admin or not access.partner_of


def internal_projects_filter(*, access: Access, prefix: str = "") -> Q:
    """Projects (``prefix`` leads from the queried model to one) whose internals the user sees: the rule of
    ``ProjectAccess.sees_internals`` as a filter, for lists and aggregates. Use with visible projects only."""
    if sees_internals_everywhere(access=access):
        return Q()
    return Q(**{f"{prefix}municipality_id__in": access.municipality_ids})


def sees_internals_in(*, access: Access, municipality_id: int) -> bool:
    """``ProjectAccess.sees_internals`` of a visible project of that municipality, for rows read without a
    Project object: the rule of ``internal_projects_filter`` for one row."""
    return sees_internals_everywhere(access=access) or municipality_id in access.municipality_ids


def projects_held_filter(*, access: Access, role: str, prefix: str = "") -> Q:
    """Projects (``prefix`` leads from the queried model to one) on which the user holds ``role`` (COORDINATOR,
    LEAD_HEAD or INVOLVED_HEAD): the rule of ``ProjectAccess.roles`` as a filter, for inboxes and lists.
    Platform operators are left out: they hold roles everywhere and would match every row."""
    if role == COORDINATOR:
        return Q(**{f"{prefix}municipality_id__in": access.coordinator_of})
    if role == LEAD_HEAD:
        return Q(**{f"{prefix}lead_department_id__in": access.head_of})
    if role == INVOLVED_HEAD:
        involved = Project.departments.through.objects.filter(department_id__in=access.head_of)
        return Q(**{f"{prefix}pk__in": involved.values("project_id")})
    raise ValueError(f"No project filter for the role {role!r}.")


# --- everyone who may see one project --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectAudience:
    """Active people who may see one project, split as ``ProjectAccess`` splits them (internal or guest).

    Platform operators are not among them: they see everything but take no part in a project's work.
    """

    project: Project

    def _staff_of(self, municipalities) -> QuerySet[Membership]:
        return Membership.objects.filter(municipality_id__in=municipalities).exclude(role=Role.PARTNER)

    def _owning_staff(self) -> QuerySet[Membership]:
        return self._staff_of([self.project.municipality_id])

    def _sharing_staff(self) -> QuerySet[Membership]:
        shared = Project.shared_with.through.objects.filter(project_id=self.project.pk)
        return self._staff_of(shared.values("municipality_id"))

    def _guests(self, *, contributing: bool) -> QuerySet[Membership]:
        invited = ProjectPartner.objects.filter(project_id=self.project.pk)
        if contributing:
            invited = invited.filter(access_level=PartnerAccessLevel.CONTRIBUTE)
        return Membership.objects.filter(role=Role.PARTNER, organization_id__in=invited.values("organization_id"))

    def _users(self, condition: Q) -> QuerySet[User]:
        return User.objects.filter(condition, is_active=True)

    def staff(self) -> QuerySet[User]:
        """The municipality's own staff: who may be its manager, create its tasks and hold roles on it."""
        return self._users(Q(pk__in=self._owning_staff().values("user_id")))

    def internal(self) -> QuerySet[User]:
        """Who sees the project with its internals: its own staff and the staff of the municipalities it is
        shared with, unless they are also partner guests (see the module docstring)."""
        is_guest = Q(pk__in=Membership.objects.filter(role=Role.PARTNER).values("user_id"))
        sharing = Q(pk__in=self._sharing_staff().values("user_id")) & ~is_guest
        return self._users(Q(pk__in=self._owning_staff().values("user_id")) | sharing)

    def partners(self, *, contributing: bool = False) -> QuerySet[User]:
        """Who sees the project as a partner guest; with ``contributing`` only those who may contribute."""
        seen_as_guest = Q(pk__in=self._guests(contributing=contributing).values("user_id"))
        if not contributing:
            # Staff of a sharing municipality who are also a guest somewhere read it as guests, read-only.
            is_guest = Q(pk__in=Membership.objects.filter(role=Role.PARTNER).values("user_id"))
            seen_as_guest |= Q(pk__in=self._sharing_staff().values("user_id")) & is_guest
        return self._users(seen_as_guest).exclude(pk__in=self._owning_staff().values("user_id"))

    def holding(self, *roles: str, or_watching: bool = False) -> QuerySet[User]:
        """Who holds any of ``roles`` on the project (the other way round of ``ProjectAccess.roles``); with
        ``or_watching``, its watchers too, in the same query."""
        project = self.project
        heads = Membership.objects.filter(role=Role.HEAD)
        condition = Q(pk__in=[])
        if COORDINATOR in roles:
            coordinators = Membership.objects.filter(role=Role.COORDINATOR, municipality_id=project.municipality_id)
            condition |= Q(pk__in=coordinators.values("user_id"))
        # Heads of the lead and of the involved departments in one subquery.
        departments = Q(pk__in=[])
        if LEAD_HEAD in roles and project.lead_department_id is not None:
            departments |= Q(department_id=project.lead_department_id)
        if INVOLVED_HEAD in roles:
            involved = Project.departments.through.objects.filter(project_id=project.pk).values("department_id")
            departments |= Q(department_id__in=involved)
        if LEAD_HEAD in roles or INVOLVED_HEAD in roles:
            condition |= Q(pk__in=heads.filter(departments).values("user_id"))
        for role, user_id in ((MANAGER, project.manager_id), (AUTHOR, project.author_id)):
            if role in roles and user_id is not None:
                condition |= Q(pk=user_id)
        if or_watching:
            condition |= Q(pk__in=Project.watchers.through.objects.filter(project_id=project.pk).values("user_id"))
        return self._users(condition)

    # ``everyone`` and ``contributors`` are ``internal() | partners(…)`` with the condition reduced: staff of a
    # sharing municipality see the project (inside or as guests), so the guest tests cancel out; and one condition
    # over three or four subqueries, not two querysets combined, which cost a notification's fan-out more than
    # running the query (8 ms a transition).
    def everyone(self) -> QuerySet[User]:
        return self._users(
            Q(pk__in=self._owning_staff().values("user_id"))
            | Q(pk__in=self._sharing_staff().values("user_id"))
            | Q(pk__in=self._guests(contributing=False).values("user_id"))
        )

    def contributors(self) -> QuerySet[User]:
        """Who may comment and work on tasks: everyone inside, and guests of organisations that contribute."""
        is_guest = Q(pk__in=Membership.objects.filter(role=Role.PARTNER).values("user_id"))
        return self._users(
            Q(pk__in=self._owning_staff().values("user_id"))
            | (Q(pk__in=self._sharing_staff().values("user_id")) & ~is_guest)
            | Q(pk__in=self._guests(contributing=True).values("user_id"))
        )


def project_audience(*, project: Project) -> ProjectAudience:
    """Everyone who may see ``project``. People pickers (assignees, mentions) and notification recipients both
    ask it, so whoever can be picked hears of the project, and whoever hears of it can be picked."""
    return ProjectAudience(project=project)
