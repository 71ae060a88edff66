"""Serializer fields for request bodies."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

MAX_ID = 2**63 - 1  # bigint: a larger id cannot exist, and SQLite cannot even compare it


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A row id in a body. ``1.5`` is refused: Django would cast it to 1 and match row 1."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, float) and not data.is_integer():
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """Text in a body: a JSON string and nothing else. DRF's CharField refuses booleans but
    stores ``0`` as ``"0"``; a client that sends a number where text belongs has a bug that
    should surface as a 400, not as a claim whose text is "0"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
