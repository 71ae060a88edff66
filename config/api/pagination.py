"""Page-number pagination with a capped page size, for generic and plain API views."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.paginator import CappedPaginator


class Pagination(PageNumberPagination):
    """``count`` is exact up to ``CLAIMTRAIL_COUNT_CAP``; above it the cap, with
    ``count_capped`` true (config.paginator says why)."""

    page_size_query_param = "page_size"
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        paginator = self.page.paginator if self.page is not None else None
        response.data["count_capped"] = bool(getattr(paginator, "capped", False))
        return response

    @property
    def page_size(self) -> int:  # type: ignore[override]
        return settings.API_DEFAULT_PAGE_SIZE

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError(
                {"page_size": [f"Enter a whole number from 1 to {self.max_page_size}."]}
            )
        return min(int(raw), self.max_page_size)


def paginated_response(
    request: Request,
    rows: Any,
    serializer_class: type[serializers.Serializer],
    *,
    view: Any,
    context: dict[str, Any] | None = None,
) -> Response:
    """One page of ``rows`` serialized, in Pagination's envelope."""
    paginator = Pagination()
    page: list[Any] | None = paginator.paginate_queryset(rows, request, view=view)
    data = serializer_class(page, many=True, context=context or {}).data
    return paginator.get_paginated_response(data)
