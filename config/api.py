"""API plumbing shared by every app: errors, pagination, body limits, filters, roles, ETags.

One error shape for every 4xx::

    {"code": "invalid", "message": "Some fields are not valid.",
     "fields": {"text": [{"code": "blank", "message": "This field cannot be blank."}]}}

``fields`` is present for validation errors only; a stale claim write (412) adds ``current``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from config.roles import Role, has_role

NON_FIELD_KEY = "non_field_errors"

# --- Errors ----------------------------------------------------------------------------------


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send the version you edited: an If-Match header with the claim's ETag, or a version field."
    )
    default_code = "precondition_required"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _field_errors(detail: Any) -> dict[str, list[dict[str, str]]]:
    """DRF's nested error detail as {field: [{code, message}]}; nested keys joined with dots."""
    out: dict[str, list[dict[str, str]]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, sub in value.items():
                name = NON_FIELD_KEY if key in (NON_FIELD_ERRORS, "non_field_errors") else key
                walk(f"{prefix}.{name}" if prefix else str(name), sub)
        elif isinstance(value, list) and value and not isinstance(value[0], exceptions.ErrorDetail):
            for index, sub in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), sub)
        else:
            items = value if isinstance(value, list) else [value]
            out.setdefault(prefix or NON_FIELD_KEY, []).extend(
                {"code": getattr(item, "code", "invalid") or "invalid", "message": str(item)}
                for item in items
            )

    walk("", detail)
    return out


def django_validation_error_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError (field-keyed, with codes) as DRF's, codes kept."""
    if hasattr(exc, "error_dict"):
        detail: Any = {
            (NON_FIELD_KEY if field == NON_FIELD_ERRORS else field): [
                exceptions.ErrorDetail(message, code=error.code or "invalid")
                for error in errors
                for message in error.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {
            NON_FIELD_KEY: [
                exceptions.ErrorDetail(message, code=error.code or "invalid")
                for error in exc.error_list
                for message in error.messages
            ]
        }
    return exceptions.ValidationError(detail)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error as the one JSON shape; services' Django exceptions mapped to 4xx."""
    # Imported here: rest_framework.views loads the API settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let it be a 500 and reach the logs
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            "invalid", "Some fields are not valid.", fields=_field_errors(exc.detail)
        )
    else:
        detail = getattr(exc, "detail", "")
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    return response


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx response."""

    code = serializers.CharField(help_text="Machine-readable: invalid, not_found, stale_version…")
    message = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(  # type: ignore[assignment]  # a field, not Serializer.fields
        child=FieldErrorSerializer(many=True),
        required=False,
        help_text="Validation errors per field (400 only).",
    )


# --- Requests --------------------------------------------------------------------------------


class CappedJSONParser(JSONParser):
    """JSON only, refused with 413 past settings.API_MAX_BODY_BYTES, before it is parsed.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards request.body and forms, not the stream DRF
    parses from, so the limit is applied here.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        if b"\x00" in body:
            # JSON allows \u0000 escapes but never raw NUL; PostgreSQL stores neither.
            raise exceptions.ParseError("The request body contains a NUL byte.")
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as exc:
            # json raises RecursionError (not ValueError, which DRF catches) on deep nesting
            # such as "[[[[…": a 400, not a 500.
            raise exceptions.ParseError("The JSON is nested too deeply.") from exc


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:  # type: ignore[override]  # read-only: settings, read per request
        return settings.API_DEFAULT_PAGE_SIZE

    @property
    def max_page_size(self) -> int:  # type: ignore[override]  # as page_size
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


# --- Permissions -----------------------------------------------------------------------------


class HasNewsroomRole(BasePermission):
    """Signed in (session or token) and in one of the newsroom's groups. The services check
    the role each write needs; this only keeps out the anonymous and the role-less."""

    message = "You need a newsroom role (viewer, fact-checker or editor) to use the API."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and has_role(
            request.user, Role.VIEWER
        )


# --- Filters ---------------------------------------------------------------------------------

PAGINATION_PARAMS = frozenset({"page", "page_size", "format"})


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses what it does not know instead of silently ignoring it."""

    def is_valid(self) -> bool:
        unknown = sorted(set(self.data or ()) - set(self.filters) - PAGINATION_PARAMS)
        for name in unknown:
            self.errors.setdefault(name, []).append(
                "Unknown filter. Known filters: " + ", ".join(sorted(self.filters)) + "."
            )
        return super().is_valid() and not unknown


def apply_filters(
    filterset_class: type[StrictFilterSet], data: Any, queryset: Any, *, request: Any = None
) -> Any:
    """Filter a queryset, or raise a 400 naming each bad parameter."""
    filterset = filterset_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise exceptions.ValidationError(dict(filterset.errors))
    return filterset.qs


# --- ETags and If-Match ----------------------------------------------------------------------

_ETAG = re.compile(r'^\s*(?:W/)?"(?P<kind>[a-z]+)-(?P<id>\d+)-v(?P<version>\d+)"\s*$')


def claim_etag(claim_id: int, version: int) -> str:
    return f'"claim-{claim_id}-v{version}"'


def expected_version(request: Request, *, claim_id: int, body_version: int | None) -> int:
    """The claim version a write was made against: If-Match, else the body's ``version``."""
    header = request.headers.get("If-Match")
    if header:
        match = _ETAG.match(header)
        if match is None or match["kind"] != "claim" or int(match["id"]) != claim_id:
            raise exceptions.ValidationError(
                {"If-Match": [f"Expected this claim's ETag, e.g. {claim_etag(claim_id, 1)}."]}
            )
        return int(match["version"])
    if body_version is not None:
        return body_version
    raise PreconditionRequired()


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
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


# --- OpenAPI error responses -------------------------------------------------------------------

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


# --- Ids in a body ------------------------------------------------------------------------------

MAX_ID = 2**63 - 1  # bigint: a larger id cannot exist, and SQLite cannot even compare it


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A row id in a body. ``1.5`` is refused: Django would cast it to 1 and match row 1."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, float) and not data.is_integer():
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


# --- Id filters --------------------------------------------------------------------------------


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number (``1.5`` or ``1e3`` is a 400, not a silent match on 1)."""

    field_class = forms.IntegerField  # type: ignore[assignment]  # the stubs say only DecimalField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


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


class _StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput  # NullBooleanSelect would turn an unknown value into None

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]  # as NullBooleanField's
        if isinstance(value, bool):
            return value
        if value in (None, ""):
            return None
        lowered = str(value).strip().lower()
        if lowered in {"true", "1"}:
            return True
        if lowered in {"false", "0"}:
            return False
        raise DjangoValidationError("Enter true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true / false (or 1 / 0); anything else is a 400, where BooleanFilter would ignore it."""

    field_class = _StrictBooleanField


# --- Errors outside DRF's views ----------------------------------------------------------------


def _is_api(request: Any) -> bool:
    return request.path.startswith("/api/")


def handler404(request: Any, exception: Exception | None = None) -> Any:
    """A path under /api/ that matches no endpoint (e.g. /claims/abc/) answers in the API's
    error shape, not Django's HTML page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if _is_api(request):
        return JsonResponse(error_body("not_found", "No API endpoint at this path."), status=404)
    return page_not_found(request, exception)


def handler500(request: Any) -> Any:
    from django.http import JsonResponse
    from django.views.defaults import server_error

    if _is_api(request):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side."), status=500
        )
    return server_error(request)


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
