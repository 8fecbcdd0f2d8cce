"""Strings of libraries whose Czech catalogue lacks them, marked here so that makemessages keeps them in ours.

Our catalogue (LOCALE_PATHS) takes precedence over the libraries' own, so a translation here fills the gap.
The lazy objects below are never evaluated: they exist for makemessages. The admin's JavaScript strings
live in backend/locale/cs/LC_MESSAGES/djangojs.po (see backend.core.admin_i18n).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

LIBRARY_STRINGS = (
    # Django 6.1's blank choice of every <select> built from a model field's choices.
    gettext_noop("- Select an option -"),
    # The admin's templates and views (django.contrib.admin, Czech catalogue of Django 6.1).
    gettext_noop('The app "%s" could not be found.'),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Filter by %(field_name)s"),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would result in deleting related objects, but your "
        "account doesn't have permission to delete the following types of objects:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would require deleting the following protected related "
        "objects:"
    ),
    gettext_noop(
        "Are you sure you want to delete the %(object_name)s “%(escaped_object)s”? All of the following related "
        "items will be deleted:"
    ),
    gettext_noop("Pagination %(name)s entries"),
    gettext_noop("Pagination %(name)s"),
    gettext_noop("Search %(name)s"),
    gettext_noop("Logout"),
    gettext_noop("In case you’ve forgotten, you are:"),
)
LIBRARY_PLURALS = (ngettext_lazy("…and %(count)d more object.", "…and %(count)d more objects.", "count"),)
