"""API plumbing shared by every app, by concern: errors, parsers, pagination, permissions,
filters, fields, claim versions and OpenAPI pieces. The names are re-exported here, so
``from config.api import ...`` does not care which module a name lives in."""

from config.api.errors import (
    NON_FIELD_KEY,
    ErrorSerializer,
    FieldErrorSerializer,
    PreconditionRequired,
    RequestTooLarge,
    body_too_large,
    django_validation_error_to_drf,
    error_body,
    exception_handler,
    handler400,
    handler404,
    handler500,
)
from config.api.fields import MAX_ID, IdRelatedField, StrictCharField
from config.api.filters import (
    PAGINATION_PARAMS,
    IdFilter,
    StrictBooleanFilter,
    StrictFilterSet,
    apply_filters,
)
from config.api.pagination import Pagination, paginated_response
from config.api.parsers import CappedJSONParser
from config.api.permissions import HasNewsroomRole
from config.api.schema import (
    CLAIM_WRITE_ERROR_CODES,
    ERROR_DESCRIPTIONS,
    IF_MATCH_PARAMETER,
    READ_ERROR_CODES,
    WRITE_ERROR_CODES,
    error_responses,
    filter_parameters,
    page_parameters,
    paginated,
)
from config.api.versions import claim_etag, expected_version

__all__ = [
    "CLAIM_WRITE_ERROR_CODES",
    "ERROR_DESCRIPTIONS",
    "IF_MATCH_PARAMETER",
    "MAX_ID",
    "NON_FIELD_KEY",
    "PAGINATION_PARAMS",
    "READ_ERROR_CODES",
    "WRITE_ERROR_CODES",
    "CappedJSONParser",
    "ErrorSerializer",
    "FieldErrorSerializer",
    "HasNewsroomRole",
    "IdFilter",
    "IdRelatedField",
    "Pagination",
    "PreconditionRequired",
    "RequestTooLarge",
    "StrictBooleanFilter",
    "StrictCharField",
    "StrictFilterSet",
    "apply_filters",
    "body_too_large",
    "claim_etag",
    "django_validation_error_to_drf",
    "error_body",
    "error_responses",
    "exception_handler",
    "expected_version",
    "filter_parameters",
    "handler400",
    "handler404",
    "handler500",
    "page_parameters",
    "paginated",
    "paginated_response",
]
