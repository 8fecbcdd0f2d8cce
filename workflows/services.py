"""The only ways to move a project: ``project_transition`` and ``approval_decide``.

Both run in one transaction that locks the project row, check the transition, its guards and the
actor's right, and write the stage, the history row and the events together, or nothing at all.
A refusal is written to the audit log after that transaction rolled back (``_audited_refusal``).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, Transition

from backend.accounts.models import User
from backend.core.audit import audit_record, mark_audited
from backend.core.compiled import CompiledQuery, query_compile
from backend.core.errors import (
    ConcurrentChange,
    DomainError,
    NotFound,
    PermissionDenied,
    TransitionBlocked,
    TransitionNotAllowed,
)
from backend.core.models import AuditAction
from backend.core.resolutions import ResolutionBody
from backend.core.text import trimmed
from backend.core.writes import insert_parameters, insert_sql, saves_announced, update_parameters, update_sql
from backend.projects.access import project_access
from backend.projects.models import Event, EventKind, Project
from backend.projects.services import event_announce, event_record
from backend.projects.stages import Stage
from workflows import guards
from workflows.machine import TRANSITION_NAMES, TRANSITIONS, transition_from_current_stage
from workflows.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStatus,
    ApproverRole,
    Decision,
    PipelineProject,
    TransitionRecord,
)
from workflows.policies import approver_roles_of, policy_of_row, policy_subquery, quorum_reached

# The columns a transition writes: the stage, where it was put on hold from, when it moved, and ``updated_at``.
TRANSITION_FIELDS = ("stage", "stage_before_hold", "stage_changed_at", "updated_at")


@dataclass(frozen=True)
class TransitionOutcome:
    """What a request to move a project did: ran it (``record``) or is waiting for approval."""

    project: Project
    record: TransitionRecord | None = None
    approval_request: ApprovalRequest | None = None

    @property
    def executed(self) -> bool:
        return self.record is not None


def _lock_project(project_id: int, *, transition: str | None = None) -> PipelineProject:
    """The project row, locked, as the proxy that carries the state machine; only that row: ``FOR UPDATE`` of a
    join locks the joined rows too, and the municipality's row locked made every transition of a town wait for
    the one before it (p95 of 8 clients at once grew with their number). ``NO KEY UPDATE``: rows that refer to
    the project (its history, events, notifications, comments) can still be written meanwhile; no transition
    changes its id.

    For a known ``transition`` the row carries the town's stored policy of it (``stored_policy``, read by
    ``policy_of_row``), which was a query of its own. A lock read that waited for another transaction sees that
    transaction's change of this row, but other tables as they stood when it started: a policy saved in the admin
    while the transition waited applies from the next one (nothing orders the two; the transition may as well have
    come first). Not whether the project has pending requests, which must be read after the lock: a request made
    meanwhile would be missed (tests/workflows/test_concurrency.py)."""
    found = _lock_query(transition if transition in TRANSITION_NAMES else None).objects(project=project_id)
    if not found:
        raise NotFound(_("Project not found."))
    return found[0]


@functools.cache
def _lock_query(transition: str | None) -> CompiledQuery:
    """The lock read compiled once per transition (inside a transaction, as ``FOR UPDATE`` must be): building it
    was a third of a transition's reads."""

    def build(*, project: int) -> QuerySet[PipelineProject]:
        locked = (
            PipelineProject.objects.select_for_update(of=("self",), no_key=True)
            .select_related("municipality")
            .filter(pk=project)
        )
        return locked if transition is None else locked.annotate(stored_policy=policy_subquery(transition))

    return query_compile(build, "project")


def _check_known(name: str) -> None:
    if name not in TRANSITION_NAMES:
        raise TransitionNotAllowed(
            _("There is no transition called “%(name)s”.") % {"name": name}, code="unknown_transition"
        )


