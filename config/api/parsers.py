"""Request bodies: JSON only, capped in size before they are parsed."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from config.api.errors import RequestTooLarge


class CappedJSONParser(JSONParser):
    """JSON only, refused with 413 past settings.API_MAX_BODY_BYTES, before it is parsed.

    DRF hands JSON parsers request.body, which Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards
    (by the declared length: the exception handler answers that with the same 413); the limit
    is applied here too, so it holds whatever the stream and whichever setting is lower.
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
