from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public side: each municipality's transparency portal, citizen ideas and open data."""

    name = "backend.portal"
    label = "portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from backend.portal import mails, receivers  # noqa: F401  (citizen mails for the outbox; followers' news)
