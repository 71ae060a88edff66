"""Content-Security-Policy, Cache-Control on private responses, HTTPS redirect and HSTS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ClaimFactory, SourceFactory

TEMPLATES = Path(settings.BASE_DIR) / "verification" / "templates"
DESK_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def _desk_pages(user) -> list[str]:
    claim = ClaimFactory(created_by=user)
    source = SourceFactory(created_by=user)
    return [
        reverse("web:queue"),
        reverse("web:search") + "?q=ZOV",
        reverse("web:claim-detail", args=[claim.pk]),
        reverse("web:claim-new"),
        reverse("web:source-new"),
        reverse("web:source-detail", args=[source.pk]),
        reverse("web:outlet-detail", args=[source.outlet_id]),
    ]


# --- Content-Security-Policy --------------------------------------------------------------------


def test_every_desk_page_has_the_strict_policy(client, fact_checker):
    assert _policy(client.get(reverse("web:signin"))) == DESK_POLICY
    client.force_login(fact_checker)
    for page in _desk_pages(fact_checker):
        response = client.get(page)
        assert response.status_code == 200, page
        assert _policy(response) == DESK_POLICY, page


def test_error_pages_have_the_strict_policy_too(client, viewer):
    client.force_login(viewer)
    assert _policy(client.get("/claims/999999/")) == DESK_POLICY


def test_no_desk_template_has_inline_script_style_or_handlers():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    inline_style = re.compile(r"<style\b|\sstyle=", re.I)
    handler = re.compile(r"\son[a-z]+\s*=|\shx-on[:-]|js:", re.I)
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not inline_script.search(text), path
        assert not inline_style.search(text), path
        assert not handler.search(text), path


def test_htmx_is_told_not_to_inject_styles_or_eval(client, viewer):
    client.force_login(viewer)
    html = client.get(reverse("web:queue")).content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', html)[1]
    assert '"includeIndicatorStyles":false' in config
    assert '"allowEval":false' in config
    assert '"allowScriptTags":false' in config


def test_the_api_docs_load_their_script_from_a_url_and_only_loosen_styles(client, db):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    policy = _policy(page)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["img-src"] == "'self' data:"
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert 'src="/api/docs/?script="' in html
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_archive_downloads_keep_their_own_sandbox_policy():
    from sources.apis.snapshots import SAFE_HEADERS

    # django-csp leaves a response's own Content-Security-Policy alone.
    assert SAFE_HEADERS["Content-Security-Policy"] == "default-src 'none'; sandbox"


# --- Cache-Control ------------------------------------------------------------------------------


def test_signed_in_desk_pages_are_private_and_not_stored(client, fact_checker):
    client.force_login(fact_checker)
    for page in _desk_pages(fact_checker):
        assert client.get(page)["Cache-Control"] == "private, no-store", page


def test_htmx_fragments_and_posts_are_not_stored_either(client, fact_checker):
    client.force_login(fact_checker)
    fragment = client.get(reverse("web:queue"), headers={"HX-Request": "true"})
    refused = client.post(reverse("web:claim-new"), {"text": ""})
    assert fragment["Cache-Control"] == "private, no-store"
    assert refused["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "path", ["/api/v1/claims/", "/api/v1/sources/", "/api/v1/outlets/", "/api/v1/claimants/"]
)
def test_api_responses_are_private_and_not_stored(path, fact_checker):
    client = APIClient()
    client.force_authenticate(fact_checker)
    assert client.get(path)["Cache-Control"] == "private, no-store"


def test_api_errors_are_private_and_not_stored_too(db):
    client = APIClient()
    assert client.get("/api/v1/claims/")["Cache-Control"] == "private, no-store"  # 401
    assert client.get("/api/v1/nothing-here/")["Cache-Control"] == "private, no-store"  # 404


def test_the_public_api_description_may_be_cached(client, db):
    assert "no-store" not in client.get("/api/schema/").get("Cache-Control", "")
    assert "no-store" not in client.get("/api/docs/").get("Cache-Control", "")


def test_the_admin_keeps_its_own_never_cache_header(client, admin_user):
    client.force_login(admin_user)
    header = client.get("/admin/")["Cache-Control"]
    assert "no-store" in header and "private" in header


# --- HTTPS --------------------------------------------------------------------------------------


@pytest.fixture
def https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True


def test_plain_http_is_redirected_to_https(https, db):
    response = Client().get("/signin/?next=/queue/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/signin/?next=/queue/"


def test_https_through_the_proxy_gets_hsts_and_secure_cookies(https, db):
    response = Client().get("/signin/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response.cookies["csrftoken"]["secure"]
