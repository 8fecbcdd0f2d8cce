"""Filters shared by the filtersets of every app."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """An object id in a query string: a positive whole number, or a clear 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class _TrueOrFalseField(forms.NullBooleanField):
    """``true``/``1`` or ``false``/``0``, nothing for no filter; Django's own field reads any other text as
    "no filter", so ``?mine=maybe`` answered the whole list as if it had been filtered."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("", "true", "1"):
            return True if text else None
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    """A yes-or-no filter in a query string: ``true`` or ``false`` (``1``, ``0``), or a clear 400."""

    field_class = _TrueOrFalseField
