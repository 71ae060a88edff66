"""Signing in and out of the desk (Django's auth views, our templates)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET): a link cannot sign anyone out."""


def _duration(delta: timedelta) -> str:
    seconds = max(1, math.ceil(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def signin_locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout response, for the desk's and the admin's sign-in alike: the desk's
    sign-in page saying why and for how long (429, with Retry-After), not a bare 403 text."""
    cool_off = get_cool_off(request) or timedelta(0)
    username = request.POST.get("username", "")
    if request.path.startswith(reverse("admin:index")):
        next_url = request.POST.get("next") or reverse("admin:index")
    else:
        next_url = request.POST.get("next", "")
    page = render(
        request,
        "registration/login.html",
        {
            "form": AuthenticationForm(request, initial={"username": username}),
            "next": next_url,
            "locked_out": (
                "Too many failed sign-ins for this account or from this address. "
                f"Sign-in is paused: try again in {_duration(cool_off)}, or ask an "
                "administrator to unlock it."
            ),
        },
        status=429,
    )
    page["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return page
