"""The project list as XLSX, and importing a project register: upload, map the columns, preview, import."""

from datetime import date, datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from backend.accounts.selectors import municipality_list_visible
from backend.integrations import spreadsheets
from backend.projects.filtersets import ProjectFilterSet
from backend.projects.selectors import project_list_visible
from backend.web.htmx import render_page

TEMPLATE = "integrations/project_import.html"
SESSION_KEY = "integrations_register_import"
PREVIEW_ROWS = 200


@login_required
@require_GET
def project_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The list's projects (its filters: ``?stage=…&search=…``) with their tasks and funding, as a workbook."""
    filterset = ProjectFilterSet(
        data=request.GET,
        queryset=project_list_visible(user=request.user).order_by("-created_at", "-id"),
        request=request,
    )
    if not filterset.is_valid():
        return redirect(f"/projects/?{request.GET.urlencode()}")
    response = FileResponse(
        spreadsheets.projects_xlsx(user=request.user, projects=filterset.qs),
        content_type=spreadsheets.XLSX_CONTENT_TYPE,
        as_attachment=True,
        filename=spreadsheets.projects_xlsx_filename(),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Project register (XLSX or CSV)"))

    def __init__(self, *args, municipalities, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        if len(municipalities) > 1:
            self.fields["municipality"] = forms.ModelChoiceField(
                label=gettext_lazy("Municipality"), queryset=municipalities, empty_label=None
            )


class MappingForm(forms.Form):
    """For each field of a project, the column of the file it comes from (or none)."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, int | None], **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        choices = [("", _("– not in the file –")), *((str(index), header) for index, header in enumerate(headers))]
        for import_field in spreadsheets.IMPORT_FIELDS:
            guess = initial_mapping.get(import_field.name)
            self.fields[import_field.name] = forms.ChoiceField(
                label=import_field.label,
                choices=choices,
                required=import_field.required,
                initial="" if guess is None else str(guess),
            )

    def mapping(self) -> dict[str, int | None]:
        return {name: int(value) if value != "" else None for name, value in self.cleaned_data.items()}


def _storable(value):
    """A cell as the session (JSON) keeps it; the import parses dates from ISO text."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")[:16]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return str(value)


def _municipalities(request: HttpRequest):
    municipalities = municipality_list_visible(user=request.user)
    if not municipalities.exists():
        raise Http404  # partner guests create no projects
    return municipalities


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def project_import(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request)
    stored = request.session.get(SESSION_KEY)
    step = request.POST.get("step", "")
    context = {"nav": "projects", "upload_form": UploadForm(municipalities=municipalities)}
    if step == "upload":
        upload = UploadForm(request.POST, request.FILES, municipalities=municipalities)
        context["upload_form"] = upload
        if not upload.is_valid():
            return render_page(request, TEMPLATE, context, status=400)
        file = upload.cleaned_data["file"]
        try:
            sheet = spreadsheets.sheet_read(name=file.name, content=file.read(spreadsheets.IMPORT_MAX_BYTES + 1))
        except ValidationError as error:
            upload.add_error("file", error.messages)
            return render_page(request, TEMPLATE, context, status=400)
        municipality = upload.cleaned_data.get("municipality") or municipalities.first()
        stored = {
            "municipality": municipality.pk,
            "name": file.name,
            "headers": sheet.headers,
            "rows": [[_storable(cell) for cell in row] for row in sheet.rows],
        }
        request.session[SESSION_KEY] = stored
        mapping_form = MappingForm(headers=sheet.headers, initial_mapping=spreadsheets.mapping_guess(sheet.headers))
        return _mapping_page(request, context, stored, mapping_form, municipalities)
    if step in ("preview", "import") and stored:
        mapping_form = MappingForm(request.POST, headers=stored["headers"], initial_mapping={})
        if not mapping_form.is_valid():
            return _mapping_page(request, context, stored, mapping_form, municipalities, status=400)
        municipality = municipalities.filter(pk=stored["municipality"]).first()
        if municipality is None:
            raise Http404
        sheet = spreadsheets.Sheet(headers=stored["headers"], rows=stored["rows"])
        if step == "import":
            try:
                created = spreadsheets.register_import(
                    actor=request.user, municipality=municipality, sheet=sheet, mapping=mapping_form.mapping()
                )
            except ValidationError as error:
                context["import_errors"] = error.messages
            else:
                del request.session[SESSION_KEY]
                messages.success(request, _("%(count)s projects were imported.") % {"count": len(created)})
                return redirect("web:project_list")
        return _mapping_page(
            request,
            context,
            stored,
            mapping_form,
            municipalities,
            mapping=mapping_form.mapping(),
            sheet=sheet,
            municipality=municipality,
            status=400 if context.get("import_errors") else 200,
        )
    return render_page(request, TEMPLATE, context)


def _mapping_page(
    request, context, stored, mapping_form, municipalities, *, mapping=None, sheet=None, municipality=None, status=200
) -> HttpResponse:
    context.update(file_name=stored["name"], row_count=len(stored["rows"]), mapping_form=mapping_form)
    if mapping is not None:
        try:
            results = spreadsheets.register_preview(municipality=municipality, sheet=sheet, mapping=mapping)
        except ValidationError as error:
            context["import_errors"] = error.messages
            results = []
        context["preview"] = results[:PREVIEW_ROWS]
        context["wrong_rows"] = [result for result in results if result.errors]
        context["fields"] = spreadsheets.IMPORT_FIELDS
    return render_page(request, TEMPLATE, context, status=status)
