"""OpenAPI pieces for plain APIViews: query parameters, paginated bodies, error responses."""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from config.api.errors import ErrorSerializer
from config.api.filters import StrictFilterSet

IF_MATCH_PARAMETER = OpenApiParameter(
    name="If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description="The claim's ETag as last read. Required unless the body carries `version`. "
    "A stale one is refused with 412 and the current claim.",
)


def filter_parameters(filterset_class: type[StrictFilterSet]) -> list[OpenApiParameter]:
    """OpenAPI query parameters for every filter of a FilterSet (for plain APIViews)."""
    from drf_spectacular.types import OpenApiTypes

    types = {
        django_filters.NumberFilter: OpenApiTypes.INT,
        django_filters.BooleanFilter: OpenApiTypes.BOOL,
        django_filters.DateFilter: OpenApiTypes.DATE,
        django_filters.IsoDateTimeFilter: OpenApiTypes.DATETIME,
    }
    params = []
    for name, field in filterset_class.base_filters.items():
        choices = field.extra.get("choices")
        many = isinstance(field, django_filters.MultipleChoiceFilter)
        params.append(
            OpenApiParameter(
                name=name,
                type=next((t for cls, t in types.items() if isinstance(field, cls)), str),
                location=OpenApiParameter.QUERY,
                required=False,
                description=str(field.extra.get("help_text") or field.label or ""),
                enum=[value for value, _ in choices] if choices else None,
                many=many,
                explode=True if many else None,
            )
        )
    return params


def paginated(serializer: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """The schema of a paginated list of ``serializer`` (what Pagination returns)."""
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(
                help_text="How many match: exact up to the count cap (10,000 unless configured), "
                "else the cap."
            ),
            "count_capped": serializers.BooleanField(
                help_text="True when more match than the cap: follow `next` to see them."
            ),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid input, per field.",
    401: "Not signed in.",
    403: "Your role may not do this.",
    404: "Not found.",
    412: "Stale version: the body's `current` is the claim now.",
    413: "Request body too large.",
    428: "No If-Match header or version field.",
}


def error_responses(*codes: int, not_found: str | None = None) -> dict[int, Any]:
    """OpenAPI responses for the given 4xx codes, each the one error body: for extend_schema's
    ``responses``, e.g. ``{200: Out, **error_responses(400, 401, 403, 404, not_found="No such
    claimant.")}``."""
    from drf_spectacular.utils import OpenApiResponse

    descriptions = {**ERROR_DESCRIPTIONS, **({404: not_found} if not_found else {})}
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes
    }


READ_ERROR_CODES = (400, 401, 403)
WRITE_ERROR_CODES = (400, 401, 403, 404, 413)
CLAIM_WRITE_ERROR_CODES = (*WRITE_ERROR_CODES, 412, 428)


def page_parameters() -> list[OpenApiParameter]:
    """OpenAPI query parameters of Pagination, for list endpoints on plain APIViews."""
    return [
        OpenApiParameter(
            name="page", type=int, location=OpenApiParameter.QUERY, description="From 1."
        ),
        OpenApiParameter(
            name="page_size",
            type=int,
            location=OpenApiParameter.QUERY,
            description=f"Rows per page: {settings.API_DEFAULT_PAGE_SIZE} unless given, "
            f"at most {settings.API_MAX_PAGE_SIZE}.",
        ),
    ]
