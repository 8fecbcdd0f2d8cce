"""The JSON a webhook carries (schema version 1): what each kind of event says, produced by the serializers
that the OpenAPI document's ``webhooks`` section shows, so the contract and the bytes cannot drift apart.

Every body is ``{"type", "version", "timestamp", "municipality", "data"}``; ``data`` depends on the type.
Only what a municipal user of the project may see goes out: shared comments, never internal ones.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.utils import OpenApiWebhook, extend_schema
from rest_framework import serializers

from backend.accounts.models import Municipality, User
from backend.integrations.models import TEST_EVENT_TYPE, WebhookEventType
from backend.notifications.services import project_link
from backend.projects.choices import TaskStatus
from backend.projects.models import Comment, Event, EventKind, Project, Task

SCHEMA_VERSION = 1


class WebhookPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WebhookMunicipalitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WebhookProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    stage = serializers.CharField()
    url = serializers.URLField()


class WebhookTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)


class WebhookCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()


class WebhookEventDataSerializer(serializers.Serializer):
    event_id = serializers.IntegerField()
    project = WebhookProjectSerializer()
    actor = WebhookPersonSerializer(allow_null=True)


class WebhookTransitionedDataSerializer(WebhookEventDataSerializer):
    transition = serializers.CharField()
    source = serializers.CharField()
    target = serializers.CharField()


class WebhookApprovalRequestedDataSerializer(WebhookEventDataSerializer):
    approval_request_id = serializers.IntegerField()
    transition = serializers.CharField()


class WebhookApprovalDecidedDataSerializer(WebhookApprovalRequestedDataSerializer):
    decision = serializers.ChoiceField(choices=["approved", "rejected"])
    completes = serializers.BooleanField(help_text="Whether this decision settled the request.")


class WebhookTaskDataSerializer(WebhookEventDataSerializer):
    task = WebhookTaskSerializer()
    assignee = WebhookPersonSerializer(allow_null=True)


class WebhookCommentDataSerializer(WebhookEventDataSerializer):
    comment = WebhookCommentSerializer()


class WebhookIdeaSerializer(serializers.Serializer):
    """A published citizen idea, only what its public page shows: never its author's name or e-mail."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    thematic_area = serializers.CharField(allow_blank=True)
    url = serializers.URLField(allow_null=True, help_text="The idea's public page; null while the portal is closed.")
    published_at = serializers.DateTimeField()


class WebhookIdeaPublishedDataSerializer(serializers.Serializer):
    idea = WebhookIdeaSerializer()


class WebhookTestDataSerializer(serializers.Serializer):
    message = serializers.CharField()


DATA_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    WebhookEventType.PROJECT_TRANSITIONED: WebhookTransitionedDataSerializer,
    WebhookEventType.APPROVAL_REQUESTED: WebhookApprovalRequestedDataSerializer,
    WebhookEventType.APPROVAL_DECIDED: WebhookApprovalDecidedDataSerializer,
    WebhookEventType.TASK_ASSIGNED: WebhookTaskDataSerializer,
    WebhookEventType.TASK_DONE: WebhookTaskDataSerializer,
    WebhookEventType.COMMENT_SHARED: WebhookCommentDataSerializer,
    WebhookEventType.IDEA_PUBLISHED: WebhookIdeaPublishedDataSerializer,
    TEST_EVENT_TYPE: WebhookTestDataSerializer,
}


def _envelope(data_serializer: type[serializers.Serializer], event_type: str) -> type[serializers.Serializer]:
    name = "".join(part.title() for part in event_type.replace(".", "_").split("_")) + "Webhook"
    return type(
        name,
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=[event_type]),
            "version": serializers.ChoiceField(choices=[SCHEMA_VERSION]),
            "timestamp": serializers.DateTimeField(),
            "municipality": WebhookMunicipalitySerializer(),
            "data": data_serializer(),
        },
    )


ENVELOPES = {event_type: _envelope(serializer, event_type) for event_type, serializer in DATA_SERIALIZERS.items()}

