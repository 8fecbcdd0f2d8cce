"""Forms of attachments: the upload form of the attachments tab and the comment form with an optional file.

The forms only carry the file; what it may be is decided by the service (backend.projects.uploads), whose
refusals come back onto the ``file`` field.
"""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.projects.choices import CommentVisibility
from backend.projects.uploads import allowed_extensions, allowed_types, type_label
from backend.web.forms.project_detail import CommentForm


def _file_input() -> forms.FileInput:
    return forms.FileInput(attrs={"accept": ",".join(allowed_extensions())})


def _accepted_files() -> str:
    return gettext("Accepted types: %(types)s; at most %(limit)s.") % {
        "types": ", ".join(type_label(content_type) for content_type in allowed_types()),
        "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
    }


class AttachmentForm(forms.Form):
    """A file for the project; partners share theirs with the municipality and the invited partners."""

    file = forms.FileField(label=_("File"), widget=_file_input(), max_length=1000)
    visibility = forms.ChoiceField(
        label=_("Who may download it"),
        choices=CommentVisibility.choices,
        initial=CommentVisibility.INTERNAL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, partner: bool, **kwargs) -> None:
        kwargs.setdefault("auto_id", "attachment-%s")
        super().__init__(*args, **kwargs)
        self.fields["file"].widget = _file_input()
        self.fields["file"].help_text = _accepted_files()
        if partner:
            self.fields["visibility"] = forms.ChoiceField(
                choices=[(CommentVisibility.SHARED.value, CommentVisibility.SHARED.label)],
                initial=CommentVisibility.SHARED,
                required=False,
                widget=forms.HiddenInput,
            )

    def clean_visibility(self) -> str:
        return self.cleaned_data.get("visibility") or CommentVisibility.SHARED


class CommentWithFileForm(CommentForm):
    """The comment form with one optional file, saved with the comment or not at all."""

    file = forms.FileField(label=_("Attach a file"), required=False, max_length=1000)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget = _file_input()
        self.fields["file"].help_text = _accepted_files()
