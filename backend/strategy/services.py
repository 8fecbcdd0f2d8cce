"""Every change of a strategy: building a draft, adopting it, and amending it between revisions.

A draft is built item by item (``strategy_item_add``) and adopted with its council resolution
(``strategy_adopt``), which writes revision 1. After that the structure changes only through amendments:
proposed by anyone with a municipal role, decided with the ``amend_strategy`` approval policy and the quorum
rule of the pipeline's gates (``workflows``), or approved at once by recording the council resolution. An
approved amendment writes one more revision and a version of every item it touched, in the same transaction.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import Department, Municipality, User
from backend.accounts.selectors import user_access
from backend.core.errors import PermissionDenied
from backend.projects.choices import KPI_FIXED_UNITS, KpiKind
from backend.projects.models import EventKind
from backend.strategy.consultation import consultation_check_decidable
from backend.strategy.models import (
    Amendment,
    AmendmentAction,
    AmendmentChange,
    AmendmentDecision,
    Goal,
    Indicator,
    ItemKind,
    ItemVersion,
    Measure,
    Revision,
    Strategy,
    StrategyStatus,
)
from backend.strategy.notices import amendment_event_record
from workflows.models import AMEND_STRATEGY, ApprovalPolicy, ApprovalStatus, ApproverRole, Decision
from workflows.services import quorum_reached

MODELS = {ItemKind.GOAL: Goal, ItemKind.MEASURE: Measure, ItemKind.INDICATOR: Indicator}
AMENDABLE = (StrategyStatus.IN_FORCE, StrategyStatus.UNDER_AMENDMENT)


# --- snapshots ------------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def item_snapshot(*, kind: str, item: Goal | Measure | Indicator) -> dict[str, Any]:
    """The item as a version keeps it: its own fields and its parent's code, as people read them."""
    if kind == ItemKind.GOAL:
        return {
            "code": item.code,
            "title": item.title,
            "description": item.description,
            "retired": item.is_retired,
            "parent": item.parent.code if item.parent_id else "",
        }
    if kind == ItemKind.MEASURE:
        return {
            "code": item.code,
            "title": item.title,
            "description": item.description,
            "retired": item.is_retired,
            "goal": item.goal.code,
            "department": item.responsible_department.name if item.responsible_department_id else "",
        }
    return {
        "code": item.measure.code,
        "title": item.name,
        "retired": item.is_retired,
        "kind": item.kind,
        "unit": item.unit,
        "baseline": _text(item.baseline),
        "target": _text(item.target),
        "target_year": _text(item.target_year),
    }


def _versions_write(*, strategy: Strategy, items: list[tuple[str, Any]]) -> None:
    ItemVersion.objects.bulk_create(
        ItemVersion(
            strategy=strategy,
            revision=strategy.revision,
            kind=kind,
            item_id=item.pk,
            data=item_snapshot(kind=kind, item=item),
        )
        for kind, item in items
    )


# --- the structure --------------------------------------------------------------------------------------------------


def _require_coordinator(*, actor: User, municipality_id: int) -> None:
    if not user_access(user=actor).is_coordinator_in(municipality_id):
        raise PermissionDenied(_("Only the Smart City coordinator may do this."))


@transaction.atomic
def strategy_create(
    *,
    actor: User,
    municipality: Municipality,
    title: str,
    period_start: int | None = None,
    period_end: int | None = None,
) -> Strategy:
    """A new draft strategy of the municipality; the coordinator builds it and then adopts it."""
    _require_coordinator(actor=actor, municipality_id=municipality.pk)
    strategy = Strategy(municipality=municipality, title=title, period_start=period_start, period_end=period_end)
    strategy.full_clean()
    strategy.save()
    return strategy


def _goal_by_code(strategy: Strategy, code: Any, field: str) -> Goal | None:
    code = _text(code).strip()
    if not code:
        return None
    goal = Goal.objects.filter(strategy=strategy, code=code).first()
    if goal is None:
        raise ValidationError({field: _("The strategy has no goal with the code %(code)s.") % {"code": code}})
    if goal.is_retired:
        raise ValidationError({field: _("The goal %(code)s is retired.") % {"code": code}})
    return goal


def _decimal(value: Any, field: str) -> Decimal | None:
    value = _text(value).strip().replace(" ", "").replace(",", ".")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValidationError({field: _("Enter a number.")}) from None