def _check_may_move_at_all(*, project: Project, actor: User) -> None:
    """Someone no transition of any stage lets move this project (a partner guest, say) is refused as such:
    403 whatever the stage, rather than a 409 that the stage is wrong, as if another stage would do."""
    if not any(fsm_transition.has_perm(project, actor) for fsm_transition in TRANSITIONS):
        raise PermissionDenied(_("You may not move this project between stages."))


def _check_requestable(*, project: Project, actor: User, name: str, comment: str, policy: ApprovalPolicy) -> Transition:
    fsm_transition = transition_from_current_stage(project, name)
    if fsm_transition is None:
        raise TransitionNotAllowed(
            _("The transition “%(name)s” is not possible from the stage “%(stage)s”.")
            % {"name": name, "stage": Stage(project.stage).label},
            code="wrong_stage",
        )
    if not fsm_transition.has_perm(project, actor):
        raise PermissionDenied(_("You may not request this transition on this project."))
    blockers = guards.blockers_for(project, fsm_transition.conditions)
    if fsm_transition.custom.get("requires_reason") and not comment:
        blockers.append(guards.reason_blocker())
    if (
        policy.required_approvals
        and ApprovalRequest.objects.filter(project=project, transition=name, status=ApprovalStatus.PENDING).exists()
    ):
        blockers.append(guards.approval_pending_blocker())
    if blockers:
        raise TransitionBlocked(_("The project cannot move yet."), blockers=blockers)
    return fsm_transition


def _execute(
    *, project: Project, name: str, actor: User, comment: str, approval_request: ApprovalRequest | None = None
) -> TransitionRecord:
    """Run the transition on the locked project and write its stage, history row and event; cancel the requests made
    for the stage it left."""
    source = project.stage
    getattr(project, name)()
    project.stage_changed_at = timezone.now()
    record = TransitionRecord(
        project=project,
        transition=name,
        source=source,
        target=project.stage,
        actor=actor,
        comment=comment,
        approval_request=approval_request,
    )
    event = Event(
        project=project,
        kind=EventKind.PROJECT_TRANSITIONED,
        actor=actor,
        payload={
            "transition": name,
            "source": source,
            "target": project.stage,
            "approval_request_id": approval_request.pk if approval_request else None,
        },
    )
    write = _write_in_one if connections[project._state.db].vendor == "postgresql" else _write_by_saves
    stale_ids = write(project=project, source=source, record=record, event=event, running=approval_request)
    # The project's save renewed the town's stamps (``backend.projects.receivers``): the strategy coverage, which sums
    # the stage, depends on the town's stamp too, so it needs no renewal of its own (that was two more Redis round
    # trips). The event's listeners write its notifications and webhook deliveries in this transaction.
    event_announce(event)
    # Requests made for the stage the project just left can no longer run.
    if stale_ids:
        for stale in ApprovalRequest.objects.filter(pk__in=stale_ids).order_by("pk"):
            _request_close(
                stale, project=project, status=ApprovalStatus.CANCELLED, kind=EventKind.APPROVAL_CANCELLED, actor=actor
            )
    return record


# The project's UPDATE, its history row and its event in one statement, which also reads the project's pending
# requests (after the lock: a request made while this transition waited for it is seen, tests/workflows/
# test_concurrency.py). They were four statements, each with its save(), SQL compilation and signals: a third of a
# transition's CPU under load (bench/scale.py). The event's payload gets the history row's id from its own part.
_MOVE = """WITH moved AS ({update}), record AS ({record}), event AS ({event})
SELECT (SELECT count(*) FROM moved), (SELECT {record_pk} FROM record), (SELECT {event_pk} FROM event),
    ARRAY(SELECT {request_pk} FROM {requests} WHERE {request_project} = %s AND {request_status} = %s
        AND {request_pk} IS DISTINCT FROM %s ORDER BY {request_pk})"""


