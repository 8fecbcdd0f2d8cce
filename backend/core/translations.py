"""Strings of libraries whose Czech catalogue lacks them, marked here so that makemessages keeps them in ours.

Our catalogue (LOCALE_PATHS) takes precedence over the libraries' own, so a translation here fills the gap.
"""

from django.utils.translation import gettext_noop

LIBRARY_STRINGS = (
    # Django 6.1's blank choice of every <select> built from a model field's choices.
    gettext_noop("- Select an option -"),
)
