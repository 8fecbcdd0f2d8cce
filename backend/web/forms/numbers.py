"""Amounts and quantities as people write them: ``4 850 000``, ``4 850 000,50``, ``4850000.5``.

One field for every money or quantity input of the web forms. It shows a value grouped the local way
(``4 850 000`` in Czech, ``4,850,000`` in English) and reads back any space as a thousands separator
(normal, no-break, thin), a decimal comma or a decimal point. Anything else gets the field's usual
"Enter a number." in the user's language.
"""

import re
from decimal import Decimal

from django import forms
from django.db import models
from django.utils import formats

# Every kind of space people (or a copy from a spreadsheet) put between thousands.
_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")
_GROUP = re.compile(r"^\d{3}$")


def normalise_decimal_input(text: str, *, decimal_separator: str) -> str:
    """``text`` with its grouping removed and a ``.`` as the decimal point; unparseable input is left as it is.

    Rules: spaces always group. Where both ``,`` and ``.`` appear, the last one is the decimal separator and
    the other groups. Where one of them appears several times, it groups (each group after the first must
    have three digits). A single ``,`` or ``.`` is the decimal separator, except that English, whose
    decimal separator is ``.``, reads a single ``,`` followed by three digits as grouping (``4,850``).
    """
    value = _SPACES.sub("", text)
    commas, dots = value.count(","), value.count(".")
    if commas and dots:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        whole, _, fraction = value.rpartition(decimal)
        return _ungroup(whole, grouping) + "." + fraction
    for separator, count in ((",", commas), (".", dots)):
        if count > 1:
            return _ungroup(value, separator)
        if count == 1:
            whole, _, fraction = value.partition(separator)
            if separator != decimal_separator and decimal_separator == "." and _GROUP.match(fraction):
                return whole + fraction
            return whole + "." + fraction
    return value


def _ungroup(value: str, separator: str) -> str:
    first, *groups = value.split(separator)
    if first and all(_GROUP.match(group) for group in groups):
        return first + "".join(groups)
    return value  # not a grouping: let the field refuse it


def format_decimal_for_input(value: Decimal, *, decimal_places: int | None) -> str:
    """``4 850 000`` for a whole number; otherwise the digits it has (``13,5``), and two for amounts in
    crowns and hellers (fields of two decimal places: ``4 850 000,50``)."""
    if value == value.to_integral_value():
        places = 0
    elif decimal_places == 2:
        places = 2
    else:
        places = -value.normalize().as_tuple().exponent
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


class LocalizedDecimalInput(forms.TextInput):
    """A text input (``type=number`` cannot show grouping) that brings up the numeric keyboard on phones."""

    input_type = "text"

    def __init__(self, attrs: dict | None = None, *, decimal_places: int | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})
        self.decimal_places = decimal_places

    def format_value(self, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = Decimal(str(value))
        if isinstance(value, Decimal) and value.is_finite():
            return format_decimal_for_input(value, decimal_places=self.decimal_places)
        # What the user typed comes back as typed, so that a refused value can be corrected.
        return super().format_value(value)


class LocalizedDecimalField(forms.DecimalField):
    """A DecimalField that shows and reads amounts the local way (see the module's docstring)."""

    widget = LocalizedDecimalInput

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.widget.decimal_places = self.decimal_places
        # DecimalField sets step/min/max for type=number; a text input has no use for step.
        self.widget.attrs.pop("step", None)

    def to_python(self, value):
        if isinstance(value, str):
            value = normalise_decimal_input(value, decimal_separator=formats.get_format("DECIMAL_SEPARATOR"))
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        # min/max on a text input mean nothing to the browser; the field checks them.
        attrs.pop("min", None)
        attrs.pop("max", None)
        return attrs


def localized_formfield(db_field: models.Field, **kwargs) -> forms.Field | None:
    """``formfield_callback`` of the web's model forms: every decimal model field gets LocalizedDecimalField."""
    if isinstance(db_field, models.DecimalField):
        kwargs.setdefault("form_class", LocalizedDecimalField)
    return db_field.formfield(**kwargs)
