"""Approvals inbox: heads and the coordinator approve or reject pending requests in place.

Partner guests take part in no approval; the selectors give them an empty inbox.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from backend.accounts.selectors import user_access
from backend.core.errors import (
    ConcurrentChange,
    DomainError,
    NotFound,
    PermissionDenied,
    TransitionBlocked,
    TransitionNotAllowed,
)
from backend.projects.choices import FundingStatus
from backend.projects.models import FundingApplication
from backend.projects.stages import Stage
from backend.web.forms.inbox import ApprovalDecisionForm
from backend.web.htmx import htmx_partial, render_page
from backend.web.pagination import capped_counts, page_of
from workflows.models import ApprovalRequest, ApprovalStatus
from workflows.selectors import approval_list_not_pending_for, approval_list_pending_for, approval_list_visible
from workflows.services import TransitionOutcome, approval_decide, approval_withdraw

TEMPLATE = "pages/approvals.html"
# The requests waiting for a decision, oldest first, this many a page (each card carries what the approver weighs).
PENDING_PAGE_SIZE = 20
PENDING_SECTION = "approval-pending"  # the id of the pending section, which htmx replaces when it pages
# The "decided and my requests" section shows this many a page, newest first; the API lists them all.
HISTORY_PAGE_SIZE = 30


@require_GET
@login_required
@vary_on_headers("HX-Request")
def approvals(request: HttpRequest) -> HttpResponse:
    # Each section pages by htmx in place: the element htmx replaces says which section's fragment answers.
    fragment = "pending" if request.htmx.target == PENDING_SECTION else "history"
    return render_page(request, TEMPLATE, _inbox_context(request), fragment=fragment)


def _with_decision_facts(requests: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    """What an approver weighs, in the same query: the project's lead department and its approved funding.

    ``approved_funding`` is the sum the ``start_implementation`` gate compares with the estimated cost.
    """
    approved = (
        FundingApplication.objects.filter(project_id=OuterRef("project_id"), status=FundingStatus.APPROVED)
        .order_by()
        .values("project_id")
        .annotate(total=Sum("amount_approved"))
        .values("total")
    )
    return requests.select_related("project__lead_department").annotate(approved_funding=Subquery(approved))


@require_POST
@login_required
def approval_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _visible_request(request, pk)
    form = ApprovalDecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, approval, form=form, status=400)
    try:
        outcome = approval_decide(
            approval_request=approval,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            resolution_body=form.cleaned_data["resolution_body"],
            resolution_number=form.cleaned_data["resolution_number"],
            resolution_date=form.cleaned_data["resolution_date"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _refused(request, approval, form=form, status=400)
    except PermissionDenied as error:
        raise HttpPermissionDenied(str(error)) from error
    except NotFound as error:
        raise Http404(str(error)) from error
    except TransitionBlocked as error:
        return _refused(request, approval, form=form, error=error, status=409)
    except (ConcurrentChange, TransitionNotAllowed) as error:
        # Someone (maybe this user in another tab) decided first: show the request as it stands now.
        return _already_decided(request, pk, error)
    notice = _outcome_message(outcome)
    if not htmx_partial(request):
        messages.success(request, notice)
        return _back_to_inbox(request)
    response = render_page(
        request,
        TEMPLATE,
        {"approval": _visible_request(request, pk), "decidable": False, "notice": notice},
        fragment="approval",
    )
    response["HX-Trigger"] = "approvals-changed"  # the header's count of waiting requests reloads
    return response


def _inbox_context(request: HttpRequest, **failed) -> dict:
    """Both sections a page at a time; the pages come from the query (the decision forms post it along)."""
    waiting = approval_list_pending_for(user=request.user)
    recent = approval_list_not_pending_for(user=request.user)
    # Both sections' counts, capped (backend.web.pagination), in one query.
    waiting_count, recent_count = capped_counts(waiting, recent)
    pending = page_of(
        _with_decision_facts(waiting).order_by("created_at", "id"),
        number=request.GET.get("pending_page"),
        per_page=PENDING_PAGE_SIZE,
        count=waiting_count,
    )
    history = page_of(
        recent.order_by("-created_at", "-id"),
        number=request.GET.get("history_page"),
        per_page=HISTORY_PAGE_SIZE,
        count=recent_count,
    )
    return {
        "nav": "approvals",
        "pending": pending,
        "pending_section": PENDING_SECTION,
        "history": history,
        "is_partner": user_access(user=request.user).is_partner_only,
        "failed": failed,
    }


def _visible_request(request: HttpRequest, pk: int) -> ApprovalRequest:
    """A request the user may decide or made; 404 whether it is missing or hidden."""
    try:
        return _with_decision_facts(approval_list_visible(user=request.user)).get(pk=pk)
    except ApprovalRequest.DoesNotExist:
        raise Http404(_("Approval request not found.")) from None


def _refused(
    request: HttpRequest,
    approval: ApprovalRequest,
    *,
    form: ApprovalDecisionForm,
    status: int,
    error: DomainError | None = None,
) -> HttpResponse:
    """The request's row again, with the reason for refusal next to the buttons; nothing was saved."""
    failed = {
        "pk": approval.pk,
        "form": form,
        "error": error.message if error else "",
        "blockers": getattr(error, "blockers", []),
    }
    if htmx_partial(request):
        # htmx swaps only successful responses; the row carrying the error is one.
        context = {"approval": approval, "decidable": True, "failed": failed}
        return render_page(request, TEMPLATE, context, fragment="approval")
    return render_page(request, TEMPLATE, _inbox_context(request, **failed), status=status)


