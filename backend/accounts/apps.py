from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "backend.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        # Sign-in and sign-out record which session is whose, so that sessions can be ended per user.
        from backend.accounts.sessions import connect_signals

        connect_signals()
