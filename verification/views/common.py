"""Plumbing shared by the desk's views: the role gate, htmx-aware rendering."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from config.roles import Role, has_role


def newsroom_required(role: Role = Role.VIEWER) -> Callable[..., Any]:
    """Signed in, with at least ``role``: anonymous users go to the sign-in page, signed-in
    users without the role get 403 (the services check again on every write)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                raise PermissionDenied(f"This page needs the {role.label} role.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only ``partial`` when htmx asks for a fragment of it. ``Vary`` tells
    caches the two are different answers to the same URL."""
    chosen = partial if partial and is_htmx(request) else template
    response = render(request, chosen, context, status=status)
    if partial:
        patch_vary_headers(response, ["HX-Request"])
    return response