def _back_to_inbox(request: HttpRequest) -> HttpResponse:
    """Back to the inbox at the pages the decision was made on (the form posts them in its address)."""
    query = request.GET.urlencode()
    return redirect(f"{reverse('web:approvals')}?{query}" if query else reverse("web:approvals"))


def _already_decided(request: HttpRequest, pk: int, error: DomainError) -> HttpResponse:
    if not htmx_partial(request):
        messages.warning(request, str(error.message))
        return _back_to_inbox(request)
    context = {"approval": _visible_request(request, pk), "decidable": False, "warning": error.message}
    return render_page(request, TEMPLATE, context, fragment="approval")


def _outcome_message(outcome: TransitionOutcome) -> str:
    approval = outcome.approval_request
    subject = f"{approval.project} – {approval.get_transition_display()}"
    if outcome.executed:
        return _("%(subject)s: approved; the project moved to the stage “%(stage)s”.") % {
            "subject": subject,
            "stage": Stage(outcome.project.stage).label,
        }
    if approval.status == ApprovalStatus.REJECTED:
        return _("%(subject)s: rejected.") % {"subject": subject}
    return _("%(subject)s: your approval is recorded; the request waits for more approvals.") % {"subject": subject}


@require_POST
@login_required
def approval_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a pending request from the project's approvals tab; back to that tab with what happened."""
    approval = _visible_request(request, pk)
    try:
        approval_withdraw(approval_request=approval, actor=request.user, comment=request.POST.get("comment", ""))
    except PermissionDenied as error:
        raise HttpPermissionDenied(str(error)) from error
    except NotFound as error:
        raise Http404(str(error)) from error
    except (ConcurrentChange, TransitionNotAllowed) as error:
        messages.warning(request, str(error.message))
    else:
        messages.success(
            request,
            _("The request “%(transition)s” was withdrawn.") % {"transition": approval.get_transition_display()},
        )
    return redirect("web:project_tab", pk=approval.project_id, tab="approvals")


urlpatterns = [
    path("approvals/", approvals, name="approvals"),
    path("approvals/<int:pk>/decide/", approval_decide_view, name="approval_decide"),
    path("approvals/<int:pk>/withdraw/", approval_withdraw_view, name="approval_withdraw"),
]