@functools.cache
def _move_sql() -> str:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    requests, record_pk = ApprovalRequest._meta, quote(TransitionRecord._meta.pk.column)
    return _MOVE.format(
        update=update_sql(PipelineProject, TRANSITION_FIELDS, ("stage",)),
        record=insert_sql(TransitionRecord),
        event=insert_sql(
            Event,
            (("payload", f"%s || jsonb_build_object('record_id', (SELECT {record_pk} FROM record))"),),  # noqa: S608
        ),
        record_pk=record_pk,
        event_pk=quote(Event._meta.pk.column),
        request_pk=quote(requests.pk.column),
        requests=quote(requests.db_table),
        request_project=quote(requests.get_field("project").column),
        request_status=quote(requests.get_field("status").column),
    )


def _write_in_one(
    *, project: Project, source: str, record: TransitionRecord, event: Event, running: ApprovalRequest | None
) -> list[int]:
    """PostgreSQL: the three rows in one statement (``_MOVE``); the ids of the project's other pending requests."""
    using = project._state.db
    with saves_announced([record, event], {project: TRANSITION_FIELDS}, using=using):
        parameters = [
            *update_parameters(project, TRANSITION_FIELDS, using=using),
            project.pk,
            source,
            *insert_parameters(record, using=using),
            *insert_parameters(event, using=using),
            project.pk,
            ApprovalStatus.PENDING,
            running.pk if running else None,
        ]
        with connections[using].cursor() as cursor:
            cursor.execute(_move_sql(), parameters)
            moved, record.pk, event.pk, stale_ids = cursor.fetchone()
        if not moved:  # the lock makes this impossible; django-fsm's check of the stage, kept as it was
            raise ConcurrentChange(_("Someone else changed the project's stage in the meantime."))
        project._update_initial_state()  # what django-fsm's save() does after writing
        event.payload["record_id"] = record.pk
    return stale_ids


def _write_by_saves(
    *, project: Project, source: str, record: TransitionRecord, event: Event, running: ApprovalRequest | None
) -> list[int]:
    """Other databases (the SQLite demo): each row by its ``save()``."""
    try:
        # Only what a transition changes (``put_on_hold`` and ``resume`` keep the stage left): an UPDATE of every
        # column rewrote the description and the rest of the row with each move.
        project.save(update_fields=TRANSITION_FIELDS)
    except ConcurrentTransition:
        raise ConcurrentChange(_("Someone else changed the project's stage in the meantime.")) from None
    record.save()
    event.payload["record_id"] = record.pk
    event.save()
    pending = _pending_requests(excluding=running is not None)
    return [request.pk for request in pending.objects(project=project.pk, running=running.pk if running else None)]


@functools.cache
def _pending_requests(*, excluding: bool) -> CompiledQuery:
    """The project's pending requests (``excluding`` the one that runs the transition), compiled once: each
    transition asks, and there are seldom any."""

    def build(*, project: int, running: int) -> QuerySet[ApprovalRequest]:
        pending = ApprovalRequest.objects.filter(project_id=project, status=ApprovalStatus.PENDING)
        return pending.exclude(pk=running) if excluding else pending

    return query_compile(build, "project", "running")


def _require_pending(request: ApprovalRequest) -> None:
    if request.status != ApprovalStatus.PENDING:
        raise ConcurrentChange(
            _("This approval request has already been decided (%(status)s).")
            % {"status": ApprovalStatus(request.status).label},
            code="already_decided",
        )


def _request_close(
    request: ApprovalRequest, *, project: Project, status: str, kind: str, actor: User, **payload
) -> None:
    """End a request (rejected or cancelled) and put it on the project's timeline."""
    request.status = status
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    event_record(
        project=project,
        kind=kind,
        actor=actor,
        approval_request_id=request.pk,
        transition=request.transition,
        requested_by_id=request.requested_by_id,
        **payload,
    )


def _audited_refusal(action: AuditAction) -> Callable:
    """Record in the audit log every domain error the service raises, then re-raise it.

    The entry is written here, outside the service's transaction: written inside, it would roll back with it.
    """

    def decorate(service: Callable[..., TransitionOutcome]) -> Callable[..., TransitionOutcome]:
        @functools.wraps(service)
        def audited(**kwargs) -> TransitionOutcome:
            try:
                return service(**kwargs)
            except DomainError as error:
                _record_refusal(action, error, **kwargs)
                mark_audited(error)
                raise

        return audited

    return decorate


