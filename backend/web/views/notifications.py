"""Notifications: the list (newest first, filtered and grouped), marking read, and the header's counters
polled by htmx (the bell's unread notifications, the approvals waiting for a decision)."""

import re
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from backend.accounts.selectors import user_access
from backend.notifications.models import Notification
from backend.notifications.presentation import APPROVAL_KINDS, comment_previews, event_details, notification_path
from backend.notifications.selectors import notification_list_for
from backend.notifications.services import notification_mark_all_read, notification_mark_read
from backend.web.htmx import htmx_partial, render_page
from backend.web.pagination import capped_count
from workflows.selectors import approval_list_pending_for

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
    previews = comment_previews([notification.event], shared_only=user_access(user=request.user).is_partner_only)
    _describe(notification, previews)
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
        return redirect(_list_url(request.POST))
    context = {**_list_context(request, request.POST), "unread_count": 0, "bell_out_of_band": True}
    return render_page(request, TEMPLATE, context, fragment="notification_list")


@never_cache
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The unread count for the header, or nothing when there is none (or nobody is signed in)."""
    if not request.user.is_authenticated:
        return HttpResponse("")
    return render_page(request, TEMPLATE, {"unread_count": _unread_count(request)}, fragment="bell")


# ?filter= values: which notifications the list shows.
FILTERS = {
    "all": gettext_lazy("All"),
    "unread": gettext_lazy("Unread"),
    "mentions": gettext_lazy("Mentions"),
    "approvals": gettext_lazy("Approvals"),
}
# ?group= values: how the page is grouped.
GROUPINGS = {"day": gettext_lazy("By day"), "project": gettext_lazy("By project")}


def _list_url(params) -> str:
    """The list as it was filtered and grouped (the read-all form posts both along)."""
    query = {"filter": _choice(params, "filter", FILTERS), "group": _choice(params, "group", GROUPINGS)}
    query = {name: value for name, value in query.items() if value not in ("all", "day")}  # the defaults
    return f"{reverse('web:notifications')}?{urlencode(query)}" if query else reverse("web:notifications")


def _choice(params, name: str, allowed: dict) -> str:
    value = params.get(name, "")
    return value if value in allowed else next(iter(allowed))


def _filtered(queryset, name: str):
    if name == "unread":
        return queryset.filter(read_at__isnull=True)
    if name == "mentions":
        return queryset.filter(is_mention=True)
    if name == "approvals":
        return queryset.filter(event__kind__in=APPROVAL_KINDS)
    return queryset


def _list_context(request: HttpRequest, params=None) -> dict:
    """One page of notifications, filtered and grouped; older ones by a cursor (``?before=<id>``), so deep
    pages cost the same. Each notification carries where it leads and, for a comment, a short preview."""
    params = request.GET if params is None else params
    chosen_filter = _choice(params, "filter", FILTERS)
    grouping = _choice(params, "group", GROUPINGS)
    queryset = _filtered(notification_list_for(user=request.user), chosen_filter).order_by("-id")
    before = params.get("before", "")
    if re.fullmatch(r"[0-9]{1,18}", before):  # str.isdigit() also accepts "²", which int() refuses
        queryset = queryset.filter(pk__lt=int(before))
    rows = list(queryset[: PAGE_SIZE + 1])
    page = rows[:PAGE_SIZE]
    previews = comment_previews(
        [notification.event for notification in page], shared_only=user_access(user=request.user).is_partner_only
    )
    for notification in page:
        _describe(notification, previews)
    query = {"filter": chosen_filter, "group": grouping}
    return {
        "nav": "notifications",
        "notifications": page,
        "groups": _grouped(page, grouping),
        "older_than": page[-1].pk if len(rows) > PAGE_SIZE else None,
        "is_first_page": not before,
        "filter": chosen_filter,
        "grouping": grouping,
        "query": urlencode(query),
        "filters": [(name, label, urlencode({**query, "filter": name})) for name, label in FILTERS.items()],
        "groupings": [(name, label, urlencode({**query, "group": name})) for name, label in GROUPINGS.items()],
    }


def _describe(notification: Notification, previews: dict[int, str]) -> None:
    event = notification.event
    notification.details = event_details(event)
    notification.link = notification_path(event, recipient_id=notification.recipient_id)
    notification.preview = previews.get((event.payload or {}).get("comment_id"), "")


def _grouped(page: list[Notification], grouping: str) -> list[dict]:
    """The page in groups, newest group first: by the local day, or by project (ordered by its newest)."""
    groups: dict = {}
    today = timezone.localdate()
    for notification in page:
        if grouping == "project":
            event = notification.event
            key = event.project_id or f"municipality-{event.municipality_id}-{event.kind}"
            label = event.subject_title
        else:
            key = timezone.localdate(notification.created_at)
            if key == today:
                label = _("Today")
            elif key == today - timedelta(days=1):
                label = _("Yesterday")
            else:
                label = date_format(key, "DATE_FORMAT")
        groups.setdefault(key, {"label": label, "notifications": []})["notifications"].append(notification)
    return list(groups.values())


def _unread_count(request: HttpRequest) -> int:
    """Capped like the lists' counts (backend.web.pagination): the bell shows "1 000+" beyond the cap."""
    return capped_count(notification_list_for(user=request.user).filter(read_at__isnull=True))


@never_cache
@require_GET
def approvals_badge(request: HttpRequest) -> HttpResponse:
    """How many approval requests wait for the person's decision, for the header (empty when none).

    Pages that change it (deciding in the inbox) send the ``approvals-changed`` event, which reloads it.
    """
    if not request.user.is_authenticated:
        return HttpResponse("")
    count = capped_count(approval_list_pending_for(user=request.user))  # "1 000+" beyond the cap, as the lists
    return render_page(request, TEMPLATE, {"pending_count": count}, fragment="approvals_badge")


urlpatterns = [
    path("notifications/", notifications, name="notifications"),
    path("notifications/bell/", notification_bell, name="notification_bell"),
    path("notifications/<int:pk>/read/", notification_read, name="notification_read"),
    path("notifications/read-all/", notification_read_all, name="notification_read_all"),
    path("approvals/badge/", approvals_badge, name="approvals_badge"),
]
