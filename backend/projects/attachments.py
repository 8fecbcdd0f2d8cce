"""Attachments of projects and comments: who may see, upload and delete them (selectors and services).

A project attachment is internal or shared with partners; a comment's attachment is exactly as visible as
its comment. Partner guests see only shared ones, and upload only there, with contribute access. Files are
checked by content (backend.projects.uploads) before anything is written; a refused file leaves no row and
no file behind.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.core.errors import NotFound, PermissionDenied
from backend.projects.access import project_access
from backend.projects.choices import CommentVisibility
from backend.projects.closed import closed_message, project_is_closed, require_open
from backend.projects.models import Attachment, Comment, Project, ProjectUpdate
from backend.projects.selectors import project_list_visible
from backend.projects.uploads import check_upload

_SHARED_ONLY = Q(comment__isnull=True, visibility=CommentVisibility.SHARED) | Q(
    comment__visibility=CommentVisibility.SHARED
)


# --- reads -----------------------------------------------------------------------------------------------------


def attachment_list_visible(*, user: User | None, project: Project) -> QuerySet[Attachment]:
    """Attachments of a project the caller already may see; partners get the shared ones only."""
    queryset = Attachment.objects.filter(project=project).select_related("uploaded_by", "comment")
    if not project_access(user=user, project=project).sees_internals:
        queryset = queryset.filter(_SHARED_ONLY)
    return queryset


def attachment_get_visible(*, user: User | None, pk: int | str) -> Attachment:
    """The attachment if the user may see it; NotFound alike whether it is missing, hidden or its project is."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("Attachment not found.")) from None
    attachment = (
        Attachment.objects.filter(pk=pk, project__in=project_list_visible(user=user))
        .select_related("project", "comment", "uploaded_by")
        .first()
    )
    if attachment is None or (
        not project_access(user=user, project=attachment.project).sees_internals and not is_shared(attachment)
    ):
        raise NotFound(_("Attachment not found."))
    return attachment


def is_shared(attachment: Attachment) -> bool:
    if attachment.comment_id is not None:
        return attachment.comment.visibility == CommentVisibility.SHARED
    return attachment.visibility == CommentVisibility.SHARED


def attachment_may_delete(*, user: User, attachment: Attachment) -> bool:
    """The uploader (a partner only while their organisation may contribute), and the project's editors (the
    coordinator among them)."""
    access = project_access(user=user, project=attachment.project)
    if access.may_edit:
        return True
    if attachment.uploaded_by_id is None or attachment.uploaded_by_id != user.pk:
        return False
    return access.may_contribute


# --- writes ----------------------------------------------------------------------------------------------------


def _require_may_upload(*, actor: User, project: Project, visibility: str) -> None:
    if not project_list_visible(user=actor).filter(pk=project.pk).exists():
        raise NotFound(_("Project not found."))
    access = project_access(user=actor, project=project)
    if access.is_partner_view and visibility != CommentVisibility.SHARED:
        raise PermissionDenied(_("Partners may attach files only where they are shared with partners."))
    if not access.may_contribute:
        raise PermissionDenied(_("Your organisation's access to this project is read-only."))


def attachment_create(
    *,
    actor: User,
    project: Project,
    file,
    visibility: str = CommentVisibility.INTERNAL,
    comment: Comment | None = None,
    update: ProjectUpdate | None = None,
) -> Attachment:
    """Attach a file to the project, to one of its comments (then the comment decides who sees it), or to a
    public update (then it is public with the update: backend.projects.updates checks who may write those).

    Municipal users who see the project may upload; partner guests with contribute access only shared
    files. Only a comment's author attaches files to it. The file is checked before anything is written.
    """
    if update is not None:
        if update.project_id != project.pk:
            raise ValidationError({"update": _("The update belongs to another project.")})
        visibility = CommentVisibility.SHARED
    if comment is not None:
        if comment.project_id != project.pk:
            raise ValidationError({"comment": _("The comment belongs to another project.")})
        visibility = comment.visibility
    if visibility not in CommentVisibility.values:
        raise ValidationError({"visibility": _("Unknown visibility.")})
    _require_may_upload(actor=actor, project=project, visibility=visibility)
    if comment is None and update is None:
        # A comment's or an update's file is part of it, and those stay open on closed projects.
        require_open(project, field="file")
    if comment is not None and comment.author_id != actor.pk:
        raise PermissionDenied(_("Only the author of a comment may attach files to it."))
    checked = check_upload(file)
    attachment = Attachment(
        project=project,
        comment=comment,
        update=update,
        uploaded_by=actor,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        visibility=visibility,
    )
    attachment.file.save(checked.name, checked.file, save=False)
    try:
        with transaction.atomic():
            attachment.save()
    except BaseException:
        # Nothing half-saved: no row, so no file either.
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """Delete an attachment; its file goes once the deletion commits."""
    attachment = attachment_get_visible(user=actor, pk=attachment.pk)
    if not attachment_may_delete(user=actor, attachment=attachment):
        raise PermissionDenied(
            _("Only the person who uploaded the file, the project's editors or the coordinator may delete it.")
        )
    if project_is_closed(attachment.project):
        raise PermissionDenied(closed_message(attachment.project))
    attachment.delete()
