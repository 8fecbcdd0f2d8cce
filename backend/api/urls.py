"""REST API v1 routes."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from backend.api import (
    attachments,
    energy,
    exports,
    invitations,
    privacy,
    sharing,
    spreadsheets,
    strategy,
    updates,
    views,
)
from backend.integrations.api import CalendarFeedView, FundingCallViewSet, WebhookEndpointViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# JSON only: no ``projects/1.json/`` twins of each route, which the schema does not describe (an unknown suffix such
# as ``projects/0.5/`` then meets the JSON 404 below instead of DRF's format negotiation).
router.include_format_suffixes = False
router.register("projects", views.ProjectViewSet, basename="project")
router.register("approvals", views.ApprovalViewSet, basename="approval")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("users", views.UserViewSet, basename="user")
router.register("invitations", invitations.InvitationViewSet, basename="invitation")
router.register("strategies", strategy.StrategyViewSet, basename="strategy")
router.register("amendments", strategy.AmendmentViewSet, basename="amendment")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("funding-calls", FundingCallViewSet, basename="funding_call")

app_name = "api"
urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/export/", privacy.MyDataExportView.as_view(), name="me_export"),
    path("me/calendar-feed/", CalendarFeedView.as_view(), name="me_calendar_feed"),
    # Before the router, whose project detail route would take "export" for an id.
    path("projects/export/", exports.ProjectExportView.as_view(), name="project_export"),
    # Named as files; the router's detail routes take no dot, so nothing else could claim them.
    path("projects/export.xlsx", spreadsheets.ProjectExportXlsxView.as_view(), name="project_export_xlsx"),
    path("tasks/export.xlsx", spreadsheets.TaskExportXlsxView.as_view(), name="task_export_xlsx"),
    path("funding/export.xlsx", spreadsheets.FundingExportXlsxView.as_view(), name="funding_export_xlsx"),
    path("projects/import/", spreadsheets.ProjectImportView.as_view(), name="project_import"),
    path(
        "projects/<int:pk>/partners/<int:organization_id>/",
        invitations.ProjectPartnerRevokeView.as_view(),
        name="project_partner_revoke",
    ),
    path("projects/<int:pk>/shared-with/", sharing.ProjectSharedWithView.as_view(), name="project_shared_with"),
    path(
        "projects/<int:pk>/shared-with/<int:municipality_id>/",
        sharing.ProjectSharedWithDestroyView.as_view(),
        name="project_shared_with_destroy",
    ),
    path("organizations/<int:pk>/revoke/", invitations.OrganizationRevokeView.as_view(), name="organization_revoke"),
    path("projects/<int:pk>/attachments/", attachments.ProjectAttachmentsView.as_view(), name="project_attachments"),
    path(
        "projects/<int:pk>/attachments/<int:attachment_id>/",
        attachments.ProjectAttachmentView.as_view(),
        name="project_attachment",
    ),
    path("projects/<int:pk>/updates/", updates.ProjectUpdatesView.as_view(), name="project_updates"),
    path(
        "projects/<int:pk>/updates/<int:update_id>/withdraw/",
        updates.ProjectUpdateWithdrawView.as_view(),
        name="project_update_withdraw",
    ),
    # The portal's read-only API: anonymous, only what backend.portal.public allows.
    path("public/", include("backend.portal.api_urls")),
    path("energy/portfolio/", energy.EnergyPortfolioView.as_view(), name="energy_portfolio"),
    path("energy/factor-sets/", energy.EmissionFactorSetListView.as_view(), name="energy_factor_sets"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the strict CSP needs no inline script. It renders
    # with a template alone, which OPTIONS (DRF's metadata) does not have: a 500 for a method the page never needs.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", http_method_names=["get", "head"]),
        name="docs",
    ),
    path("", include(router.urls)),
    # What no route above takes falls through to the API's JSON 404 in backend.urls, for all of /api/.
]
