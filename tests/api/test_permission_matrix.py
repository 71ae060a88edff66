"""The permission matrix: every role x every write endpoint of the API.

Each row builds the rows it needs and a valid request, and names the roles allowed to make it.
An allowed role's request succeeds (2xx) and changes the database; a refused role's is a 401
(anonymous) or 403 and leaves the database exactly as it was. The table must cover every
POST / PUT / PATCH / DELETE the URL conf routes (and the schema documents), so a new write
endpoint without a row fails ``test_the_matrix_covers_every_write_endpoint``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.views import APIView

from claims.models import Claim
from config.api import claim_etag
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    ClaimRelationFactory,
    EvidenceFactory,
    OutletFactory,
    SourceFactory,
    grant,
)
from verification.services import claim_status_change, verdict_publish

pytestmark = pytest.mark.django_db

PDF = (Path(__file__).resolve().parent.parent / "fixtures" / "capture" / "report.pdf").read_bytes()

API_PREFIX = "/api/v1/"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
OUR_APPS = ("claims", "sources", "verification")

ROLES = ("anonymous", "outsider", "viewer", "fact_checker", "editor", "token")
VIEWER_UP = frozenset({"viewer", "fact_checker", "editor", "token"})
FACT_CHECKER_UP = frozenset({"fact_checker", "editor", "token"})  # the token is a fact-checker's
EDITOR_ONLY = frozenset({"editor"})


# --- Which write endpoints exist -------------------------------------------------------------


def _routes(patterns: list[Any], prefix: str = "/") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def write_endpoints() -> set[tuple[str, str]]:
    """(method, path) of every write the URL conf routes under /api/v1/, paths spelled as in
    the OpenAPI schema (``/api/v1/claims/{claim_id}/``)."""
    found = set()
    for route, callback in _routes(get_resolver().url_patterns):
        view_class = getattr(callback, "view_class", None)
        if not route.startswith(API_PREFIX) or view_class is None:
            continue
        assert issubclass(view_class, APIView), f"{route} is not a DRF view"
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        found |= {(m, path) for m in WRITE_METHODS if hasattr(view_class, m.lower())}
    return found


def schema_write_operations() -> set[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() in WRITE_METHODS
    }


# --- The database, before and after ----------------------------------------------------------


def db_snapshot() -> dict[str, Any]:
    """Row counts of every model (with many-to-many tables), every row of our apps' models, and
    each claim's version."""
    models = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy]
    # Every count in one round trip: this runs twice per test, hundreds of times.
    quote = connection.ops.quote_name
    counts_sql = ", ".join(
        f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})"  # noqa: S608 (names from models)
        for m in models
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts_sql}")
        counts = cursor.fetchone()
    snapshot: dict[str, Any] = {}
    for model, count in zip(models, counts, strict=True):
        label = model._meta.label
        snapshot[f"count:{label}"] = count
        if model._meta.app_label in OUR_APPS and count:
            snapshot[f"rows:{label}"] = list(model._default_manager.order_by("pk").values())
    snapshot["claim_versions"] = list(Claim.objects.order_by("pk").values_list("pk", "version"))
    return snapshot


# --- Requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """Who makes the request (None: the anonymous) and the newsroom around them."""

    actor: User | None
    users: dict[str, User]

    @property
    def owner(self) -> User:
        """The actor when signed in, else someone: for rows the actor made themselves."""
        return self.actor or self.users["other_fact_checker"]


@dataclass(frozen=True)
class Call:
    path: str
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    format: str = "json"  # "multipart" for uploads


def if_match(claim: Claim) -> dict[str, str]:
    claim.refresh_from_db()
    return {"HTTP_IF_MATCH": claim_etag(claim.pk, claim.version)}


def send(client: APIClient, method: str, call: Call) -> Any:
    if call.body is None:
        return client.generic(method, call.path, **call.headers)
    return getattr(client, method.lower())(call.path, call.body, format=call.format, **call.headers)


def with_verdict(claim: Claim, actor: User) -> Claim:
    """The claim moved to a verdict (verified) by ``actor``, through the workflow."""
    for to_status in (Claim.Status.IN_REVIEW, Claim.Status.VERIFIED):
        claim.refresh_from_db()
        claim_status_change(
            claim=claim,
            actor=actor,
            to_status=to_status,
            rationale="Checked.",
            expected_version=claim.version,
        )
    claim.refresh_from_db()
    return claim


