"""The admin's JavaScript catalogue with our translations on top (backend/locale/*/djangojs.po).

Django's admin serves only its own djangojs catalogue, whose Czech misses the strings new in Django 6
("Choose … by selecting them …"); ours fills them in. Routed at the admin's own address (backend/urls.py).
"""

from django.conf import settings
from django.views.i18n import JavaScriptCatalog


class AdminJavaScriptCatalog(JavaScriptCatalog):
    packages = ["django.contrib.admin"]

    def get_paths(self, packages):
        # Later directories win where both translate a string: ours come last.
        return [*super().get_paths(packages), *(str(path) for path in settings.LOCALE_PATHS)]
