"""Who hears of an event: one rule per event kind, then the same filters for all (as taiga does).

Every rule returns user ids; ``recipients_for`` removes the actor and everyone who may not see the
project, and drops partner guests from internal matters (approvals, internal comments, funding). Who holds
which role and who sees the project (in which shape) are ``backend.projects.access``'s answers, the same
the people pickers use. An event without a project (a strategy's) reaches only the municipality's own staff;
the apps above that record such events register their rules here (``rule_register``).
"""

from collections.abc import Callable, Sequence
from functools import cache

from django.db.models import OuterRef, QuerySet, Subquery

from backend.accounts.models import Membership, Role, User
from backend.core.compiled import CompiledQuery, query_compile
from backend.core.expressions import AnyOf
from backend.notifications.models import NotificationPreference
from backend.projects.access import AUTHOR, COORDINATOR, INVOLVED_HEAD, LEAD_HEAD, MANAGER, project_audience
from backend.projects.choices import CommentVisibility
from backend.projects.models import Comment, Event, EventKind, Project, Task
from workflows.models import ApprovalRequest
from workflows.policies import PROJECT_ROLE_OF_APPROVER

# A rule gives user ids, or the people as a query: then ``recipients_for`` filters them by who may see the project
# in that same query (a transition's fan-out read its team and then the project's audience, two queries).
Rule = Callable[[Event], set[int] | QuerySet[User]]


def _ids(users) -> set[int]:
    return set(users.order_by().values_list("pk", flat=True))


def _coordinators(project: Project) -> set[int]:
    return _ids(project_audience(project=project).holding(COORDINATOR))


def _watchers(project: Project) -> set[int]:
    return set(project.watchers.values_list("pk", flat=True))


def _approvers(request: ApprovalRequest) -> set[int]:
    roles = [PROJECT_ROLE_OF_APPROVER[role] for role in request.approver_roles]
    ids = _ids(project_audience(project=request.project).holding(*roles))
    if request.forbid_self_approval:
        ids.discard(request.requested_by_id)  # they may not decide it: no reminder to do so
    return ids - set(request.decisions.values_list("approver_id", flat=True))


def _request(event: Event) -> ApprovalRequest | None:
    return ApprovalRequest.objects.select_related("project").filter(pk=event.payload.get("approval_request_id")).first()


def _task(event: Event) -> Task | None:
    return Task.objects.filter(pk=event.payload.get("task_id")).first()


def _transitioned(event: Event) -> QuerySet[User]:
    # The people who run the project (its manager, author, heads of lead and involved departments) and its
    # watchers.
    team = project_audience(project=event.project).holding(MANAGER, AUTHOR, LEAD_HEAD, INVOLVED_HEAD, or_watching=True)
    if event.payload.get("approval_request_id"):
        # Whoever hears of the approval that ran the transition (the approval_granted event written with it)
        # is not told the same thing twice.
        request = _request(event)
        if request and request.requested_by_id != event.actor_id:
            team = team.exclude(pk__in=_decision_audience(event, request))
    return team


def _approval_requested(event: Event) -> set[int]:
    request = _request(event)
    return _approvers(request) if request else set()


def _decision_audience(event: Event, request: ApprovalRequest | None) -> set[int]:
    """Who hears of a decision on a request: the requester, whatever happens to it, and the project manager."""
    ids = {event.project.manager_id} - {None}
    if request:
        ids.add(request.requested_by_id)
    return ids


def _approval_decided(event: Event) -> set[int]:
    return _decision_audience(event, _request(event))


def _approval_reminder(event: Event) -> set[int]:
    request = _request(event)
    return _approvers(request) if request else set()


def _approval_escalated(event: Event) -> set[int]:
    request = _request(event)
    return _coordinators(event.project) | ({request.requested_by_id} if request else set())


def _task_assignee(event: Event) -> set[int]:
    task = _task(event)
    return {task.assignee_id} - {None} if task else set()