def _record_refusal(action: AuditAction, error: DomainError, *, actor: User, **kwargs) -> None:
    details = {"code": error.code, "message": str(error)}
    if isinstance(error, TransitionBlocked):
        details["blockers"] = [blocker.code for blocker in error.blockers]
    if "approval_request" in kwargs:
        subject = kwargs["approval_request"]
        details.update(transition=subject.transition, decision=kwargs.get("decision", ""), project=subject.project_id)
        municipality_ids = Project.objects.filter(pk=subject.project_id).values_list("municipality_id", flat=True)
        object_type = "approval_request"
    else:
        subject = kwargs["project"]
        details["transition"] = kwargs.get("transition", "")
        municipality_ids = [subject.municipality_id]
        object_type = "project"
    audit_record(
        action=action,
        actor=actor,
        municipality_ids=list(municipality_ids),
        object_type=object_type,
        object_id=subject.pk,
        details=details,
    )


@_audited_refusal(AuditAction.TRANSITION_REFUSED)
def project_transition(
    *, project: Project, actor: User, transition: str, comment: str = "", expected_stage: str | None = None
) -> TransitionOutcome:
    """Run a transition, or request it when its policy needs approvals.

    The caller's ``project`` is the state they saw: if the stage changed since, nothing happens and
    ``ConcurrentChange`` is raised. ``expected_stage`` is the stage the person saw when they asked (a button
    pressed on a page loaded earlier, an API client's last read): if the project stands elsewhere now,
    nothing happens either and ``ConcurrentChange`` (code ``stage_changed``) names where it is. When the
    requester is an approver, their request counts as their approval, so a head requesting a transition only
    they must approve runs it at once.
    """
    comment = trimmed(comment or "")
    with transaction.atomic():
        locked = _lock_project(project.pk, transition=transition)
        if locked.stage != project.stage:
            raise ConcurrentChange(_("Someone else changed the project's stage in the meantime."))
        _check_may_move_at_all(project=locked, actor=actor)
        if expected_stage and locked.stage != expected_stage:
            raise ConcurrentChange(
                _("The project has moved to “%(stage)s” in the meantime; check the transitions again.")
                % {"stage": Stage(locked.stage).label},
                code="stage_changed",
            )
        _check_known(transition)
        policy = policy_of_row(locked, transition)
        _check_requestable(project=locked, actor=actor, name=transition, comment=comment, policy=policy)
        if not policy.required_approvals:
            record = _execute(project=locked, name=transition, actor=actor, comment=comment)
            return TransitionOutcome(project=locked, record=record)

        request = ApprovalRequest.objects.create(
            project=locked,
            transition=transition,
            requested_by=actor,
            comment=comment,
            lead_head_approves=policy.lead_head_approves,
            involved_heads_approve=policy.involved_heads_approve,
            coordinator_approves=policy.coordinator_approves,
            required_approvals=policy.required_approvals,
            each_role_must_approve=policy.each_role_must_approve,
            forbid_self_approval=policy.forbid_self_approval,
            requires_resolution=policy.requires_resolution,
            reminder_after_days=policy.reminder_after_days,
            escalate_after_days=policy.escalate_after_days,
            escalates_at=(
                timezone.now() + timedelta(days=policy.escalate_after_days) if policy.escalate_after_days else None
            ),
        )
        # Under the four-eyes rule the request is only a request: someone else must approve it.
        # A policy that wants a council resolution gets it from an explicit approval, never from the request.
        counts_own = not (request.forbid_self_approval or request.requires_resolution)
        own_roles = approver_roles_of(locked, actor, request.approver_roles) if counts_own else []
        if own_roles:
            ApprovalDecision.objects.create(
                request=request, approver=actor, decision=Decision.APPROVE, as_roles=own_roles, comment=comment
            )
        if own_roles and _request_quorum_reached(request, locked):
            request.status = ApprovalStatus.APPROVED
            request.decided_at = timezone.now()
            request.save(update_fields=["status", "decided_at"])
            record = _execute(project=locked, name=transition, actor=actor, comment=comment, approval_request=request)
            return TransitionOutcome(project=locked, record=record, approval_request=request)
        event_record(
            project=locked,
            kind=EventKind.APPROVAL_REQUESTED,
            actor=actor,
            approval_request_id=request.pk,
            transition=transition,
            requested_by_id=actor.pk,
        )
        return TransitionOutcome(project=locked, approval_request=request)


