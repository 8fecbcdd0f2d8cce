"""iCalendar feeds (RFC 5545, built with the ``icalendar`` library): a person's dates and a project's dates.

Every entry is an all-day event (``DTSTART;VALUE=DATE``) whose ``UID`` is derived from what it is about
(``task-12-due@…``), so a calendar that re-reads the feed updates entries instead of duplicating them. Only
what the person may see goes in: the same selectors as the pages. Summaries are in the person's language.
Entries are bounded: dates from a quarter back to two years ahead, at most FEED_LIMIT of each kind.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.notifications.services import project_link
from backend.projects.access import project_access
from backend.projects.choices import TaskStatus
from backend.projects.models import FundingApplication, Project
from backend.projects.programmes import with_programme_names
from backend.projects.selectors import project_list_visible, task_list_visible
from workflows.machine import TRANSITION_LABELS
from workflows.models import ApprovalRequest, ApprovalStatus
from workflows.selectors import approval_list_pending_for

FEED_LIMIT = 500
PAST = timedelta(days=92)
FUTURE = timedelta(days=2 * 366)
OPEN_TASKS = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
OPEN_FUNDING = ("planned", "submitted")


@dataclass(frozen=True)
class Entry:
    uid: str
    day: date
    summary: str
    description: str
    url: str


def _window() -> tuple[date, date]:
    today = timezone.localdate()
    return today - PAST, today + FUTURE


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "ramec"


def _uid(kind: str, pk: int, what: str) -> str:
    return f"{kind}-{pk}-{what}@{_domain()}"


def _task_entries(tasks) -> list[Entry]:
    return [
        Entry(
            uid=_uid("task", task.pk, "due"),
            day=task.due_date,
            summary=_("Task due: %(task)s (%(project)s)") % {"task": task.title, "project": task.project.title},
            description=task.description,
            url=project_link(task.project_id),
        )
        for task in tasks
    ]


def _approval_entries(requests) -> list[Entry]:
    entries = []
    for request in requests:
        deadline = timezone.localdate(request.created_at + timedelta(days=request.reminder_after_days))
        label = TRANSITION_LABELS.get(request.transition, request.transition)
        entries.append(
            Entry(
                uid=_uid("approval", request.pk, "sla"),
                day=deadline,
                summary=_("Approval deadline: %(transition)s – %(project)s")
                % {"transition": label, "project": request.project.title},
                description=request.comment,
                url=project_link(request.project_id),
            )
        )
    return entries


def _funding_entries(applications) -> list[Entry]:
    return [
        Entry(
            uid=_uid("funding", application.pk, "deadline"),
            day=application.call_deadline,
            summary=_("Funding call closes: %(programme)s – %(project)s")
            % {"programme": application.get_programme_display(), "project": application.project.title},
            description="",
            url=project_link(application.project_id),
        )
        for application in applications
    ]


def _project_entries(projects) -> list[Entry]:
    entries = []
    for project in projects:
        for day, what, summary in (
            (project.planned_start, "start", _("Project starts: %(project)s")),
            (project.planned_end, "end", _("Project ends: %(project)s")),
        ):
            if day is not None:
                entries.append(
                    Entry(
                        uid=_uid("project", project.pk, what),
                        day=day,
                        summary=summary % {"project": project.title},
                        description=project.summary,
                        url=project_link(project.pk),
                    )
                )
    return entries


def personal_entries(*, user: User) -> list[Entry]:
    """My open tasks' due dates, my pending approvals' deadlines, and for the projects I manage or watch their
    funding call deadlines and planned start and end."""
    start, end = _window()
    visible = project_list_visible(user=user)
    mine = visible.filter(Q(manager=user) | Q(watchers=user)).distinct()
    tasks = (
        task_list_visible(user=user)
        .filter(assignee=user, status__in=OPEN_TASKS, due_date__range=(start, end))
        .order_by("due_date", "pk")[:FEED_LIMIT]
    )
    approvals = approval_list_pending_for(user=user).order_by("created_at", "pk")[:FEED_LIMIT]
    # Partner guests never see funding (internal notes, negotiations); they manage and watch no municipal data.
    funding = (
        FundingApplication.objects.none()
        if user_access(user=user).is_partner_only
        else with_programme_names(FundingApplication.objects.select_related("project"))
        .filter(project__in=mine, status__in=OPEN_FUNDING, call_deadline__range=(start, end))
        .order_by("call_deadline", "pk")[:FEED_LIMIT]
    )
    projects = mine.filter(Q(planned_start__range=(start, end)) | Q(planned_end__range=(start, end))).order_by("pk")[
        :FEED_LIMIT
    ]
    return _task_entries(tasks) + _approval_entries(approvals) + _funding_entries(funding) + _project_entries(projects)


def project_entries(*, user: User, project: Project) -> list[Entry]:
    """One project's dates as ``user`` may see them: tasks with a due date (a partner guest: only theirs),
    pending approvals' deadlines (municipal users), funding call deadlines (municipal users), start and end."""
    start, end = _window()
    tasks = (
        task_list_visible(user=user)
        .filter(project=project, status__in=OPEN_TASKS, due_date__range=(start, end))
        .order_by("due_date", "pk")[:FEED_LIMIT]
    )
    entries = _task_entries(tasks)
    if not project_access(user=user, project=project).is_partner_view:
        approvals = ApprovalRequest.objects.select_related("project").filter(
            project=project, status=ApprovalStatus.PENDING
        )
        funding = with_programme_names(FundingApplication.objects.select_related("project")).filter(
            project=project, status__in=OPEN_FUNDING, call_deadline__range=(start, end)
        )
        entries += _approval_entries(approvals[:FEED_LIMIT]) + _funding_entries(funding[:FEED_LIMIT])
    return entries + _project_entries([project])


def feed_render(*, name: str, entries: list[Entry]) -> bytes:
    """The ``text/calendar`` body (build the entries and the name in the reader's language)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Rámec//Smart City project pipeline//CS")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().replace(microsecond=0)
    for entry in entries:
        event = icalendar.Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.day)  # a date: VALUE=DATE, an all-day event
        event.add("dtend", entry.day + timedelta(days=1))
        event.add("summary", entry.summary)
        if entry.description:
            event.add("description", entry.description)
        event.add("url", entry.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
