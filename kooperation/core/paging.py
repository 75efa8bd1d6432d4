"""Pagination with the total count in the same query as the page's rows.

Django's Paginator asks the database twice: COUNT(*) for the number of pages, then the rows
of the page. For a list whose filter is a deep permission subquery (cases, tasks) building
and compiling that filter is most of the cost, and it is paid twice. `get_page` fetches the
rows of the page with COUNT(*) OVER () beside them: one query, one compilation. Only when the
page comes back empty (no rows at all, or a page number past the end) does it fall back to
Django's own way, so the page returned is the one `Paginator.get_page` would return.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Func, IntegerField, Subquery, Value, Window

from kooperation.core.compiled import fetch_keyed

TOTAL = "_paging_total"


def count_subquery(queryset) -> Subquery:
    """The number of rows of `queryset` as a scalar subquery, for `get_page(..., total=...)`."""
    counted = queryset.order_by().annotate(_count=Func(Value(1), function="COUNT", output_field=IntegerField()))
    return Subquery(counted.values("_count"))


def get_page(queryset, per_page: int, number, *, total=None) -> Page:
    """`Paginator(queryset, per_page).get_page(number)` in one query where the page has rows.

    `total`: the count as an expression (`count_subquery(queryset)`) instead of COUNT(*) OVER (): the window
    reads every row of the queryset, a scalar COUNT(*) can be answered from an index (the access log of a case).
    """
    paginator = Paginator(queryset, per_page)
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    if number < 1 or queryset.query.distinct or queryset.query.is_sliced:
        # DISTINCT applies after the window: the count would be of rows before it.
        return paginator.get_page(number)
    bottom = (number - 1) * per_page
    total = Window(Count("*")) if total is None else total
    rows = list(queryset.annotate(**{TOTAL: total})[bottom : bottom + per_page])
    if not rows:
        return paginator.get_page(number)
    # Paginator.count is a cached property: set, it is not asked again.
    # Rows of .values() are dicts (the total is one of their keys), model rows carry it as an attribute.
    paginator.count = rows[0][TOTAL] if isinstance(rows[0], dict) else getattr(rows[0], TOTAL)
    return Page(rows, number, paginator)


def get_page_keyed(key, build, per_page: int, number, alias: str, *, total=None) -> Page:
    """`get_page(build(), per_page, number, total=total)` with the page's SQL compiled once per key and page.

    `key` must name every input `build()` (and `total`) is made of — the user's scope, the filter's
    values, the day —, as for `fetch_keyed`; the page number and size are added here. `build()` is only
    called to compile, or when the page is empty (then Django's Paginator decides which page to show,
    as `get_page` does). The queryset must not be DISTINCT or sliced.
    """
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    if number >= 1:
        bottom = (number - 1) * per_page

        def page_rows():
            queryset = build()
            if queryset.query.distinct or queryset.query.is_sliced:
                raise ValueError("get_page_keyed needs a queryset without DISTINCT and without a slice")
            counted = Window(Count("*")) if total is None else total
            return queryset.annotate(**{TOTAL: counted})[bottom : bottom + per_page]

        rows = fetch_keyed(("page", key, number, per_page), page_rows, alias)
        if rows:
            paginator = Paginator(rows, per_page)
            paginator.count = rows[0][TOTAL] if isinstance(rows[0], dict) else getattr(rows[0], TOTAL)
            return Page(rows, number, paginator)
    return Paginator(build(), per_page).get_page(number)
