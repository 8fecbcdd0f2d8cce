"""Whether a project is closed (completed or rejected) and the refusal its services give; see services' doc."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from backend.projects.models import Project
from backend.projects.stages import TERMINAL_STAGES, Stage


def project_is_closed(project: Project) -> bool:
    """Completed or rejected: read-only but for comments and evaluation corrections (see the module's doc)."""
    return project.stage in TERMINAL_STAGES


def closed_message(project: Project) -> str:
    if project.stage == Stage.COMPLETED:
        return _(
            "The project is completed and can no longer be changed, except by comments and corrections of its "
            "evaluation."
        )
    return _("The project was rejected and can no longer be changed, except by comments.")


def require_open(project: Project, *, field: str = NON_FIELD_ERRORS) -> None:
    if project_is_closed(project):
        raise ValidationError({field: ValidationError(closed_message(project), code="project_closed")})
