"""A council resolution (usnesení rady či zastupitelstva): who adopted it, its number and date, cited as Czech
documents cite it. Strategies, their amendments and approval decisions carry one."""

import datetime

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.core.fields import SingleLineCharField


class ResolutionBody(models.TextChoices):
    """Who adopted the document: the assembly (zastupitelstvo) adopts strategies, the board (rada) may amend."""

    ASSEMBLY = "assembly", _("Municipal assembly")
    BOARD = "board", _("Municipal board")


class ResolutionFields(models.Model):
    """The council resolution that adopted a document or approved a decision (usnesení č. … ze dne …)."""

    resolution_body = models.CharField(_("adopted by"), max_length=16, choices=ResolutionBody.choices, blank=True)
    resolution_number = SingleLineCharField(_("resolution number"), max_length=64, blank=True)
    resolution_date = models.DateField(_("resolution date"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def has_resolution(self) -> bool:
        return bool(self.resolution_number and self.resolution_date)

    @property
    def resolution_text(self) -> str:
        """As Czech documents cite it: "usnesení zastupitelstva č. 12/2026 ze dne 3. 3. 2026"."""
        return resolution_text(self.resolution_body, self.resolution_number, self.resolution_date)


def resolution_text(body: str, number: str, day: datetime.date | str | None) -> str:
    """``ResolutionFields.resolution_text`` from the three columns (the API's row readers give them so)."""
    if not (number and day):
        return ""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    values = {"number": number, "date": date_format(day, "SHORT_DATE_FORMAT")}
    if body == ResolutionBody.BOARD:
        return gettext("resolution of the municipal board no. %(number)s of %(date)s") % values
    return gettext("resolution of the municipal assembly no. %(number)s of %(date)s") % values
