"""DRF's own messages its Czech catalogue lacks, listed so that makemessages puts them in ours.

DRF looks them up with gettext at run time, and our catalogue (LOCALE_PATHS) comes before DRF's, so a Czech
msgstr for each of these reaches the response. Nothing imports this module; the list is for the catalogue.
Messages DRF never passes through gettext ("No data provided", "CSRF Failed: …", "JSON parse error - …", the
throttle's wait, which it formats before translating) are replaced in ``backend.api.errors`` instead.
"""

from django.utils.translation import gettext_noop

DRF_MESSAGES_MISSING_IN_CZECH = (
    gettext_noop("Invalid input."),
    gettext_noop("Not a valid string."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop("Datetime value out of range."),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("The number of days must be between {min_days} and {max_days}."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop('Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
)
