"""Pagination for the desk's lists: links that keep every filter and change one page number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest

from config.paginator import CappedPaginator


@dataclass(frozen=True)
class PageLinks:
    page: Page
    previous_url: str
    next_url: str


def paginate(
    request: HttpRequest,
    rows: QuerySet | Sequence[Any],
    *,
    per_page: int,
    param: str = "page",
    count: int | None = None,
) -> PageLinks:
    """One page of ``rows`` (an out-of-range or malformed number gives the nearest page) and the
    links to its neighbours, as ``?...`` query strings with every other parameter kept. A
    ``count`` already known (and exact) saves the paginator its COUNT query; without one it
    counts up to ``CLAIMTRAIL_COUNT_CAP`` (config.paginator)."""
    paginator = CappedPaginator(rows, per_page, known_count=count)
    page = paginator.get_page(request.GET.get(param))

    def link(number: int | None) -> str:
        query = request.GET.copy()
        query.pop(param, None)
        if number is not None and number > 1:
            query[param] = str(number)
        return "?" + query.urlencode()

    return PageLinks(
        page=page,
        previous_url=link(page.previous_page_number()) if page.has_previous() else "",
        next_url=link(page.next_page_number()) if page.has_next() else "",
    )
