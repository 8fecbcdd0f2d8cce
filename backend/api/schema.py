"""Shared OpenAPI descriptions of the error shapes every operation can return."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from backend.api.serializers import ApprovalRequestSerializer, BlockerSerializer, ProjectSerializer

_Detail = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})
_Conflict = inline_serializer(
    "Conflict",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "blockers": BlockerSerializer(many=True),
    },
)
_FieldErrors = inline_serializer(
    "FieldErrors",
    fields={"field_name": serializers.ListField(child=serializers.CharField(), required=False)},
)

ERROR_RESPONSES = {
    400: OpenApiResponse(_FieldErrors, description="Invalid input: errors by field name."),
    401: OpenApiResponse(_Detail, description="Not signed in."),
    403: OpenApiResponse(_Detail, description="Visible, but not allowed to this user."),
    404: OpenApiResponse(_Detail, description="Does not exist, or not visible to this user."),
    409: OpenApiResponse(_Conflict, description="Not possible now: blockers, wrong stage or a concurrent change."),
    429: OpenApiResponse(_Detail, description="Too many requests: wait as the Retry-After header says."),
}

TRANSITION_RESPONSES = {
    200: OpenApiResponse(ProjectSerializer, description="The transition ran; the project in its new stage."),
    202: OpenApiResponse(ApprovalRequestSerializer, description="The transition waits for approval."),
    **ERROR_RESPONSES,
}
