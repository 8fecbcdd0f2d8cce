"""The strategy's events for notifications: recording them (in the caller's transaction), who hears of them and
where they lead. They are events without a project: they reach only the municipality's own staff."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse

from backend.accounts.models import Membership, Role, User
from backend.notifications.models import ReminderMark
from backend.notifications.presentation import path_register
from backend.notifications.recipients import rule_register
from backend.projects.models import Event, EventKind
from backend.projects.services import municipal_event_record
from backend.strategy.models import Amendment, Consultation

AMENDMENT_KINDS = (EventKind.AMENDMENT_PROPOSED, EventKind.AMENDMENT_APPROVED, EventKind.AMENDMENT_REJECTED)
CONSULTATION_KINDS = (
    EventKind.CONSULTATION_OPENED,
    EventKind.CONSULTATION_CLOSED,
    EventKind.CONSULTATION_COMMENT_WAITING,
)
# A consultation that ended longer ago than this is not announced as closed any more (a first run after deploying
# does not announce every consultation of the past).
CLOSING_GRACE_DAYS = 7


def amendment_event_record(*, amendment: Amendment, kind: str, actor: User | None, **payload) -> Event:
    strategy = amendment.strategy
    return municipal_event_record(
        municipality=strategy.municipality,
        kind=kind,
        actor=actor,
        subject=f"{strategy.title}: {amendment.title}",
        amendment_id=amendment.pk,
        strategy_id=strategy.pk,
        **payload,
    )


def consultations_closed_announce(*, today: date) -> int:
    """Announce each consultation whose last day has passed, once (a ``ReminderMark`` proves it was)."""
    ended = Consultation.objects.select_related("amendment__strategy__municipality").filter(
        ends_on__lt=today, ends_on__gte=today - timedelta(days=CLOSING_GRACE_DAYS)
    )
    announced = 0
    for consultation in ended:
        try:
            with transaction.atomic():
                ReminderMark.objects.create(
                    kind=EventKind.CONSULTATION_CLOSED, object_id=consultation.pk, threshold="closed"
                )
                amendment_event_record(
                    amendment=consultation.amendment,
                    kind=EventKind.CONSULTATION_CLOSED,
                    actor=None,
                    consultation_id=consultation.pk,
                )
        except IntegrityError:
            continue
        announced += 1
    return announced


# --- who hears of them ------------------------------------------------------------------------------------------


def _amendment(event: Event) -> Amendment | None:
    return Amendment.objects.filter(pk=(event.payload or {}).get("amendment_id")).first()


def _coordinators(municipality_id: int) -> set[int]:
    coordinators = Membership.objects.filter(role=Role.COORDINATOR, municipality_id=municipality_id)
    return set(coordinators.values_list("user_id", flat=True))


def _department_heads(amendment: Amendment) -> set[int]:
    if amendment.department_id is None:
        return set()
    heads = Membership.objects.filter(role=Role.HEAD, department_id=amendment.department_id)
    return set(heads.values_list("user_id", flat=True))


def _concerned(event: Event) -> set[int]:
    """The coordinators, the proposer and the head of the department the amendment touches."""
    amendment = _amendment(event)
    if amendment is None:
        return set()
    return _coordinators(event.municipality_id) | {amendment.proposed_by_id} | _department_heads(amendment)


def _moderators_and_proposer(event: Event) -> set[int]:
    """A comment waits: the coordinators moderate it, the proposer will answer it."""
    amendment = _amendment(event)
    if amendment is None:
        return set()
    return _coordinators(event.municipality_id) | {amendment.proposed_by_id}


def _strategy_path(event: Event) -> str:
    payload = event.payload or {}
    return reverse("strategy:detail", args=[payload["strategy_id"]]) + f"#amendment-{payload['amendment_id']}"


def _comments_path(event: Event) -> str:
    return reverse("strategy:consultation_comments", args=[(event.payload or {})["amendment_id"]])


def register() -> None:
    """Called once when the app is ready."""
    for kind in (*AMENDMENT_KINDS, EventKind.CONSULTATION_OPENED, EventKind.CONSULTATION_CLOSED):
        rule_register(kind, _concerned)
    rule_register(EventKind.CONSULTATION_COMMENT_WAITING, _moderators_and_proposer)
    for kind in AMENDMENT_KINDS:
        path_register(kind, _strategy_path)
    for kind in CONSULTATION_KINDS:
        path_register(kind, _comments_path)
