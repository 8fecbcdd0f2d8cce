"""``GET /api/v1/projects/export/``: the project list as a CSV file, with the list's filters and ordering.

A separate path rather than ``?format=csv`` on the list: the list's v1 contract (a paginated JSON page)
stays exactly as it is, and the schema describes each answer with its own media type.
"""

from django.http import StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request

from backend.api.views import ProjectOrderingFilter
from backend.projects.exports import CSV_CONTENT_TYPE, project_csv_filename, project_csv_lines
from backend.projects.filtersets import ProjectFilterSet
from backend.projects.models import Project
from backend.projects.selectors import project_list_visible


class JsonErrorsNegotiation(BaseContentNegotiation):
    """The file is CSV whatever the Accept header says; errors are JSON, the API's error shape."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ProjectExportView(GenericAPIView):
    """The projects the caller may see, filtered as the list is, as CSV for Excel (UTF-8 with BOM, ``;``).

    Partners get only the fields of the partner view of a project; see ``backend.projects.exports``.
    """

    queryset = Project.objects.none()
    filter_backends = [DjangoFilterBackend, ProjectOrderingFilter]
    filterset_class = ProjectFilterSet
    ordering_fields = ("title", "created_at", "updated_at", "stage_changed_at")
    ordering = ("-created_at", "-id")
    pagination_class = None
    content_negotiation_class = JsonErrorsNegotiation

    def get_queryset(self):
        return project_list_visible(user=self.request.user)

    @extend_schema(
        operation_id="projects_export",
        filters=True,  # not a list to drf-spectacular (the answer is a file), yet filtered as the list is
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The projects as CSV: UTF-8 with a byte order mark, ';' separated."
            ),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        projects = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(
            project_csv_lines(user=request.user, projects=projects), content_type=CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{project_csv_filename()}"'
        return response
