"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from backend.api.errors import RouteNotFoundView
from backend.core import health
from backend.core.admin_i18n import AdminJavaScriptCatalog

admin.site.site_header = _("Rámec – Smart City project pipeline")
admin.site.site_title = _("Rámec")
admin.site.index_title = _("Administration")

urlpatterns = [
    # HealthCheckMiddleware answers these first; the routes make them reversible and keep them without it.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Ahead of the admin's own route of the same address, which reverse("admin:jsi18n") still names.
    path("admin/jsi18n/", admin.site.admin_view(AdminJavaScriptCatalog.as_view(), cacheable=True), name="admin_jsi18n"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("backend.api.urls")),
    path("energie/", include("backend.energy.views")),
    path("integrations/", include("backend.integrations.urls")),
    # Whatever no route of the API takes (``/api/``, ``/api/v2/…``, ``/api/v1/no-such-collection/``) answers the
    # API's JSON 404, in DEBUG too, where Django would show its HTML debug page. Only paths ending in a slash, so
    # that CommonMiddleware still redirects ``/api/v1/projects`` to ``/api/v1/projects/``.
    re_path(r"^api/(?:.*/)?$", RouteNotFoundView.as_view(), name="api_route_not_found"),
    path("", include("backend.portal.urls")),
    path("strategie/", include("backend.web.views.strategy")),
    path("", include("backend.web.urls")),
]

handler403 = "backend.web.views.errors.permission_denied"
handler404 = "backend.web.views.errors.page_not_found"
