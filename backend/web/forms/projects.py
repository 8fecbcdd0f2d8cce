"""Forms of the web UI: the project filters (the API's ProjectFilterSet, dressed for people) and the project form."""

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Department, User
from backend.accounts.selectors import department_list_visible
from backend.projects.choices import ThematicArea
from backend.projects.filtersets import ProjectFilterSet
from backend.projects.models import Project
from backend.strategy.models import Measure
from backend.strategy.selectors import measure_list_linkable
from backend.web.forms.numbers import LocalizedDecimalField


class SelectOne(forms.Select):
    """A single <select> feeding a multiple-choice filter: the API takes several values, the UI offers one.

    Several values in the address (``?stage=idea&stage=funding``, as the API accepts) still filter; the
    empty "all" option means no filter at all.
    """

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value]


def _label(name: str) -> str:
    return capfirst(Project._meta.get_field(name).verbose_name)


def project_filters(
    *, data: QueryDict, queryset: QuerySet[Project], departments: QuerySet[Department], request: HttpRequest
) -> ProjectFilterSet:
    """The shared ProjectFilterSet over ``queryset``, with widgets and labels for the web form.

    ``departments`` are the choices of the lead-department filter (the API takes any id; the UI offers the
    departments that lead a project the user may see). Widgets change here, filtering stays the API's.
    """
    # "Mine" and "assigned to me" read the user from the request, as the API's filter backend passes it.
    filterset = ProjectFilterSet(data=data, queryset=queryset, request=request)
    filterset.form.label_suffix = ""
    fields = filterset.form.fields
    fields["search"].widget = forms.SearchInput(attrs={"placeholder": _("Title or summary"), "autocomplete": "off"})
    fields["search"].label = _("Search")
    # Read when the form is drawn: an htmx fragment of the results draws no form, so it asks for no departments.
    fields["lead_department"].widget = forms.Select(
        choices=lambda: [("", _("All departments")), *((department.pk, str(department)) for department in departments)]
    )
    fields["lead_department"].label = _label("lead_department")
    fields["thematic_area"].widget = SelectOne(choices=[("", _("All areas")), *ThematicArea.choices])
    fields["thematic_area"].label = _label("thematic_area")
    fields["stage"].widget = SelectOne(choices=[("", _("All stages")), *fields["stage"].choices])
    fields["stage"].label = _label("stage")
    # A ticked box sends "mine=true", the value the API takes too; an unticked one sends nothing (no filter).
    fields["mine"].widget = forms.CheckboxInput(attrs={"value": "true"})
    fields["mine"].label = _("My projects")
    fields["assigned_to_me"].widget = forms.CheckboxInput(attrs={"value": "true"})
    fields["assigned_to_me"].label = _("Assigned to me")
    return filterset


def filter_departments(*, projects: QuerySet[Project]) -> QuerySet[Department]:
    """Departments leading at least one of ``projects``: partners see them by name on the cards anyway."""
    return Department.objects.filter(pk__in=projects.order_by().values("lead_department_id")).order_by("code", "name")


class ProjectForm(forms.Form):
    """A new project idea. Municipality, manager and stage are not asked: the service decides them."""

    title = forms.CharField(label=_label("title"), max_length=200)
    summary = forms.CharField(
        label=_label("summary"),
        max_length=500,
        required=False,
        help_text=_("One or two sentences for the board and the public portal."),
    )
    description = forms.CharField(
        label=_label("description"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    lead_department = forms.ModelChoiceField(
        label=_label("lead_department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("Not decided yet"),
    )
    departments = forms.ModelMultipleChoiceField(
        label=_label("departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    thematic_area = forms.ChoiceField(
        label=_label("thematic_area"), choices=[("", "—"), *ThematicArea.choices], required=False
    )
    estimated_cost = LocalizedDecimalField(
        label=_label("estimated_cost"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    planned_start = forms.DateField(
        label=_label("planned_start"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    planned_end = forms.DateField(
        label=_label("planned_end"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    strategic_measures = forms.ModelMultipleChoiceField(
        label=_("Strategic measures"),
        queryset=Measure.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The measures of the municipality's strategy the project serves."),
    )
    is_public = forms.BooleanField(
        label=_("Show on the public portal"),
        required=False,
        help_text=_("Citizens will see the title, summary and stage."),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        departments = department_list_visible(user=user).order_by("municipality__name", "code")
        self.fields["lead_department"].queryset = departments
        self.fields["departments"].queryset = departments
        self.fields["strategic_measures"].queryset = measure_list_linkable(user=user, municipality_id=None)
