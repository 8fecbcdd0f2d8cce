"""REST API for partner invitations and revoking partner access. Accepting an invitation is web-only.

Partner guests get 404 on all of it: they never see invitations or other organisations' access.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Invitation, PartnerOrganization
from backend.accounts.selectors import user_access
from backend.api.serializers import StrictInputMixin
from backend.core.errors import NotFound
from backend.projects.invitations import (
    invitation_create,
    invitation_get_visible,
    invitation_list_visible,
    invitation_revoke,
    organization_access_revoke,
    organization_get_managed,
)
from backend.projects.models import Project
from backend.projects.selectors import project_get_visible, project_list_visible
from backend.projects.services import project_partner_revoke


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=[("pending", "pending"), ("accepted", "accepted"), ("revoked", "revoked"), ("expired", "expired")],
        read_only=True,
    )
    projects = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Invitation
        fields = (
            "id",
            "email",
            "organization",
            "projects",
            "kind",
            "language",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        )
        read_only_fields = fields


class InvitationCreateSerializer(StrictInputMixin, serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    organization = serializers.PrimaryKeyRelatedField(queryset=PartnerOrganization.objects.none())
    projects = serializers.PrimaryKeyRelatedField(many=True, queryset=Project.objects.none(), allow_empty=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="cs")

    def get_fields(self):
        fields = super().get_fields()
        user = self.context["request"].user
        access = user_access(user=user)
        organizations = PartnerOrganization.objects.all()
        if not access.is_platform_admin:
            organizations = organizations.filter(municipality_id__in=access.municipality_ids)
        fields["organization"].queryset = organizations
        fields["projects"].child_relation.queryset = project_list_visible(user=user)
        return fields

    def validate_projects(self, projects: list[Project]) -> list[Project]:
        if len(projects) > 100:
            raise serializers.ValidationError(_("Invite to at most 100 projects at once."))
        return list(dict.fromkeys(projects))


def _require_municipal(request: Request) -> None:
    """Partner guests (and users without any role) see nothing here: 404, as for a missing object."""
    access = user_access(user=request.user)
    if not (access.is_platform_admin or access.municipality_ids):
        raise NotFound()


@extend_schema_view(
    list=extend_schema(responses={200: InvitationSerializer}),
    create=extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer}),
)
class InvitationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Invitations of partner guests to the organisations of the user's municipalities."""

    serializer_class = InvitationSerializer
    queryset = Invitation.objects.none()

    def get_queryset(self):
        _require_municipal(self.request)
        return invitation_list_visible(user=self.request.user)

    def create(self, request: Request) -> Response:
        _require_municipal(request)
        serializer = InvitationCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        invitation = invitation_create(actor=request.user, **serializer.validated_data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        _require_municipal(request)
        invitation = invitation_revoke(actor=request.user, invitation=invitation_get_visible(user=request.user, pk=pk))
        return Response(InvitationSerializer(invitation).data)


class ProjectPartnerRevokeView(APIView):
    @extend_schema(
        operation_id="projects_partners_destroy",
        request=None,
        responses={204: None},
        description="Revoke a partner organisation's access to the project; its guests are signed out at once.",
    )
    def delete(self, request: Request, pk: int, organization_id: int) -> Response:
        _require_municipal(request)
        project = project_get_visible(user=request.user, pk=pk)
        organization = PartnerOrganization.objects.filter(
            pk=organization_id, municipality_id=project.municipality_id
        ).first()
        if organization is None:
            raise NotFound()
        project_partner_revoke(actor=request.user, project=project, organization=organization)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationRevokeView(APIView):
    @extend_schema(
        operation_id="organizations_revoke",
        request=None,
        responses={
            200: inline_serializer("OrganizationRevoked", fields={"projects_revoked": serializers.IntegerField()}),
        },
        description="Revoke a partner organisation's access to every project of its municipality (coordinator).",
    )
    def post(self, request: Request, pk: int) -> Response:
        _require_municipal(request)
        organization = organization_get_managed(user=request.user, pk=pk)
        count = organization_access_revoke(actor=request.user, organization=organization)
        return Response({"projects_revoked": count})
