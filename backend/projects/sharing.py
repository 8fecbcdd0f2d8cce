"""Sharing a project with other municipalities (a DSO's or MAS's members) and withdrawing it.

Who sees a shared project and what they may do on it is ``backend.projects.access`` (audience ``shared``);
this module only writes and reads the list. Who may change it:

- share: the lead municipality's coordinator or the project's manager, while the project is open;
- withdraw: the same, or a coordinator of the shared-with municipality, for their own municipality only.
  Withdrawing stays open on a closed project, like taking a partner organisation's access away.

Each change is an event on the project's timeline (``project_shared`` / ``project_unshared``).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from backend.accounts.models import Municipality, User
from backend.accounts.selectors import user_access
from backend.core.errors import NotFound, PermissionDenied
from backend.projects.access import MANAGER, project_access, project_access_forget
from backend.projects.closed import require_open
from backend.projects.models import EventKind, Project
from backend.projects.services import event_record, user_can_see_project

_SHARES = Project.shared_with.through


def _may_manage_sharing(*, actor: User, project: Project) -> bool:
    access = project_access(user=actor, project=project)
    return access.is_coordinator or MANAGER in access.roles


def may_share(*, user: User, project: Project) -> bool:
    """Whether ``user`` may share ``project`` with another municipality (for templates and the API)."""
    return _may_manage_sharing(actor=user, project=project)


def may_unshare(*, user: User, project: Project, municipality: Municipality) -> bool:
    """Whether ``user`` may withdraw ``project``'s share with ``municipality``."""
    if _may_manage_sharing(actor=user, project=project):
        return True
    return municipality.pk in user_access(user=user).coordinator_of


def project_shared_municipalities(*, project: Project) -> QuerySet[Municipality]:
    """The municipalities ``project`` is shared with, by name."""
    return Municipality.objects.filter(pk__in=_SHARES.objects.filter(project_id=project.pk).values("municipality_id"))


def project_share_candidates(*, project: Project) -> QuerySet[Municipality]:
    """Municipalities ``project`` could still be shared with: all but the lead one and those already shared."""
    shared = _SHARES.objects.filter(project_id=project.pk).values("municipality_id")
    return Municipality.objects.exclude(pk=project.municipality_id).exclude(pk__in=shared)


def require_may_share(*, user: User, project: Project) -> None:
    """NotFound when ``user`` does not see ``project``, PermissionDenied when they may not share it: what
    ``project_share`` answers before it looks at the municipality (a form asks it before offering the list)."""
    if not user_can_see_project(user=user, project=project):
        raise NotFound(_("Project not found."))
    if not _may_manage_sharing(actor=user, project=project):
        raise PermissionDenied(_("Only the coordinator of the lead municipality or the project manager may share it."))


@transaction.atomic
def project_share(*, actor: User, project: Project, municipality: Municipality) -> None:
    """Share ``project`` with ``municipality``: its staff see the project and work on it by their roles."""
    require_may_share(user=actor, project=project)
    require_open(project, field="municipality")
    if municipality.pk == project.municipality_id:
        raise ValidationError(
            {"municipality": _("The project belongs to this municipality; it cannot be shared with it.")}
        )
    # Lock the project row so two requests cannot both pass the duplicate check.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if _SHARES.objects.filter(project_id=project.pk, municipality_id=municipality.pk).exists():
        raise ValidationError({"municipality": _("The project is already shared with this municipality.")})
    project.shared_with.add(municipality)
    project_access_forget(project=project)
    event_record(
        project=project,
        kind=EventKind.PROJECT_SHARED,
        actor=actor,
        municipality_id=municipality.pk,
        municipality=municipality.name,
    )


@transaction.atomic
def project_unshare(*, actor: User, project: Project, municipality: Municipality) -> None:
    """Withdraw ``project``'s share with ``municipality``; its staff no longer see the project."""
    if not user_can_see_project(user=actor, project=project):
        raise NotFound(_("Project not found."))
    if not may_unshare(user=actor, project=project, municipality=municipality):
        raise PermissionDenied(
            _(
                "Only the coordinator of the lead municipality, the project manager or the coordinator of the "
                "municipality itself may withdraw the sharing."
            )
        )
    deleted, _details = _SHARES.objects.filter(project_id=project.pk, municipality_id=municipality.pk).delete()
    if not deleted:
        raise NotFound(_("The project is not shared with this municipality."))
    project_access_forget(project=project)
    event_record(
        project=project,
        kind=EventKind.PROJECT_UNSHARED,
        actor=actor,
        municipality_id=municipality.pk,
        municipality=municipality.name,
    )