def _task_status_changed(event: Event) -> set[int]:
    task = _task(event)
    ids = {event.project.manager_id} - {None}
    if task:
        ids |= {task.created_by_id, task.assignee_id} - {None}
    return ids


def _comment_posted(event: Event) -> set[int]:
    project = event.project
    participants = set(Comment.objects.filter(project=project).exclude(author=None).values_list("author_id", flat=True))
    mentioned = set(event.payload.get("mentioned_ids", []))
    return {project.manager_id} - {None} | _watchers(project) | participants | mentioned


def _partner_invited(event: Event) -> set[int]:
    guests = Membership.objects.filter(role=Role.PARTNER, organization_id=event.payload.get("organization_id"))
    return set(guests.values_list("user_id", flat=True))


def _project_created(event: Event) -> set[int]:
    project = event.project
    return _ids(project_audience(project=project).holding(LEAD_HEAD))


def _funding_deadline(event: Event) -> set[int]:
    # Issue 17: the watchers of a project care about its call closing as much as its manager.
    return ({event.project.manager_id} - {None}) | _watchers(event.project)


RULES: dict[str, Rule] = {
    EventKind.PROJECT_CREATED: _project_created,
    EventKind.PROJECT_TRANSITIONED: _transitioned,
    EventKind.APPROVAL_REQUESTED: _approval_requested,
    EventKind.APPROVAL_GRANTED: _approval_decided,
    EventKind.APPROVAL_REJECTED: _approval_decided,
    EventKind.APPROVAL_CANCELLED: _approval_decided,
    EventKind.APPROVAL_REMINDER: _approval_reminder,
    EventKind.APPROVAL_ESCALATED: _approval_escalated,
    EventKind.TASK_ASSIGNED: _task_assignee,
    EventKind.TASK_STATUS_CHANGED: _task_status_changed,
    EventKind.TASK_DUE_SOON: _task_assignee,
    EventKind.TASK_OVERDUE: _task_assignee,
    EventKind.COMMENT_POSTED: _comment_posted,
    EventKind.PARTNER_INVITED: _partner_invited,
    EventKind.FUNDING_DEADLINE: _funding_deadline,
}

# Kinds a partner guest may hear of (when the project is shared with them); everything else is internal.
PARTNER_KINDS = {
    EventKind.PROJECT_TRANSITIONED,
    EventKind.TASK_ASSIGNED,
    EventKind.TASK_STATUS_CHANGED,
    EventKind.TASK_DUE_SOON,
    EventKind.TASK_OVERDUE,
    EventKind.COMMENT_POSTED,
    EventKind.PARTNER_INVITED,
}


def _partner_visible(event: Event) -> bool:
    if event.kind not in PARTNER_KINDS:
        return False
    if event.kind == EventKind.COMMENT_POSTED:
        return event.payload.get("visibility") == CommentVisibility.SHARED
    return True


def rule_register(kind: str, rule: Rule) -> None:
    """Who hears of ``kind``, for kinds recorded by an app above this one (the strategy's): it knows its subject."""
    RULES[kind] = rule


def municipal_staff(*, municipality_id: int):
    """Active people with a municipal role (not partner guests) in the municipality: the audience of its own
    matters, such as its strategy."""
    staff = Membership.objects.filter(municipality_id=municipality_id).exclude(role=Role.PARTNER)
    return User.objects.filter(pk__in=staff.values("user_id"), is_active=True)


def recipients_for(event: Event) -> set[int]:
    """Everyone who should hear of ``event``: the kind's rule, minus the actor and whoever may not see it."""
    return set(recipient_choices(event))


