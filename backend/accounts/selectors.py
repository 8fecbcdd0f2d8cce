"""What a user is, read once per request: their municipalities, departments, organisations and roles."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.postgres.aggregates import JSONBAgg
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONArray

from backend.accounts.models import GROUP_KINDS, Department, Membership, Municipality, PartnerOrganization, Role, User

_CACHE_ATTRIBUTE = "_ramec_access"


@dataclass(frozen=True)
class Access:
    """The roles of one user. Superusers are platform operators and act as coordinator everywhere."""

    user_id: int | None = None
    is_platform_admin: bool = False
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    coordinator_of: frozenset[int] = field(default_factory=frozenset)
    head_of: frozenset[int] = field(default_factory=frozenset)
    manager_of: frozenset[int] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)
    partner_of: frozenset[int] = field(default_factory=frozenset)
    # Municipalities where a member other than the coordinator was made a moderator of citizen ideas.
    idea_moderator_of: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_partner_only(self) -> bool:
        return bool(self.partner_of) and not self.municipality_ids and not self.is_platform_admin

    def is_coordinator_in(self, municipality_id: int) -> bool:
        return self.is_platform_admin or municipality_id in self.coordinator_of

    def moderates_ideas_in(self, municipality_id: int) -> bool:
        """Moderates the municipality's citizen ideas: its coordinator, or a member the coordinator named."""
        return self.is_coordinator_in(municipality_id) or municipality_id in self.idea_moderator_of

    @property
    def moderates_ideas(self) -> bool:
        return self.is_platform_admin or bool(self.coordinator_of or self.idea_moderator_of)

    def is_staff_in(self, municipality_id: int) -> bool:
        """Any municipal role (not partner) in this municipality."""
        return self.is_platform_admin or municipality_id in self.municipality_ids


ANONYMOUS_ACCESS = Access()


# The membership columns the roles are computed from, in the order ``_access_from`` reads them.
MEMBERSHIP_COLUMNS = ("role", "municipality_id", "department_id", "organization_id", "moderates_ideas")


def user_access(*, user: User | None) -> Access:
    """The user's roles, computed with one query and cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_ACCESS
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    return user_access_prime(
        user=user, memberships=Membership.objects.filter(user=user).order_by().values_list(*MEMBERSHIP_COLUMNS)
    )


def user_access_prime(*, user: User, memberships: Iterable[Sequence]) -> Access:
    """The user's roles from their memberships read elsewhere (each a row of ``MEMBERSHIP_COLUMNS``), e.g. in the
    same query as the user (API token authentication); cached on the user object as ``user_access`` caches."""
    municipality_ids, coordinator_of, head_of, manager_of, department_ids, partner_of = (set() for _ in range(6))
    idea_moderator_of = set()
    for role, municipality_id, department_id, organization_id, moderates_ideas in memberships:
        if role == Role.PARTNER:
            partner_of.add(organization_id)
            continue
        municipality_ids.add(municipality_id)
        if moderates_ideas:
            idea_moderator_of.add(municipality_id)
        if role == Role.COORDINATOR:
            coordinator_of.add(municipality_id)
        else:
            department_ids.add(department_id)
            if role == Role.HEAD:
                head_of.add(department_id)
            elif role == Role.MANAGER:
                manager_of.add(department_id)
    access = Access(
        user_id=user.pk,
        is_platform_admin=user.is_superuser,
        municipality_ids=frozenset(municipality_ids),
        coordinator_of=frozenset(coordinator_of),
        head_of=frozenset(head_of),
        manager_of=frozenset(manager_of),
        department_ids=frozenset(department_ids),
        partner_of=frozenset(partner_of),
        idea_moderator_of=frozenset(idea_moderator_of),
    )
    setattr(user, _CACHE_ATTRIBUTE, access)
    return access


def user_memberships_json(user_column: str) -> Subquery:
    """The memberships of the user whose id is in ``user_column`` of the outer query, as one jsonb array of
    ``MEMBERSHIP_COLUMNS`` rows (PostgreSQL), for ``user_access_prime``."""
    rows = (
        Membership.objects.filter(user_id=OuterRef(user_column))
        .order_by()
        .values("user_id")
        .annotate(rows=JSONBAgg(JSONArray(*MEMBERSHIP_COLUMNS)))
        .values("rows")
    )
    return Subquery(rows)


def user_access_forget(*, user: User) -> None:
    """Drop the cached roles, after memberships changed."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def municipality_list_visible(*, user: User | None) -> QuerySet[Municipality]:
    access = user_access(user=user)
    if access.is_platform_admin:
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=access.municipality_ids)


def groups_of(*, municipality_ids) -> QuerySet[Municipality]:
    """The DSOs and MASes whose members include any of ``municipality_ids`` (ids or a subquery of ids), as a
    subquery: their strategies are read by the members' staff, their measures serve the members' projects."""
    return Municipality.objects.filter(kind__in=GROUP_KINDS, members__in=municipality_ids)


def department_list_visible(*, user: User | None) -> QuerySet[Department]:
    """Departments of the user's municipalities; a partner sees none (they see lead departments by name)."""
    access = user_access(user=user)
    qs = Department.objects.select_related("municipality")
    if access.is_platform_admin:
        return qs
    return qs.filter(municipality_id__in=access.municipality_ids)


def organization_list_visible(*, user: User | None) -> QuerySet[PartnerOrganization]:
    """Partner organisations of the user's municipalities; a partner guest sees only their own."""
    access = user_access(user=user)
    qs = PartnerOrganization.objects.select_related("municipality")
    if access.is_platform_admin:
        return qs
    return qs.filter(pk__in=access.partner_of) | qs.filter(municipality_id__in=access.municipality_ids)


def user_list_visible(*, user: User | None) -> QuerySet[User]:
    """People a municipal user may assign, invite or mention: everyone with a role in their municipalities.

    A partner guest sees the people of their own organisation only.
    """
    access = user_access(user=user)
    qs = User.objects.filter(is_active=True)
    if access.is_platform_admin:
        return qs
    if access.municipality_ids:
        return qs.filter(memberships__municipality_id__in=access.municipality_ids).distinct()
    return qs.filter(memberships__organization_id__in=access.partner_of).distinct()
