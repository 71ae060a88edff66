"""Small helpers shared by the API tests."""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework.test import APIClient


def api(user: User | None = None) -> APIClient:
    """A client signed in as ``user`` (anonymous when None)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    """The ids of a 200 paginated list's rows."""
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def assert_error(response, status: int, field: str | None = None) -> None:
    """A ``status`` answer in the error shape, naming ``field`` when given."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "message"}
    if field is not None:
        assert field in body["fields"], body
