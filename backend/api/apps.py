from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """REST API v1: serializers, viewsets, permissions and the OpenAPI schema."""

    name = "backend.api"
    label = "api"
    verbose_name = _("REST API")
