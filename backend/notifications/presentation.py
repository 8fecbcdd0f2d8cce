"""Where a notification leads and what it quotes: the same for the notifications page and the e-mails.

A notification links to the place it is about (the comment on the comments tab, the task, the approval),
never only to the project's overview; a comment is quoted as a short plain-text preview.
"""

import html
import re
from collections.abc import Callable, Iterable

from django.urls import NoReverseMatch, reverse
from django.utils.html import strip_tags

from backend.core.markdown import render_markdown
from backend.projects.choices import CommentVisibility
from backend.projects.models import Comment, Event, EventKind
from backend.projects.stages import Stage
from workflows.machine import TRANSITION_LABELS

PREVIEW_LENGTH = 140

_TASK_KINDS = {EventKind.TASK_ASSIGNED, EventKind.TASK_STATUS_CHANGED, EventKind.TASK_DUE_SOON, EventKind.TASK_OVERDUE}
# Kinds that ask the recipient to decide: they lead to the approvals inbox (the requester to the project's tab).
_TO_DECIDE_KINDS = {EventKind.APPROVAL_REQUESTED, EventKind.APPROVAL_REMINDER, EventKind.APPROVAL_ESCALATED}
_DECIDED_KINDS = {EventKind.APPROVAL_GRANTED, EventKind.APPROVAL_REJECTED, EventKind.APPROVAL_CANCELLED}
APPROVAL_KINDS = _TO_DECIDE_KINDS | _DECIDED_KINDS


# Where an event without a project leads, by kind: registered by the app that records it (the strategy's).
MUNICIPAL_PATHS: dict[str, Callable[[Event], str]] = {}


def path_register(kind: str, path: Callable[[Event], str]) -> None:
    MUNICIPAL_PATHS[kind] = path


def _tab(project_id: int, tab: str, anchor: str = "") -> str:
    path = reverse("web:project_tab", kwargs={"pk": project_id, "tab": tab})
    return f"{path}#{anchor}" if anchor else path


def notification_path(event: Event, *, recipient_id: int) -> str:
    """The path (with its anchor) of the place ``event`` is about, as ``recipient_id`` may open it."""
    payload = event.payload or {}
    if event.project_id is None:
        path = MUNICIPAL_PATHS.get(event.kind)
        try:
            return path(event) if path else "/"
        except NoReverseMatch:  # a deployment without the web UI
            return "/"
    try:
        if event.kind == EventKind.COMMENT_POSTED and payload.get("comment_id"):
            return _tab(event.project_id, "comments", f"comment-{payload['comment_id']}")
        if event.kind in _TASK_KINDS and payload.get("task_id"):
            return _tab(event.project_id, "tasks", f"task-{payload['task_id']}")
        request_id = payload.get("approval_request_id")
        if event.kind in APPROVAL_KINDS and request_id:
            if event.kind in _TO_DECIDE_KINDS and payload.get("requested_by_id") != recipient_id:
                return f"{reverse('web:approvals')}#approval-{request_id}"
            return _tab(event.project_id, "approvals", f"approval-request-{request_id}")
        if event.kind == EventKind.PROJECT_TRANSITIONED and payload.get("record_id"):
            return _tab(event.project_id, "history", f"transition-record-{payload['record_id']}")
        if event.kind == EventKind.FUNDING_DEADLINE:
            return _tab(event.project_id, "funding")
        return reverse("web:project_detail", args=[event.project_id])
    except NoReverseMatch:  # a deployment without the web UI: the admin's page of the project
        return reverse("admin:projects_project_change", args=[event.project_id])


def is_mention(event: Event, *, recipient_id: int) -> bool:
    return event.kind == EventKind.COMMENT_POSTED and recipient_id in (event.payload or {}).get("mentioned_ids", [])


def text_preview(markdown_text: str, *, length: int = PREVIEW_LENGTH) -> str:
    """Plain text of a Markdown text (no markup, entities decoded), cut at a word to about ``length`` characters.

    The result is text, not HTML: templates escape it as any other string.
    """
    text = html.unescape(strip_tags(render_markdown(markdown_text)))
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] if " " in text[:length] else text[:length]
    return cut.rstrip(" ,.;:") + "…"


def comment_previews(events: Iterable[Event], *, shared_only: bool) -> dict[int, str]:
    """Previews of the comments these events are about, by comment id, in one query.

    ``shared_only`` for partner guests: a comment made internal since never shows to them.
    """
    ids = {
        event.payload.get("comment_id")
        for event in events
        if event.kind == EventKind.COMMENT_POSTED and (event.payload or {}).get("comment_id")
    }
    if not ids:
        return {}
    comments = Comment.objects.filter(pk__in=ids)
    if shared_only:
        comments = comments.filter(visibility=CommentVisibility.SHARED)
    return {pk: text_preview(body) for pk, body in comments.values_list("pk", "body")}


def event_details(event: Event) -> str:
    """The event's payload in words (stage names, transition labels); never reads the database."""
    payload = event.payload or {}
    transition = TRANSITION_LABELS.get(payload.get("transition", ""), "")
    if event.kind == EventKind.PROJECT_TRANSITIONED:
        source, target = payload.get("source"), payload.get("target")
        if source in Stage.values and target in Stage.values:
            return f"{transition}: {Stage(source).label} → {Stage(target).label}"
    if event.kind in APPROVAL_KINDS:
        return str(transition)
    return ""
