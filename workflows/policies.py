"""Default approval policies (DESIGN.md's table), the lookup every approval goes through, and who counts
towards a policy's quorum."""

from functools import cache

from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject

from backend.accounts.models import User
from backend.projects import access
from backend.projects.access import project_access
from backend.projects.models import Project
from workflows.models import ApprovalPolicy, ApproverRole

LEAD_HEAD = ApproverRole.LEAD_HEAD
COORDINATOR = ApproverRole.COORDINATOR

# transition: (approving roles, approvals needed, every role must approve)
DEFAULT_POLICIES: dict[str, tuple[tuple[str, ...], int, bool]] = {
    "submit": ((), 0, False),
    "approve_for_funding": ((LEAD_HEAD,), 1, False),
    "start_implementation": ((LEAD_HEAD, COORDINATOR), 2, True),
    "finish_implementation": ((LEAD_HEAD,), 1, False),
    "complete": ((COORDINATOR,), 1, False),
    "return_to_idea": ((LEAD_HEAD,), 1, False),
    "return_to_assessment": ((LEAD_HEAD,), 1, False),
    "reject": ((LEAD_HEAD, COORDINATOR), 1, False),
    "put_on_hold": ((LEAD_HEAD, COORDINATOR), 1, False),
    "resume": ((LEAD_HEAD, COORDINATOR), 1, False),
}


def policy_default(*, municipality_id: int, transition: str) -> ApprovalPolicy:
    roles, required, each_role = DEFAULT_POLICIES[transition]
    return ApprovalPolicy(
        municipality_id=municipality_id,
        transition=transition,
        lead_head_approves=ApproverRole.LEAD_HEAD in roles,
        involved_heads_approve=ApproverRole.INVOLVED_HEAD in roles,
        coordinator_approves=ApproverRole.COORDINATOR in roles,
        required_approvals=required,
        each_role_must_approve=each_role,
    )


def policy_defaults_create(*, municipality_id: int) -> None:
    """Create the default policy of every transition the municipality has none for."""
    existing = set(ApprovalPolicy.objects.filter(municipality_id=municipality_id).values_list("transition", flat=True))
    ApprovalPolicy.objects.bulk_create(
        policy_default(municipality_id=municipality_id, transition=name)
        for name in DEFAULT_POLICIES
        if name not in existing
    )


def policy_subquery(transition: str) -> Subquery:
    """The stored policy of ``transition`` of the town of each project in a query, as one JSON value (null when the
    town stored none), for that query to carry beside its rows as ``stored_policy``: ``policy_of_row`` makes it the
    policy. A transition's lock read carries it, which spared the policy a query of its own."""
    return Subquery(
        ApprovalPolicy.objects.filter(municipality_id=OuterRef("municipality_id"), transition=transition)
        .order_by()
        .values(policy=JSONObject(**{column: column for column in _policy_columns()}))[:1],
        output_field=JSONField(),
    )


def policy_of_row(project: Project, transition: str) -> ApprovalPolicy:
    """The policy of ``transition`` that ``policy_subquery`` read with ``project`` (as ``stored_policy``): the
    stored one, or the default when the town stored none (never an error). Every column of a policy is a number, a
    truth value or a text, which JSON carries as they are: a column of another type would need its conversion here."""
    if project.stored_policy is None:
        return policy_default(municipality_id=project.municipality_id, transition=transition)
    columns = _policy_columns()
    return ApprovalPolicy.from_db(project._state.db, columns, [project.stored_policy[column] for column in columns])


@cache
def _policy_columns() -> tuple[str, ...]:
    return tuple(field.attname for field in ApprovalPolicy._meta.concrete_fields)


# The project role (backend.projects.access) each approving role of a policy stands for.
PROJECT_ROLE_OF_APPROVER = {
    ApproverRole.LEAD_HEAD.value: access.LEAD_HEAD,
    ApproverRole.INVOLVED_HEAD.value: access.INVOLVED_HEAD,
    ApproverRole.COORDINATOR.value: access.COORDINATOR,
}


def approver_roles_of(project: Project, user: User, approver_roles: list[str]) -> list[str]:
    """The approving roles of a policy (or request) that this user holds on this project."""
    held = project_access(user=user, project=project).roles
    return [role for role in approver_roles if PROJECT_ROLE_OF_APPROVER[role] in held]


def quorum_reached(*, approver_roles: list[str], required: int, each_role: bool, approvals: list[list[str]]) -> bool:
    """``approvals`` holds, per approving person, the roles they approved as."""
    if len(approvals) < required:
        return False
    if each_role:
        covered = {role for roles in approvals for role in roles}
        return all(role in covered for role in approver_roles)
    return True