def _request_quorum_reached(request: ApprovalRequest, project: Project) -> bool:
    """Count each approval only for the roles its approver still holds on the project now: someone who left
    the department, was deactivated or is no longer head of the lead department no longer counts."""
    approvals = []
    for decision in request.decisions.filter(decision=Decision.APPROVE).select_related("approver"):
        if not decision.approver.is_active:
            continue
        still_held = set(approver_roles_of(project, decision.approver, request.approver_roles))
        roles = [role for role in decision.as_roles if role in still_held]
        if roles:
            approvals.append(roles)
    return quorum_reached(
        approver_roles=request.approver_roles,
        required=request.required_approvals,
        each_role=request.each_role_must_approve,
        approvals=approvals,
    )


def _resolution_checked(body: str, number: str, day: date | None) -> dict:
    """The resolution fields of a decision, or none when none was given; a half-given one is refused."""
    number = trimmed(number or "")
    if not number and day is None:
        return {}
    if not number or day is None:
        raise ValidationError({"resolution_number": _("Give both the number and the date of the council resolution.")})
    if day > timezone.localdate():
        raise ValidationError({"resolution_date": _("The date of the resolution cannot be in the future.")})
    if body not in ResolutionBody.values:
        body = ResolutionBody.ASSEMBLY
    return {"resolution_body": body, "resolution_number": number, "resolution_date": day}


