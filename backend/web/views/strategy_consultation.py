"""The staff side of an amendment's public consultation: the coordinator moderates the confirmed comments and the
proposer answers the published ones. Reads are scoped by ``amendment_get_visible`` (404 outside the user's
municipality, and for an amendment without consultation); every change goes through
``backend.strategy.consultation``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backend.accounts.selectors import user_access
from backend.core.errors import NotFound, PermissionDenied
from backend.strategy.consultation import consultation_comment_answer, consultation_comment_moderate
from backend.strategy.models import Amendment, CommentStatus, Consultation, ConsultationComment
from backend.strategy.selectors import amendment_get_visible
from backend.web.htmx import render_page

PAGE_SIZE = 30


def _consultation_or_404(request: HttpRequest, pk: int) -> tuple[Amendment, Consultation]:
    try:
        amendment = amendment_get_visible(user=request.user, pk=pk)
    except NotFound as error:
        raise Http404(str(error)) from error
    consultation = Consultation.objects.filter(amendment=amendment).first()
    if consultation is None:
        raise Http404(_("The amendment is not in public consultation."))
    return amendment, consultation


def _comment_or_404(request: HttpRequest, pk: int, comment_pk: int) -> tuple[Amendment, ConsultationComment]:
    amendment, consultation = _consultation_or_404(request, pk)
    comment = (
        ConsultationComment.objects.filter(consultation=consultation, pk=comment_pk)
        .exclude(status=CommentStatus.UNCONFIRMED)
        .first()
    )
    if comment is None:
        raise Http404(_("Comment not found."))
    comment.consultation = consultation
    consultation.amendment = amendment
    return amendment, comment


@require_GET
@login_required
def consultation_comments(request: HttpRequest, pk: int) -> HttpResponse:
    amendment, consultation = _consultation_or_404(request, pk)
    comments = (
        ConsultationComment.objects.filter(consultation=consultation)
        .exclude(status=CommentStatus.UNCONFIRMED)
        .order_by("created_at", "id")
    )
    context = {
        "nav": "strategy",
        "amendment": amendment,
        "consultation": consultation,
        "page": Paginator(comments, PAGE_SIZE).get_page(request.GET.get("page")),
        "may_moderate": user_access(user=request.user).is_coordinator_in(amendment.strategy.municipality_id),
        "may_answer": amendment.proposed_by_id == request.user.pk,
    }
    return render_page(request, "strategy/consultation_comments.html", context)


def _act(request: HttpRequest, amendment: Amendment, action) -> HttpResponse:
    try:
        action()
    except PermissionDenied as error:
        raise HttpPermissionDenied(str(error)) from error
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("strategy:consultation_comments", pk=amendment.pk)


@require_POST
@login_required
def consultation_comment_moderation(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    amendment, comment = _comment_or_404(request, pk, comment_pk)
    publish = request.POST.get("decision") == "publish"

    def moderate() -> None:
        consultation_comment_moderate(actor=request.user, comment=comment, publish=publish)
        messages.success(request, _("The comment was published.") if publish else _("The comment was rejected."))

    return _act(request, amendment, moderate)


@require_POST
@login_required
def consultation_comment_reply(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    amendment, comment = _comment_or_404(request, pk, comment_pk)

    def answer() -> None:
        consultation_comment_answer(actor=request.user, comment=comment, answer=request.POST.get("answer", "")[:4000])
        messages.success(request, _("The answer was saved; it is shown on the portal."))

    return _act(request, amendment, answer)
