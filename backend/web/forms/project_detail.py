"""Forms of the project detail screen: they parse input only; the services decide and validate the rest."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Department, User
from backend.projects.access import project_audience
from backend.projects.choices import CommentVisibility, TaskStatus
from backend.projects.models import FundingApplication, Kpi, Project, Task
from backend.projects.programmes import programme_choices
from backend.projects.services import EDITABLE_FIELDS, task_default_stage
from backend.projects.stages import Stage
from backend.web.forms.numbers import localized_formfield

MAX_TEXT = 20_000
MAX_COMMENT = 10_000


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return f"{user.get_full_name() or user.username} (@{user.username})"


class ParseOnlyModelForm(forms.ModelForm):
    """A ModelForm that only parses: it never writes to its instance nor validates the model.

    The service validates the object (``full_clean``) and saves it, so a rejected edit never leaves
    a half-changed object behind in the page being re-rendered.
    """

    def _post_clean(self) -> None:
        pass

    def changes(self) -> dict:
        """The fields the user changed, ready for a ``*_update(**changes)`` service."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's validation errors on the form: by field where it has one, at the top otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


_DATE = {"type": "date"}


class TransitionForm(forms.Form):
    """One press of a button in the transition panel."""

    name = forms.CharField(max_length=64)
    # The stage the user saw when they pressed the button: if it moved since, nothing happens.
    stage = forms.ChoiceField(choices=Stage.choices, required=False)
    comment = forms.CharField(label=_("Reason"), max_length=MAX_TEXT, required=False, widget=forms.Textarea)


class ProjectEditForm(ParseOnlyModelForm):
    class Meta:
        model = Project
        formfield_callback = localized_formfield
        fields = (*EDITABLE_FIELDS, "departments")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "assessment_summary": forms.Textarea(attrs={"rows": 3}),
            "evaluation_summary": forms.Textarea(attrs={"rows": 3}),
            "planned_start": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "planned_end": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "departments": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, project: Project, only: tuple[str, ...] | None = None, **kwargs) -> None:
        """``only``: a part of the form (EDIT_PARTS of the detail view), whose fields are then all required:
        they are what a gate checks."""
        kwargs.setdefault("auto_id", "project-%s")
        super().__init__(*args, instance=project, **kwargs)
        departments = Department.objects.filter(municipality_id=project.municipality_id)
        self.fields["lead_department"].queryset = departments
        self.fields["departments"].queryset = departments
        self.fields["manager"] = PersonChoiceField(
            label=self.fields["manager"].label,
            required=False,
            queryset=project_audience(project=project).staff().order_by("last_name", "username"),
        )
        self.fields["description"].max_length = MAX_TEXT
        for name in ("assessment_summary", "evaluation_summary"):
            self.fields[name].max_length = MAX_TEXT
        score = self.fields["assessment_score"]
        score.widget.attrs.update(min=0, max=100)
        score.help_text = _(
            "0 to 100 points: 0 means the project does not serve the municipality's goals at all, 100 that it "
            "serves them fully. It needs at least %(threshold)s points to go on to funding."
        ) % {"threshold": project.municipality.assessment_threshold}
        if only:
            self.fields = {name: field for name, field in self.fields.items() if name in only}
            for field in self.fields.values():
                field.required = True
            next(iter(self.fields.values())).widget.attrs["autofocus"] = True
        if project.stage == Stage.COMPLETED:
            # A completed project's only edit is a correction of its evaluation, with a reason.
            for name in list(self.fields):
                if name != "evaluation_summary":
                    del self.fields[name]
            self.fields["reason"] = correction_reason_field()


def correction_reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason for the correction"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The project is completed: the correction is recorded on its timeline with this reason."),
    )


class TaskForm(ParseOnlyModelForm):
    """A new task; the assignee is anyone on the project who may work on it."""

    class Meta:
        model = Task
        formfield_callback = localized_formfield
        fields = ("title", "assignee", "due_date", "stage", "description")
        widgets = {
            "due_date": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, project: Project, auto_id: str = "task-new-%s", **kwargs) -> None:
        kwargs.setdefault("initial", {"stage": task_default_stage(project)})
        super().__init__(*args, auto_id=auto_id, **kwargs)
        self.fields["assignee"] = PersonChoiceField(
            label=_("Assignee"),
            required=False,
            queryset=project_audience(project=project).contributors().order_by("last_name", "username"),
        )
        if "description" in self.fields:
            self.fields["description"].max_length = MAX_TEXT


class TaskEditForm(TaskForm):
    class Meta(TaskForm.Meta):
        fields = ("title", "assignee", "due_date", "description")

    def __init__(self, *args, task: Task, **kwargs) -> None:
        super().__init__(*args, project=task.project, instance=task, auto_id=f"task-{task.pk}-%s", **kwargs)


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)


class CommentForm(forms.Form):
    """A comment; partners write shared comments only, so they get no choice at all."""

    body = forms.CharField(label=_("Comment"), max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=CommentVisibility.choices,
        initial=CommentVisibility.INTERNAL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, partner: bool, **kwargs) -> None:
        kwargs.setdefault("auto_id", "comment-%s")
        super().__init__(*args, **kwargs)
        if partner:
            self.fields["visibility"] = forms.ChoiceField(
                choices=[(CommentVisibility.SHARED.value, CommentVisibility.SHARED.label)],
                initial=CommentVisibility.SHARED,
                required=False,
                widget=forms.HiddenInput,
                error_messages={"invalid_choice": _("Partners may write only comments shared with partners.")},
            )

    def clean_visibility(self) -> str:
        # A partner's comment is shared whether or not the (hidden) choice came along.
        return self.cleaned_data.get("visibility") or CommentVisibility.SHARED


class FundingForm(ParseOnlyModelForm):
    class Meta:
        model = FundingApplication
        formfield_callback = localized_formfield
        fields = (
            "programme",
            "call_name",
            "amount_requested",
            "amount_approved",
            "status",
            "call_deadline",
            "internal_note",
        )
        widgets = {
            "call_deadline": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "internal_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, municipality_id: int | None = None, **kwargs) -> None:
        instance = kwargs.get("instance")
        kwargs.setdefault("auto_id", f"funding-{instance.pk if instance else 'new'}-%s")
        super().__init__(*args, **kwargs)
        self.fields["internal_note"].max_length = MAX_TEXT
        # The municipality's active programmes, and an edited application's own even once deactivated.
        if instance is not None and instance.pk:
            municipality_id = instance.project.municipality_id
        self.fields["programme"] = forms.ChoiceField(
            label=self.fields["programme"].label,
            choices=[
                ("", "---------"),
                *programme_choices(municipality_id=municipality_id, keep=instance.programme if instance else ""),
            ],
        )


class KpiForm(ParseOnlyModelForm):
    class Meta:
        model = Kpi
        formfield_callback = localized_formfield
        fields = ("name", "kind", "carrier", "sector", "unit", "baseline", "target", "actual")

    def __init__(self, *args, **kwargs) -> None:
        instance = kwargs.get("instance")
        kwargs.setdefault("auto_id", f"kpi-{instance.pk if instance else 'new'}-%s")
        super().__init__(*args, **kwargs)
        if instance is not None and instance.project.stage == Stage.COMPLETED:
            for name in list(self.fields):
                if name != "actual":
                    del self.fields[name]
            self.fields["reason"] = correction_reason_field()
