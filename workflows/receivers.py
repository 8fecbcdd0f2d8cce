"""Every new municipality gets the default approval policies, whoever creates it (service, admin, shell); a
project saved by a transition (as the state machine's proxy) renews its town's cached figures."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from backend.accounts.models import Municipality
from backend.projects.receivers import project_changed
from workflows.models import PipelineProject
from workflows.policies import policy_defaults_create


@receiver(post_save, sender=Municipality, dispatch_uid="workflows_default_policies")
def create_default_policies(sender, instance: Municipality, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        policy_defaults_create(municipality_id=instance.pk)


post_save.connect(project_changed, sender=PipelineProject, dispatch_uid="town_figures_pipeline_project")
post_delete.connect(project_changed, sender=PipelineProject, dispatch_uid="town_figures_pipeline_project_deleted")
