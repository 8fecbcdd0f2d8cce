"""The catalogue of funding calls (every municipal user reads it; the coordinator adds and imports), and pointing
a project's funding applications at calls."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from backend.core.errors import DomainError
from backend.integrations import funding_calls, selectors, spreadsheets
from backend.integrations.models import FundingApplicationCall, FundingCall
from backend.projects import programmes
from backend.projects.access import project_access
from backend.projects.programmes import programme_choices
from backend.projects.selectors import funding_list_visible, project_list_visible
from backend.web.htmx import render_page

PAGE_SIZE = 25


class FundingCallForm(forms.ModelForm):
    class Meta:
        model = FundingCall
        fields = funding_calls.CALL_FIELDS
        widgets = {"opens": forms.DateInput(attrs={"type": "date"}), "closes": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, municipality_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        instance = kwargs.get("instance")
        if instance is not None and instance.pk:
            municipality_id = instance.municipality_id
        self.fields["programme"] = forms.ChoiceField(
            label=self.fields["programme"].label,
            choices=[
                ("", "---------"),
                *programme_choices(municipality_id=municipality_id, keep=instance.programme if instance else ""),
            ],
        )


class CallsImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Calls (XLSX or CSV)"))


def _errors_into(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def call_list(request: HttpRequest) -> HttpResponse:
    calls = funding_calls.funding_call_list_visible(user=request.user)
    keeps = list(selectors.webhook_municipalities_for(user=request.user)[:2])  # the coordinator's municipalities
    if not calls.exists() and not keeps:
        raise Http404
    municipality_id = keeps[0].pk if keeps else None
    form, import_form, status = FundingCallForm(municipality_id=municipality_id), CallsImportForm(), 200
    if request.method == "POST" and keeps:
        municipality = keeps[0]
        if request.POST.get("step") == "import":
            import_form = CallsImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                file = import_form.cleaned_data["file"]
                try:
                    sheet = spreadsheets.sheet_read(
                        name=file.name, content=file.read(spreadsheets.IMPORT_MAX_BYTES + 1)
                    )
                    created = funding_calls.funding_calls_import(
                        actor=request.user, municipality=municipality, sheet=sheet
                    )
                except ValidationError as error:
                    _errors_into(import_form, error)
                else:
                    messages.success(request, _("%(count)s calls were imported.") % {"count": len(created)})
                    return redirect("integrations:calls")
        else:
            form = FundingCallForm(request.POST, municipality_id=municipality_id)
            if form.is_valid():
                try:
                    funding_calls.funding_call_create(
                        actor=request.user, municipality=municipality, **form.cleaned_data
                    )
                except ValidationError as error:
                    _errors_into(form, error)
                else:
                    messages.success(request, _("The call was added to the catalogue."))
                    return redirect("integrations:calls")
        status = 400
    page = Paginator(calls.order_by("closes", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = programmes.programme_labels(call.programme for call in page.object_list)
    for call in page.object_list:
        call.programme_name = labels[call.programme]
    context = {
        "nav": "projects",
        "page": page,
        "form": form,
        "import_form": import_form,
        "may_edit": bool(keeps),
        "editable_ids": {municipality.pk for municipality in keeps},
        "today": timezone.localdate(),
    }
    return render_page(request, "integrations/calls.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a call of the coordinator's municipality, or delete it while no application points at it."""
    call = funding_calls.funding_call_list_visible(user=request.user).filter(pk=pk).first()
    if call is None:
        raise Http404
    if not funding_calls.funding_call_editable(user=request.user, call=call):
        raise PermissionDenied(_("Only the municipality's Smart City coordinator keeps its catalogue of calls."))
    form, status = FundingCallForm(instance=call), 200
    if request.method == "POST" and request.POST.get("step") == "delete":
        try:
            funding_calls.funding_call_delete(actor=request.user, call=call)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("integrations:call_edit", pk=call.pk)
        messages.success(request, _("The call was deleted from the catalogue."))
        return redirect("integrations:calls")
    if request.method == "POST":
        # Bound to a fresh instance: a refused change leaves the stored call untouched.
        form = FundingCallForm(request.POST, instance=FundingCall.objects.get(pk=call.pk))
        if form.is_valid():
            try:
                funding_calls.funding_call_update(
                    actor=request.user, call=FundingCall.objects.get(pk=call.pk), **form.cleaned_data
                )
            except ValidationError as error:
                _errors_into(form, error)
            else:
                messages.success(request, _("The call was saved."))
                return redirect("integrations:calls")
        status = 400
    context = {
        "nav": "projects",
        "call": call,
        "form": form,
        "applications": FundingApplicationCall.objects.filter(call=call).count(),
    }
    return render_page(request, "integrations/call_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_calls(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's funding applications, each with the call it answers (editors may change it)."""
    project = project_list_visible(user=request.user).filter(pk=pk).first()
    if project is None or project_access(user=request.user, project=project).is_partner_view:
        raise Http404
    applications = list(
        programmes.with_programme_names(funding_list_visible(user=request.user, project=project)).order_by("pk")
    )
    calls = (
        funding_calls.funding_call_list_visible(user=request.user)
        .filter(closes__gte=timezone.localdate())
        .order_by("closes", "id")[:200]
    )
    if request.method == "POST":
        application = next((a for a in applications if str(a.pk) == request.POST.get("application")), None)
        if application is None:
            raise Http404
        call = (
            funding_calls.funding_call_list_visible(user=request.user).filter(pk=request.POST.get("call") or 0).first()
        )
        try:
            funding_calls.funding_application_call_set(actor=request.user, application=application, call=call)
        except (ValidationError, DomainError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("The funding application's call was saved."))
        return redirect("integrations:project_calls", pk=project.pk)
    links = dict(
        FundingApplicationCall.objects.filter(application__in=applications).values_list("application_id", "call_id")
    )
    context = {
        "nav": "projects",
        "project": project,
        "rows": [(application, links.get(application.pk)) for application in applications],
        "calls": list(calls),
    }
    return render_page(request, "integrations/project_calls.html", context)


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    provider = forms.CharField(label=gettext_lazy("Provider"), max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)


def _programme_municipality(request: HttpRequest):
    """The coordinator's municipality whose programmes the page keeps; other roles are refused."""
    municipality = selectors.webhook_municipalities_for(user=request.user).order_by("pk").first()
    if municipality is None:
        raise PermissionDenied(_("Only the municipality's Smart City coordinator keeps its funding programmes."))
    return municipality


@login_required
@require_http_methods(["GET", "POST"])
def programme_list(request: HttpRequest) -> HttpResponse:
    """The funding programmes the municipality's applications and calls may name: the installation-wide ones (read
    only) and the town's own, which the coordinator adds and deactivates."""
    municipality = _programme_municipality(request)
    form, status = ProgrammeForm(), 200
    if request.method == "POST":
        form = ProgrammeForm(request.POST)
        if form.is_valid():
            try:
                programmes.programme_create(actor=request.user, municipality=municipality, **form.cleaned_data)
            except ValidationError as error:
                _errors_into(form, error)
            else:
                messages.success(request, _("The funding programme was added."))
                return redirect("integrations:programmes")
        status = 400
    rows = list(programmes.programme_list_for(municipality_id=municipality.pk).order_by("municipality_id", "name"))
    labels = programmes.programme_labels(row.code for row in rows)
    context = {
        "nav": "projects",
        "municipality": municipality,
        "rows": [(row, labels[row.code]) for row in rows],
        "form": form,
    }
    return render_page(request, "integrations/programmes.html", context, status=status)


@login_required
@require_POST
def programme_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (or offer again) one of the town's own programmes."""
    municipality = _programme_municipality(request)
    programme = programmes.programme_list_for(municipality_id=municipality.pk).filter(pk=pk).first()
    if programme is None:
        raise Http404
    programmes.programme_active_set(
        actor=request.user, programme=programme, is_active=request.POST.get("active") == "1"
    )
    if programme.is_active:
        messages.success(request, _("The funding programme is offered again."))
    else:
        messages.success(request, _("The funding programme is no longer offered for new applications."))
    return redirect("integrations:programmes")
