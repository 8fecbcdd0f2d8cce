"""Numbered pages of a web list: one helper for the views, one component (``{% pagination %}``) for the templates.

The page links keep every other query parameter of the request (filters, sort, another list's page), so a
filtered list stays filtered from page to page, with or without htmx.

A list counts its rows only up to ``settings.WEB_LIST_COUNT_CAP`` (``SELECT count(*) FROM (… LIMIT cap + 1)``), as
GitLab and GitHub show "1,000+": an exact count reads every row the user may see, so its cost grew with the
installation (41,000 open tasks of a big town's manager: 0.5 s), while a capped one reads at most cap + 1 index
entries. Beyond the cap the list says "more than N", numbers the pages it counted and reaches the later ones by
"Next" (each such page reads one row more than it shows, to know whether another follows).
"""

from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import QueryDict


def _capped(queryset: QuerySet, cap: int) -> QuerySet:
    """The ids of at most ``cap + 1`` rows of ``queryset``, in no order (so that any index may serve them)."""
    return queryset.order_by().values("pk")[: cap + 1]


def capped_count(queryset: QuerySet, *, cap: int | None = None) -> int:
    """How many rows ``queryset`` has, but at most ``cap + 1``: more than ``cap`` means "more than cap"."""
    return _capped(queryset, list_count_cap() if cap is None else cap).count()


def capped_counts(*querysets: QuerySet, cap: int | None = None) -> list[int]:
    """:func:`capped_count` of each queryset, all in one query (one scalar subquery each)."""
    cap = list_count_cap() if cap is None else cap
    columns, params = [], []
    for queryset in querysets:
        try:
            sql, parameters = _capped(queryset, cap).query.sql_with_params()
        except EmptyResultSet:  # a condition that matches nothing (``.none()``, ``IN ()``): no query needed for it
            columns.append("0")
            continue
        columns.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")  # noqa: S608  (Django's SQL, values as params)
        params.extend(parameters)
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        return list(cursor.fetchone())


def list_count_cap() -> int:
    return settings.WEB_LIST_COUNT_CAP


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap + 1`` rows; past them it knows only whether a next page exists.

    ``count`` is then ``cap + 1`` and ``num_pages`` the pages of the counted rows; ``is_capped`` tells the
    templates to say "more than ``cap``" and the pager to offer "Next" from any page that has one.
    """

    def __init__(self, object_list, per_page, *, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, cap=self.cap)

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    def validate_number(self, number) -> int:
        if not self.is_capped:
            return super().validate_number(number)
        # Any page may exist past the counted ones: page() finds out by reading it.
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def get_page(self, number) -> Page:
        """As Django's: the first page for a bad number, the last counted one past the end."""
        try:
            return super().get_page(number)
        except EmptyPage:  # past the counted pages, and no row there either
            return self.page(self.num_pages)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if not self.is_capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        page = CappedPage(rows[: self.per_page], number, self)
        page.next_exists = len(rows) > self.per_page
        return page


class CappedPage(Page):
    """A page of a capped list: whether a next one exists was read with the page, not from the count."""

    next_exists = False

    def has_next(self) -> bool:
        return self.next_exists

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


def page_of(queryset: QuerySet, *, number: str | int | None, per_page: int, count: int | None = None) -> Page:
    """Page ``number`` of ``queryset`` (the first for a missing or bad number, the last counted one past the end).

    ``count``, when the view already has it from an aggregate it needs anyway (a :func:`capped_count`, at most
    cap + 1), saves the pager its own COUNT.
    """
    paginator = CappedPaginator(queryset, per_page, cap=list_count_cap())
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
    """The first and last page, two either side of the current one, and gaps (…) between them.

    A capped list has no last page it knows of: it numbers the counted pages (and the current one), and ends
    with a gap while a next page exists.
    """
    paginator = page.paginator
    if getattr(paginator, "is_capped", False):
        numbers = _open_ended_range(page.number, last=max(paginator.num_pages, page.number), more=page.has_next())
    else:
        numbers = paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    links = []
    for number in numbers:
        if number == Paginator.ELLIPSIS:
            links.append(PageLink(number=number, is_gap=True))
        else:
            links.append(
                PageLink(number=number, query=page_query(query, parameter, number), is_current=number == page.number)
            )
    return links


def _open_ended_range(number: int, *, last: int, more: bool, on_each_side: int = 2) -> list:
    """1, a gap, two pages either side of ``number`` (up to ``last``), and a gap when ``more`` pages follow."""
    low, high = max(1, number - on_each_side), min(last, number + on_each_side)
    numbers: list = [1] if low > 1 else []
    if low > 2:
        numbers.append(Paginator.ELLIPSIS)
    numbers.extend(range(low, high + 1))
    if more:
        numbers.append(Paginator.ELLIPSIS)
    return numbers