def _year(value: Any, field: str) -> int | None:
    value = _text(value).strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 4):  # "²" passes isdigit, not int
        raise ValidationError({field: _("Enter a year, e.g. 2030.")})
    return int(value)


def _department(strategy: Strategy, value: Any) -> Department | None:
    if value in (None, ""):
        return None
    department = Department.objects.filter(municipality_id=strategy.municipality_id, pk=_year(value, "department"))
    found = department.first()
    if found is None:
        raise ValidationError({"department": _("Choose a department of the municipality.")})
    return found


def item_form_data(*, kind: str, item: Any) -> dict[str, Any]:
    """The item's content in the shape a change proposes it (codes for goals and measures, a department id)."""
    if kind == ItemKind.INDICATOR:
        return {
            "measure": item.measure.code,
            "title": item.name,
            "kind": item.kind,
            "unit": item.unit,
            "baseline": _text(item.baseline),
            "target": _text(item.target),
            "target_year": _text(item.target_year),
        }
    data = {"code": item.code, "title": item.title, "description": item.description}
    if kind == ItemKind.GOAL:
        data["parent"] = item.parent.code if item.parent_id else ""
    else:
        data["goal"] = item.goal.code
        data["department"] = item.responsible_department_id or ""
    return data


def _fields_set(*, strategy: Strategy, kind: str, item: Any, data: dict[str, Any]) -> None:
    """Copy a change's proposed content onto the item (not saved); what a change leaves out stays as it is."""
    if item.pk is not None:
        data = {**item_form_data(kind=kind, item=item), **data}
    if kind == ItemKind.INDICATOR:
        measure = Measure.objects.filter(strategy=strategy, code=_text(data.get("measure")).strip()).first()
        if measure is None or measure.is_retired:
            raise ValidationError({"measure": _("Choose a measure of the strategy that is not retired.")})
        item.measure = measure
        item.name = _text(data.get("title")).strip()
        item.kind = _text(data.get("kind")) or KpiKind.CUSTOM
        item.unit = KPI_FIXED_UNITS.get(item.kind, _text(data.get("unit")).strip())
        item.baseline = _decimal(data.get("baseline"), "baseline")
        item.target = _decimal(data.get("target"), "target")
        item.target_year = _year(data.get("target_year"), "target_year")
        return
    item.code = _text(data.get("code")).strip()
    item.title = _text(data.get("title")).strip()
    item.description = _text(data.get("description")).strip()
    if kind == ItemKind.GOAL:
        item.parent = _goal_by_code(strategy, data.get("parent"), "parent")
        if item.parent is not None and (item.parent.pk == item.pk or item.parent.parent_id is not None):
            raise ValidationError({"parent": _("A specific goal belongs under a top-level goal.")})
    else:
        goal = _goal_by_code(strategy, data.get("goal"), "goal")
        if goal is None:
            raise ValidationError({"goal": _("Choose the goal the measure serves.")})
        item.goal = goal
        item.responsible_department = _department(strategy, data.get("department"))


def _item_get(*, strategy: Strategy, kind: str, item_id: Any) -> Any:
    model = MODELS[kind]
    lookup = {"measure__strategy": strategy} if kind == ItemKind.INDICATOR else {"strategy": strategy}
    try:
        return model.objects.get(pk=int(item_id), **lookup)
    except (model.DoesNotExist, TypeError, ValueError):
        raise ValidationError({"item": _("The strategy has no such item.")}) from None


def _change_apply(*, strategy: Strategy, action: str, kind: str, item_id: Any, data: dict[str, Any]) -> Any:
    """Apply one change to the live rows and return the item it touched."""
    if kind not in MODELS or action not in AmendmentAction.values:
        raise ValidationError({"kind": _("Unknown kind of change.")})
    if action == AmendmentAction.ADD:
        model = MODELS[kind]
        item = model() if kind == ItemKind.INDICATOR else model(strategy=strategy)
        if kind == ItemKind.MEASURE:
            item.municipality_id = strategy.municipality_id
    else:
        item = _item_get(strategy=strategy, kind=kind, item_id=item_id)
        if item.is_retired:
            raise ValidationError({"item": _("The item is already retired.")})
    if action == AmendmentAction.RETIRE:
        _retire_check(kind=kind, item=item)
        item.is_retired = True
    else:
        _fields_set(strategy=strategy, kind=kind, item=item, data=data)
    item.full_clean()
    item.save()
    return item


