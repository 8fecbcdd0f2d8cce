"""Pages of following a public project: the form, the confirmation (a button, confirmed by POST), the
subscriptions page reached from every mail, and the one-click unsubscribe (RFC 8058: a POST without sign-in or
CSRF token, as mail clients send it). None of them is cached: each shows or changes one citizen's subscriptions.
"""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from backend.core.client_ip import client_ip
from backend.core.errors import NotFound
from backend.portal.forms import FollowForm, add_errors
from backend.portal.idea_news import idea_news_check, idea_news_stop
from backend.portal.idea_views import confirmation_page
from backend.portal.ideas import BotSubmission
from backend.portal.public import public_project_card
from backend.portal.selectors import portal_get_open
from backend.portal.subscriptions import (
    follow_confirm,
    follow_request,
    followed_project_get,
    follower_from_link,
    subscription_list,
    unfollow,
    unfollow_all,
)

PAGE_SIZE = 50


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    try:
        portal = portal_get_open(slug=slug)
        project = public_project_card(followed_project_get(portal=portal, pk=pk))
    except NotFound as error:
        raise Http404(str(error)) from None
    form = FollowForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        try:
            follow_request(
                portal=portal,
                project_id=project.id,
                email=form.cleaned_data["email"],
                consent=form.cleaned_data["consent"],
                honeypot=form.cleaned_data["website"],
                client_address=client_ip(request) or "",
            )
        except BotSubmission:
            pass
        except ValidationError as error:
            add_errors(form, error)
        sent = form.is_valid()
    status = 400 if request.method == "POST" and not sent else 200
    context = {
        "portal": portal,
        "project": project,
        "form": form,
        "sent": sent,
        "confirm_days": settings.PORTAL_IDEA_CONFIRM_DAYS,
        "unconfirmed_days": settings.PORTAL_IDEA_UNCONFIRMED_DAYS,
    }
    return render(request, "portal/subscriptions/follow.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def follow_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    return confirmation_page(request, token=token, confirm=follow_confirm, template="portal/subscriptions/confirm.html")


@never_cache
@require_http_methods(["GET"])
def subscriptions(request: HttpRequest, token: str) -> HttpResponse:
    try:
        follower = follower_from_link(token=token)
    except ValidationError as error:
        return render(request, "portal/subscriptions/list.html", {"error": error.messages[0]}, status=404)
    page = Paginator(subscription_list(follower=follower), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"token": token, "email": follower.email, "page": page, "ended": request.GET.get("ended") == "1"}
    return render(request, "portal/subscriptions/list.html", context)


@never_cache
@require_POST
def subscriptions_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """Cancel one of the listed subscriptions, or all of them, from the subscriptions page (a CSRF-checked form)."""
    try:
        if request.POST.get("all"):
            unfollow_all(token=token)
            return render(request, "portal/subscriptions/unsubscribed.html", {"all": True})
        follower_id = int(request.POST.get("follower", ""))
        own = follower_from_link(token=token).pk == follower_id
        unfollow(token=token, follower_id=follower_id)
    except (ValidationError, ValueError):
        return render(request, "portal/subscriptions/unsubscribed.html", {"invalid": True}, status=400)
    if own:  # the link named this subscription: it ended with it
        return render(request, "portal/subscriptions/unsubscribed.html", {})
    return redirect(reverse("portal:subscriptions", args=[token]) + "?ended=1")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The address of ``List-Unsubscribe``: a POST (the mail client's one click, or the button) ends the
    subscription; a GET only shows the button, so a link scanner ends nothing."""
    if request.method == "GET":
        try:
            follower_from_link(token=token)
        except ValidationError as error:
            return render(
                request, "portal/subscriptions/unsubscribed.html", {"invalid": True, "error": error}, status=404
            )
        return render(request, "portal/subscriptions/unsubscribe.html", {"token": token})
    # Already ended (a second click) or never valid: nothing is left to end, and nothing is told.
    with contextlib.suppress(ValidationError):
        unfollow(token=token)
    return render(request, "portal/subscriptions/unsubscribed.html", {})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def idea_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The ``List-Unsubscribe`` address of the mails about an idea (to its author or one supporter): a POST stops
    them, a GET only shows the button."""
    if request.method == "GET":
        try:
            idea_news_check(token=token)
        except ValidationError as error:
            return render(
                request, "portal/subscriptions/unsubscribed.html", {"invalid": True, "error": error}, status=404
            )
        return render(request, "portal/subscriptions/unsubscribe.html", {"idea": True})
    with contextlib.suppress(ValidationError):
        idea_news_stop(token=token)
    return render(request, "portal/subscriptions/unsubscribed.html", {"idea": True})