def recipient_choices(event: Event, *, kinds: Sequence[str] = ()) -> dict[int, tuple[str | None, ...]]:
    """``recipients_for``, each recipient with the channel they chose for each of ``kinds`` (``None`` where they
    chose nothing), read in the same query: the preferences were a query of their own in every fan-out."""
    kinds = tuple(kinds)
    if (compiled := _compiled_audience(event, kinds)) is not None:
        query, values = compiled
        return {row[0]: row[1:] for row in query.rows(**values)}
    rule = RULES.get(event.kind)
    if rule is None:
        return {}
    candidates = rule(event)
    if isinstance(candidates, QuerySet):
        people = (candidates & _allowed(event)).exclude(pk=event.actor_id)
    else:
        candidates -= {event.actor_id}
        if not candidates:
            return {}
        people = _allowed(event).filter(AnyOf("pk", candidates))
    return {row[0]: row[1:] for row in _choosing(people, kinds)}


def recipient_choices_sql(event: Event, *, kinds: Sequence[str]) -> tuple[str, list] | None:
    """The SQL and parameters of ``recipient_choices`` where it is one compiled query (a project's own transition),
    for a caller that reads it inside a statement of its own: rows of the recipient's id, then their choice for each
    of ``kinds``. None for other events."""
    compiled = _compiled_audience(event, tuple(kinds))
    if compiled is None:
        return None
    query, values = compiled
    return query.proven.sql, query.parameters(**values)


def _compiled_audience(event: Event, kinds: tuple[str, ...]) -> tuple[CompiledQuery, dict[str, int | None]] | None:
    if not _compiled_for(event):
        return None
    project = event.project
    query = _transition_audience(
        kinds=kinds,
        lead_department=project.lead_department_id is not None,
        manager=project.manager_id is not None,
        author=project.author_id is not None,
        actor=event.actor_id is not None,
    )
    values = {
        "project": project.pk,
        "municipality": project.municipality_id,
        "lead_department": project.lead_department_id,
        "manager": project.manager_id,
        "author": project.author_id,
        "actor": event.actor_id,
    }
    return query, values


def _choosing(people: QuerySet[User], kinds: tuple[str, ...]) -> QuerySet:
    choices = {
        f"ramec_chose_{number}": Subquery(
            NotificationPreference.objects.filter(user_id=OuterRef("pk"), kind=kind).values("channel")[:1]
        )
        for number, kind in enumerate(kinds)
    }
    return people.annotate(**choices).order_by().values_list("pk", *choices)


def _compiled_for(event: Event) -> bool:
    """A project's own transition (not one an approval ran) is the hot path: its audience is one query whose SQL
    depends only on which of the project's people exist, so it is compiled once per such shape (``backend.core
    .compiled``) from the same rules, and run with the project's ids."""
    return (
        event.kind == EventKind.PROJECT_TRANSITIONED
        and RULES.get(event.kind) is _transitioned
        and event.project_id is not None
        and not event.payload.get("approval_request_id")
    )


@cache
def _transition_audience(
    *, kinds: tuple[str, ...], lead_department: bool, manager: bool, author: bool, actor: bool
) -> CompiledQuery:
    """The audience of a transition of a project with (or without) a lead department, a manager, an author; run by
    the actor (or by nobody), with the choices for ``kinds``."""
    shape = {"lead_department": lead_department, "manager": manager, "author": author, "actor": actor}

    def build(**values: int) -> QuerySet:
        present = {name: values[name] if shape[name] else None for name in shape}
        project = Project(
            pk=values["project"],
            municipality_id=values["municipality"],
            lead_department_id=present["lead_department"],
            manager_id=present["manager"],
            author_id=present["author"],
        )
        event = Event(kind=EventKind.PROJECT_TRANSITIONED, project=project, actor_id=present["actor"], payload={})
        return _choosing((_transitioned(event) & _allowed(event)).exclude(pk=event.actor_id), kinds)

    return query_compile(build, "project", "municipality", *shape)


def _allowed(event: Event) -> QuerySet[User]:
    """Everyone who may hear of ``event``: who sees its project (inside, or also as a guest when the kind is for
    partners too), or the municipality's staff when it has none."""
    if event.project_id is None:
        return municipal_staff(municipality_id=event.municipality_id)
    audience = project_audience(project=event.project)
    return audience.everyone() if _partner_visible(event) else audience.internal()
