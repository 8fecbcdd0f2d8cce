"""The portal hears of a project's changes in the transaction that made them: it queues its followers' news, and
lets the town's public energy figures and project count be summed again."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from backend.energy.models import KpiEmission
from backend.portal.public import public_summary_changed
from backend.portal.subscriptions import follow_news_for_event, follow_news_for_update
from backend.projects.models import Kpi, Project
from backend.projects.signals import event_recorded, project_update_published
from workflows.models import PipelineProject


@receiver(event_recorded, dispatch_uid="portal_follow_news_of_event")
def news_of_event(sender, event, **kwargs) -> None:
    follow_news_for_event(event=event)


@receiver(project_update_published, dispatch_uid="portal_follow_news_of_update")
def news_of_update(sender, update, **kwargs) -> None:
    follow_news_for_update(update=update)


# --- the town's public summary (backend.portal.public.public_summary: energy figures, project count) is summed
# again after any change
# Of a project (public or not, its stage, its town), of a KPI, or of a KPI's CO₂ effect, through whatever way in
# (web, API, admin, imports, transitions: they all save models; none writes these rows with a bulk update).


def _kpi_municipality_id(kpi: Kpi, origin=None) -> int | None:
    """The town of a KPI without a query where its project is at hand (loaded with it, or the project being
    deleted); else one query (None when the project is gone already)."""
    if Kpi.project.is_cached(kpi):
        return kpi.project.municipality_id
    if isinstance(origin, Project) and origin.pk == kpi.project_id:
        return origin.municipality_id
    return Project.objects.filter(pk=kpi.project_id).values_list("municipality_id", flat=True).first()


def _project_changed(sender, instance: Project, **kwargs) -> None:
    public_summary_changed(municipality_id=instance.municipality_id)


def _kpi_changed(sender, instance: Kpi, origin=None, **kwargs) -> None:
    municipality_id = _kpi_municipality_id(instance, origin)
    if municipality_id is not None:
        public_summary_changed(municipality_id=municipality_id)


def _emission_changed(sender, instance: KpiEmission, origin=None, **kwargs) -> None:
    if KpiEmission.kpi.is_cached(instance):
        municipality_id = _kpi_municipality_id(instance.kpi, origin)
    elif isinstance(origin, Project):
        municipality_id = origin.municipality_id
    else:
        municipality_id = (
            Kpi.objects.filter(pk=instance.kpi_id).values_list("project__municipality_id", flat=True).first()
        )
    if municipality_id is not None:
        public_summary_changed(municipality_id=municipality_id)


for _project_model in (Project, PipelineProject):  # a transition saves the project as the state machine's proxy
    post_save.connect(_project_changed, sender=_project_model, dispatch_uid=f"portal_energy_{_project_model.__name__}")
    post_delete.connect(
        _project_changed, sender=_project_model, dispatch_uid=f"portal_energy_deleted_{_project_model.__name__}"
    )
post_save.connect(_kpi_changed, sender=Kpi, dispatch_uid="portal_energy_kpi")
post_delete.connect(_kpi_changed, sender=Kpi, dispatch_uid="portal_energy_kpi_deleted")
post_save.connect(_emission_changed, sender=KpiEmission, dispatch_uid="portal_energy_emission")
post_delete.connect(_emission_changed, sender=KpiEmission, dispatch_uid="portal_energy_emission_deleted")
