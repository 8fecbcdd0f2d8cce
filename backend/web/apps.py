from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """Server-rendered screens with HTMX: board, projects, approvals, tasks, notifications."""

    name = "backend.web"
    label = "web"
    verbose_name = _("Web interface")
