"""The public read-only API (``/api/v1/public/``): anonymous, throttled, only what backend.portal.public allows."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.pagination import CursorPagination
from backend.portal.filters import PublicProjectFilterForm
from backend.portal.public import public_project_cards, public_project_get, public_update_list
from backend.portal.selectors import portal_get_open, portal_list_open
from backend.portal.serializers import (
    PublicPortalSerializer,
    PublicProjectDetailSerializer,
    PublicProjectSerializer,
    PublicUpdateSerializer,
)

SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The municipality's portal address.")
PROJECT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The public project.")
UPDATES_LIMIT = 50


class PublicView(APIView):
    """No sign-in, nothing per person: a session or a token changes nothing in what is answered."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class PublicProjectPagination(CursorPagination):
    ordering = ("-stage_changed_at", "-id")


class PortalListView(PublicView):
    @extend_schema(operation_id="public_portals_list", responses={200: PublicPortalSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(PublicPortalSerializer(portal_list_open(), many=True, context={"request": request}).data)


class PublicProjectFilterSerializer(serializers.Serializer):
    """The same filters as the portal's list page (the form below checks them)."""

    thematic_area = serializers.CharField(required=False)
    stage = serializers.CharField(required=False)
    goal = serializers.IntegerField(
        required=False, help_text="A strategic goal: projects serving its measures or those of its specific goals."
    )
    measure = serializers.IntegerField(required=False)
    year = serializers.IntegerField(required=False)
    q = serializers.CharField(required=False, help_text="Search in the title and the public summary.")


class PublicProjectListView(PublicView):
    pagination_class = PublicProjectPagination

    @extend_schema(
        operation_id="public_projects_list",
        parameters=[SLUG, PublicProjectFilterSerializer],
        responses={200: PublicProjectSerializer(many=True)},
    )
    def get(self, request: Request, slug: str) -> Response:
        portal = portal_get_open(slug=slug)
        form = PublicProjectFilterForm(request.query_params, municipality=portal.municipality)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(form.projects(), request, self)
        context = {"request": request, "slug": slug}
        return paginator.get_paginated_response(
            PublicProjectSerializer(public_project_cards(page), many=True, context=context).data
        )


class PublicProjectDetailView(PublicView):
    @extend_schema(
        operation_id="public_projects_retrieve",
        parameters=[SLUG, PROJECT_ID],
        responses={200: PublicProjectDetailSerializer},
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        portal = portal_get_open(slug=slug)
        detail = public_project_get(municipality=portal.municipality, pk=pk)
        return Response(PublicProjectDetailSerializer(detail, context={"request": request, "slug": slug}).data)


class PublicUpdateListView(PublicView):
    @extend_schema(
        operation_id="public_updates_list",
        parameters=[SLUG],
        responses={200: PublicUpdateSerializer(many=True)},
        description=f"The newest {UPDATES_LIMIT} public updates of the municipality's projects.",
    )
    def get(self, request: Request, slug: str) -> Response:
        portal = portal_get_open(slug=slug)
        updates = public_update_list(municipality=portal.municipality, limit=UPDATES_LIMIT)
        return Response(PublicUpdateSerializer(updates, many=True, context={"request": request, "slug": slug}).data)
