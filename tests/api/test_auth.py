"""API authentication: hashed, revocable tokens; sessions; 401 for the anonymous."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


def _token_for(username: str, capsys) -> str:
    call_command("createtoken", username)
    return capsys.readouterr().out.strip()


def _client(token: str | None = None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_createtoken_prints_a_token_that_authenticates(fact_checker, capsys):
    token = _token_for(fact_checker.username, capsys)

    assert _client(token).get(CLAIMS).status_code == 200


def test_a_token_is_stored_only_as_a_digest(fact_checker, capsys):
    token = _token_for(fact_checker.username, capsys)

    row = AuthToken.objects.get(user=fact_checker)
    assert token not in row.digest
    assert len(row.digest) == 128  # SHA-512, hex
    assert not AuthToken.objects.filter(digest=token).exists()


def test_revoked_token_is_refused(fact_checker, capsys):
    token = _token_for(fact_checker.username, capsys)
    call_command("revoketokens", "--user", fact_checker.username)

    response = _client(token).get(CLAIMS)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_revoking_by_id_leaves_the_users_other_tokens(fact_checker, capsys):
    first = _token_for(fact_checker.username, capsys)
    second = _token_for(fact_checker.username, capsys)
    key = AuthToken.objects.get(token_key=first[:15]).token_key

    call_command("revoketokens", "--id", key)

    assert _client(first).get(CLAIMS).status_code == 401
    assert _client(second).get(CLAIMS).status_code == 200


def test_createtoken_refuses_a_user_without_a_role(outsider):
    with pytest.raises(CommandError, match="no newsroom role"):
        call_command("createtoken", outsider.username)
    assert not AuthToken.objects.exists()


def test_createtoken_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("createtoken", "nobody")


def test_expiring_token_carries_its_expiry(fact_checker, capsys):
    call_command("createtoken", fact_checker.username, expires_in_days=7)
    capsys.readouterr()

    assert AuthToken.objects.get(user=fact_checker).expiry is not None


def test_anonymous_request_is_401_with_the_error_shape(db):
    response = APIClient().get(CLAIMS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert set(response.json()) == {"code", "message"}


def test_a_wrong_token_is_401(db):
    assert _client("0" * 64).get(CLAIMS).status_code == 401


def test_a_signed_in_user_without_a_role_is_403(outsider):
    client = APIClient()
    client.force_login(outsider)

    response = client.get(CLAIMS)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_session_signs_in_for_the_ui(viewer):
    client = APIClient()
    client.force_login(viewer)

    assert client.get(CLAIMS).status_code == 200


def test_session_writes_need_the_csrf_token(viewer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(viewer)

    response = client.post(CLAIMS, {"text": "A claim."}, format="json")

    assert response.status_code == 403


def test_tokens_can_be_created_in_the_admin_and_are_shown_once(client, editor):
    editor.is_superuser = True
    editor.save(update_fields=["is_superuser"])
    client.force_login(editor)

    response = client.post(
        "/admin/knox/authtoken/add/", {"user": editor.pk, "expiry": ""}, follow=True
    )

    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("TOKEN ") for m in shown)
    token = next(m for m in shown if m.startswith("TOKEN ")).split(" ", 1)[1]
    assert _client(token).get(CLAIMS).status_code == 200


def test_schema_and_docs_are_served_without_a_cdn(client, db):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert "/static/drf_spectacular_sidecar/" in page
