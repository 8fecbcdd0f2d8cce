"""Time-driven reminders, each threshold fired once per object (ReminderMark is the proof it fired).

Each reminder is an event like any other, so the recipient pipeline, preferences and channels apply.
"""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.notifications.models import ReminderMark
from backend.projects.choices import OPEN_TASK_STATUSES, FundingStatus
from backend.projects.models import EventKind, FundingApplication, Task
from backend.projects.services import event_record
from workflows.models import ApprovalRequest, ApprovalStatus

FUNDING_THRESHOLDS_DAYS = (14, 3)


def _fire_once(*, kind: str, object_id: int, threshold: str, project, **payload) -> bool:
    """Record the mark and the event together; a second call for the same threshold does nothing."""
    try:
        with transaction.atomic():
            ReminderMark.objects.create(kind=kind, object_id=object_id, threshold=threshold)
            event_record(project=project, kind=kind, actor=None, **payload)
    except IntegrityError:
        return False
    return True


def task_reminders_send(*, today: date) -> int:
    fired = 0
    tasks = Task.objects.select_related("project").filter(status__in=OPEN_TASK_STATUSES, assignee__isnull=False)
    for task in tasks.filter(due_date=today + timedelta(days=1)):
        fired += _fire_once(
            kind=EventKind.TASK_DUE_SOON,
            object_id=task.pk,
            threshold=task.due_date.isoformat(),
            project=task.project,
            task_id=task.pk,
            due_date=task.due_date.isoformat(),
        )
    for task in tasks.filter(due_date__lt=today):
        fired += _fire_once(
            kind=EventKind.TASK_OVERDUE,
            object_id=task.pk,
            threshold=f"overdue-{task.due_date.isoformat()}",
            project=task.project,
            task_id=task.pk,
            due_date=task.due_date.isoformat(),
        )
    return fired


def approval_reminders_send(*, now) -> int:
    """Remind approvers after the policy's SLA; escalate to the coordinator after the escalation period."""
    fired = 0
    pending = ApprovalRequest.objects.select_related("project").filter(status=ApprovalStatus.PENDING)
    for request in pending:
        age = now - request.created_at
        if request.reminder_after_days and age >= timedelta(days=request.reminder_after_days):
            fired += _fire_once(
                kind=EventKind.APPROVAL_REMINDER,
                object_id=request.pk,
                threshold="reminder",
                project=request.project,
                approval_request_id=request.pk,
                transition=request.transition,
            )
        if request.escalate_after_days and age >= timedelta(days=request.escalate_after_days):
            fired += _fire_once(
                kind=EventKind.APPROVAL_ESCALATED,
                object_id=request.pk,
                threshold="escalation",
                project=request.project,
                approval_request_id=request.pk,
                transition=request.transition,
                requested_by_id=request.requested_by_id,
            )
    return fired


def funding_deadline_reminders_send(*, today: date) -> int:
    fired = 0
    horizon = today + timedelta(days=max(FUNDING_THRESHOLDS_DAYS))
    applications = FundingApplication.objects.select_related("project").filter(
        status=FundingStatus.PLANNED, call_deadline__gte=today, call_deadline__lte=horizon
    )
    for application in applications:
        days_left = (application.call_deadline - today).days
        # The closest threshold not yet passed: 14 days ahead, then 3 days ahead.
        threshold = min(days for days in FUNDING_THRESHOLDS_DAYS if days >= days_left)
        fired += _fire_once(
            kind=EventKind.FUNDING_DEADLINE,
            object_id=application.pk,
            threshold=f"{threshold}d",
            project=application.project,
            funding_id=application.pk,
            call_deadline=application.call_deadline.isoformat(),
            days_left=days_left,
        )
    return fired


def reminders_send() -> int:
    now = timezone.now()
    today = timezone.localdate(now)
    return (
        task_reminders_send(today=today)
        + approval_reminders_send(now=now)
        + funding_deadline_reminders_send(today=today)
    )
