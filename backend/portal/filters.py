"""The filters of the public project list: one form for the portal's page and the public API."""

import functools

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Municipality
from backend.portal.public import (
    PROGRESS_STAGES,
    SEARCH_MAX_LENGTH,
    public_goals,
    public_measures,
    public_project_list,
)
from backend.projects.choices import ThematicArea
from backend.projects.models import Project
from backend.projects.stages import Stage

PUBLIC_STAGE_CHOICES = [(stage.value, stage.label) for stage in (*PROGRESS_STAGES, Stage.ON_HOLD, Stage.REJECTED)]
FIRST_YEAR, LAST_YEAR = 2000, 2100


class PublicProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX_LENGTH, strip=True)
    thematic_area = forms.ChoiceField(
        label=_("Thematic area"), required=False, choices=[("", _("All areas")), *ThematicArea.choices]
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All stages")), *PUBLIC_STAGE_CHOICES])
    goal = forms.TypedChoiceField(label=_("Strategic goal"), required=False, coerce=int, empty_value=None)
    measure = forms.TypedChoiceField(label=_("Strategic measure"), required=False, coerce=int, empty_value=None)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def __init__(self, *args, municipality: Municipality, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        # Lazy and once: one query when the form is rendered or a measure is given, none otherwise.
        self.fields["measure"].choices = functools.cache(
            lambda: [
                ("", _("All measures")),
                *((measure.pk, str(measure)) for measure in public_measures(municipality=municipality)),
            ]
        )
        self.fields["goal"].choices = functools.cache(
            lambda: [("", _("All goals")), *((goal.pk, str(goal)) for goal in public_goals(municipality=municipality))]
        )

    def projects(self) -> QuerySet[Project]:
        data = self.cleaned_data
        return public_project_list(
            municipality=self.municipality,
            thematic_area=data.get("thematic_area") or "",
            stage=data.get("stage") or "",
            measure_id=data.get("measure"),
            goal_id=data.get("goal"),
            year=data.get("year"),
            search=data.get("q") or "",
        )

    def is_filtered(self) -> bool:
        return any(self.cleaned_data.get(name) not in (None, "") for name in self.fields)
