from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnergyConfig(AppConfig):
    name = "backend.energy"
    label = "energy"
    verbose_name = _("Energy and climate")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from backend.energy import receivers  # noqa: F401  (CO₂ effects renew the towns' cached figures)
