"""Public consultation of a strategy amendment on the portal: the list of consultations, one amendment's page with
its published comments and the comment form, and the confirmation link of a comment (confirming on POST, like an
idea's). The comments go through ``backend.strategy.consultation``; the limits are the ideas' ones."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from backend.core.client_ip import client_ip
from backend.core.errors import NotFound
from backend.notifications.models import MailKind
from backend.notifications.outbox import mail_enqueue
from backend.portal.forms import add_errors
from backend.portal.idea_views import confirmation_page
from backend.portal.ideas import BotSubmission, citizen_over_limits
from backend.portal.models import Portal
from backend.portal.public import (
    public_consultation_comments,
    public_consultation_detail,
    public_consultation_get,
    public_consultation_list,
)
from backend.portal.selectors import portal_get_open
from backend.portal.views import public_page
from backend.strategy.consultation import consultation_comment_confirm, consultation_comment_submit
from backend.strategy.models import Consultation, ConsultationComment

COMMENT_MAX = 4000


class ConsultationCommentForm(forms.Form):
    """A citizen's comment. ``website`` is the honeypot: hidden from people, filled by bots."""

    body = forms.CharField(
        label=gettext_lazy("Your comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=120, help_text=gettext_lazy("Published with the comment.")
    )
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail"), help_text=gettext_lazy("We send you a link to confirm the comment.")
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I agree to the processing of my name and e-mail as described above.")
    )
    website = forms.CharField(label=gettext_lazy("Leave this field empty"), required=False)


@transaction.atomic
def consultation_comment_request(
    *, consultation: Consultation, name: str, email: str, body: str, consent: bool, honeypot: str, client_address: str
) -> ConsultationComment:
    """Save an unconfirmed comment and mail its confirmation link, all or nothing. BotSubmission for a honeypot."""
    if honeypot:
        raise BotSubmission
    if not consent:
        raise ValidationError({"consent": _("Agree to the processing of your name and e-mail to send the comment.")})
    if citizen_over_limits(what="consultation", client_address=client_address, email=email):
        raise ValidationError(_("Too many comments were sent from here in the last hour. Try again later."))
    comment, _token = consultation_comment_submit(consultation=consultation, author_name=name, email=email, body=body)
    mail_enqueue(
        kind=MailKind.CONSULTATION_COMMENT_CONFIRMATION, object_id=comment.pk, language=translation.get_language()
    )
    return comment


@public_page
def consultation_list(request: HttpRequest, slug: str) -> HttpResponse:
    portal = portal_get_open(slug=slug)
    consultations = public_consultation_list(municipality=portal.municipality, today=timezone.localdate())
    return render(request, "portal/consultations/list.html", {"portal": portal, "consultations": consultations})


def _page(request: HttpRequest, *, portal: Portal, consultation: Consultation, form, status: int = 200):
    today = timezone.localdate()
    context = {
        "portal": portal,
        "consultation": public_consultation_detail(consultation=consultation, today=today),
        "comments": public_consultation_comments(consultation=consultation),
        "form": form,
    }
    return render(request, "portal/consultations/detail.html", context, status=status)


def _consultation(slug: str, pk: int) -> tuple[Portal, Consultation]:
    portal = portal_get_open(slug=slug)
    return portal, public_consultation_get(municipality=portal.municipality, pk=pk, today=timezone.localdate())


@public_page
def consultation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    portal, consultation = _consultation(slug, pk)
    return _page(request, portal=portal, consultation=consultation, form=ConsultationCommentForm())


@never_cache
@require_POST
def consultation_comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    try:
        portal, consultation = _consultation(slug, pk)
    except NotFound as error:
        raise Http404(str(error)) from None
    form = ConsultationCommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            consultation_comment_request(
                consultation=consultation,
                name=data["name"],
                email=data["email"],
                body=data["body"],
                consent=data["consent"],
                honeypot=data["website"],
                client_address=client_ip(request) or "",
            )
        except BotSubmission:
            pass
        except ValidationError as error:
            add_errors(form, error)
        if form.is_valid():
            return render(request, "portal/consultations/thanks.html", {"portal": portal, "consultation": consultation})
    return _page(request, portal=portal, consultation=consultation, form=form, status=400)


def _confirm(*, token: str) -> ConsultationComment:
    try:
        return consultation_comment_confirm(token=token)
    except NotFound as error:
        raise ValidationError(str(error)) from None


@never_cache
@require_http_methods(["GET", "POST"])
def consultation_comment_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    return confirmation_page(request, token=token, confirm=_confirm, template="portal/consultations/confirm.html")
