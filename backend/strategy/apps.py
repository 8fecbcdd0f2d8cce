from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "backend.strategy"
    label = "strategy"
    verbose_name = _("Strategy")

    def ready(self) -> None:
        from backend.strategy import notices

        notices.register()
