"""Numbered pages of a web list: one helper for the views, one component (``{% pagination %}``) for the templates.

The page links keep every other query parameter of the request (filters, sort, another list's page), so a
filtered list stays filtered from page to page, with or without htmx.
"""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict


def page_of(queryset: QuerySet, *, number: str | int | None, per_page: int, count: int | None = None) -> Page:
    """Page ``number`` of ``queryset`` (the first for a missing or bad number, the last past the end).

    ``count``, when the view already has it from an aggregate it needs anyway, saves the pager its own COUNT.
    """
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, the pager never asks the database
    return paginator.get_page(number)


def page_query(query: QueryDict, parameter: str, number: int) -> str:
    """``?<the request's query>`` with ``parameter`` set to ``number``, as ``{% querystring %}`` writes it."""
    changed = query.copy()
    changed[parameter] = str(number)
    return f"?{changed.urlencode()}"


@dataclass(frozen=True)
class PageLink:
    number: int | str
    query: str = ""
    is_current: bool = False
    is_gap: bool = False


def page_links(page: Page, *, query: QueryDict, parameter: str) -> list[PageLink]:
    """The first and last page, two either side of the current one, and gaps (…) between them."""
    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            links.append(PageLink(number=number, is_gap=True))
        else:
            links.append(
                PageLink(number=number, query=page_query(query, parameter, number), is_current=number == page.number)
            )
    return links