def published(claim: Claim, cast: Cast) -> Claim:
    """A verdict set by another fact-checker and published by another editor."""
    claim = with_verdict(claim, cast.users["other_fact_checker"])
    verdict_publish(
        claim=claim,
        actor=cast.users["other_editor"],
        public_summary="Confirmed by the records.",
        expected_version=claim.version,
    )
    claim.refresh_from_db()
    return claim


# --- The table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str  # as in the schema
    build: Callable[[Cast], Call]
    allowed: frozenset[str]


def _someones_claim(cast: Cast) -> Claim:
    return ClaimFactory(created_by=cast.users["other_fact_checker"])


def _claims_create(cast: Cast) -> Call:
    return Call("/api/v1/claims/", {"text": "A claim logged for the permission matrix."})


def _claim_edit(owner: Callable[[Cast], User]) -> Callable[[Cast], Call]:
    def build(cast: Cast) -> Call:
        claim = ClaimFactory(created_by=owner(cast))
        return Call(f"/api/v1/claims/{claim.pk}/", {"text": "Reworded."}, if_match(claim))

    return build


def _status_change(cast: Cast) -> Call:
    claim = _someones_claim(cast)
    body = {"to_status": "in_review", "rationale": "Picking it up."}
    return Call(f"/api/v1/claims/{claim.pk}/status/", body, if_match(claim))


def _assign(cast: Cast) -> Call:
    claim = _someones_claim(cast)
    body = {"assignee": cast.users["other_fact_checker"].pk}
    return Call(f"/api/v1/claims/{claim.pk}/assignment/", body, if_match(claim))


def _evidence_add(cast: Cast) -> Call:
    claim = _someones_claim(cast)
    source = SourceFactory(created_by=cast.users["other_fact_checker"])
    body = {"source": source.pk, "stance": "asserts"}
    return Call(f"/api/v1/claims/{claim.pk}/evidence/", body, if_match(claim))


def _someones_evidence(cast: Cast):
    other = cast.users["other_fact_checker"]
    return EvidenceFactory(
        claim=ClaimFactory(created_by=other),
        source=SourceFactory(created_by=other),
        added_by=other,
    )


def _evidence_edit(cast: Cast) -> Call:
    evidence = _someones_evidence(cast)
    return Call(f"/api/v1/evidence/{evidence.pk}/", {"note": "Edited."}, if_match(evidence.claim))


def _evidence_delete(cast: Cast) -> Call:
    evidence = _someones_evidence(cast)
    return Call(f"/api/v1/evidence/{evidence.pk}/", None, if_match(evidence.claim))


def _publish(cast: Cast) -> Call:
    claim = with_verdict(_someones_claim(cast), cast.users["other_fact_checker"])
    body = {"public_summary": "Confirmed by the records."}
    return Call(f"/api/v1/claims/{claim.pk}/publish/", body, if_match(claim))


def _unpublish(cast: Cast) -> Call:
    claim = published(_someones_claim(cast), cast)
    body = {"reason": "The records were forged."}
    return Call(f"/api/v1/claims/{claim.pk}/unpublish/", body, if_match(claim))


def _relation_add(cast: Cast) -> Call:
    claim, other = _someones_claim(cast), _someones_claim(cast)
    body = {"to_claim": other.pk, "kind": "supports"}
    return Call(f"/api/v1/claims/{claim.pk}/relations/", body)


def _relation_delete(cast: Cast) -> Call:
    relation = ClaimRelationFactory(created_by=cast.users["other_fact_checker"])
    return Call(f"/api/v1/relations/{relation.pk}/")


def _claimant_add(cast: Cast) -> Call:
    return Call("/api/v1/claimants/", {"name": "Matrix Spokesperson"})


def _claimant_edit(cast: Cast) -> Call:
    claimant = ClaimantFactory()
    return Call(f"/api/v1/claimants/{claimant.pk}/", {"title": "Minister"})


def _outlet_add(cast: Cast) -> Call:
    return Call("/api/v1/outlets/", {"name": "Matrix Outlet"})


def _outlet_edit(cast: Cast) -> Call:
    return Call(f"/api/v1/outlets/{OutletFactory().pk}/", {"owner": "A holding"})


def _domain_add(cast: Cast) -> Call:
    return Call(f"/api/v1/outlets/{OutletFactory().pk}/domains/", {"domain": "matrix.example"})


def _handle_add(cast: Cast) -> Call:
    body = {"platform": "telegram", "handle": "@matrixchannel"}
    return Call(f"/api/v1/outlets/{OutletFactory().pk}/handles/", body)


def _rate(cast: Cast) -> Call:
    body = {"grade": "A", "rationale": "Corrects its errors promptly."}
    return Call(f"/api/v1/outlets/{OutletFactory().pk}/ratings/", body)


