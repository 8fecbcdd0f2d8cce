"""From events to notifications: the outbox written with each event, and sending it after commit.

- ``event_fanout`` runs inside the transaction that wrote the event: in-app rows and e-mail deliveries
  commit together with the change, so nothing is lost if the process or the broker dies afterwards.
- After commit one Celery task per event sends its e-mails (published through ``outbox``); if the broker
  is down the commit still succeeds at once and ``deliveries_sweep`` (on beat) sends what was left pending.
- Sending, retries and the sweep are the outbox's (``backend.notifications.outbox``); this module registers
  the builder of an event's e-mail and sends the digests.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from smtplib import SMTPException

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backend.accounts.models import Membership, Role, User
from backend.accounts.selectors import user_access
from backend.notifications import outbox, tasks
from backend.notifications.models import (
    MENTION,
    Channel,
    Delivery,
    DeliveryStatus,
    MailKind,
    Notification,
    NotificationPreference,
)
from backend.notifications.outbox import Undeliverable, mail_kind, task_publish
from backend.notifications.presentation import comment_previews, is_mention, notification_path
from backend.notifications.recipients import municipal_staff, recipient_choices, recipient_choices_sql
from backend.projects.models import Event, EventKind
from backend.projects.selectors import project_list_visible
from workflows.machine import TRANSITION_LABELS

logger = logging.getLogger(__name__)

# Channel a person gets when they chose nothing for a kind.
DEFAULT_CHANNELS = {
    EventKind.PROJECT_CREATED: Channel.DIGEST,
    EventKind.PROJECT_TRANSITIONED: Channel.DIGEST,
    EventKind.APPROVAL_REQUESTED: Channel.IMMEDIATE,
    # The requester waits for it: the decision on their request reaches them at once.
    EventKind.APPROVAL_GRANTED: Channel.IMMEDIATE,
    EventKind.APPROVAL_REJECTED: Channel.IMMEDIATE,
    EventKind.APPROVAL_CANCELLED: Channel.DIGEST,
    EventKind.APPROVAL_REMINDER: Channel.IMMEDIATE,
    EventKind.APPROVAL_ESCALATED: Channel.IMMEDIATE,
    EventKind.TASK_ASSIGNED: Channel.IMMEDIATE,
    EventKind.TASK_STATUS_CHANGED: Channel.DIGEST,
    EventKind.TASK_DUE_SOON: Channel.IMMEDIATE,
    EventKind.TASK_OVERDUE: Channel.IMMEDIATE,
    EventKind.COMMENT_POSTED: Channel.DIGEST,
    EventKind.PARTNER_INVITED: Channel.IMMEDIATE,
    EventKind.FUNDING_DEADLINE: Channel.IMMEDIATE,
    # A strategy's amendments: who decides hears at once, as of an approval request; the proposer of the decision.
    EventKind.AMENDMENT_PROPOSED: Channel.IMMEDIATE,
    EventKind.AMENDMENT_APPROVED: Channel.IMMEDIATE,
    EventKind.AMENDMENT_REJECTED: Channel.IMMEDIATE,
    EventKind.CONSULTATION_OPENED: Channel.DIGEST,
    EventKind.CONSULTATION_CLOSED: Channel.IMMEDIATE,
    EventKind.CONSULTATION_COMMENT_WAITING: Channel.DIGEST,
    # Being mentioned by name is worth an e-mail now, unless the person chose otherwise for mentions.
    MENTION: Channel.IMMEDIATE,
}
EMAIL_CHANNELS = (Channel.IMMEDIATE, Channel.DIGEST)


def channels_chosen(
    *, kind: str, choices: dict[int, tuple[str | None, ...]], mentioned_ids: set[int] = frozenset()
) -> dict[int, str]:
    """Each recipient's channel for an event of ``kind``: their choice, else the kind's default. Those
    mentioned in a comment get their choice for mentions instead of the one for comments. ``choices`` are
    ``recipient_choices`` of ``_choice_kinds``."""
    channels = {}
    for user_id, chosen in choices.items():
        mention = user_id in mentioned_ids
        preference_kind = MENTION if mention else kind
        channel = chosen[1] if mention else chosen[0]
        channels[user_id] = channel or DEFAULT_CHANNELS.get(preference_kind, Channel.IN_APP)
    return channels


def _choice_kinds(kind: str, mentioned_ids: set[int]) -> tuple[str, ...]:
    return (kind, MENTION) if mentioned_ids else (kind,)


def event_fanout(*, event: Event, asked: tuple[str, list] | None = None) -> list | None:
    """Write the event's in-app notifications and e-mail deliveries, in the caller's transaction. ``asked`` is the
    SQL and parameters of a query of one column that the caller wants answered too: where the fan-out is one
    statement (``_FANOUT``) it is asked in it and its values returned; else None, and the caller asks it."""
    mentioned = set(event.payload.get("mentioned_ids", [])) if event.kind == EventKind.COMMENT_POSTED else set()
    kinds = _choice_kinds(event.kind, mentioned)
    audience = recipient_choices_sql(event, kinds=kinds) if connection.vendor == "postgresql" else None
    if audience is not None:
        immediate, answer = _fanout_in_one(event, *audience, asked=asked)
        if immediate:
            transaction.on_commit(partial(_dispatch, event.pk))
        return answer
    choices = recipient_choices(event, kinds=kinds)
    if not choices:
        return None
    channels = channels_chosen(kind=event.kind, choices=choices, mentioned_ids=mentioned)
    in_app = sorted(user_id for user_id, channel in channels.items() if channel != Channel.OFF)
    by_mail = sorted((user_id, channel) for user_id, channel in channels.items() if channel in EMAIL_CHANNELS)
    _rows_insert(
        _notification_rows(event=event, recipient_ids=in_app, mentioned_ids=mentioned),
        _delivery_rows(event=event, recipients=by_mail),
    )
    if any(channel == Channel.IMMEDIATE for _user_id, channel in by_mail):
        transaction.on_commit(partial(_dispatch, event.pk))
    return None


# The fan-out's rows are written by one INSERT … SELECT over arrays per table, both in one statement, not by
# ``bulk_create``: for 1,000 recipients ``bulk_create`` built 2,000 model instances and quoted 10,000 values one by
# one, three quarters of a transition's time (bench/notify.py). Column names come from the models; defaults are the
# fields' own. SQLite (the demo) has no arrays: there the same rows go through ``bulk_create``.


@dataclass(frozen=True)
class _Rows:
    """Rows of ``model``, one per position of the ``per_row`` lists (name → values, SQL type), each with the
    ``constant`` values besides. Fields named in neither must be nullable: PostgreSQL writes NULL there."""

    model: type
    constant: dict[str, object]
    per_row: dict[str, tuple[list, str]]

    def __len__(self) -> int:
        return len(next(iter(self.per_row.values()))[0])


def _notification_rows(*, event: Event, recipient_ids: list[int], mentioned_ids: set[int]) -> _Rows:
    return _Rows(
        Notification,
        constant={"event": event.pk, "created_at": event.created_at},
        per_row={
            "recipient": (recipient_ids, "bigint"),
            "is_mention": ([user_id in mentioned_ids for user_id in recipient_ids], "boolean"),
        },
    )


def _delivery_rows(*, event: Event, recipients: list[tuple[int, str]]) -> _Rows:
    meta = Delivery._meta
    return _Rows(
        Delivery,
        constant={
            "event": event.pk,
            "created_at": event.created_at,
            **{
                name: meta.get_field(name).get_default()
                for name in ("kind", "topic", "language", "status", "attempts", "last_error")
            },
        },
        per_row={
            "recipient": ([user_id for user_id, _channel in recipients], "bigint"),
            "channel": ([channel for _user_id, channel in recipients], "varchar"),
        },
    )


def _rows_insert(*tables: _Rows) -> None:
    """Insert the rows of each of ``tables``, in one statement on PostgreSQL (the first ones as data-modifying
    ``WITH`` parts of the last); rows the tables' unique constraints already hold are skipped (so a fan-out run
    twice writes each row once)."""
    tables = tuple(rows for rows in tables if len(rows))
    if not tables:
        return
    if connection.vendor != "postgresql":
        for rows in tables:
            model = rows.model
            model.objects.bulk_create(
                [
                    model(
                        **{model._meta.get_field(name).attname: value for name, value in rows.constant.items()},
                        **{
                            model._meta.get_field(name).attname: values[position]
                            for name, (values, _type) in rows.per_row.items()
                        },
                    )
                    for position in range(len(rows))
                ],
                ignore_conflicts=True,
            )
        return
    statements, parameters = [], []
    for rows in tables:
        statement, values = _insert_sql(rows)
        statements.append(statement)
        parameters += values
    *first, last = statements
    with_parts = ", ".join(f"inserted{number} AS ({statement})" for number, statement in enumerate(first))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {with_parts} {last}" if first else last, parameters)


def _insert_sql(rows: _Rows) -> tuple[str, list]:
    per_row = rows.per_row
    arrays = ", ".join(f"%s::{sql_type}[]" for _values, sql_type in per_row.values())
    aliases = ", ".join(f"c{number}" for number in range(len(per_row)))
    return _insert_select_sql(
        rows.model,
        constant=rows.constant,
        selected={name: f"fanout.c{number}" for number, name in enumerate(per_row)},
        source=f"unnest({arrays}) AS fanout({aliases})",
        source_parameters=[values for values, _type in per_row.values()],
    )


def _insert_select_sql(
    model: type, *, constant: dict[str, object], selected: dict[str, str], source: str, source_parameters: list
) -> tuple[str, list]:
    """``INSERT … SELECT`` into ``model``: the ``constant`` values in each row, the ``selected`` columns (SQL of
    ``source``) beside them; rows its unique constraints already hold are skipped."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in [*constant, *selected])
    values = ", ".join(["%s"] * len(constant) + list(selected.values()))
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608  (names from the model)
        f"SELECT {values} FROM {source} ON CONFLICT DO NOTHING",
        [*constant.values(), *source_parameters],
    )


