"""Claim ETags and the expected version of a claim write (If-Match or a body ``version``)."""

from __future__ import annotations

import re

from rest_framework import exceptions
from rest_framework.request import Request

from config.api.errors import PreconditionRequired

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
