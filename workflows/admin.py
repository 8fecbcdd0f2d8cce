"""Admin for the pipeline: the projects' "Change stage…" action, approval policies, approval requests and the
transition history.

Policies are configuration, edited by the coordinator of their municipality; requests, decisions and history
are written only by ``workflows.services``, so here they are read-only for everybody. Requests are decided
through the "Approve" and "Reject" actions, which call ``approval_decide`` with the acting user like every
other interface (who may use the admin at all: ``backend.accounts.admin_site``).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.accounts.admin import MunicipalityScopedMixin, ReadOnlyAdminMixin
from backend.core.admin_actions import LIST_AND_FORM, action_page_context, is_confirmed, refusal_message
from backend.core.errors import DomainError
from backend.projects.admin import ProjectAdmin
from backend.projects.models import Project
from backend.projects.stages import Stage
from workflows.machine import TRANSITION_LABELS, TRANSITION_NAMES
from workflows.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStatus,
    Decision,
    TransitionRecord,
)
from workflows.selectors import TransitionOption, transition_options
from workflows.services import approval_decide, project_transition

DECISION_PAGE_TITLES = {
    Decision.APPROVE: _("Approve the selected requests"),
    Decision.REJECT: _("Reject the selected requests"),
}


def transition_label(name: str) -> str:
    """The translated label a transition carries in the state machine (``submit`` → "Submit for assessment")."""
    return str(TRANSITION_LABELS.get(name, name))


def stage_label(value: str) -> str:
    return str(Stage(value).label) if value in Stage.values else value


# --- projects: the "Change stage…" action ---------------------------------------------------------------------


def transition_rows(options: list[TransitionOption]) -> list[dict]:
    """Transition options as the admin templates show them, with the target stage's label."""
    return [
        {
            "label": option.label,
            "target": stage_label(option.target),
            "requires_approval": option.requires_approval,
            "requires_reason": option.requires_reason,
            "blockers": option.blockers,
        }
        for option in options
    ]