# A project's own transition (``recipient_choices_sql``): its audience, their channels and both tables' rows in one
# statement on PostgreSQL, where the audience was a query of its own before the rows were written. The channels as
# ``channels_chosen`` gives them without mentions (which only comments have): the choice, else the kind's default.
_FANOUT = """WITH audience (recipient, choice) AS ({audience}),
chosen AS (SELECT recipient, COALESCE(choice, %s) AS channel FROM audience),
inserted0 AS ({notifications}), inserted1 AS ({deliveries})
SELECT COALESCE(bool_or(channel = %s), false), {asked} FROM chosen"""


def _fanout_in_one(
    event: Event, audience_sql: str, audience_parameters: list, *, asked: tuple[str, list] | None
) -> tuple[bool, list | None]:
    """The fan-out of ``_FANOUT``: whether a recipient gets an e-mail at once, and the values of ``asked``."""
    notifications, notification_parameters = _insert_select_sql(
        Notification,
        constant={
            **_notification_rows(event=event, recipient_ids=[], mentioned_ids=set()).constant,
            "is_mention": False,
        },
        selected={"recipient": "recipient"},
        source="chosen WHERE channel <> %s ORDER BY recipient",
        source_parameters=[Channel.OFF],
    )
    deliveries, delivery_parameters = _insert_select_sql(
        Delivery,
        constant=_delivery_rows(event=event, recipients=[]).constant,
        selected={"recipient": "recipient", "channel": "channel"},
        source=f"chosen WHERE channel IN ({', '.join(['%s'] * len(EMAIL_CHANNELS))}) ORDER BY recipient",
        source_parameters=list(EMAIL_CHANNELS),
    )
    sql = _FANOUT.format(
        audience=audience_sql,
        notifications=notifications,
        deliveries=deliveries,
        asked="NULL" if asked is None else f"ARRAY({asked[0]})",
    )
    parameters = [
        *audience_parameters,
        DEFAULT_CHANNELS.get(event.kind, Channel.IN_APP),
        *notification_parameters,
        *delivery_parameters,
        Channel.IMMEDIATE,
        *(asked[1] if asked else ()),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        immediate, answer = cursor.fetchone()
    return immediate, answer


def notifications_forget_revoked(*, event: Event) -> int:
    """After a partner organisation lost a project: its guests who no longer see the project lose what they
    were told about it in the application, and the e-mails not yet sent. Returns how many rows went."""
    guests = User.objects.filter(
        pk__in=Membership.objects.filter(
            role=Role.PARTNER, organization_id=event.payload.get("organization_id")
        ).values("user_id")
    )
    gone = [guest.pk for guest in guests if not project_list_visible(user=guest).filter(pk=event.project_id).exists()]
    if not gone:
        return 0
    notifications, _by_model = Notification.objects.filter(
        recipient_id__in=gone, event__project_id=event.project_id
    ).delete()
    deliveries, _by_model = Delivery.objects.filter(
        recipient_id__in=gone, event__project_id=event.project_id, status=DeliveryStatus.PENDING
    ).delete()
    return notifications + deliveries


def _dispatch(event_id: int) -> None:
    task_publish(task=tasks.send_event_deliveries, object_id=event_id, waiting=f"event {event_id}'s e-mail")


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def project_link(project_id: int) -> str:
    try:
        return site_url(reverse("web:project_detail", args=[project_id]))
    except NoReverseMatch:
        return site_url(reverse("admin:projects_project_change", args=[project_id]))


def _event_context(event: Event, *, recipient: User) -> dict:
    """What an e-mail says of one event to one person: where it leads, a mention, the comment's preview."""
    preview = ""
    if event.kind == EventKind.COMMENT_POSTED:
        shared_only = user_access(user=recipient).is_partner_only
        preview = comment_previews([event], shared_only=shared_only).get(event.payload.get("comment_id"), "")
    return {
        "link": site_url(notification_path(event, recipient_id=recipient.pk)),
        "mention": is_mention(event, recipient_id=recipient.pk),
        "transition": TRANSITION_LABELS.get((event.payload or {}).get("transition", ""), ""),
        "preview": preview,
    }


def _render(template_base: str, context: dict, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template_base}_subject.txt", context).split())
        text = render_to_string(f"{template_base}.txt", context)
        html = render_to_string(f"{template_base}.html", context)
    return subject, text, html


def _message(*, to: str, subject: str, text: str, html: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


NO_LONGER_VISIBLE = "The recipient may no longer see the project (access revoked since the event)."


def _visible_project_ids(*, recipient: User, project_ids: set[int]) -> set[int]:
    """Which of these projects the recipient may see now: access revoked after the event means no e-mail."""
    return set(project_list_visible(user=recipient).filter(pk__in=project_ids).values_list("pk", flat=True))


def _still_concerned(*, recipient: User, events: list[Event]) -> set[int]:
    """The ids of the events the recipient may still hear of: a project they still see, or a municipality whose
    staff they still are (for an event without a project)."""
    project_ids = {e.project_id for e in events} - {None}
    visible = _visible_project_ids(recipient=recipient, project_ids=project_ids) if project_ids else set()
    municipality_ids = {e.municipality_id for e in events if e.project_id is None}
    staff_of = {
        municipality_id
        for municipality_id in municipality_ids
        if municipal_staff(municipality_id=municipality_id).filter(pk=recipient.pk).exists()
    }
    return {e.pk for e in events if e.project_id in visible or (e.project_id is None and e.municipality_id in staff_of)}


@mail_kind(MailKind.EVENT)
def _event_mail(delivery: Delivery) -> EmailMultiAlternatives:
    """An event's e-mail to one person, if they still may see its project."""
    recipient = delivery.recipient
    if not recipient.email or not recipient.is_active:
        raise Undeliverable("The recipient has no e-mail address or is inactive.")
    event = delivery.event
    if not _still_concerned(recipient=recipient, events=[event]):
        raise Undeliverable(NO_LONGER_VISIBLE)
    context = {
        "event": event,
        "project": event.project,
        "recipient": recipient,
        **_event_context(event, recipient=recipient),
        "preferences_link": site_url(reverse("web:notification_preferences")),
    }
    subject, text, html = _render("emails/notification", context, recipient.language)
    return _message(to=recipient.email, subject=subject, text=text, html=html)


def event_deliveries_send(*, event_id: int) -> list[int]:
    """Send every pending immediate delivery of an event; return the ids that failed for now."""
    return outbox.deliveries_send(
        delivery_ids=Delivery.objects.filter(
            kind=MailKind.EVENT, event_id=event_id, channel=Channel.IMMEDIATE, status=DeliveryStatus.PENDING
        ).values_list("pk", flat=True)
    )


def digests_send() -> int:
    """One e-mail per person with everything collected for their digest; return how many were sent."""
    by_recipient: dict[int, list[int]] = defaultdict(list)
    for delivery_id, recipient_id in Delivery.objects.filter(
        channel=Channel.DIGEST, status=DeliveryStatus.PENDING
    ).values_list("pk", "recipient_id"):
        by_recipient[recipient_id].append(delivery_id)
    sent = 0
    for recipient_id, delivery_ids in by_recipient.items():
        sent += _digest_send(recipient_id=recipient_id, delivery_ids=delivery_ids)
    return sent


def _digest_send(*, recipient_id: int, delivery_ids: list[int]) -> int:
    with transaction.atomic():
        deliveries = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "event__project", "event__actor", "recipient")
            .filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING)
            .order_by("event__created_at", "pk")
        )
        if not deliveries:
            return 0
        recipient = deliveries[0].recipient
        if not recipient.email or not recipient.is_active:
            Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
                status=DeliveryStatus.FAILED, last_error="The recipient has no e-mail address or is inactive."
            )
            return 0
        concerned = _still_concerned(recipient=recipient, events=[d.event for d in deliveries])
        hidden = [d.pk for d in deliveries if d.event_id not in concerned]
        if hidden:
            Delivery.objects.filter(pk__in=hidden).update(status=DeliveryStatus.FAILED, last_error=NO_LONGER_VISIBLE)
            deliveries = [d for d in deliveries if d.event_id in concerned]
            if not deliveries:
                return 0
        items = [{"event": d.event, **_event_context(d.event, recipient=recipient)} for d in deliveries]
        context = {"recipient": recipient, "items": items, "dashboard": site_url("/")}
        subject, text, html = _render("emails/digest", context, recipient.language)
        message = _message(to=recipient.email, subject=subject, text=text, html=html)
        message.extra_headers["Message-ID"] = f"<digest-{recipient.pk}-{deliveries[0].pk}@ramec>"
        try:
            message.send()
        except (SMTPException, OSError) as error:
            logger.warning("Digest for user %s not sent: %s", recipient.pk, error)
            return 0
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now()
        )
        return 1


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def notification_preferences_set(*, user: User, channels: dict[str, str]) -> None:
    """Save the person's channel for each given kind, all or nothing.

    Raises ValidationError (nothing saved) for a kind they cannot hear of or a channel that does not exist.
    """
    from backend.notifications.selectors import preference_kinds_for

    allowed = set(preference_kinds_for(user=user))
    errors = {}
    for kind, channel in channels.items():
        if kind not in allowed:
            errors[kind] = _("Unknown kind of notification.")
        elif channel not in Channel.values:
            errors[kind] = _("Choose one of the offered ways.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for kind, channel in channels.items():
            NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})
