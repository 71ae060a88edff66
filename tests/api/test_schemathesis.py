"""Schemathesis over the whole OpenAPI schema, once per role, against the app in-process.

For every operation it generates requests from the schema (valid and invalid) and checks that
the app never answers 5xx, that each status code is one the schema documents, and that each
response body matches the schema. How many cases ran is printed at the end of the session.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.roles import Role
from config.wsgi import application
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory, UserFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

CASES: Counter[str] = Counter()
ROLES = ["anonymous", "viewer", "fact_checker", "editor"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Schemathesis calls the WSGI app directly, not through Django's test client, so Django's
    # end-of-request hook would close the connection holding the test's transaction (it sees
    # autocommit off). The test client disconnects the same hook.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(request, db) -> dict[str, str]:
    role = request.param
    # Something to find: ids 1.. exist, so generated path ids sometimes hit real rows.
    for _ in range(3):
        EvidenceFactory(claim=ClaimFactory(), source=SourceFactory())
    if role == "anonymous":
        return {}
    user = UserFactory(username=f"fuzz_{role}")
    user.groups.add(Group.objects.get(name=Role[role.upper()].group_name))
    _, token = AuthToken.objects.create(user=user)
    return {"Authorization": f"Token {token}"}


@pytest.mark.parametrize("auth_headers", ROLES, indirect=True)
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_within_its_schema(case, auth_headers, request):
    role = request.node.callspec.params["auth_headers"]
    CASES[role] += 1
    response = case.call_and_validate(headers=auth_headers, checks=CHECKS)
    if role == "anonymous":
        # Every operation refuses the anonymous; only a path that matches no route at all
        # (a generated id like "null,null") is a 404 before authentication runs.
        unmatched = response.json().get("message") == "No API endpoint at this path."
        assert response.status_code == 401 or unmatched


def pytest_terminal_summary_line() -> str:
    total = sum(CASES.values())
    per_role = ", ".join(f"{role} {CASES[role]}" for role in ROLES)
    return f"schemathesis: {total} generated requests ({per_role})"
