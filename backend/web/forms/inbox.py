"""Forms of the approvals inbox and the my-tasks page: they parse input, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.core.resolutions import ResolutionBody
from backend.projects.choices import TaskStatus
from workflows.models import Decision


class ApprovalDecisionForm(forms.Form):
    """Approve or reject one request. A rejection needs a reason, checked here before anything is saved."""

    decision = forms.ChoiceField(label=_("decision"), choices=Decision.choices)
    comment = forms.CharField(label=_("reason"), required=False, max_length=10_000, widget=forms.Textarea)
    # The council resolution an approval rests on; the service says when the request's policy requires it.
    resolution_body = forms.ChoiceField(label=_("Approved by"), choices=ResolutionBody.choices, required=False)
    resolution_number = forms.CharField(label=_("Resolution number"), max_length=64, required=False)
    resolution_date = forms.DateField(
        label=_("Resolution date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("decision") == Decision.REJECT and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("A rejection needs a reason; the requester will read it."))
        return cleaned


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=TaskStatus.choices)
