"""Model fields of our own."""

from django.db import models

from backend.core.text import single_line


class SingleLineCharField(models.CharField):
    """A name or title: cleaned with ``single_line`` whenever the model is validated (every service calls
    ``full_clean``, and so do model forms and the admin), so the API and the web store the same text."""

    def to_python(self, value):
        value = super().to_python(value)
        return single_line(value) if isinstance(value, str) else value
