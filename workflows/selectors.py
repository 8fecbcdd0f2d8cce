"""Permission-scoped reads of approval requests and transition history, and the transitions a user is offered."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.core.errors import Blocker
from backend.projects.access import COORDINATOR, INVOLVED_HEAD, LEAD_HEAD, project_access, projects_held_filter
from backend.projects.models import Project
from backend.projects.selectors import project_list_visible
from workflows import guards
from workflows.machine import TRANSITION_NAMES, TRANSITIONS, transition_target
from workflows.models import ApprovalDecision, ApprovalPolicy, ApprovalRequest, ApprovalStatus, TransitionRecord
from workflows.policies import approver_roles_of, policy_default, quorum_reached


def _decisions_prefetch() -> Prefetch:
    return Prefetch("decisions", queryset=ApprovalDecision.objects.select_related("approver"))


def approval_list_visible(*, user: User | None) -> QuerySet[ApprovalRequest]:
    """Requests the user may decide (by their roles, whatever the status) or made themselves; a coordinator
    sees every request of their municipality (they may withdraw any of them).

    Partner guests take no part in approvals and see none.
    """
    access = user_access(user=user)
    queryset = _on_visible_projects(user=user, access=access)
    if access.is_platform_admin:
        return queryset
    return queryset.filter(
        _may_decide(access)
        | Q(requested_by_id=access.user_id)
        | projects_held_filter(access=access, role=COORDINATOR, prefix="project__")
    )


def _on_visible_projects(*, user: User | None, access) -> QuerySet[ApprovalRequest]:
    """Requests on the projects the user sees (none for anonymous users and partner guests), whoever decides them."""
    queryset = ApprovalRequest.objects.select_related("project", "requested_by").prefetch_related(_decisions_prefetch())
    if access.is_anonymous or access.is_partner_only:
        return queryset.none()
    return queryset.filter(project_id__in=project_list_visible(user=user).values("pk"))


def _may_decide(access) -> Q:
    """Requests the user's roles let them decide; a coordinator also decides their municipality's escalated ones."""
    coordinator = projects_held_filter(access=access, role=COORDINATOR, prefix="project__")
    return (
        (Q(coordinator_approves=True) & coordinator)
        | (Q(escalates_at__lte=timezone.now()) & coordinator)
        | (Q(lead_head_approves=True) & projects_held_filter(access=access, role=LEAD_HEAD, prefix="project__"))
        | (Q(involved_heads_approve=True) & projects_held_filter(access=access, role=INVOLVED_HEAD, prefix="project__"))
    )


def approval_list_pending_for(*, user: User | None) -> QuerySet[ApprovalRequest]:
    """The approvals inbox: pending requests this user may decide and has not decided yet (their own requests
    only where the policy lets the requester approve).

    The visible requests that wait for the user, without the visible list's "may decide, made or coordinates":
    waiting implies it, and repeated it made PostgreSQL expect a tenth of the rows and hash every project of the
    installation instead of reading the pending requests oldest first (EXPLAIN at 10,000 projects: 24-36 → 0.3 ms).
    """
    access = user_access(user=user)
    return _on_visible_projects(user=user, access=access).filter(_waiting_for(access))


def approval_list_not_pending_for(*, user: User | None) -> QuerySet[ApprovalRequest]:
    """The visible requests that are not in the user's inbox (decided ones, and those they only follow): the
    inbox's condition negated, not ``NOT IN`` the inbox's query, which ran every visibility subquery twice.

    A pending request the user may see and is not waiting for is one they made, one of a town they coordinate, or
    one they decided already (whatever else: seeing it takes deciding it, making it or coordinating; not waiting for
    a request one may decide takes having decided it or having made it). Said beside the rest, that lets PostgreSQL
    read those few by their indexes instead of testing every pending request of the installation against the
    user's roles (at 100,000 projects: 15,647 requests and the scope of 104,000 projects read to count none, 39 ms).
    """
    access = user_access(user=user)
    decided = ApprovalDecision.objects.filter(approver_id=access.user_id).values("request_id")
    followed = (
        Q(requested_by_id=access.user_id)
        | Q(pk__in=decided)
        | projects_held_filter(access=access, role=COORDINATOR, prefix="project__")
    )
    not_pending = [status for status in ApprovalStatus.values if status != ApprovalStatus.PENDING]
    return (
        approval_list_visible(user=user)
        .exclude(_waiting_for(access))
        .filter(Q(status__in=not_pending) | (Q(status=ApprovalStatus.PENDING) & followed))
    )


def _waiting_for(access) -> Q:
    condition = Q(status=ApprovalStatus.PENDING)
    if not access.is_platform_admin:
        condition &= _may_decide(access)
    # Under the four-eyes rule one's own request is not for one to decide (the inbox says so among "my requests").
    condition &= ~Q(forbid_self_approval=True, requested_by_id=access.user_id)
    decided = ApprovalDecision.objects.filter(approver_id=access.user_id).values("request_id")
    return condition & ~Q(pk__in=decided)


def transition_history(*, project: Project) -> QuerySet[TransitionRecord]:
    """A visible project's history, oldest first, with every approval that led to each change."""
    return (
        TransitionRecord.objects.filter(project=project)
        .select_related("actor", "approval_request__requested_by")
        .prefetch_related(
            Prefetch("approval_request__decisions", queryset=ApprovalDecision.objects.select_related("approver"))
        )
    )


@dataclass(frozen=True)
class TransitionOption:
    """One transition as a user sees it on a project right now; the API and UI show it as is."""

    name: str
    label: str
    target: str
    allowed: bool
    requires_approval: bool
    requires_reason: bool
    blockers: list[Blocker] = field(default_factory=list)
    pending_request_id: int | None = None


def transition_options(*, project: Project, user: User) -> list[TransitionOption]:
    """Every transition from the project's stage that the user may request, with its state for them."""
    if not project_access(user=user, project=project).is_staff:
        return []
    candidates = sorted(
        (
            fsm_transition
            for fsm_transition in TRANSITIONS
            if fsm_transition.source == project.stage and fsm_transition.has_perm(project, user)
        ),
        key=lambda fsm_transition: TRANSITION_NAMES.index(fsm_transition.name),
    )
    if not candidates:
        return []
    stored = {
        policy.transition: policy for policy in ApprovalPolicy.objects.filter(municipality_id=project.municipality_id)
    }
    pending = dict(
        ApprovalRequest.objects.filter(project=project, status=ApprovalStatus.PENDING).values_list("transition", "pk")
    )
    options = []
    for fsm_transition in candidates:
        name = fsm_transition.name
        policy = stored.get(name) or policy_default(municipality_id=project.municipality_id, transition=name)
        blockers = guards.blockers_for(project, fsm_transition.conditions)
        if name in pending:
            blockers.append(guards.approval_pending_blocker())
        own_roles = [] if policy.forbid_self_approval else approver_roles_of(project, user, policy.approver_roles)
        runs_at_once = not policy.required_approvals or quorum_reached(
            approver_roles=policy.approver_roles,
            required=policy.required_approvals,
            each_role=policy.each_role_must_approve,
            approvals=[own_roles] if own_roles else [],
        )
        options.append(
            TransitionOption(
                name=name,
                label=str(fsm_transition.custom.get("label", name)),
                target=transition_target(project, fsm_transition),
                allowed=not blockers,
                requires_approval=not runs_at_once,
                requires_reason=bool(fsm_transition.custom.get("requires_reason")),
                blockers=blockers,
                pending_request_id=pending.get(name),
            )
        )
    return options
