"""Every new municipality gets the default approval policies, whoever creates it (service, admin, shell)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from backend.accounts.models import Municipality
from workflows.policies import policy_defaults_create


@receiver(post_save, sender=Municipality, dispatch_uid="workflows_default_policies")
def create_default_policies(sender, instance: Municipality, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        policy_defaults_create(municipality_id=instance.pk)
