from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public side: each municipality's transparency portal, citizen ideas and open data."""

    name = "backend.portal"
    label = "portal"
    verbose_name = _("Public portal")
