"""The municipalities a project is shared with: list, share, withdraw (rules in backend.projects.sharing)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Municipality
from backend.api.serializers import StrictInputMixin
from backend.core.errors import NotFound
from backend.projects.access import project_access
from backend.projects.selectors import project_get_visible
from backend.projects.sharing import project_share, project_shared_municipalities, project_unshare

PROJECT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The project.")
MUNICIPALITY_ID = OpenApiParameter("municipality_id", int, OpenApiParameter.PATH, description="The municipality.")


class SharedMunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ("id", "name")


class ShareInputSerializer(StrictInputMixin, serializers.Serializer):
    municipality = serializers.PrimaryKeyRelatedField(queryset=Municipality.objects.all())


def _project(request: Request, pk: int):
    """The project, if the user sees it with its internals; partner guests and outsiders 404."""
    project = project_get_visible(user=request.user, pk=pk)
    if not project_access(user=request.user, project=project).sees_internals:
        raise NotFound(_("Project not found."))
    return project


class ProjectSharedWithView(APIView):
    @extend_schema(
        operation_id="projects_shared_with_list",
        parameters=[PROJECT_ID],
        responses={200: SharedMunicipalitySerializer(many=True)},
        description="The municipalities the project is shared with (their staff see it and work on it).",
    )
    def get(self, request: Request, pk: int) -> Response:
        project = _project(request, pk)
        rows = project_shared_municipalities(project=project).order_by("name", "pk")
        return Response(SharedMunicipalitySerializer(rows, many=True).data)

    @extend_schema(
        operation_id="projects_shared_with_create",
        parameters=[PROJECT_ID],
        request=ShareInputSerializer,
        responses={201: SharedMunicipalitySerializer},
        description="Share the project with another municipality (the lead's coordinator or the project manager).",
    )
    def post(self, request: Request, pk: int) -> Response:
        project = _project(request, pk)
        data = ShareInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        municipality = data.validated_data["municipality"]
        project_share(actor=request.user, project=project, municipality=municipality)
        return Response(SharedMunicipalitySerializer(municipality).data, status=status.HTTP_201_CREATED)


class ProjectSharedWithDestroyView(APIView):
    @extend_schema(
        operation_id="projects_shared_with_destroy",
        parameters=[PROJECT_ID, MUNICIPALITY_ID],
        request=None,
        responses={204: None},
        description="Withdraw the project's sharing with one municipality (also that municipality's coordinator).",
    )
    def delete(self, request: Request, pk: int, municipality_id: int) -> Response:
        project = _project(request, pk)
        municipality = project_shared_municipalities(project=project).filter(pk=municipality_id).first()
        if municipality is None:
            raise NotFound(_("The project is not shared with this municipality."))
        project_unshare(actor=request.user, project=project, municipality=municipality)
        return Response(status=status.HTTP_204_NO_CONTENT)
