"""A municipality's public portal: its address on the site (``/obec/<slug>/``) and whether it is open."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Municipality
from backend.core.models import TimeStampedModel


class Portal(TimeStampedModel):
    """A municipality opts in to the public portal; without one (or with it closed) its portal answers 404."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="portal", verbose_name=_("municipality")
    )
    slug = models.SlugField(
        _("address"), max_length=64, unique=True, help_text=_("The portal's address: /obec/<address>/.")
    )
    is_open = models.BooleanField(_("open to the public"), default=True)
    introduction = models.TextField(_("introduction"), blank=True, help_text=_("Markdown, shown on the portal's home."))

    class Meta:
        verbose_name = _("public portal")
        verbose_name_plural = _("public portals")
        ordering = ("municipality__name",)

    def __str__(self) -> str:
        return self.slug