def _retire_check(*, kind: str, item: Any) -> None:
    if kind == ItemKind.GOAL and (
        item.measures.filter(is_retired=False).exists() or item.children.filter(is_retired=False).exists()
    ):
        raise ValidationError({"item": _("Retire or move the goal's measures and specific goals first.")})


@transaction.atomic
def strategy_item_add(*, actor: User, strategy: Strategy, kind: str, data: dict[str, Any]) -> Any:
    """Add a goal, measure or indicator to a draft; an adopted strategy changes only by amendment."""
    _require_coordinator(actor=actor, municipality_id=strategy.municipality_id)
    if strategy.status != StrategyStatus.DRAFT:
        raise ValidationError(_("An adopted strategy changes only by an amendment."))
    return _change_apply(strategy=strategy, action=AmendmentAction.ADD, kind=kind, item_id=None, data=data)


def _all_items(strategy: Strategy) -> list[tuple[str, Any]]:
    goals = list(Goal.objects.filter(strategy=strategy).select_related("parent"))
    measures = list(Measure.objects.filter(strategy=strategy).select_related("goal", "responsible_department"))
    indicators = list(Indicator.objects.filter(measure__strategy=strategy).select_related("measure"))
    return [
        *((ItemKind.GOAL, goal) for goal in goals),
        *((ItemKind.MEASURE, measure) for measure in measures),
        *((ItemKind.INDICATOR, indicator) for indicator in indicators),
    ]


@transaction.atomic
def strategy_adopt(
    *, actor: User, strategy: Strategy, resolution_body: str, resolution_number: str, resolution_date: date
) -> Strategy:
    """Record the council resolution that adopted the draft: it comes into force as revision 1."""
    _require_coordinator(actor=actor, municipality_id=strategy.municipality_id)
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    if strategy.status != StrategyStatus.DRAFT:
        raise ValidationError(_("The strategy has already been adopted."))
    if not resolution_number.strip() or resolution_date is None:
        raise ValidationError({"resolution_number": _("Give the number and the date of the council resolution.")})
    strategy.resolution_body = resolution_body
    strategy.resolution_number = resolution_number.strip()
    strategy.resolution_date = resolution_date
    strategy.status = StrategyStatus.IN_FORCE
    strategy.full_clean()
    strategy.save()
    Revision.objects.create(
        strategy=strategy,
        number=strategy.revision,
        created_by=actor,
        note=_("Adopted."),
        resolution_body=resolution_body,
        resolution_number=strategy.resolution_number,
        resolution_date=resolution_date,
    )
    _versions_write(strategy=strategy, items=_all_items(strategy))
    return strategy


# --- amendments -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeSpec:
    """One change as a caller proposes it (a form, the API, the demo)."""

    action: str
    kind: str
    item_id: int | None = None
    data: dict[str, Any] | None = None


class _DryRun(Exception):
    pass


def _changes_check(*, strategy: Strategy, changes: list[ChangeSpec]) -> None:
    """What would fail at approval fails now: every change tried in a savepoint, all rolled back."""
    errors = [message for found in change_errors(strategy=strategy, changes=changes) for message in found]
    if errors:
        raise ValidationError(errors)


def change_errors(*, strategy: Strategy, changes: list[ChangeSpec]) -> list[list[str]]:
    """For each change in turn, what refuses it (empty when it applies), each tried after the ones before it
    and everything rolled back: the check of an import's rows, each named with its own reason."""
    found: list[list[str]] = []
    try:
        with transaction.atomic():
            for change in changes:
                try:
                    with transaction.atomic():
                        _change_apply(
                            strategy=strategy,
                            action=change.action,
                            kind=change.kind,
                            item_id=change.item_id,
                            data=change.data or {},
                        )
                except ValidationError as error:
                    found.append([str(message) for message in error.messages])
                else:
                    found.append([])
            raise _DryRun
    except _DryRun:
        pass
    return found


def amendment_policy(*, municipality_id: int) -> ApprovalPolicy:
    """The municipality's policy for amendments; without one, the coordinator approves (four-eyes)."""
    policy = ApprovalPolicy.objects.filter(municipality_id=municipality_id, transition=AMEND_STRATEGY).first()
    return policy or ApprovalPolicy(
        municipality_id=municipality_id,
        transition=AMEND_STRATEGY,
        coordinator_approves=True,
        required_approvals=1,
        forbid_self_approval=True,
    )


