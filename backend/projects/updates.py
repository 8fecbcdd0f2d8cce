"""Public updates ("aktuality") of a project: the project's editors write them for citizens, the portal shows them.

An update is published when written and stays on the portal (while the project is public) until withdrawn.
Writing and withdrawing stay open on completed and rejected projects: citizens want to hear how things ended.
Its files are public with it (backend.portal.public); they are checked like every upload.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.core.errors import NotFound, PermissionDenied
from backend.projects.access import project_access
from backend.projects.attachments import attachment_create
from backend.projects.models import Attachment, Project, ProjectUpdate
from backend.projects.selectors import project_list_visible
from backend.projects.signals import project_update_published

MAX_FILES_PER_UPDATE = 5


def project_update_may_write(*, user: User | None, project: Project) -> bool:
    """The project's editors: its manager, the heads of its departments and the coordinator."""
    return project_access(user=user, project=project).may_edit


def project_update_list_visible(*, user: User | None, project: Project) -> QuerySet[ProjectUpdate]:
    """Every update of a project the user sees (withdrawn ones too, marked), with its files; they are public
    anyway, so partners read them as well."""
    if not project_list_visible(user=user).filter(pk=project.pk).exists():
        return ProjectUpdate.objects.none()
    return (
        ProjectUpdate.objects.filter(project=project)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")))
    )


def project_update_get_visible(*, user: User | None, pk: int | str) -> ProjectUpdate:
    try:
        update = ProjectUpdate.objects.select_related("project").get(pk=int(pk))
    except (ProjectUpdate.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Update not found.")) from None
    if not project_list_visible(user=user).filter(pk=update.project_id).exists():
        raise NotFound(_("Update not found."))
    return update


def _require_writer(*, actor: User, project: Project) -> None:
    if not project_list_visible(user=actor).filter(pk=project.pk).exists():
        raise NotFound(_("Project not found."))
    access = project_access(user=actor, project=project)
    if access.is_partner_view or not access.may_edit:
        raise PermissionDenied(
            _("Only the project manager, a head of an involved department or the coordinator may publish updates.")
        )


def project_update_publish(
    *, actor: User, project: Project, title: str, body: str, files: Iterable = ()
) -> ProjectUpdate:
    """Publish an update with its files, all or nothing: a refused file leaves no update and no other file."""
    _require_writer(actor=actor, project=project)
    files = list(files)
    if len(files) > MAX_FILES_PER_UPDATE:
        raise ValidationError(
            {"files": _("An update may carry at most %(count)d files.") % {"count": MAX_FILES_PER_UPDATE}}
        )
    update = ProjectUpdate(project=project, title=title, body=body, author=actor, published_at=timezone.now())
    update.full_clean()
    if not update.body.strip():
        raise ValidationError({"body": _("Write the text of the update.")})
    created: list[Attachment] = []
    try:
        with transaction.atomic():
            update.save()
            for file in files:
                created.append(attachment_create(actor=actor, project=project, file=file, update=update))
            project_update_published.send(sender=ProjectUpdate, update=update)
    except BaseException:
        # The rows rolled back; the files already stored would stay behind on disk.
        for attachment in created:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return update


@transaction.atomic
def project_update_withdraw(*, actor: User, update: ProjectUpdate) -> ProjectUpdate:
    """Take an update off the portal; the row stays, marked withdrawn."""
    update = project_update_get_visible(user=actor, pk=update.pk)
    _require_writer(actor=actor, project=update.project)
    if update.withdrawn_at is None:
        update.withdrawn_at = timezone.now()
        update.save(update_fields=["withdrawn_at", "updated_at"])
    return update
