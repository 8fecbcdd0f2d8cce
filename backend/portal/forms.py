"""Forms of the staff side of the portal: what of a project is public, and a new public update."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backend.portal.models import IDEA_TEXT_MAX, IdeaAnswerState, IdeaDecisionKind
from backend.projects.choices import ThematicArea
from backend.projects.models import Project
from backend.projects.updates import MAX_FILES_PER_UPDATE

PUBLIC_PROFILE_FIELDS = ("is_public", "public_summary", "address", "ruian_code", "latitude", "longitude")


class ProjectPublicForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = PUBLIC_PROFILE_FIELDS
        widgets = {"public_summary": forms.Textarea(attrs={"rows": 5})}

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in PUBLIC_PROFILE_FIELDS}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; what each may be is decided by the upload checks of the service."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class ProjectUpdateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, lists, links."),
    )
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("At most %(count)d files; they are public with the update.") % {"count": MAX_FILES_PER_UPDATE},
    )


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal onto the form: on its field where the form has one, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class IdeaForm(forms.Form):
    """A citizen's idea. ``website`` is the honeypot: hidden from people, filled by bots."""

    title = forms.CharField(label=_("What do you propose?"), max_length=200)
    description = forms.CharField(
        label=_("Describe the idea"), max_length=IDEA_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    thematic_area = forms.ChoiceField(
        label=_("Thematic area"), required=False, choices=[("", _("I do not know")), *ThematicArea.choices]
    )
    place = forms.CharField(label=_("Place (optional)"), max_length=300, required=False)
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("JPEG, PNG or WebP. Shown with the idea once it is published."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Your e-mail"), help_text=_("We send you a link to confirm the idea."))
    consent = forms.BooleanField(label=_("I agree to the processing of my name and e-mail as described above."))
    website = forms.CharField(label=_("Leave this field empty"), required=False)


class IdeaDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=IdeaDecisionKind.choices)
    reason = forms.CharField(required=False, max_length=IDEA_TEXT_MAX)
    into = forms.IntegerField(required=False, min_value=1)
    state = forms.ChoiceField(required=False, choices=[("", ""), *IdeaAnswerState.choices])
    answer = forms.CharField(required=False, max_length=IDEA_TEXT_MAX)


class IdeaSupportForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail"), help_text=_("We send you a link to confirm the support."))
    website = forms.CharField(label=_("Leave this field empty"), required=False)


class FollowForm(forms.Form):
    """Following a public project by e-mail. ``website`` is the honeypot."""

    email = forms.EmailField(label=_("Your e-mail"), help_text=_("We send you a link to confirm that you follow it."))
    consent = forms.BooleanField(label=_("I agree to the processing of my e-mail as described above."))
    website = forms.CharField(label=_("Leave this field empty"), required=False)


class PortalSettingsForm(forms.Form):
    is_open = forms.BooleanField(label=_("open to the public"), required=False)
    introduction = forms.CharField(
        label=_("introduction"), required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=IDEA_TEXT_MAX
    )
    ruian_code = forms.CharField(
        label=_("RÚIAN code of the municipality"),
        required=False,
        max_length=9,
        help_text=_("The municipality's code in RÚIAN (obec), digits only, e.g. 554782."),
    )

    def clean_ruian_code(self):
        value = self.cleaned_data["ruian_code"].strip()
        if not value:
            return None
        if not value.isascii() or not value.isdigit() or int(value) == 0:
            raise ValidationError(_("The RÚIAN code is made of digits only, e.g. 554782."), code="ruian")
        return int(value)
