from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "backend.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        # Sign-in and sign-out record which session is whose, so that sessions can be ended per user.
        from backend.accounts.sessions import connect_signals

        connect_signals()


class RamecAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with Rámec's rule of who may use it (``backend.accounts.admin_site``)."""

    default = False  # named in INSTALLED_APPS; "backend.accounts" itself stays AccountsConfig

    default_site = "backend.accounts.admin_site.RamecAdminSite"
