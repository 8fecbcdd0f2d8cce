"""REST API of a project's public updates ("aktuality"): list, publish (JSON, or multipart with files), withdraw."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.attachments import PROJECT_ID, AttachmentSerializer
from backend.api.pagination import CursorPagination
from backend.api.serializers import UserSummarySerializer
from backend.core.errors import NotFound
from backend.projects.models import ProjectUpdate
from backend.projects.selectors import project_get_visible
from backend.projects.updates import (
    project_update_get_visible,
    project_update_list_visible,
    project_update_publish,
    project_update_withdraw,
)

UPDATE_ID = OpenApiParameter("update_id", int, OpenApiParameter.PATH, description="The update.")


class ProjectUpdateSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ProjectUpdate
        fields = ("id", "project", "title", "body", "author", "published_at", "withdrawn_at", "attachments")
        read_only_fields = fields


class FileListField(serializers.ListField):
    """Files; an error of any of them is one message of the field (the API's errors are lists of strings)."""

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            details = error.detail.values() if isinstance(error.detail, dict) else [error.detail]
            flat = [
                str(message) for detail in details for message in (detail if isinstance(detail, list) else [detail])
            ]
            raise serializers.ValidationError(flat) from None


class ProjectUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20_000, help_text="Markdown.")
    files = FileListField(child=serializers.FileField(max_length=1000), required=False, default=list)


class NewestFirstPagination(CursorPagination):
    ordering = ("-published_at", "-id")


class ProjectUpdatesView(APIView):
    """The project's public updates (withdrawn ones too, with ``withdrawn_at``), and publishing one."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    pagination_class = NewestFirstPagination

    @extend_schema(
        operation_id="projects_updates_list",
        parameters=[PROJECT_ID],
        responses={200: ProjectUpdateSerializer(many=True)},
    )
    def get(self, request: Request, pk: int) -> Response:
        project = project_get_visible(user=request.user, pk=pk)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            project_update_list_visible(user=request.user, project=project), request, self
        )
        return paginator.get_paginated_response(
            ProjectUpdateSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        operation_id="projects_updates_create",
        parameters=[PROJECT_ID],
        request={"application/json": ProjectUpdateInputSerializer, "multipart/form-data": ProjectUpdateInputSerializer},
        responses={201: ProjectUpdateSerializer},
        description="Publish an update on the public portal (the project's editors). Its files are public with it.",
    )
    def post(self, request: Request, pk: int) -> Response:
        project = project_get_visible(user=request.user, pk=pk)
        serializer = ProjectUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        update = project_update_publish(
            actor=request.user, project=project, title=data["title"], body=data["body"], files=data["files"]
        )
        update = project_update_list_visible(user=request.user, project=project).get(pk=update.pk)
        return Response(
            ProjectUpdateSerializer(update, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class ProjectUpdateWithdrawView(APIView):
    @extend_schema(
        operation_id="projects_updates_withdraw",
        parameters=[PROJECT_ID, UPDATE_ID],
        request=None,
        responses={200: ProjectUpdateSerializer},
        description="Take the update off the public portal (the project's editors).",
    )
    def post(self, request: Request, pk: int, update_id: int) -> Response:
        project = project_get_visible(user=request.user, pk=pk)
        update = project_update_get_visible(user=request.user, pk=update_id)
        if update.project_id != project.pk:
            raise NotFound(_("Update not found."))
        update = project_update_withdraw(actor=request.user, update=update)
        update = project_update_list_visible(user=request.user, project=project).get(pk=update.pk)
        return Response(ProjectUpdateSerializer(update, context={"request": request}).data)
