"""Notifications: the list (newest first), marking read, and the bell's unread count polled by htmx."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from backend.notifications.models import Notification
from backend.notifications.selectors import notification_list_for
from backend.notifications.services import notification_mark_all_read, notification_mark_read
from backend.projects.models import Event, EventKind
from backend.web.htmx import htmx_partial, render_page
from workflows.machine import TRANSITION_LABELS
from workflows.stages import Stage

TEMPLATE = "pages/notifications.html"
PAGE_SIZE = 30


@require_GET
@login_required
@vary_on_headers("HX-Request")
def notifications(request: HttpRequest) -> HttpResponse:
    return render_page(request, TEMPLATE, _list_context(request), fragment="notification_list")


@require_POST
@login_required
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification = notification_list_for(user=request.user).get(pk=pk)
    except Notification.DoesNotExist:
        raise Http404(_("Notification not found.")) from None
    notification = notification_mark_read(notification=notification)
    if not htmx_partial(request):
        return redirect("web:notifications")
    notification.details = event_details(notification.event)
    context = {"notification": notification, "unread_count": _unread_count(request), "bell_out_of_band": True}
    return render_page(request, TEMPLATE, context, fragment="notification_read")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = notification_mark_all_read(user=request.user)
    if not htmx_partial(request):
        messages.success(
            request,
            ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", marked)
            % {"count": marked},
        )
        return redirect("web:notifications")
    context = {**_list_context(request), "unread_count": 0, "bell_out_of_band": True}
    return render_page(request, TEMPLATE, context, fragment="notification_list")


@never_cache
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The unread count for the header, or nothing when there is none (or nobody is signed in)."""
    if not request.user.is_authenticated:
        return HttpResponse("")
    return render_page(request, TEMPLATE, {"unread_count": _unread_count(request)}, fragment="bell")


def _list_context(request: HttpRequest) -> dict:
    """One page of notifications; older ones by a cursor (``?before=<id>``), so deep pages cost the same."""
    queryset = notification_list_for(user=request.user).order_by("-id")
    before = request.GET.get("before", "")
    if re.fullmatch(r"[0-9]{1,18}", before):  # str.isdigit() also accepts "²", which int() refuses
        queryset = queryset.filter(pk__lt=int(before))
    rows = list(queryset[: PAGE_SIZE + 1])
    page = rows[:PAGE_SIZE]
    for notification in page:
        notification.details = event_details(notification.event)
    return {
        "nav": "notifications",
        "notifications": page,
        "older_than": page[-1].pk if len(rows) > PAGE_SIZE else None,
        "is_first_page": not before,
    }


def _unread_count(request: HttpRequest) -> int:
    return notification_list_for(user=request.user).filter(read_at__isnull=True).count()


def event_details(event: Event) -> str:
    """The event's payload in words (stage names, transition labels); never reads the database."""
    payload = event.payload or {}
    transition = TRANSITION_LABELS.get(payload.get("transition", ""), "")
    if event.kind == EventKind.PROJECT_TRANSITIONED:
        source, target = payload.get("source"), payload.get("target")
        if source in Stage.values and target in Stage.values:
            return f"{transition}: {Stage(source).label} → {Stage(target).label}"
    if event.kind in (
        EventKind.APPROVAL_REQUESTED,
        EventKind.APPROVAL_GRANTED,
        EventKind.APPROVAL_REJECTED,
        EventKind.APPROVAL_CANCELLED,
    ):
        return str(transition)
    return ""


urlpatterns = [
    path("notifications/", notifications, name="notifications"),
    path("notifications/bell/", notification_bell, name="notification_bell"),
    path("notifications/<int:pk>/read/", notification_read, name="notification_read"),
    path("notifications/read-all/", notification_read_all, name="notification_read_all"),
]
