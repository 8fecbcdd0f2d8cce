"""Input of the strategy screens: an amendment with one change, a decision, a council resolution, project links."""

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.core.resolutions import ResolutionBody
from backend.projects.choices import KpiKind
from backend.strategy.models import AmendmentAction, ItemKind
from backend.strategy.services import ChangeSpec


class AmendmentForm(forms.Form):
    """One change of one item; the item's new content in plain fields (only those of its kind are used)."""

    title = forms.CharField(label=_("Amendment title"), max_length=200)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    action = forms.ChoiceField(label=_("What to do"), choices=AmendmentAction.choices)
    kind = forms.ChoiceField(label=_("Kind of item"), choices=ItemKind.choices)
    item = forms.ChoiceField(
        label=_("Item to change or retire"), required=False, help_text=_("Leave empty when adding.")
    )
    code = forms.CharField(label=_("Code"), max_length=32, required=False, help_text=_("For example 1.2 or 1.2.3."))
    item_title = forms.CharField(label=_("Title or indicator name"), max_length=300, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    parent = forms.CharField(
        label=_("Goal code"),
        max_length=32,
        required=False,
        help_text=_("For a specific goal its goal; for a measure the goal it serves; for an indicator its measure."),
    )
    department = forms.ChoiceField(label=_("Responsible department"), required=False)
    indicator_kind = forms.ChoiceField(label=_("Indicator kind"), choices=KpiKind.choices, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=32, required=False)
    baseline = forms.CharField(label=_("Baseline"), max_length=20, required=False)
    target = forms.CharField(label=_("Target"), max_length=20, required=False)
    target_year = forms.CharField(label=_("Target year"), max_length=4, required=False)

    def __init__(self, *args, items: list[tuple[str, str]], departments: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "—"), *items]
        self.fields["department"].choices = [("", "—"), *departments]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action and action != AmendmentAction.ADD and not data.get("item"):
            self.add_error("item", _("Choose the item to change or retire."))
        if action == AmendmentAction.ADD and data.get("item"):
            self.add_error("item", _("A new item has no item to choose: leave it empty."))
        item = data.get("item") or ""
        if item and data.get("kind") and not item.startswith(f"{data['kind']}:"):
            self.add_error("item", _("The chosen item is not of the chosen kind."))
        return data

    def change(self) -> ChangeSpec:
        data = self.cleaned_data
        kind, action = data["kind"], data["action"]
        item_id = int(data["item"].split(":", 1)[1]) if data.get("item") else None
        if action == AmendmentAction.RETIRE:
            return ChangeSpec(action=action, kind=kind, item_id=item_id, data={})
        content = {"title": data["item_title"]}
        if kind == ItemKind.INDICATOR:
            content |= {
                "measure": data["parent"],
                "kind": data["indicator_kind"] or KpiKind.CUSTOM,
                "unit": data["unit"],
                "baseline": data["baseline"],
                "target": data["target"],
                "target_year": data["target_year"],
            }
        else:
            content |= {"code": data["code"], "description": data["description"]}
            content["parent" if kind == ItemKind.GOAL else "goal"] = data["parent"]
            if kind == ItemKind.MEASURE:
                content["department"] = data["department"]
        if action == AmendmentAction.CHANGE:
            # What the proposer left empty stays as it is.
            content = {name: value for name, value in content.items() if value not in ("", None)}
        return ChangeSpec(action=action, kind=kind, item_id=item_id, data=content)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", _("Approve")), ("reject", _("Reject"))))
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ResolutionForm(forms.Form):
    resolution_body = forms.ChoiceField(label=_("Approved by"), choices=ResolutionBody.choices)
    resolution_number = forms.CharField(label=_("Resolution number"), max_length=64)
    resolution_date = forms.DateField(label=_("Resolution date"), widget=forms.DateInput(attrs={"type": "date"}))


class ProjectMeasuresForm(forms.Form):
    measures = forms.MultipleChoiceField(
        label=_("Strategic measures"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = choices


class ImportForm(forms.Form):
    """A table of goals, measures and indicators; for a strategy in force, why they are added (the amendment)."""

    file = forms.FileField(label=_("Table of goals, measures and indicators (XLSX or CSV)"))
    reason = forms.CharField(
        label=_("Reason for the amendment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("For a strategy in force the rows are proposed as one amendment."),
    )
