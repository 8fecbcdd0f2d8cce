"""XLSX in and out through the API, by the same services as the web: the project list, its tasks and its funding as
workbooks (``GET /api/v1/projects/export.xlsx``, ``/tasks/export.xlsx``, ``/funding/export.xlsx``, each with its
list's filters) and a project register imported all or nothing (``POST /api/v1/projects/import/``)."""

import json

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Municipality
from backend.accounts.selectors import municipality_list_visible
from backend.api.exports import JsonErrorsNegotiation
from backend.api.filtering import FilterBackend
from backend.api.schema import ERROR_DETAIL
from backend.api.views import ProjectOrderingFilter
from backend.core.errors import PermissionDenied
from backend.integrations import spreadsheets
from backend.projects.filtersets import ProjectFilterSet, TaskFilterSet
from backend.projects.models import Project, Task
from backend.projects.selectors import project_list_visible, task_list_visible

XLSX_RESPONSE = {
    (200, spreadsheets.XLSX_CONTENT_TYPE): OpenApiResponse(
        OpenApiTypes.BINARY, description="An XLSX workbook: Czech headers, real numbers and dates."
    )
}


def _xlsx(file, kind: str) -> FileResponse:
    response = FileResponse(
        file,
        content_type=spreadsheets.XLSX_CONTENT_TYPE,
        as_attachment=True,
        filename=spreadsheets.projects_xlsx_filename(kind),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class _ProjectsFiltered(GenericAPIView):
    queryset = Project.objects.none()
    filter_backends = [FilterBackend, ProjectOrderingFilter]
    filterset_class = ProjectFilterSet
    ordering_fields = ("title", "created_at", "updated_at", "stage_changed_at")
    ordering = ("-created_at", "-id")
    pagination_class = None
    content_negotiation_class = JsonErrorsNegotiation

    def get_queryset(self):
        return project_list_visible(user=self.request.user)


class ProjectExportXlsxView(_ProjectsFiltered):
    """The projects the caller may see, filtered and ordered as the list is, with their tasks and (for staff)
    their funding: three sheets. Partners get the partner columns only, as in the CSV export."""

    @extend_schema(operation_id="projects_export_xlsx", filters=True, responses=XLSX_RESPONSE)
    def get(self, request: Request) -> FileResponse:
        projects = self.filter_queryset(self.get_queryset())
        return _xlsx(spreadsheets.projects_xlsx(user=request.user, projects=projects), "projects")


class FundingExportXlsxView(_ProjectsFiltered):
    """The funding applications of the projects the list would show (its filters); staff only (403 for partners)."""

    @extend_schema(
        operation_id="funding_export_xlsx",
        filters=True,
        responses={**XLSX_RESPONSE, 403: OpenApiResponse(ERROR_DETAIL, description="A partner guest asks for it.")},
    )
    def get(self, request: Request) -> FileResponse:
        projects = self.filter_queryset(self.get_queryset())
        return _xlsx(spreadsheets.funding_xlsx(user=request.user, projects=projects), "funding")


class TaskExportXlsxView(GenericAPIView):
    """The tasks the caller may see, filtered as the task list is (``project``, ``assignee=me``, ``status``)."""

    queryset = Task.objects.none()
    filter_backends = [FilterBackend]
    filterset_class = TaskFilterSet
    pagination_class = None
    content_negotiation_class = JsonErrorsNegotiation

    def get_queryset(self):
        return task_list_visible(user=self.request.user)

    @extend_schema(operation_id="tasks_export_xlsx", filters=True, responses=XLSX_RESPONSE)
    def get(self, request: Request) -> FileResponse:
        return _xlsx(spreadsheets.tasks_xlsx(tasks=self.filter_queryset(self.get_queryset())), "tasks")


class MappingField(serializers.JSONField):
    """``{"field": "header of the file" | column number from 0 | null}``, as JSON text in the form."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else {}
            except ValueError:
                raise ValidationError(_("Write the mapping as a JSON object.")) from None
        if not isinstance(data, dict):
            raise ValidationError(_("Write the mapping as a JSON object."))
        names = {import_field.name for import_field in spreadsheets.IMPORT_FIELDS}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
        for value in data.values():
            if (value is not None and not isinstance(value, (str, int))) or isinstance(value, bool):
                raise ValidationError(_("Map each field to the header of a column, its number or null."))
        return data


class RegisterImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="XLSX or CSV: one project a row, headers first.")
    municipality = serializers.PrimaryKeyRelatedField(
        queryset=Municipality.objects.none(),
        required=False,
        help_text="Needed only by someone of several municipalities.",
    )
    mapping = MappingField(
        required=False,
        help_text="For each field (title, summary, description, lead_department, thematic_area, estimated_cost, "
        "planned_start, planned_end, manager, is_public) the header of its column or the column's number from 0, "
        "null when it is not in the file. Fields left out are guessed from the headers (an export maps itself).",
    )
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Check the rows, save nothing.")

    def __init__(self, *args, municipalities=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities


class RegisterRowSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The row as the spreadsheet counts it (headers are row 1).")
    title = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField())


class RegisterImportResultSerializer(serializers.Serializer):
    rows = RegisterRowSerializer(many=True)
    imported = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the created projects.")


def _mapping(headers: list[str], given: dict) -> dict[str, int | None]:
    mapping = spreadsheets.mapping_guess(headers)
    folded = [header.casefold() for header in headers]
    for name, value in given.items():
        if value is None:
            mapping[name] = None
        elif isinstance(value, int):
            if not 0 <= value < len(headers):
                raise ValidationError({"mapping": [_("The file has no column %(number)s.") % {"number": value}]})
            mapping[name] = value
        elif value.casefold() in folded:
            mapping[name] = folded.index(value.casefold())
        else:
            raise ValidationError({"mapping": [_("The file has no column “%(header)s”.") % {"header": value}]})
    return mapping


class ProjectImportView(GenericAPIView):
    """A project register from XLSX or CSV, as the web import takes it: every row checked (errors in Czech with
    the row number), and only a file without a single error imported, each project through ``project_create``
    (history and events included). ``dry_run`` answers the check and saves nothing."""

    parser_classes = [MultiPartParser, FormParser]
    serializer_class = RegisterImportInputSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        operation_id="projects_import",
        request={"multipart/form-data": RegisterImportInputSerializer},
        responses={200: RegisterImportResultSerializer, 201: RegisterImportResultSerializer},
    )
    def post(self, request: Request) -> Response:
        municipalities = municipality_list_visible(user=request.user)
        if not municipalities.exists():
            raise PermissionDenied(_("Partners create no projects."))
        serializer = RegisterImportInputSerializer(data=request.data, municipalities=municipalities)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        municipality = data.get("municipality")
        if municipality is None:
            if municipalities.count() > 1:
                raise ValidationError({"municipality": [_("Choose the municipality of the projects.")]})
            municipality = municipalities.get()
        upload = data["file"]
        sheet = spreadsheets.sheet_read(name=upload.name, content=upload.read(spreadsheets.IMPORT_MAX_BYTES + 1))
        mapping = _mapping(sheet.headers, data.get("mapping") or {})
        if data["dry_run"]:
            results = spreadsheets.register_preview(municipality=municipality, sheet=sheet, mapping=mapping)
            rows = [
                {"number": result.number, "title": result.values.get("title") or "", "errors": result.errors}
                for result in results
            ]
            return Response({"rows": rows, "imported": []}, status=status.HTTP_200_OK)
        created = spreadsheets.register_import(
            actor=request.user, municipality=municipality, sheet=sheet, mapping=mapping
        )
        rows = [{"number": index + 2, "title": project.title, "errors": []} for index, project in enumerate(created)]
        return Response({"rows": rows, "imported": [project.pk for project in created]}, status=status.HTTP_201_CREATED)
