"""Pages of citizen ideas: the public list and page of an idea, the submission form and its confirmation, and the
coordinator's moderation queue."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from backend.accounts.selectors import user_access
from backend.core.client_ip import client_ip
from backend.core.errors import NotFound, PermissionDenied
from backend.portal.forms import IdeaDecisionForm, IdeaForm, IdeaSupportForm, add_errors
from backend.portal.idea_goals import goal_choices_for, idea_goal_set
from backend.portal.ideas import (
    BotSubmission,
    idea_answer,
    idea_comment_add,
    idea_confirm,
    idea_get_moderated,
    idea_get_public,
    idea_list_moderated,
    idea_list_public,
    idea_moderate,
    idea_submit,
    idea_support_confirm,
    idea_support_request,
    idea_to_project,
)
from backend.portal.models import IdeaComment, IdeaDecisionKind, IdeaStatus
from backend.portal.selectors import portal_get_open
from backend.portal.views import public_page
from backend.projects.downloads import DOWNLOAD_CSP

PAGE_SIZE = 20


@public_page
def idea_list(request: HttpRequest, slug: str) -> HttpResponse:
    portal = portal_get_open(slug=slug)
    page = Paginator(idea_list_public(portal=portal), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/ideas.html", {"portal": portal, "page": page})


@public_page
def idea_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    portal = portal_get_open(slug=slug)
    return render(request, "portal/idea.html", {"portal": portal, "idea": idea_get_public(portal=portal, pk=pk)})


@never_cache
@require_http_methods(["GET", "POST"])
def idea_new(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        portal = portal_get_open(slug=slug)
    except NotFound as error:
        raise Http404(str(error)) from None
    form = IdeaForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            idea_submit(
                portal=portal,
                title=data["title"],
                description=data["description"],
                thematic_area=data["thematic_area"],
                place=data["place"],
                name=data["name"],
                email=data["email"],
                consent=data["consent"],
                honeypot=data["website"],
                client_address=client_ip(request) or "",
                photo=data["photo"],
            )
        except BotSubmission:
            pass
        except ValidationError as error:
            add_errors(form, error)
        if form.is_valid():
            return redirect("portal:idea_thanks", slug=portal.slug)
    status = 400 if request.method == "POST" else 200
    context = {"portal": portal, "form": form, "retention": settings.PORTAL_IDEA_UNCONFIRMED_DAYS}
    return render(request, "portal/idea_new.html", context, status=status)


@public_page
def idea_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "portal/idea_thanks.html", {"portal": portal_get_open(slug=slug)})


@never_cache
@require_http_methods(["GET", "POST"])
def idea_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    return confirmation_page(request, token=token, confirm=idea_confirm, template="portal/idea_confirm.html")


def confirmation_page(
    request: HttpRequest, *, token: str, confirm: Callable[..., object], template: str, context: dict | None = None
) -> HttpResponse:
    """A mailed single-use link: GET shows a button, POST confirms, so a mail scanner that opens the link does not
    confirm anything. ``confirm(token=...)`` raises ValidationError for a used, expired or forged link."""
    context = context or {}
    if request.method == "GET":
        return render(request, template, {**context, "token": token})
    try:
        confirmed = confirm(token=token)
    except ValidationError as error:
        return render(request, template, {**context, "error": error.messages[0]}, status=400)
    return render(request, template, {**context, "confirmed": confirmed})


@login_required
def idea_queue(request: HttpRequest) -> HttpResponse:
    ideas = idea_list_moderated(user=request.user)
    if not ideas.exists() and not _moderates_anything(request):
        raise HttpPermissionDenied(_("Only the coordinator moderates citizen ideas."))
    status = request.GET.get("status", IdeaStatus.PENDING)
    if status in IdeaStatus.values:
        ideas = ideas.filter(status=status)
    # The staff's internal comments of the page's ideas, in one query (and their authors' names in it).
    ideas = ideas.prefetch_related(
        Prefetch("comments", queryset=IdeaComment.objects.select_related("author").order_by("created_at", "id"))
    )
    page = Paginator(ideas, PAGE_SIZE).get_page(request.GET.get("page"))
    published = (
        idea_list_moderated(user=request.user)
        .filter(status=IdeaStatus.PUBLISHED)
        .select_related(None)
        .only("id", "title")[:200]
    )
    context = {
        "page": page,
        "status": status,
        "statuses": [(value, label) for value, label in IdeaStatus.choices if value != IdeaStatus.UNCONFIRMED],
        "published": list(published),
        # The coordinator's settings of each portal (and its idea moderators): ids only, no query.
        "settings_ids": sorted(user_access(user=request.user).coordinator_of),
        "goals": goal_choices_for(user=request.user),
        "nav": "ideas",
    }
    return render(request, "portal/staff/ideas.html", context)


@login_required
@require_POST
def idea_decide(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        idea = idea_get_moderated(user=request.user, pk=pk)
    except NotFound as error:
        raise Http404(str(error)) from None
    form = IdeaDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The decision is not complete."))
        return redirect("portal:idea_queue")
    data = form.cleaned_data
    try:
        if data["decision"] == IdeaDecisionKind.ANSWER:
            idea_answer(actor=request.user, idea=idea, state=data["state"], answer=data["answer"])
        elif data["decision"] == IdeaDecisionKind.TO_PROJECT:
            project = idea_to_project(actor=request.user, idea=idea)
            messages.success(request, _("The idea became a project in the stage Idea."))
            return redirect("web:project_detail", pk=project.pk)
        else:
            into = None
            if data["into"]:
                into = idea_list_moderated(user=request.user).filter(pk=data["into"]).first()
            idea_moderate(actor=request.user, idea=idea, decision=data["decision"], reason=data["reason"], into=into)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        raise HttpPermissionDenied(str(error)) from None
    except NotFound as error:
        raise Http404(str(error)) from None
    else:
        messages.success(request, _("The decision was saved."))
    return redirect("portal:idea_queue")


def _moderates_anything(request: HttpRequest) -> bool:
    access = user_access(user=request.user)
    return any(access.moderates_ideas_in(pk) for pk in access.municipality_ids)


@never_cache
@require_http_methods(["GET", "POST"])
def idea_support(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    try:
        portal = portal_get_open(slug=slug)
        idea = idea_get_public(portal=portal, pk=pk)
    except NotFound as error:
        raise Http404(str(error)) from None
    form = IdeaSupportForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        try:
            idea_support_request(
                idea=idea,
                email=form.cleaned_data["email"],
                honeypot=form.cleaned_data["website"],
                client_address=client_ip(request) or "",
            )
        except BotSubmission:
            pass
        except ValidationError as error:
            add_errors(form, error)
        sent = form.is_valid()
    status = 400 if request.method == "POST" and not sent else 200
    context = {"portal": portal, "idea": idea, "form": form, "sent": sent}
    return render(request, "portal/idea_support.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def idea_support_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    return confirmation_page(
        request,
        token=token,
        confirm=idea_support_confirm,
        template="portal/idea_confirm.html",
        context={"support": True},
    )


@login_required
@require_POST
def idea_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """An internal comment on an idea, from the moderation queue; back to the idea in the queue."""
    body = request.POST.get("body", "")
    return _on_moderated_idea(
        request,
        pk,
        lambda idea: idea_comment_add(actor=request.user, idea=idea, body=body),
        saved=_("The internal comment was saved."),
    )


def _on_moderated_idea(request: HttpRequest, pk: int, act, *, saved: str) -> HttpResponse:
    """Do ``act`` to an idea the user moderates (404/403 otherwise, a refusal as a message); back to it in the queue."""
    try:
        idea = idea_get_moderated(user=request.user, pk=pk)
        act(idea)
    except NotFound as error:
        raise Http404(str(error)) from None
    except PermissionDenied as error:
        raise HttpPermissionDenied(str(error)) from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, saved)
    return redirect(reverse("portal:idea_queue") + f"?status={idea.status}#idea-{idea.pk}")


def _photo_response(idea) -> HttpResponse:
    """An idea's photo, inline as the image it was checked to be, and nothing else it could be taken for."""
    if not idea.photo:
        raise Http404(_("Photo not found."))
    try:
        handle = idea.photo.storage.open(idea.photo.name, "rb")
    except OSError:
        raise Http404(_("Photo not found.")) from None
    response = FileResponse(handle, content_type=idea.photo_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


@public_page
def idea_photo(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The photo of a published idea; a 404 before moderation publishes it, like for a missing idea."""
    portal = portal_get_open(slug=slug)
    return _photo_response(idea_get_public(portal=portal, pk=pk))


@login_required
def idea_photo_moderated(request: HttpRequest, pk: int) -> HttpResponse:
    """The photo as the moderator sees it before deciding."""
    try:
        idea = idea_get_moderated(user=request.user, pk=pk)
    except NotFound as error:
        raise Http404(str(error)) from None
    response = _photo_response(idea)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def idea_goal(request: HttpRequest, pk: int) -> HttpResponse:
    """The moderator links the idea to the strategy goal it serves (or unlinks it); back to the idea in the queue."""
    raw = request.POST.get("goal", "")
    # Empty unlinks; anything but an id (``²`` passes isdigit, not int) is id 0, no goal: refused, nothing changed.
    goal_id = None if raw == "" else int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0
    return _on_moderated_idea(
        request,
        pk,
        lambda idea: idea_goal_set(actor=request.user, idea=idea, goal_id=goal_id),
        saved=_("The goal of the idea was saved."),
    )
