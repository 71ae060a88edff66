"""What every form of the desk shares: putting a service's refusal on the form, reading ids."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from config.api import MAX_ID


def as_id(text: str) -> int | None:
    """``12`` or ``#12`` as an id; anything else (words, a URL, an absurd number) is None."""
    digits = text.strip().removeprefix("#")
    if digits.isascii() and digits.isdigit() and 0 < int(digits) <= MAX_ID:
        return int(digits)
    return None


def add_service_errors(
    form: forms.Form,
    exc: ValidationError,
    *,
    rename: Mapping[str, str] | None = None,
    at_top: Collection[str] = ("version",),
) -> None:
    """Put a service's ValidationError on the form: per field where the form has that field
    (``rename`` maps the service's names to the form's), else at the top, naming the field.
    Hidden bookkeeping fields (``at_top``: the claim version) report at the top too."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = (rename or {}).get(field, field)
        if name in form.fields and name not in at_top:
            form.add_error(name, errors)
        elif field == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:
            label = field.replace("_", " ").capitalize()
            form.add_error(None, [f"{label}: {message}" for error in errors for message in error])