def _source_add(cast: Cast) -> Call:
    return Call("/api/v1/sources/", {"kind": "article", "url": "https://matrix.example/story"})


def _source_edit(owner: Callable[[Cast], User]) -> Callable[[Cast], Call]:
    def build(cast: Cast) -> Call:
        source = SourceFactory(created_by=owner(cast))
        return Call(f"/api/v1/sources/{source.pk}/", {"title": "Retitled"})

    return build


def _citation_add(cast: Cast) -> Call:
    other = cast.users["other_fact_checker"]
    citing, cited = SourceFactory(created_by=other), SourceFactory(created_by=other)
    return Call("/api/v1/citations/", {"citing": citing.pk, "cited": cited.pk, "kind": "quotes"})


def _citation_delete(cast: Cast) -> Call:
    return Call(f"/api/v1/citations/{CitationFactory().pk}/")


def _snapshot_request(cast: Cast) -> Call:
    source = SourceFactory(created_by=cast.users["other_fact_checker"])
    return Call(f"/api/v1/sources/{source.pk}/snapshots/", {})


def _link_check_request(cast: Cast) -> Call:
    # No test DNS answer for the factory's host: the check is made (and recorded as an error)
    # without leaving the machine.
    source = SourceFactory(created_by=cast.users["other_fact_checker"])
    return Call(f"/api/v1/sources/{source.pk}/link-checks/", {})


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")


def _upload(cast: Cast) -> Call:
    source = SourceFactory(created_by=cast.users["other_fact_checker"])
    return Call(f"/api/v1/sources/{source.pk}/uploads/", {"file": _pdf()}, format="multipart")


def _upload_source(cast: Cast) -> Call:
    body = {"file": _pdf(), "title": "Matrix letter", "kind": "correspondence"}
    return Call("/api/v1/sources/uploads/", body, format="multipart")


def _informant(cast: Cast):
    """A sensitive source the viewer and the fact-checker were granted: they see it, so a refusal
    to let them grant or revoke is a 403, not the 404 of a source they may not see."""
    source = SourceFactory(is_sensitive=True, created_by=cast.users["other_editor"])
    for who in ("viewer", "fact_checker"):
        grant(source, cast.users[who], by=cast.users["other_editor"])
    return source


def _grant_add(cast: Cast) -> Call:
    body = {"grantee": cast.users["other_fact_checker"].pk, "reason": "Checks the account."}
    return Call(f"/api/v1/sources/{_informant(cast).pk}/grants/", body)


def _grant_revoke(cast: Cast) -> Call:
    access = grant(
        _informant(cast), cast.users["other_fact_checker"], by=cast.users["other_editor"]
    )
    return Call(f"/api/v1/source-grants/{access.pk}/revoke/", {"reason": "Story published."})


def _someone_else(cast: Cast) -> User:
    return cast.users["other_fact_checker"]


def _themselves(cast: Cast) -> User:
    return cast.owner


