"""The one error shape of every API 4xx, and the handlers that produce it.

One error shape for every 4xx::

    {"code": "invalid", "message": "Some fields are not valid.",
     "fields": {"text": [{"code": "blank", "message": "This field cannot be blank."}]}}

``fields`` is present for validation errors only; a stale claim write (412) adds ``current``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

NON_FIELD_KEY = "non_field_errors"


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


def body_too_large() -> RequestTooLarge:
    limit = min(settings.API_MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2**63)
    return RequestTooLarge(f"The request body is larger than {limit} bytes.")


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
    elif isinstance(exc, RequestDataTooBig):
        # DRF reads a JSON body through request.body, where Django's DATA_UPLOAD_MAX_MEMORY_SIZE
        # refuses it before CappedJSONParser sees it: the same 413.
        exc = body_too_large()
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


# --- Errors outside DRF's views ----------------------------------------------------------------


def _is_api(request: Any) -> bool:
    return request.path.startswith("/api/")


def handler400(request: Any, exception: Exception | None = None) -> Any:
    """A request Django refused before any view (a body past DATA_UPLOAD_MAX_MEMORY_SIZE read
    by a middleware, too many fields): under /api/ in the API's error shape."""
    from django.http import JsonResponse
    from django.views.defaults import bad_request

    if not _is_api(request):
        return bad_request(request, exception or Exception("Bad request"))
    if isinstance(exception, RequestDataTooBig):
        error = body_too_large()
        return JsonResponse(error_body("too_large", str(error.detail)), status=413)
    return JsonResponse(error_body("bad_request", "The request could not be read."), status=400)


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
