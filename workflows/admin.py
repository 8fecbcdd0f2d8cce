"""Admin for approval policies, approval requests and the transition history.

Policies are configuration, edited by the coordinator of their municipality; requests, decisions and history
are written only by ``workflows.services``, so here they are read-only for everybody. Requests are decided
through the "Approve" and "Reject" actions, which call ``approval_decide`` with the acting user like every
other interface (who may use the admin at all: ``backend.accounts.admin_site``).
"""

import functools
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation, helpers
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.accounts.admin import MunicipalityScopedMixin, ReadOnlyAdminMixin
from backend.core.errors import DomainError, TransitionBlocked
from backend.projects.models import Project
from workflows.machine import STAGE_FIELD
from workflows.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStatus,
    Decision,
    TransitionRecord,
)
from workflows.services import approval_decide
from workflows.stages import Stage

# Actions that ask for input first are offered on the list and on an object's own page.
LIST_AND_FORM = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
# Marks the second step of an action with an intermediate page: the user confirmed the form.
CONFIRM_FIELD = "confirm"
DECISION_PAGE_TITLES = {
    Decision.APPROVE: _("Approve the selected requests"),
    Decision.REJECT: _("Reject the selected requests"),
}


@functools.cache
def _transition_labels() -> dict[str, Any]:
    return {
        fsm_transition.name: fsm_transition.custom.get("label", fsm_transition.name)
        for fsm_transition in Project._meta.get_field(STAGE_FIELD).get_all_transitions(Project)
    }


def transition_label(name: str) -> str:
    """The translated label a transition carries in the state machine (``submit`` → "Submit for assessment")."""
    return str(_transition_labels().get(name, name))


def stage_label(value: str) -> str:
    return str(Stage(value).label) if value in Stage.values else value


def refusal_message(subject: Any, error: DomainError) -> str:
    """One line for the admin: what was refused, why, and every blocker in words."""
    reasons = [str(error.message)]
    if isinstance(error, TransitionBlocked):
        reasons.extend(str(blocker.message) for blocker in error.blockers)
    return gettext("%(subject)s: %(reasons)s") % {"subject": subject, "reasons": " ".join(reasons)}


def is_confirmed(request) -> bool:
    return request.method == "POST" and CONFIRM_FIELD in request.POST


def action_page_context(model_admin: admin.ModelAdmin, request, *, objects: list, action_name: str, title: str):
    """Context for an action's intermediate page, so that its form posts back to the same action.

    The action may have been chosen on the list or on one object's change form (Django 6.1 change-form
    actions); each posts the action's name under its own field.
    """
    change_form_field = f"{ActionLocation.CHANGE_FORM.value}-action"
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": model_admin.opts,
        "objects": objects,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_field_name": change_form_field if change_form_field in request.POST else "action",
        "action_name": action_name,
        "confirm_field": CONFIRM_FIELD,
        "media": model_admin.media,
    }


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
    fields = ("approver", "decision", "as_roles", "comment", "created_at")
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