CLAIM = "/api/v1/claims/{claim_id}/"
OUTLET = "/api/v1/outlets/{outlet_id}/"
SOURCE = "/api/v1/sources/{source_id}/"
ROWS = [
    Row("claims_create", "POST", "/api/v1/claims/", _claims_create, VIEWER_UP),
    Row("claims_edit_own", "PATCH", CLAIM, _claim_edit(_themselves), VIEWER_UP),
    Row("claims_edit_others", "PATCH", CLAIM, _claim_edit(_someone_else), FACT_CHECKER_UP),
    Row("claims_status", "POST", CLAIM + "status/", _status_change, FACT_CHECKER_UP),
    Row("claims_assign", "POST", CLAIM + "assignment/", _assign, FACT_CHECKER_UP),
    Row("evidence_create", "POST", CLAIM + "evidence/", _evidence_add, FACT_CHECKER_UP),
    Row(
        "evidence_edit", "PATCH", "/api/v1/evidence/{evidence_id}/", _evidence_edit, FACT_CHECKER_UP
    ),
    Row(
        "evidence_delete",
        "DELETE",
        "/api/v1/evidence/{evidence_id}/",
        _evidence_delete,
        FACT_CHECKER_UP,
    ),
    Row("claims_publish", "POST", CLAIM + "publish/", _publish, EDITOR_ONLY),
    Row("claims_unpublish", "POST", CLAIM + "unpublish/", _unpublish, EDITOR_ONLY),
    Row("relations_create", "POST", CLAIM + "relations/", _relation_add, FACT_CHECKER_UP),
    Row(
        "relations_delete",
        "DELETE",
        "/api/v1/relations/{relation_id}/",
        _relation_delete,
        FACT_CHECKER_UP,
    ),
    Row("claimants_create", "POST", "/api/v1/claimants/", _claimant_add, VIEWER_UP),
    Row("claimants_edit", "PATCH", "/api/v1/claimants/{claimant_id}/", _claimant_edit, VIEWER_UP),
    Row("outlets_create", "POST", "/api/v1/outlets/", _outlet_add, FACT_CHECKER_UP),
    Row("outlets_edit", "PATCH", OUTLET, _outlet_edit, FACT_CHECKER_UP),
    Row("outlets_domain", "POST", OUTLET + "domains/", _domain_add, FACT_CHECKER_UP),
    Row("outlets_handle", "POST", OUTLET + "handles/", _handle_add, FACT_CHECKER_UP),
    Row("outlets_rate", "POST", OUTLET + "ratings/", _rate, EDITOR_ONLY),
    Row("sources_create", "POST", "/api/v1/sources/", _source_add, VIEWER_UP),
    Row(
        "sources_edit_own",
        "PATCH",
        "/api/v1/sources/{source_id}/",
        _source_edit(_themselves),
        VIEWER_UP,
    ),
    Row(
        "sources_edit_others",
        "PATCH",
        "/api/v1/sources/{source_id}/",
        _source_edit(_someone_else),
        FACT_CHECKER_UP,
    ),
    Row("snapshots_request", "POST", SOURCE + "snapshots/", _snapshot_request, FACT_CHECKER_UP),
    Row(
        "link_checks_request",
        "POST",
        SOURCE + "link-checks/",
        _link_check_request,
        FACT_CHECKER_UP,
    ),
    Row("sources_upload", "POST", SOURCE + "uploads/", _upload, VIEWER_UP),
    Row("sources_from_upload", "POST", "/api/v1/sources/uploads/", _upload_source, VIEWER_UP),
    Row("citations_create", "POST", "/api/v1/citations/", _citation_add, FACT_CHECKER_UP),
    Row(
        "citations_delete",
        "DELETE",
        "/api/v1/citations/{citation_id}/",
        _citation_delete,
        FACT_CHECKER_UP,
    ),
    Row("sources_grants_create", "POST", SOURCE + "grants/", _grant_add, EDITOR_ONLY),
    Row(
        "source_grants_revoke",
        "POST",
        "/api/v1/source-grants/{grant_id}/revoke/",
        _grant_revoke,
        EDITOR_ONLY,
    ),
]


def test_the_matrix_covers_every_write_endpoint():
    routed = write_endpoints()
    covered = {(row.method, row.path) for row in ROWS}

    assert routed == schema_write_operations(), "the URL conf and the schema disagree"
    assert routed - covered == set(), "write endpoints without a row in the permission matrix"
    assert covered - routed == set(), "matrix rows for endpoints that do not exist"
    assert len({row.name for row in ROWS}) == len(ROWS)
    assert all(row.allowed <= set(ROLES) and row.allowed for row in ROWS)


# --- The matrix ------------------------------------------------------------------------------


@pytest.fixture
def newsroom(viewer, fact_checker, other_fact_checker, editor, other_editor, outsider):
    return {
        "viewer": viewer,
        "fact_checker": fact_checker,
        "other_fact_checker": other_fact_checker,
        "editor": editor,
        "other_editor": other_editor,
        "outsider": outsider,
    }


def _client_for(role: str, users: dict[str, User]) -> tuple[APIClient, User | None]:
    client = APIClient()
    if role == "anonymous":
        return client, None
    if role == "token":
        user = users["fact_checker"]
        _, token = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client, user
    user = users[role]
    client.force_login(user)  # a real session, through SessionAuthentication
    return client, user


@pytest.mark.parametrize(
    ("row", "role"),
    [pytest.param(row, role, id=f"{row.name}-{role}") for row in ROWS for role in ROLES],
)
def test_permission_matrix(row: Row, role: str, newsroom):
    client, actor = _client_for(role, newsroom)
    call = row.build(Cast(actor=actor, users=newsroom))
    before = db_snapshot()

    response = send(client, row.method, call)

    after = db_snapshot()
    if role in row.allowed:
        assert 200 <= response.status_code < 300, response.content
        assert after != before, "an allowed write changed nothing"
    else:
        assert response.status_code == (401 if role == "anonymous" else 403), response.content
        assert {"code", "message"} <= set(response.json())
        changed = sorted(key for key in before if before[key] != after.get(key))
        assert changed == [], f"a refused write changed {changed}"
