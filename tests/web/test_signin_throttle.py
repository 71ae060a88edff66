"""Failed sign-ins lock out the account and the address for a while (django-axes)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from config.client_address import client_address

SIGNIN = reverse("web:signin")
ADMIN_SIGNIN = reverse("admin:login")
QUEUE = reverse("web:queue")
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
HERE, THERE = "192.0.2.10", "198.51.100.20"


@pytest.fixture(autouse=True)
def _three_failures_lock(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def _sign_in(client, username, password=PASSWORD, *, address=HERE, path=SIGNIN):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, username, times, *, address=HERE, path=SIGNIN):
    """Wrong passwords; the one that reaches the limit is answered with the lockout."""
    for _ in range(times):
        response = _sign_in(client, username, "wrong", address=address, path=path)
    return response


def test_a_failure_below_the_limit_still_lets_the_right_password_in(client, viewer):
    assert _fail(client, viewer.username, 2).status_code == 200
    assert _sign_in(client, viewer.username)["Location"] == QUEUE


def test_the_failure_that_reaches_the_limit_is_answered_with_the_lockout(client, viewer):
    assert _fail(client, viewer.username, 3).status_code == 429


def test_repeated_failures_lock_the_account_from_every_address(client, viewer):
    _fail(client, viewer.username, 3, address=HERE)

    response = _sign_in(client, viewer.username, address=THERE)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_address_for_every_account(client, viewer):
    for name in ("nobody", "somebody", "anybody"):
        _fail(client, name, 1, address=HERE)

    assert _sign_in(client, viewer.username, address=HERE).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_locked_address_does_not_lock_another_account_from_another_address(
    client, viewer, editor
):
    _fail(client, viewer.username, 3, address=HERE)

    assert _sign_in(client, editor.username, address=THERE)["Location"] == QUEUE


def test_the_lockout_page_is_the_sign_in_page_saying_for_how_long(client, viewer):
    _fail(client, viewer.username, 3)

    response = _sign_in(client, viewer.username)

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "<h1>Sign in</h1>" in html
    assert 'role="alert"' in html
    assert "Too many failed sign-ins for this account or from this address" in html
    assert "try again in 15 minutes" in html
    assert f'value="{viewer.username}"' in html


def test_the_lockout_ends_after_the_cool_off(client, viewer):
    _fail(client, viewer.username, 3)
    assert _sign_in(client, viewer.username).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))

    assert _sign_in(client, viewer.username)["Location"] == QUEUE


def test_guesses_during_a_lockout_do_not_extend_it(client, viewer):
    _fail(client, viewer.username, 3)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert _sign_in(client, viewer.username, "wrong").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))

    assert _sign_in(client, viewer.username)["Location"] == QUEUE


def test_a_locked_out_sign_in_hashes_no_password(client, viewer, monkeypatch):
    _fail(client, viewer.username, 3)
    checked = []
    original = ModelBackend.authenticate

    def spy(self, request, *args, **kwargs):
        checked.append(kwargs.get("username"))
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", spy)

    assert _sign_in(client, viewer.username).status_code == 429
    assert _sign_in(client, "nobody", address=HERE).status_code == 429
    assert checked == []


def test_the_admin_sign_in_is_throttled_too(client, admin_user):
    _fail(client, admin_user.username, 3, path=ADMIN_SIGNIN)

    response = _sign_in(client, admin_user.username, "password", path=ADMIN_SIGNIN)

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert 'name="next" value="/admin/"' in response.content.decode()


def test_the_api_takes_no_password(viewer):
    # Tokens and the desk's session only: there is no password path to throttle.
    basic = base64.b64encode(f"{viewer.username}:{PASSWORD}".encode()).decode()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")
    assert client.get("/api/v1/claims/").status_code == 401
    body = {"username": viewer.username, "password": PASSWORD}
    for path in ("/api/v1/login/", "/api/v1/auth/login/", "/api/login/"):
        assert client.post(path, body).status_code == 404


def test_the_client_address_is_remote_addr_without_trusted_proxies(settings):
    settings.CLAIMTRAIL_TRUSTED_PROXIES = 0
    request = RequestFactory().get("/", REMOTE_ADDR=HERE, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_address(request) == HERE


def test_the_client_address_behind_a_proxy_ignores_what_the_client_forwarded(settings):
    settings.CLAIMTRAIL_TRUSTED_PROXIES = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7"
    )
    assert client_address(request) == "198.51.100.7"
