from importlib import import_module

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _restore_shared_factor_sets(sender, using="default", **kwargs) -> None:
    """The shared emission factor sets (the statutory one, the MPO grid averages) are rows a migration ships.
    ``flush`` (which tests' transactional teardown runs) empties every table and then sends ``post_migrate``: put
    them back with the migration's own function when none is left (a database that has them keeps them as they are,
    a coordinator's own sets included), as the projects app does for the funding programmes."""
    from django.apps import apps as registry

    factor_set = registry.get_model("energy", "EmissionFactorSet")
    if factor_set._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past the factor sets
    if factor_set.objects.using(using).filter(municipality__isnull=True).exists():
        return
    import_module("backend.energy.migrations.0002_statutory_and_mpo_grid_factor_sets").ship_sets(registry, None)


class EnergyConfig(AppConfig):
    name = "backend.energy"
    label = "energy"
    verbose_name = _("Energy and climate")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_restore_shared_factor_sets, sender=self)
        from backend.energy import receivers  # noqa: F401  (CO₂ effects renew the towns' cached figures)
