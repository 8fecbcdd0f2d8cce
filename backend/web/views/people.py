"""The coordinator's list of former partner guests of their municipality, and anonymising one (GDPR)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.accounts.models import Membership, Role, User
from backend.accounts.privacy import former_guest_list, may_list_former_guests, user_anonymise
from backend.accounts.selectors import user_access
from backend.core.errors import DomainError
from backend.web.htmx import render_page
from backend.web.pagination import page_of

TEMPLATE = "pages/former_guests.html"
CONFIRM_TEMPLATE = "pages/former_guest_anonymise.html"
PAGE_SIZE = 50


def _former_guests(user: User):
    if not may_list_former_guests(user=user):
        # Only coordinators and platform admins have this page; for anyone else it does not exist.
        raise Http404
    partner_memberships = Membership.objects.filter(role=Role.PARTNER).select_related("organization")
    access = user_access(user=user)
    if not access.is_platform_admin:
        # Only the organisations of the coordinator's municipalities: another municipality's partners are not theirs.
        partner_memberships = partner_memberships.filter(municipality_id__in=access.coordinator_of)
    return former_guest_list(user=user).prefetch_related(
        Prefetch("memberships", queryset=partner_memberships, to_attr="partner_memberships")
    )


@login_required
@require_http_methods(["GET"])
def former_guests(request: HttpRequest) -> HttpResponse:
    people = page_of(_former_guests(request.user), number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render_page(request, TEMPLATE, {"nav": "people", "people": people})


@login_required
@require_http_methods(["GET", "POST"])
def former_guest_anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET) and the anonymisation itself (POST), then back to the list."""
    person = _former_guests(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404(_("No former guest of your municipality has this number."))
    if request.method == "GET":
        return render_page(request, CONFIRM_TEMPLATE, {"nav": "people", "person": person})
    label = person.get_full_name() or person.username
    try:
        user_anonymise(actor=request.user, user=person)
    except DomainError as error:
        messages.error(request, _("%(person)s was not anonymised: %(reason)s") % {"person": label, "reason": error})
    else:
        messages.success(request, _("%(person)s was anonymised.") % {"person": label})
    return redirect("web:former_guests")


urlpatterns = [
    path("people/former-guests/", former_guests, name="former_guests"),
    path("people/former-guests/<int:pk>/anonymise/", former_guest_anonymise, name="former_guest_anonymise"),
]
