"""Reads of the portals themselves: which municipalities have an open public portal."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from backend.core.errors import NotFound
from backend.portal.models import Portal


def portal_list_open() -> QuerySet[Portal]:
    return Portal.objects.filter(is_open=True).select_related("municipality").order_by("municipality__name")


def portal_get_open(*, slug: str) -> Portal:
    """The open portal at this address; NotFound alike when it is missing or closed."""
    portal = portal_list_open().filter(slug=slug).first()
    if portal is None:
        raise NotFound(_("Portal not found."))
    return portal
