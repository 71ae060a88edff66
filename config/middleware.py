"""Response headers that depend on who asked and for what."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

PRIVATE_NO_STORE = "private, no-store"
# The API's non-public data; its description (/api/schema/, /api/docs/) is public.
PRIVATE_API_PREFIXES = ("/api/v1/",)


class PrivateNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every API response and on every page served to
    a signed-in user, so no shared cache or browser history keeps a claim, a sensitive source or
    a verdict in progress. A response that already says ``no-store`` (the admin's, the archive
    downloads') is left as it is; any other caching header is replaced.

    Placed after WhiteNoise (static files, which are public, never get here) and after the
    authentication middleware (it needs ``request.user``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "no-store" in response.get("Cache-Control", ""):
            return response
        if request.path.startswith(PRIVATE_API_PREFIXES) or request.user.is_authenticated:
            response["Cache-Control"] = PRIVATE_NO_STORE
        return response
