"""A town's cached figures (``backend.projects.town_cache``) are summed again after any change of one of its
projects (public or not, its stage, its cost, new or deleted), of a KPI or of a funding application, through
whatever way in (web, API, admin, imports, transitions: they all save models; none writes these rows with a bulk
update; bulk loaders renew the version themselves). Transitions save the project as the state machine's proxy:
``workflows.receivers`` connects ``project_changed`` to it; the energy app connects CO₂ effects."""

from django.db.models.signals import post_delete, post_save

from backend.projects.models import FundingApplication, Kpi, Project
from backend.projects.town_cache import town_figures_changed


def project_municipality_id(project_id: int, origin=None) -> int | None:
    """The town of a project by its id: without a query when it is the object being deleted (``origin``), else
    one query (None when the project is gone already)."""
    if isinstance(origin, Project) and origin.pk == project_id:
        return origin.municipality_id
    return Project.objects.filter(pk=project_id).values_list("municipality_id", flat=True).first()


def part_municipality_id(part: Kpi | FundingApplication, origin=None) -> int | None:
    """The town of a KPI or a funding application without a query where its project is at hand (loaded with it, or
    being deleted)."""
    if type(part).project.is_cached(part):
        return part.project.municipality_id
    return project_municipality_id(part.project_id, origin)


def project_changed(sender, instance: Project, **kwargs) -> None:
    town_figures_changed(municipality_id=instance.municipality_id, project_id=instance.pk)


def _part_changed(sender, instance: Kpi | FundingApplication, origin=None, **kwargs) -> None:
    municipality_id = part_municipality_id(instance, origin)
    if municipality_id is not None:
        town_figures_changed(municipality_id=municipality_id, project_id=instance.project_id)


post_save.connect(project_changed, sender=Project, dispatch_uid="town_figures_project")
post_delete.connect(project_changed, sender=Project, dispatch_uid="town_figures_project_deleted")
post_save.connect(_part_changed, sender=Kpi, dispatch_uid="town_figures_kpi")
post_delete.connect(_part_changed, sender=Kpi, dispatch_uid="town_figures_kpi_deleted")
post_save.connect(_part_changed, sender=FundingApplication, dispatch_uid="town_figures_funding")
post_delete.connect(_part_changed, sender=FundingApplication, dispatch_uid="town_figures_funding_deleted")
