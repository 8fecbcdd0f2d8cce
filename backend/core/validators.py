"""Validators for Czech identifiers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ICO_WEIGHTS = (8, 7, 6, 5, 4, 3, 2)


def ico_check_digit(first_seven: str) -> int:
    """The eighth digit of an IČO (identifikační číslo osoby), modulo-11 scheme of the Czech registry."""
    remainder = sum(int(digit) * weight for digit, weight in zip(first_seven, _ICO_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 1
    if remainder == 1:
        return 0
    return 11 - remainder


def validate_ico(value: str) -> None:
    if not (len(value) == 8 and value.isascii() and value.isdigit()):
        raise ValidationError(_("IČO must be exactly 8 digits."), code="ico_format")
    if ico_check_digit(value[:7]) != int(value[7]):
        raise ValidationError(
            _("IČO %(value)s has an invalid check digit."), code="ico_checksum", params={"value": value}
        )