def _change_department(*, strategy: Strategy, changes: list[ChangeSpec]) -> Department | None:
    """The department whose head counts as the "lead head" of the amendment: that of the first measure touched."""
    for change in changes:
        data = change.data or {}
        if change.kind == ItemKind.MEASURE and data.get("department"):
            return _department(strategy, data["department"])
        if change.kind == ItemKind.MEASURE and change.item_id:
            return _item_get(strategy=strategy, kind=ItemKind.MEASURE, item_id=change.item_id).responsible_department
        if change.kind == ItemKind.INDICATOR and change.item_id:
            indicator = _item_get(strategy=strategy, kind=ItemKind.INDICATOR, item_id=change.item_id)
            return indicator.measure.responsible_department
    return None


@transaction.atomic
def amendment_propose(
    *, actor: User, strategy: Strategy, title: str, reason: str, changes: list[ChangeSpec]
) -> Amendment:
    """Anyone with a municipal role proposes changes with a reason; the policy of the day decides who approves."""
    if not user_access(user=actor).is_staff_in(strategy.municipality_id):
        raise PermissionDenied(_("Only people of the municipality may propose amendments."))
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    if strategy.status not in AMENDABLE:
        raise ValidationError(_("Only a strategy in force can be amended."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the strategy should change.")})
    if not changes:
        raise ValidationError({"changes": _("Propose at least one change.")})
    _changes_check(strategy=strategy, changes=changes)
    policy = amendment_policy(municipality_id=strategy.municipality_id)
    amendment = Amendment(
        strategy=strategy,
        title=title.strip() or _("Amendment"),
        reason=reason.strip(),
        proposed_by=actor,
        department=_change_department(strategy=strategy, changes=changes),
        lead_head_approves=policy.lead_head_approves,
        involved_heads_approve=policy.involved_heads_approve,
        coordinator_approves=policy.coordinator_approves,
        required_approvals=policy.required_approvals,
        each_role_must_approve=policy.each_role_must_approve,
        forbid_self_approval=policy.forbid_self_approval,
    )
    amendment.full_clean()
    amendment.save()
    AmendmentChange.objects.bulk_create(
        AmendmentChange(
            amendment=amendment, action=change.action, kind=change.kind, item_id=change.item_id, data=change.data or {}
        )
        for change in changes
    )
    amendment_event_record(amendment=amendment, kind=EventKind.AMENDMENT_PROPOSED, actor=actor)
    if amendment.required_approvals == 0:
        _amendment_apply(amendment=amendment, strategy=strategy, actor=actor)
    elif strategy.status == StrategyStatus.IN_FORCE:
        strategy.status = StrategyStatus.UNDER_AMENDMENT
        strategy.save(update_fields=["status", "updated_at"])
    return amendment


def amendment_approver_roles(*, amendment: Amendment, user: User) -> list[str]:
    """The approving roles of the amendment's policy that ``user`` holds (as ``approver_roles_of`` for a project)."""
    access = user_access(user=user)
    municipality_id = amendment.strategy.municipality_id
    if access.is_anonymous or not access.is_staff_in(municipality_id):
        return []
    held = set()
    if access.is_coordinator_in(municipality_id):
        held.add(ApproverRole.COORDINATOR.value)
    if amendment.department_id is not None and amendment.department_id in access.head_of:
        held.update({ApproverRole.LEAD_HEAD.value, ApproverRole.INVOLVED_HEAD.value})
    return [role for role in amendment.approver_roles if role in held]


def _lock(amendment: Amendment) -> tuple[Amendment, Strategy]:
    strategy = Strategy.objects.select_for_update().get(pk=amendment.strategy_id)
    locked = Amendment.objects.select_for_update().select_related("strategy").get(pk=amendment.pk)
    if locked.status != ApprovalStatus.PENDING:
        raise ValidationError(_("The amendment has already been decided."))
    return locked, strategy


@transaction.atomic
def amendment_decide(*, actor: User, amendment: Amendment, decision: str, comment: str = "") -> Amendment:
    """One approver's decision; the amendment is applied when the quorum of its policy is reached."""
    amendment, strategy = _lock(amendment)
    roles = amendment_approver_roles(amendment=amendment, user=actor)
    if not roles:
        raise PermissionDenied(_("You do not approve amendments of this strategy."))
    if amendment.forbid_self_approval and amendment.proposed_by_id == actor.pk:
        raise PermissionDenied(_("You proposed this amendment: someone else must approve it."))
    if amendment.decisions.filter(approver=actor).exists():
        raise ValidationError(_("You have already decided this amendment."))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Approve or reject.")})
    if decision == Decision.REJECT and not comment.strip():
        raise ValidationError({"comment": _("Say why you reject the amendment.")})
    AmendmentDecision.objects.create(
        amendment=amendment, approver=actor, decision=decision, as_roles=roles, comment=comment.strip()
    )
    if decision == Decision.REJECT:
        _amendment_close(amendment=amendment, strategy=strategy, status=ApprovalStatus.REJECTED)
        amendment_event_record(
            amendment=amendment, kind=EventKind.AMENDMENT_REJECTED, actor=actor, comment=comment.strip()
        )
        return amendment
    approvals = [d.as_roles for d in amendment.decisions.filter(decision=Decision.APPROVE).only("as_roles")]
    if quorum_reached(
        approver_roles=amendment.approver_roles,
        required=amendment.required_approvals,
        each_role=amendment.each_role_must_approve,
        approvals=approvals,
    ):
        _amendment_apply(amendment=amendment, strategy=strategy, actor=actor)
    return amendment


@transaction.atomic
def amendment_resolution_record(
    *,
    actor: User,
    amendment: Amendment,
    resolution_body: str,
    resolution_number: str,
    resolution_date: date | None,
) -> Amendment:
    """The council approved the amendment: the coordinator records its resolution and the amendment applies."""
    _require_coordinator(actor=actor, municipality_id=amendment.strategy.municipality_id)
    amendment, strategy = _lock(amendment)
    if not resolution_number.strip() or resolution_date is None:
        raise ValidationError({"resolution_number": _("Give the number and the date of the council resolution.")})
    amendment.resolution_body = resolution_body
    amendment.resolution_number = resolution_number.strip()
    amendment.resolution_date = resolution_date
    _amendment_apply(amendment=amendment, strategy=strategy, actor=actor)
    return amendment


@transaction.atomic
def amendment_withdraw(*, actor: User, amendment: Amendment) -> Amendment:
    """The proposer takes a pending amendment back."""
    if amendment.proposed_by_id != actor.pk:
        raise PermissionDenied(_("Only the proposer may withdraw the amendment."))
    amendment, strategy = _lock(amendment)
    _amendment_close(amendment=amendment, strategy=strategy, status=ApprovalStatus.CANCELLED)
    return amendment


def _amendment_close(*, amendment: Amendment, strategy: Strategy, status: str) -> None:
    amendment.status = status
    amendment.decided_at = timezone.now()
    amendment.full_clean()
    amendment.save()
    pending = Amendment.objects.filter(strategy=strategy, status=ApprovalStatus.PENDING).exclude(pk=amendment.pk)
    if strategy.status == StrategyStatus.UNDER_AMENDMENT and not pending.exists():
        strategy.status = StrategyStatus.IN_FORCE
        strategy.save(update_fields=["status", "updated_at"])


def _amendment_apply(*, amendment: Amendment, strategy: Strategy, actor: User) -> None:
    """Apply every change, write the next revision and the versions of what changed, close the amendment."""
    consultation_check_decidable(amendment=amendment)
    touched = []
    for change in amendment.changes.order_by("id"):
        item = _change_apply(
            strategy=strategy, action=change.action, kind=change.kind, item_id=change.item_id, data=change.data
        )
        touched.append((change.kind, item))
    strategy.revision += 1
    strategy.save(update_fields=["revision", "updated_at"])
    Revision.objects.create(
        strategy=strategy,
        number=strategy.revision,
        amendment=amendment,
        created_by=actor,
        note=amendment.title,
        resolution_body=amendment.resolution_body,
        resolution_number=amendment.resolution_number,
        resolution_date=amendment.resolution_date,
    )
    # One version per item and revision, the last state when a change touched the same item twice.
    latest = {(kind, item.pk): (kind, item) for kind, item in touched}
    _versions_write(strategy=strategy, items=list(latest.values()))
    _amendment_close(amendment=amendment, strategy=strategy, status=ApprovalStatus.APPROVED)
    amendment_event_record(amendment=amendment, kind=EventKind.AMENDMENT_APPROVED, actor=actor)
