from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    label = "workflows"
    verbose_name = _("Pipeline")

    def ready(self) -> None:
        from workflows import receivers  # noqa: F401  (connects the default-policy receiver)
