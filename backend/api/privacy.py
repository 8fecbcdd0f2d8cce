"""GDPR in the API: ``GET /api/v1/me/export/``, the caller's own data as a JSON file."""

import json

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from backend.accounts.privacy import EXPORT_VERSION, user_data_export


class MyDataExportView(APIView):
    """Everything Rámec keeps about the caller, as a JSON download (the structure of
    ``backend.accounts.privacy.user_data_export``, ``version`` 1)."""

    @extend_schema(
        operation_id="me_export",
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=f"The caller's data (format ``ramec-user-data``, version {EXPORT_VERSION}) as an "
                "attachment: profile, memberships, comments, tasks, notifications, notification preferences, "
                "approval decisions, accepted invitations.",
            ),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        data = json.dumps(user_data_export(user=request.user), ensure_ascii=False, indent=2)
        response = HttpResponse(data, content_type="application/json; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="ramec-my-data-{stamp}.json"'
        return response
