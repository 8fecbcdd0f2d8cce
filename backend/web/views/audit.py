"""The audit log for coordinators: refusals and failed sign-ins in their municipalities, newest first.

Everyone else gets 404, like any page that is not theirs. Older entries by a cursor (``?before=<id>``), so
every page costs the same few queries.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.core.models import AuditAction, AuditEntry
from backend.web.htmx import render_page

TEMPLATE = "pages/audit.html"
PAGE_SIZE = 50


def audit_list_visible(*, user: User) -> QuerySet[AuditEntry]:
    """Entries of the municipalities the user coordinates (every entry for platform operators)."""
    access = user_access(user=user)
    if access.is_platform_admin:
        return AuditEntry.objects.all()
    return AuditEntry.objects.filter(municipality_id__in=access.coordinator_of)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("What"), required=False, choices=[("", gettext_lazy("All")), *AuditAction.choices]
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


@require_GET
@login_required
@vary_on_headers("HX-Request")
def audit_log(request: HttpRequest) -> HttpResponse:
    access = user_access(user=request.user)
    if not (access.is_platform_admin or access.coordinator_of):
        raise Http404(_("Page not found."))
    form = AuditFilterForm(request.GET)
    entries = audit_list_visible(user=request.user).select_related("actor", "municipality").order_by("-pk")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["date_from"]:
            entries = entries.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(at__date__lte=data["date_to"])
        if data["before"]:
            entries = entries.filter(pk__lt=data["before"])
        rows = list(entries[: PAGE_SIZE + 1])
    else:
        rows = []
    page = rows[:PAGE_SIZE]
    older = request.GET.copy()
    older["before"] = page[-1].pk if page else ""
    context = {
        "nav": "audit",
        "form": form,
        "entries": page,
        "older_query": older.urlencode() if len(rows) > PAGE_SIZE else "",
        "is_first_page": not (form.is_valid() and form.cleaned_data["before"]),
        "several_municipalities": access.is_platform_admin or len(access.coordinator_of) > 1,
    }
    return render_page(request, TEMPLATE, context, fragment="audit_list")


urlpatterns = [
    path("audit/", audit_log, name="audit"),
]
