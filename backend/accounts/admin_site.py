"""The Django admin of Rámec: configuration for the Smart City coordinator, not a second way to do project work.

Who may use it (``admin_allowed``): an active account with ``is_staff`` (Django's own switch, set by
``createcoordinator`` and the demo) that is also the coordinator of at least one municipality, or a superuser
(a platform operator). Heads, project managers, staff and partner guests never use the admin, even if someone
ticked ``is_staff`` on them: their work is in the application and the API, where the services check every right.

Project work (projects, tasks, comments, funding, KPIs, partners of projects, attachments, events, approval
requests and the history) is read-only here for everybody; a stage changes and a request is decided only
through the admin actions, which call the same services as the application. Configuration (the municipality's
settings, departments, people and their roles, partner organisations, approval policies, strategies) is
edited by the coordinator of that municipality. What libraries register (django-axes' sign-in attempts and
logs, DRF's API tokens, Django's groups of permissions) is the platform operators' alone: only a superuser
sees or changes it, whatever Django permissions a coordinator was given (``operator_only``).
"""

from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models.base import ModelBase

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
    "energy.kpiemission",
    "energy.kpimeasuredactual",
    "energy.monthlyconsumption",
    "energy.consumptionimport",
    "strategy.amendment",
    "strategy.amendmentchange",
    "strategy.amendmentdecision",
    "strategy.revision",
    "strategy.itemversion",
    "strategy.goal",
    "strategy.measure",
    "strategy.indicator",
)


# Packages of Rámec's own apps; a model of any other app on the admin belongs to the platform operators.
OWN_PACKAGES = ("backend", "workflows")


def operator_only(model) -> bool:
    """Whether ``model`` is a library's (django-axes, DRF, django.contrib.auth), shown to superusers alone."""
    return model._meta.app_config.name.partition(".")[0] not in OWN_PACKAGES


class OperatorOnlyAdminMixin:
    """Every right of the admin it is mixed into needs a superuser, on top of the admin's own checks."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


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

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        """Register as Django does; a library's model gets its admin with ``OperatorOnlyAdminMixin`` in front."""
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        for model in models:
            model_admin = admin_class or ModelAdmin
            if operator_only(model):
                model_admin = type(
                    model_admin.__name__,
                    (OperatorOnlyAdminMixin, model_admin),
                    {"__module__": model_admin.__module__, "__qualname__": model_admin.__qualname__},
                )
            super().register(model, model_admin, **options)
