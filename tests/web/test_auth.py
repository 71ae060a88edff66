"""Signing in and out, navigation by role, and the error pages (403, CSRF, 404, 500)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import get_template
from django.test import Client
from django.urls import include, path, reverse

from verification.views.common import newsroom_required

SIGNIN = reverse("web:signin")
SIGNOUT = reverse("web:signout")
QUEUE = reverse("web:queue")
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def _boom(request):
    raise RuntimeError("boom")


@newsroom_required()
def _refused(request):
    # What a service raises for a forged POST of an action the role may not take.
    raise PermissionDenied("Adding evidence needs the fact-checker role.")


# A URLconf for the tests of the error pages: the project's, plus two views that fail.
urlpatterns = [
    path("test-boom/", _boom),
    path("test-refused/", _refused),
    path("", include("config.urls")),
]
handler404 = "config.api.handler404"
handler500 = "config.api.handler500"


def _nav_links(html: str) -> list[str]:
    nav = re.search(r'<ul class="nav-links">(.*?)</ul>', html, re.S)
    return re.findall(r">([^<>]+)</a>", nav[1]) if nav else []


# --- Signing in -------------------------------------------------------------------------------


def test_the_sign_in_page_has_labelled_fields_and_no_navigation(client, db):
    html = client.get(SIGNIN).content.decode()
    assert '<label for="id_username">User name</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert _nav_links(html) == []
    assert "Sign out" not in html


def test_a_wrong_password_says_so_and_signs_nobody_in(client, viewer):
    response = client.post(SIGNIN, {"username": viewer.username, "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Please enter a correct username and password" in html
    assert f'value="{viewer.username}"' in html  # kept, so only the password is typed again
    assert "_auth_user_id" not in client.session


def test_signing_in_goes_to_the_page_asked_for(client, viewer):
    page = reverse("web:search") + "?q=ZOV"
    login_page = client.get(page)
    assert login_page["Location"] == f"{SIGNIN}?next=/search/%3Fq%3DZOV"
    form = client.get(login_page["Location"]).content.decode()
    assert 'name="next" value="/search/?q=ZOV"' in form
    response = client.post(
        SIGNIN, {"username": viewer.username, "password": PASSWORD, "next": page}
    )
    assert response.status_code == 302
    assert response["Location"] == page


def test_signing_in_without_next_opens_the_queue(client, viewer):
    response = client.post(SIGNIN, {"username": viewer.username, "password": PASSWORD})
    assert response["Location"] == QUEUE


def test_a_next_on_another_site_is_ignored(client, viewer):
    response = client.post(
        SIGNIN,
        {"username": viewer.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == QUEUE


def test_a_signed_in_user_is_sent_on_from_the_sign_in_page(client, viewer):
    client.force_login(viewer)
    assert client.get(SIGNIN)["Location"] == QUEUE


def test_the_root_opens_the_queue_or_the_sign_in_page(client, viewer):
    assert client.get("/")["Location"] == SIGNIN
    client.force_login(viewer)
    assert client.get("/")["Location"] == QUEUE


# --- Signing out --------------------------------------------------------------------------------


def test_signing_out_is_a_post(client, viewer):
    client.force_login(viewer)
    assert client.get(SIGNOUT).status_code == 405
    assert client.get(QUEUE).status_code == 200  # still signed in
    response = client.post(SIGNOUT)
    assert response["Location"] == SIGNIN
    assert client.get(QUEUE).status_code == 302


def test_the_sign_out_button_is_a_form_with_the_csrf_token(client, viewer):
    client.force_login(viewer)
    html = client.get(QUEUE).content.decode()
    form = re.search(r'<form method="post" action="([^"]*)">(.*?)</form>', html, re.S)
    assert form[1] == SIGNOUT
    assert 'name="csrfmiddlewaretoken"' in form[2]
    assert '<button type="submit" class="link-button">Sign out</button>' in form[2]


def test_signing_out_with_an_expired_form_explains_itself(viewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    response = client.post(SIGNOUT)
    assert response.status_code == 403
    assert b"This form has expired" in response.content


# --- Navigation by role -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_every_newsroom_role_may_log_claims_and_sources(client, users_by_role, role):
    # claims.services.claim_create and sources.services.source_create need only the viewer role.
    client.force_login(users_by_role[role])
    html = client.get(QUEUE).content.decode()
    assert _nav_links(html) == ["Queue", "Search", "New claim", "New source"]
    assert f'href="{reverse("web:claim-new")}"' in html
    assert f'href="{reverse("web:source-new")}"' in html
    label = users_by_role[role].username
    assert f'<span class="who">{label} <span class="role-badge">' in html


def test_a_user_without_a_role_sees_no_navigation_but_can_sign_out(client, outsider):
    client.force_login(outsider)
    response = client.get(QUEUE)
    html = response.content.decode()
    assert response.status_code == 403
    assert _nav_links(html) == []
    assert "no newsroom role" in html
    assert ">Sign out</button>" in html


def test_the_page_has_a_skip_link_landmarks_and_one_heading_1(client, viewer):
    client.force_login(viewer)
    for url in (QUEUE, reverse("web:search") + "?q=x"):
        html = client.get(url).content.decode()
        assert html.index('class="skip-link" href="#main"') < html.index("<nav")
        assert '<nav class="nav" aria-label="Main">' in html
        assert '<main id="main" tabindex="-1">' in html
        assert html.count("<h1") == 1
        for control in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if 'type="hidden"' in control:
                continue
            control_id = re.search(r'id="([^"]+)"', control)[1]
            assert f'<label for="{control_id}">' in html, control


# --- Error pages --------------------------------------------------------------------------------


@pytest.mark.urls("tests.web.test_auth")
def test_a_refused_action_gets_the_403_page_naming_the_role(client, viewer):
    client.force_login(viewer)
    response = client.get("/test-refused/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1" in html and "Not allowed" in html
    assert "Adding evidence needs the fact-checker role." in html
    assert "with the viewer role" in html
    assert _nav_links(html) == ["Queue", "Search", "New claim", "New source"]


def test_a_missing_page_gets_the_404_page(client, viewer):
    client.force_login(viewer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "<code>/no-such-page/</code>" in html
    assert 'class="skip-link"' in html  # the desk's layout, not Django's bare page
    assert _nav_links(html) == ["Queue", "Search", "New claim", "New source"]


def test_a_missing_api_path_still_answers_json(client, viewer):
    client.force_login(viewer)
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.urls("tests.web.test_auth")
def test_a_server_error_gets_the_500_page(viewer):
    client = Client(raise_request_exception=False)
    client.force_login(viewer)
    response = client.get("/test-boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'class="skip-link"' in html


def test_the_500_page_renders_without_a_request_or_context():
    html = get_template("500.html").render()
    assert "Something went wrong on our side" in html
    assert "Sign out" not in html
    assert html.count("<h1") == 1
