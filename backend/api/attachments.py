"""REST API of attachments: list and upload (multipart) under a project, delete one.

Files are downloaded from the web download view (``download_url``), which takes the same token.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.pagination import CursorPagination
from backend.api.serializers import UserSummarySerializer
from backend.core.errors import NotFound
from backend.projects.attachments import (
    attachment_create,
    attachment_delete,
    attachment_get_visible,
    attachment_list_visible,
)
from backend.projects.choices import CommentVisibility
from backend.projects.models import Attachment
from backend.projects.selectors import comment_list_visible, project_get_visible


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = UserSummarySerializer(read_only=True, allow_null=True)
    name = serializers.CharField(source="original_name", read_only=True)
    visibility = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="The file itself (GET, with the same token or session): served as an attachment with this "
        "`content_type` (`application/octet-stream` for a type outside the allow-list); 401 for a wrong token, "
        "404 for a file the caller may not see."
    )

    class Meta:
        model = Attachment
        fields = (
            "id",
            "project",
            "comment",
            "name",
            "size",
            "content_type",
            "sha256",
            "visibility",
            "uploaded_by",
            "created_at",
            "download_url",
        )
        read_only_fields = fields

    def get_visibility(self, attachment: Attachment) -> CommentVisibility:
        """A comment's attachment is as visible as its comment."""
        return attachment.comment.visibility if attachment.comment_id else attachment.visibility

    def get_download_url(self, attachment: Attachment) -> str:
        url = reverse("web:attachment_download", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=1000, allow_empty_file=False)
    visibility = serializers.ChoiceField(
        choices=CommentVisibility.choices,
        default=CommentVisibility.INTERNAL,
        help_text="Ignored for a comment's file, which is as visible as the comment.",
    )
    comment = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Attach to this comment of the project (its author only).",
    )


class OldestFirstPagination(CursorPagination):
    ordering = ("created_at", "id")


PROJECT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The project.")
ATTACHMENT_ID = OpenApiParameter("attachment_id", int, OpenApiParameter.PATH, description="The attachment.")


class ProjectAttachmentsView(APIView):
    """The project's attachments the user may see (partners: shared ones), and uploading one."""

    parser_classes = [MultiPartParser, FormParser]
    pagination_class = OldestFirstPagination

    @extend_schema(
        operation_id="projects_attachments_list",
        parameters=[PROJECT_ID],
        responses={200: AttachmentSerializer(many=True)},
    )
    def get(self, request: Request, pk: int) -> Response:
        project = project_get_visible(user=request.user, pk=pk)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(attachment_list_visible(user=request.user, project=project), request, self)
        return paginator.get_paginated_response(
            AttachmentSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        operation_id="projects_attachments_create",
        parameters=[PROJECT_ID],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
        description="Upload a file (multipart/form-data). Its type is checked by content against the allow-list.",
    )
    def post(self, request: Request, pk: int) -> Response:
        project = project_get_visible(user=request.user, pk=pk)
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        comment = None
        if data.get("comment") is not None:
            comment = comment_list_visible(user=request.user, project=project).filter(pk=data["comment"]).first()
            if comment is None:
                raise serializers.ValidationError({"comment": [_("No such comment on this project.")]})
        attachment = attachment_create(
            actor=request.user, project=project, file=data["file"], visibility=data["visibility"], comment=comment
        )
        return Response(
            AttachmentSerializer(attachment, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class ProjectAttachmentView(APIView):
    @extend_schema(
        operation_id="projects_attachments_destroy",
        parameters=[PROJECT_ID, ATTACHMENT_ID],
        request=None,
        responses={204: None},
        description="Delete an attachment: its uploader, the project's editors or the coordinator.",
    )
    def delete(self, request: Request, pk: int, attachment_id: int) -> Response:
        project = project_get_visible(user=request.user, pk=pk)
        attachment = attachment_get_visible(user=request.user, pk=attachment_id)
        if attachment.project_id != project.pk:
            raise NotFound(_("Attachment not found."))
        attachment_delete(actor=request.user, attachment=attachment)
        return Response(status=status.HTTP_204_NO_CONTENT)
