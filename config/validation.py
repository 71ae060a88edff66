"""Validators shared by every app's models: text that PostgreSQL and people can both store."""

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator

# NUL cannot be stored in PostgreSQL text; other C0 controls (except tab and newlines) are never
# meaningful in a claim or a quote and usually come from a broken copy-paste or a fuzzer.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def reject_control_characters(value: str) -> None:
    if value and _CONTROL_CHARS.search(value):
        raise ValidationError(
            "Remove control characters (such as NUL bytes) from this text.",
            code="control_characters",
        )


def reject_blank(value: str) -> None:
    if not value or not value.strip():
        raise ValidationError("This field cannot be blank.", code="blank")


validate_web_url = URLValidator(
    schemes=["http", "https"],
    message="Enter a web address starting with http:// or https://.",
)


def collapse_whitespace(value: str) -> str:
    """One space between words, no leading or trailing space; newlines become spaces."""
    return " ".join(value.split())


def reject_unknown_fields(changes: dict[str, Any], allowed: Iterable[str]) -> None:
    """Refuse, per field, an update of anything a service does not let its caller change."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError(
            {
                name: ValidationError("This field cannot be changed here.", code="not_editable")
                for name in unknown
            }
        )


def bounded(max_length: int) -> MaxLengthValidator:
    """TextField(max_length=...) is not enforced by model validation; this validator is."""
    return MaxLengthValidator(max_length)


validate_language_code = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
    message="Enter a language code such as en, ru, zh or pt-BR.",
    code="invalid_language",
)
validate_country_code = RegexValidator(
    r"^[A-Z]{2}$", message="Enter a two-letter country code such as UA.", code="invalid_country"
)
