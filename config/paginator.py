"""Page-number pagination that never counts more than it shows a use for.

An exact ``COUNT(*)`` over a million claims costs 50-100 ms by itself, more than a whole page of
the list should. ``CappedPaginator`` counts at most ``cap + 1`` rows (``SELECT COUNT(*) FROM
(... LIMIT cap + 1)``, an index range scan): below the cap the count is exact; above it the
count is the cap, ``capped`` is true, and whether there is a next page is read from the page
itself (one row more than a page is fetched). Deep pages stay reachable; a page past the end is
an ``EmptyPage`` as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from math import ceil
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator


class CappedPage(Page):
    def __init__(
        self, object_list: Sequence[Any], number: int, paginator: Paginator, *, has_more: bool
    ) -> None:
        super().__init__(object_list, number, paginator)
        self._has_more = has_more

    def has_next(self) -> bool:
        return self._has_more


class CappedPaginator(Paginator):
    def __init__(
        self, *args: Any, cap: int | None = None, known_count: int | None = None, **kwargs: Any
    ) -> None:
        """``known_count``: an exact count the caller has already (no COUNT query then)."""
        super().__init__(*args, **kwargs)
        self.cap = settings.CLAIMTRAIL_COUNT_CAP if cap is None else cap
        if known_count is not None:
            self.__dict__["_counted"] = known_count  # the cached_property's value

    @cached_property
    def _counted(self) -> int:
        rows: Any = self.object_list
        if hasattr(rows, "count") and hasattr(rows, "query"):
            return int(rows[: self.cap + 1].count())
        return len(rows)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap

    @cached_property
    def num_pages(self) -> int:
        if self.capped:
            return ceil(self.cap / self.per_page)  # at least; the page itself says if more
        return super().num_pages

    def validate_number(self, number: Any) -> int:
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger("That page number is not an integer") from exc
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)
