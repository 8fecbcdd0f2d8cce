from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Connects Rámec to a town's other systems: signed webhooks, calendar feeds, spreadsheets."""

    name = "backend.integrations"
    label = "integrations"
    verbose_name = _("Integrations")