@_audited_refusal(AuditAction.APPROVAL_REFUSED)
def approval_decide(
    *,
    approval_request: ApprovalRequest,
    actor: User,
    decision: str,
    comment: str = "",
    resolution_body: str = "",
    resolution_number: str = "",
    resolution_date: date | None = None,
) -> TransitionOutcome:
    """Approve or reject a pending request; the approval that completes the quorum runs the transition.

    Once a request is escalated (pending past its policy's escalation period), the coordinator of the
    municipality may decide it alone even when the policy does not name them: their approval runs the
    transition, their rejection ends the request. Two approvers deciding at once are serialised by the
    project lock: the second finds the request already decided and gets ``ConcurrentChange``.

    An approval may cite the council resolution it rests on (``resolution_*``); under a policy that
    ``requires_resolution`` an approval without one is refused (``ValidationError``) and nothing is saved.
    """
    comment = trimmed(comment or "")
    if decision not in Decision.values:
        raise TransitionNotAllowed(_("Unknown decision."), code="unknown_decision")
    resolution = _resolution_checked(resolution_body, resolution_number, resolution_date)
    with transaction.atomic():
        project = _lock_project(approval_request.project_id)
        request = ApprovalRequest.objects.select_for_update().get(pk=approval_request.pk)
        _require_pending(request)
        roles = approver_roles_of(project, actor, request.approver_roles)
        deciding_for_escalation = request.is_escalated and project_access(user=actor, project=project).is_coordinator
        if deciding_for_escalation and ApproverRole.COORDINATOR.value not in roles:
            roles = [*roles, ApproverRole.COORDINATOR.value]
        if not roles:
            raise PermissionDenied(_("You are not among the approvers of this request."))
        if decision == Decision.APPROVE and request.forbids_approval_by(actor):
            raise PermissionDenied(
                _(
                    "You asked for this transition yourself: another approver must decide on it (four-eyes "
                    "principle). You may withdraw the request."
                ),
                code="self_approval_forbidden",
            )
        earlier = request.decisions.filter(approver=actor).first()
        # An escalated request that the coordinator already approved (as the policy's approver) still waited
        # for others: their approving again now completes it, without a second decision row.
        confirms_escalated = deciding_for_escalation and decision == Decision.APPROVE
        if earlier is not None and not (confirms_escalated and earlier.decision == Decision.APPROVE):
            raise TransitionNotAllowed(_("You have already decided on this request."), code="already_decided_by_you")

        if decision == Decision.REJECT:
            if not comment:
                raise TransitionBlocked(_("A rejection needs a reason."), blockers=[guards.reason_blocker()])
            ApprovalDecision.objects.create(
                request=request, approver=actor, decision=Decision.REJECT, as_roles=roles, comment=comment
            )
            _request_close(
                request,
                project=project,
                status=ApprovalStatus.REJECTED,
                kind=EventKind.APPROVAL_REJECTED,
                actor=actor,
                comment=comment,
            )
            return TransitionOutcome(project=project, approval_request=request)

        if request.requires_resolution and not resolution:
            raise ValidationError(
                {"resolution_number": _("This approval needs the number and the date of the council resolution.")}
            )
        if earlier is None:
            ApprovalDecision.objects.create(
                request=request,
                approver=actor,
                decision=Decision.APPROVE,
                as_roles=roles,
                comment=comment,
                **resolution,
            )
        if not deciding_for_escalation and not _request_quorum_reached(request, project):
            _grant_record(request, project=project, actor=actor, comment=comment, completes=False)
            return TransitionOutcome(project=project, approval_request=request)

        fsm_transition = transition_from_current_stage(project, request.transition)
        if fsm_transition is None:
            raise ConcurrentChange(_("The project has left the stage this request was made in."))
        blockers = guards.blockers_for(project, fsm_transition.conditions)
        if blockers:
            raise TransitionBlocked(_("The project cannot move yet."), blockers=blockers)
        request.status = ApprovalStatus.APPROVED
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at"])
        # The requester hears that their request was approved; the transition it runs is the decider's act
        # (who asked for it, and why, stays on the request the history row points to).
        _grant_record(request, project=project, actor=actor, comment=comment, completes=True)
        record = _execute(
            project=project,
            name=request.transition,
            actor=actor,
            comment=request.comment,
            approval_request=request,
        )
        return TransitionOutcome(project=project, record=record, approval_request=request)


def _grant_record(request: ApprovalRequest, *, project: Project, actor: User, comment: str, completes: bool) -> None:
    event_record(
        project=project,
        kind=EventKind.APPROVAL_GRANTED,
        actor=actor,
        approval_request_id=request.pk,
        transition=request.transition,
        requested_by_id=request.requested_by_id,
        completes=completes,
        comment=comment,
    )


@_audited_refusal(AuditAction.APPROVAL_REFUSED)
def approval_withdraw(*, approval_request: ApprovalRequest, actor: User, comment: str = "") -> ApprovalRequest:
    """The requester, or the municipality's coordinator, withdraws a pending request: it ends as cancelled.

    Nothing moves; the approvals already given stay on record with the cancelled request.
    """
    comment = trimmed(comment or "")
    with transaction.atomic():
        project = _lock_project(approval_request.project_id)
        request = ApprovalRequest.objects.select_for_update().get(pk=approval_request.pk)
        access = project_access(user=actor, project=project)
        if not access.is_staff:
            raise NotFound(_("Approval request not found."))
        if request.requested_by_id != actor.pk and not access.is_coordinator:
            raise PermissionDenied(_("Only the person who asked for it or the coordinator may withdraw a request."))
        _require_pending(request)
        _request_close(
            request,
            project=project,
            status=ApprovalStatus.CANCELLED,
            kind=EventKind.APPROVAL_CANCELLED,
            actor=actor,
            comment=comment,
        )
        return request
