"""A KPI's CO₂ effect changes the town's cached figures (``backend.projects.town_cache``): they are summed again."""

from django.db.models.signals import post_delete, post_save

from backend.energy.models import KpiEmission
from backend.projects.models import Kpi, Project
from backend.projects.receivers import part_municipality_id
from backend.projects.town_cache import town_figures_changed


def _emission_changed(sender, instance: KpiEmission, origin=None, **kwargs) -> None:
    if KpiEmission.kpi.is_cached(instance):
        project_id, municipality_id = instance.kpi.project_id, part_municipality_id(instance.kpi, origin)
    elif isinstance(origin, Project):
        project_id, municipality_id = origin.pk, origin.municipality_id
    else:
        project_id, municipality_id = Kpi.objects.filter(pk=instance.kpi_id).values_list(
            "project_id", "project__municipality_id"
        ).first() or (None, None)
    if municipality_id is not None:
        town_figures_changed(municipality_id=municipality_id, project_id=project_id)


post_save.connect(_emission_changed, sender=KpiEmission, dispatch_uid="town_figures_emission")
post_delete.connect(_emission_changed, sender=KpiEmission, dispatch_uid="town_figures_emission_deleted")