class StageChangeForm(forms.Form):
    transition = forms.ChoiceField(label=capfirst(_("transition")))
    comment = forms.CharField(
        label=capfirst(_("comment")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Returning, rejecting and putting on hold need a reason."),
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["transition"].choices = choices


admin.site.unregister(Project)


@admin.register(Project)
class PipelineProjectAdmin(ProjectAdmin):
    """The project admin of ``backend.projects`` with the pipeline's action: asks for a transition and a comment
    and calls ``project_transition`` with the acting user for each selected project, exactly as the API does."""

    actions = ("change_stage",)

    def has_transition_permission(self, request) -> bool:
        # Whoever may look at projects here may ask; project_transition checks the user's right on each one,
        # with the same rules as the API.
        return self.has_view_permission(request)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["transition_options"] = transition_rows(transition_options(project=obj, user=request.user))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @admin.action(description=_("Change stage…"), permissions=["transition"], location=LIST_AND_FORM)
    def change_stage(self, request, queryset):
        projects = list(queryset.select_related("municipality").prefetch_related("departments"))
        options = {project.pk: transition_options(project=project, user=request.user) for project in projects}
        offered = {option.name: option.label for project_options in options.values() for option in project_options}
        choices = [(name, offered[name]) for name in TRANSITION_NAMES if name in offered]
        form = StageChangeForm(request.POST if is_confirmed(request) else None, choices=choices)
        if form.is_valid():
            for project in projects:
                self._transition_one(request, project, form.cleaned_data["transition"], form.cleaned_data["comment"])
            return None
        context = {
            **action_page_context(
                self, request, objects=projects, action_name="change_stage", title=gettext("Change stage")
            ),
            "form": form,
            "rows": [(project, transition_rows(options[project.pk])) for project in projects],
        }
        return TemplateResponse(request, "admin/projects/project/transition.html", context)

    def _transition_one(self, request, project: Project, transition: str, comment: str) -> None:
        try:
            outcome = project_transition(project=project, actor=request.user, transition=transition, comment=comment)
        except DomainError as error:
            self.message_user(request, refusal_message(project, error), messages.ERROR)
            return
        if outcome.executed:
            message = gettext("%(project)s: moved to the stage “%(stage)s”.") % {
                "project": project,
                "stage": stage_label(outcome.project.stage),
            }
            self.message_user(request, message, messages.SUCCESS)
        else:
            message = gettext("%(project)s: the request waits for approval.") % {"project": project}
            self.message_user(request, message, messages.WARNING)


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = (
        "municipality",
        "transition_name",
        "lead_head_approves",
        "involved_heads_approve",
        "coordinator_approves",
        "required_approvals",
        "each_role_must_approve",
        "requires_resolution",
        "reminder_after_days",
        "escalate_after_days",
    )
    list_filter = (("municipality", admin.RelatedOnlyFieldListFilter), "transition")
    list_select_related = ("municipality",)
    search_fields = ("municipality__name", "transition")

    @admin.display(description=_("transition"), ordering="transition")
    def transition_name(self, policy: ApprovalPolicy) -> str:
        return transition_label(policy.transition)


class ApprovalDecisionInline(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.TabularInline):
    model = ApprovalDecision
    municipality_lookup = "request__project__municipality_id"
    fields = ("approver", "decision", "as_roles", "comment", "resolution_text", "created_at")
    readonly_fields = ("resolution_text",)
    extra = 0


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=capfirst(_("comment")), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 60})
    )

    def __init__(self, *args, reason_required: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if reason_required:
            comment = self.fields["comment"]
            comment.required = True
            comment.label = capfirst(_("reason"))
            comment.help_text = _("A rejection needs a reason; the requester will read it.")


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    municipality_lookup = "project__municipality_id"
    list_display = ("project", "transition_name", "status", "requested_by", "created_at", "decided_at")
    list_filter = ("status", "transition")
    list_select_related = ("project", "requested_by")
    search_fields = ("project__title",)
    fields = (
        "project",
        "transition",
        "status",
        "requested_by",
        "comment",
        "created_at",
        "decided_at",
        "lead_head_approves",
        "involved_heads_approve",
        "coordinator_approves",
        "required_approvals",
        "each_role_must_approve",
        "reminder_after_days",
        "escalate_after_days",
    )
    inlines = (ApprovalDecisionInline,)
    actions = ("approve", "reject")

    @admin.display(description=_("transition"), ordering="transition")
    def transition_name(self, approval_request: ApprovalRequest) -> str:
        return transition_label(approval_request.transition)

    def has_decide_permission(self, request) -> bool:
        # Whoever may see requests may try; approval_decide checks that they are among the approvers.
        return self.has_view_permission(request)

    @admin.action(description=Decision.APPROVE.label, permissions=["decide"], location=LIST_AND_FORM)
    def approve(self, request, queryset):
        return self._decide(request, queryset, decision=Decision.APPROVE, action_name="approve")

    @admin.action(description=Decision.REJECT.label, permissions=["decide"], location=LIST_AND_FORM)
    def reject(self, request, queryset):
        return self._decide(request, queryset, decision=Decision.REJECT, action_name="reject")

    def _decide(self, request, queryset, *, decision: Decision, action_name: str):
        approval_requests = list(queryset.select_related("project"))
        form = DecisionForm(
            request.POST if is_confirmed(request) else None, reason_required=decision == Decision.REJECT
        )
        if form.is_valid():
            for approval_request in approval_requests:
                self._decide_one(request, approval_request, decision, form.cleaned_data["comment"])
            return None
        context = {
            **action_page_context(
                self,
                request,
                objects=approval_requests,
                action_name=action_name,
                title=str(DECISION_PAGE_TITLES[decision]),
            ),
            "form": form,
            "decision": decision,
            "rows": [(item, transition_label(item.transition)) for item in approval_requests],
        }
        return TemplateResponse(request, "admin/workflows/approvalrequest/decide.html", context)

    def _decide_one(self, request, approval_request: ApprovalRequest, decision: Decision, comment: str) -> None:
        subject = f"{approval_request.project} – {transition_label(approval_request.transition)}"
        try:
            outcome = approval_decide(
                approval_request=approval_request, actor=request.user, decision=decision.value, comment=comment
            )
        except DomainError as error:
            self.message_user(request, refusal_message(subject, error), messages.ERROR)
            return
        except ValidationError as error:
            # A policy that requires a council resolution: the admin's actions carry none, the inbox does.
            self.message_user(request, f"{subject}: {' '.join(error.messages)}", messages.ERROR)
            return
        if outcome.executed:
            message = gettext("%(subject)s: approved; the project moved to the stage “%(stage)s”.") % {
                "subject": subject,
                "stage": stage_label(outcome.project.stage),
            }
            self.message_user(request, message, messages.SUCCESS)
        elif outcome.approval_request.status == ApprovalStatus.REJECTED:
            self.message_user(request, gettext("%(subject)s: rejected.") % {"subject": subject}, messages.SUCCESS)
        else:
            message = gettext("%(subject)s: your approval is recorded; the request waits for more approvals.")
            self.message_user(request, message % {"subject": subject}, messages.INFO)


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    municipality_lookup = "request__project__municipality_id"
    list_display = ("created_at", "request", "approver", "decision", "as_roles")
    list_filter = ("decision",)
    list_select_related = ("request__project", "approver")
    search_fields = ("request__project__title", "approver__username", "approver__last_name")


@admin.register(TransitionRecord)
class TransitionRecordAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    municipality_lookup = "project__municipality_id"
    list_display = ("created_at", "project", "transition_name", "source", "target", "actor", "approval_request")
    list_filter = ("transition", "target")
    list_select_related = ("project", "actor", "approval_request__project")
    search_fields = ("project__title", "comment")

    @admin.display(description=_("transition"), ordering="transition")
    def transition_name(self, record: TransitionRecord) -> str:
        return transition_label(record.transition)
