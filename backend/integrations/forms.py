"""Forms of the integrations pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.integrations.models import WebhookEventType


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Address (URL)"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The address of your system that receives the events, starting with https://."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Kinds of events to send"), choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, municipalities=None, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        if municipalities is not None and len(municipalities) > 1:
            self.fields["municipality"] = forms.ModelChoiceField(
                label=_("Municipality"), queryset=municipalities, empty_label=None
            )
