"""Password rules with messages from our own catalogue.

Django 6.1 reworded the "too short" message and its Czech catalogue has not caught up, so Czech users
would read it in English; this subclass says the same thing in words we translate.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
