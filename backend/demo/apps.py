from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The seed_demo command: the fictional town Město Vzorov and its projects."""

    name = "backend.demo"
    label = "demo"
    verbose_name = _("Demo data")
