"""FilterSets that refuse what they do not understand instead of ignoring it."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions

from config.api.fields import MAX_ID

PAGINATION_PARAMS = frozenset({"page", "page_size", "format"})


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses what it does not know instead of silently ignoring it."""

    def is_valid(self) -> bool:
        unknown = sorted(set(self.data or ()) - set(self.filters) - PAGINATION_PARAMS)
        for name in unknown:
            self.errors.setdefault(name, []).append(
                "Unknown filter. Known filters: " + ", ".join(sorted(self.filters)) + "."
            )
        # django-filter reads an empty value as "no filter": ?created_before= would list every
        # claim, which is not what whoever sent it meant. Refused like any malformed value.
        # One message for it, in place of whatever the field made of "" (if anything).
        empty = sorted(
            name
            for name in set(self.data or ()) & set(self.filters)
            if _has_empty_value(self.data, name)
        )
        valid = super().is_valid()
        for name in empty:
            self.errors[name] = self.form.error_class(  # type: ignore[assignment]  # a list
                ["This filter needs a value; leave it out to not filter."]
            )
        return valid and not unknown and not empty


def _has_empty_value(data: Any, name: str) -> bool:
    values = data.getlist(name) if hasattr(data, "getlist") else data[name]
    if not isinstance(values, list | tuple):
        values = [values]
    return not values or any(value is None or str(value).strip() == "" for value in values)


def apply_filters(
    filterset_class: type[StrictFilterSet], data: Any, queryset: Any, *, request: Any = None
) -> Any:
    """Filter a queryset, or raise a 400 naming each bad parameter."""
    filterset = filterset_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise exceptions.ValidationError(dict(filterset.errors))
    return filterset.qs


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number (``1.5`` or ``1e3`` is a 400, not a silent match on 1)."""

    field_class = forms.IntegerField  # type: ignore[assignment]  # the stubs say only DecimalField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


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
