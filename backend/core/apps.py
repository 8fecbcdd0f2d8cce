from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "backend.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from backend.core import audit, sessions

        audit.connect_signals()
        sessions.connect_signals()
