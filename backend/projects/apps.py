from importlib import import_module

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _restore_installation_programmes(sender, using="default", **kwargs) -> None:
    """The installation-wide funding programmes are rows a migration seeds. ``flush`` (which tests' transactional
    teardown runs) empties every table and then sends ``post_migrate``: put the seeded rows back, as Django does for
    content types, with the migration's own list and function (idempotent: existing rows stay as they are)."""
    from django.apps import apps as registry

    programme = registry.get_model("projects", "Programme")
    if programme._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past the programmes
    import_module("backend.projects.migrations.0015_funding_programmes").seed_programmes(registry, None)


class ProjectsConfig(AppConfig):
    name = "backend.projects"
    label = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        post_migrate.connect(_restore_installation_programmes, sender=self)
        from backend.projects import receivers  # noqa: F401  (changes renew the towns' cached figures)
