"""The Django admin of Rámec: configuration for the Smart City coordinator, not a second way to do project work.

Who may use it (``admin_allowed``): an active account with ``is_staff`` (Django's own switch, set by
``createcoordinator`` and the demo) that is also the coordinator of at least one municipality, or a superuser
(a platform operator). Heads, project managers, staff and partner guests never use the admin, even if someone
ticked ``is_staff`` on them: their work is in the application and the API, where the services check every right.

Project work (projects, tasks, comments, funding, KPIs, partners of projects, attachments, events, approval
requests and the history) is read-only here for everybody; a stage changes and a request is decided only
through the admin actions, which call the same services as the application. Configuration (the municipality's
settings, departments, people and their roles, partner organisations, approval policies, strategies) is
edited by the coordinator of that municipality.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from backend.accounts.selectors import user_access

# Records the services write; the admin shows them and never adds, changes or deletes them ("app_label.model").
# The coordinators' admin group gets only their view permission (backend.demo.data, createcoordinator).
READ_ONLY_MODELS = (
    "accounts.invitation",
    "projects.project",
    "projects.task",
    "projects.comment",
    "projects.fundingapplication",
    "projects.kpi",
    "projects.projectpartner",
    "projects.attachment",
    "projects.event",
    "workflows.approvalrequest",
    "workflows.approvaldecision",
    "workflows.transitionrecord",
    "strategy.amendment",
    "strategy.amendmentchange",
    "strategy.amendmentdecision",
    "strategy.revision",
    "strategy.itemversion",
    "strategy.goal",
    "strategy.measure",
    "strategy.indicator",
)


def admin_allowed(user) -> bool:
    """Whether ``user`` may use the admin at all: a superuser, or a coordinator with ``is_staff``."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return bool(user_access(user=user).coordinator_of)


class RamecAdminAuthenticationForm(AdminAuthenticationForm):
    """Refuses everyone the admin would refuse anyway, with the admin's usual "wrong credentials" message, so
    that the sign-in form tells nobody which accounts exist or what role they have."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not admin_allowed(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class RamecAdminSite(AdminSite):
    login_form = RamecAdminAuthenticationForm

    def has_permission(self, request) -> bool:
        return admin_allowed(request.user)