SIGNATURE_HELP = (
    "Signed the Standard Webhooks way: headers `webhook-id` (the same for every attempt of a message), "
    "`webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature` (`v1,<base64 HMAC-SHA256>` of "
    "`id.timestamp.body` under the base64-decoded part of the endpoint's `whsec_` secret; during a secret rotation "
    "two signatures separated by a space). Answer 2xx within the timeout; anything else is retried with "
    "exponential backoff."
)

OPENAPI_WEBHOOKS = [
    OpenApiWebhook(
        name=str(event_type),
        decorator=extend_schema(
            summary=dict(WebhookEventType.choices).get(event_type, "Test event"),
            description=SIGNATURE_HELP,
            request=envelope,
            responses={200: None},
        ),
    )
    for event_type, envelope in ENVELOPES.items()
]


def webhook_event_type(event: Event) -> str | None:
    """The webhook kind of a recorded event, or None for events webhooks do not carry."""
    payload = event.payload or {}
    match event.kind:
        case EventKind.PROJECT_TRANSITIONED:
            return WebhookEventType.PROJECT_TRANSITIONED
        case EventKind.APPROVAL_REQUESTED:
            return WebhookEventType.APPROVAL_REQUESTED
        case EventKind.APPROVAL_GRANTED | EventKind.APPROVAL_REJECTED:
            return WebhookEventType.APPROVAL_DECIDED
        case EventKind.TASK_ASSIGNED:
            return WebhookEventType.TASK_ASSIGNED
        case EventKind.TASK_STATUS_CHANGED if payload.get("status") == TaskStatus.DONE:
            return WebhookEventType.TASK_DONE
        case EventKind.COMMENT_POSTED if payload.get("visibility") == "shared":
            return WebhookEventType.COMMENT_SHARED
    return None


def _person(user: User | None) -> dict | None:
    return None if user is None else {"id": user.pk, "name": user.get_full_name() or user.username}


def _project(project: Project) -> dict:
    return {"id": project.pk, "title": project.title, "stage": project.stage, "url": project_link(project.pk)}


def _data(event: Event, event_type: str) -> dict:
    payload = event.payload or {}
    data = {"event_id": event.pk, "project": _project(event.project), "actor": _person(event.actor)}
    if event_type == WebhookEventType.PROJECT_TRANSITIONED:
        data.update(transition=payload["transition"], source=payload["source"], target=payload["target"])
    elif event_type in (WebhookEventType.APPROVAL_REQUESTED, WebhookEventType.APPROVAL_DECIDED):
        data.update(approval_request_id=payload["approval_request_id"], transition=payload["transition"])
        if event_type == WebhookEventType.APPROVAL_DECIDED:
            approved = event.kind == EventKind.APPROVAL_GRANTED
            data.update(decision="approved" if approved else "rejected", completes=payload.get("completes", True))
    elif event_type in (WebhookEventType.TASK_ASSIGNED, WebhookEventType.TASK_DONE):
        task = Task.objects.select_related("assignee").get(pk=payload["task_id"])
        data.update(
            task={"id": task.pk, "title": task.title, "status": task.status, "due_date": task.due_date},
            assignee=_person(task.assignee),
        )
    elif event_type == WebhookEventType.COMMENT_SHARED:
        comment = Comment.objects.get(pk=payload["comment_id"])
        data.update(comment={"id": comment.pk, "body": comment.body})
    return data


def body_render(*, event_type: str, municipality: Municipality, timestamp, data: dict) -> str:
    """The exact JSON text of one message, through its envelope serializer."""
    envelope = ENVELOPES[event_type](
        {
            "type": event_type,
            "version": SCHEMA_VERSION,
            "timestamp": timestamp,
            "municipality": {"id": municipality.pk, "name": municipality.name},
            "data": data,
        }
    )
    return json.dumps(envelope.data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def event_body(*, event: Event, event_type: str) -> str:
    return body_render(
        event_type=event_type,
        municipality=event.project.municipality,
        timestamp=event.created_at,
        data=_data(event, event_type),
    )
