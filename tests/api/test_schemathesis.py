"""Schemathesis over the whole OpenAPI schema, once per role, against the app in-process.

For every operation it generates requests from the schema (valid and invalid) and checks that
the app never answers 5xx, that each status code is one the schema documents, and that each
response body matches the schema. How many cases ran is printed at the end of the session.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.files import File
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
from sources.archiving.linkcheck import source_link_check
from sources.archiving.services import snapshot_capture, snapshot_upload
from sources.models import Snapshot, Source
from sources.services import source_create
from tests import netlab
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory, UserFactory
from tests.netlab import LabServer

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


PDF = Path(__file__).resolve().parent.parent / "fixtures" / "capture" / "report.pdf"
PAGE = (
    b"<html><head><title>Two volunteers reported killed</title></head><body><article>"
    b"<h1>Two volunteers reported killed</h1><p>A channel says two foreign volunteers died "
    b"near the front line this week; no other source confirms it.</p></article></body></html>"
)


@dataclass(frozen=True)
class Archives:
    page: Source  # captured from a live page on loopback, then re-checked
    capture: Snapshot
    document: Source  # no URL: an uploaded PDF
    upload: Snapshot


@pytest.fixture
def archives(db, fetch_allowed, dns) -> Iterator[Archives]:
    """Rows for the snapshot, WARC, text, file and link-check reads to answer 200 with (made
    first, so they have the lowest ids), and a live page for re-captures and re-checks."""
    dns["news.example"] = ["127.0.0.1"]
    seeder = UserFactory(username="fuzz_seeder")
    seeder.groups.add(Group.objects.get(name=Role.FACT_CHECKER.group_name))
    with LabServer() as lab:
        lab.route("/story", netlab.html(PAGE))
        url = f"http://news.example:{lab.port}/story"
        page = source_create(actor=seeder, kind="article", url=url)
        capture = snapshot_capture(snapshot_id=page.snapshots.get().pk)
        assert capture.status == Snapshot.Status.ARCHIVED, capture.error_message
        assert source_link_check(source_id=page.pk) is not None
        document = source_create(actor=seeder, kind="document", title="Verification note")
        with PDF.open("rb") as handle:
            upload = snapshot_upload(
                source=document, upload=File(handle, name=PDF.name), actor=seeder
            )
        yield Archives(page, capture, document, upload)


def _headers(role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    user = UserFactory(username=f"fuzz_{role}")
    user.groups.add(Group.objects.get(name=Role[role.upper()].group_name))
    _, token = AuthToken.objects.create(user=user)
    return {"Authorization": f"Token {token}"}


@pytest.fixture
def auth_headers(request, archives) -> dict[str, str]:
    # Something to find: ids 1.. exist, so generated path ids sometimes hit real rows.
    for _ in range(3):
        EvidenceFactory(claim=ClaimFactory(), source=SourceFactory())
    return _headers(request.param)


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


# Generated ids rarely hit the few real rows (never on PostgreSQL, whose ids are not reused), so
# the reads of archived rows and a re-check are also made with their real ids, through the same
# checks.
READS = [
    ("/api/v1/sources/{source_id}/", "page"),
    ("/api/v1/sources/{source_id}/snapshots/", "page"),
    ("/api/v1/sources/{source_id}/link-checks/", "page"),
    ("/api/v1/snapshots/{snapshot_id}/", "capture"),
    ("/api/v1/snapshots/{snapshot_id}/warc/", "capture"),
    ("/api/v1/snapshots/{snapshot_id}/text/", "capture"),
    ("/api/v1/snapshots/{snapshot_id}/", "upload"),
    ("/api/v1/snapshots/{snapshot_id}/file/", "upload"),
]


def _call(archives: Archives, method: str, path: str, row: str, role: str) -> Any:
    name = re.search(r"{(\w+)}", path)[1]
    case = schema[path][method].Case(path_parameters={name: getattr(archives, row).pk})
    return case.call_and_validate(headers=_headers(role), checks=CHECKS)


@pytest.mark.parametrize("role", ROLES[1:])
@pytest.mark.parametrize(("path", "row"), READS)
def test_reads_of_archived_rows_answer_200_within_their_schema(archives, path, row, role):
    assert _call(archives, "GET", path, row, role).status_code == 200


@pytest.mark.parametrize(
    ("role", "row", "status"),
    [
        ("viewer", "page", 403),
        ("fact_checker", "page", 201),
        ("editor", "page", 201),
        ("fact_checker", "document", 400),
    ],
)
def test_a_recheck_answers_within_its_schema(archives, role, row, status):
    path = "/api/v1/sources/{source_id}/link-checks/"
    assert _call(archives, "POST", path, row, role).status_code == status


def pytest_terminal_summary_line() -> str:
    total = sum(CASES.values())
    per_role = ", ".join(f"{role} {CASES[role]}" for role in ROLES)
    return f"schemathesis: {total} generated requests ({per_role})"
