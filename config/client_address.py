"""The client's address, for counting failed sign-ins per address."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind ``CLAIMTRAIL_TRUSTED_PROXIES`` proxies the address the outermost
    one saw: each proxy appends to X-Forwarded-For, so only that many entries from the right
    were written by proxies we trust, and whatever the client sent in front of them is ignored."""
    proxies = settings.CLAIMTRAIL_TRUSTED_PROXIES
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies < 1:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    return hops[-proxies] if len(hops) >= proxies else remote
