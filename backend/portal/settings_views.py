"""The coordinator's page of the portal's settings and of the staff who moderate citizen ideas."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.core.errors import NotFound, PermissionDenied
from backend.portal.forms import PortalSettingsForm, add_errors
from backend.portal.portal_admin import (
    idea_moderator_candidates,
    idea_moderators_set,
    portal_get_for_settings,
    portal_settings_update,
)


@login_required
@require_http_methods(["GET", "POST"])
def portal_settings(request: HttpRequest, municipality_id: int) -> HttpResponse:
    try:
        portal = portal_get_for_settings(user=request.user, municipality_id=municipality_id)
    except NotFound as error:
        raise Http404(str(error)) from None
    except PermissionDenied as error:
        raise HttpPermissionDenied(str(error)) from None
    initial = {"is_open": portal.is_open, "introduction": portal.introduction, "ruian_code": portal.ruian_code or ""}
    form = PortalSettingsForm(request.POST if request.POST.get("part") == "settings" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if request.POST.get("part") == "moderators":
            # ASCII digits only ("²" passes isdigit, not int) and no longer than a key: anything else names nobody.
            ids = [
                int(value)
                for value in request.POST.getlist("moderator")
                if value.isascii() and value.isdigit() and len(value) <= 18
            ]
            idea_moderators_set(actor=request.user, portal=portal, membership_ids=ids)
            messages.success(request, _("The moderators of citizen ideas were saved."))
            return redirect("portal:settings", municipality_id)
        if form.is_valid():
            try:
                portal_settings_update(actor=request.user, portal=portal, changes=form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The portal's settings were saved."))
                return redirect("portal:settings", municipality_id)
        status = 400
    context = {"portal": portal, "form": form, "candidates": idea_moderator_candidates(portal=portal)}
    return render(request, "portal/staff/settings.html", context, status=status)
