"""Claims over the API: list, detail, create, edit, status, history; ETags and If-Match on every
claim write (412 when stale, 428 when missing, 400 when malformed), nothing written when refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Claim, ClaimRelation
from config.api import claim_etag
from sources.models import Source
from tests.api.helpers import api as _api
from tests.factories import (
    ClaimantFactory,
    ClaimFactory,
    EvidenceFactory,
    SourceFactory,
    StatusChangeFactory,
    status_change,
)
from verification.models import Evidence, Publication, StatusChange
from verification.services import verdict_publish

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


def _url(claim: Claim, action: str = "") -> str:
    return f"{CLAIMS}{claim.pk}/{action + '/' if action else ''}"


def _etag(claim: Claim) -> str:
    claim.refresh_from_db()
    return claim_etag(claim.pk, claim.version)


def _field_codes(response, field: str) -> list[str]:
    return [error["code"] for error in response.json()["fields"][field]]


def _db_state(claim: Claim) -> tuple:
    """Everything a claim write could change."""
    claim.refresh_from_db()
    return (
        Claim.objects.filter(pk=claim.pk)
        .values_list("version", "text", "kind", "status", "needs_review", "assignee_id")
        .get(),
        sorted(claim.tags.values_list("name", flat=True)),
        sorted(
            Evidence.objects.filter(claim=claim).values_list(
                "pk", "source_id", "stance", "note", "credibility"
            )
        ),
        StatusChange.objects.filter(claim=claim).count(),
        Publication.objects.filter(claim=claim).count(),
    )


# --- List --------------------------------------------------------------------------------------


def test_claims_list_returns_paginated_rows(viewer):
    claimant = ClaimantFactory(name="Lin Jian", title="Spokesperson")
    claim = ClaimFactory(text="China sent no military personnel.", claimant=claimant)

    response = _api(viewer).get(CLAIMS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == claim.pk
    assert row["text"] == "China sent no military personnel."
    assert row["claimant"] == {"id": claimant.pk, "name": "Lin Jian", "title": "Spokesperson"}
    assert row["status"] == "unverified"
    assert row["version"] == 1
    assert row["evidence_count"] == 0
    assert row["independent_origins"] == {
        "asserts": 0,
        "supports": 0,
        "contradicts": 0,
        "context": 0,
    }
    assert row["published_verdict"] is None


def test_claims_list_newest_first_and_page_size(viewer):
    older, newer = ClaimFactory(), ClaimFactory()

    response = _api(viewer).get(CLAIMS, {"page_size": 1})

    body = response.json()
    assert [row["id"] for row in body["results"]] == [newer.pk]
    assert body["count"] == 2
    assert body["next"] is not None
    assert _api(viewer).get(body["next"]).json()["results"][0]["id"] == older.pk


def test_claims_list_page_size_is_capped(viewer, settings):
    settings.API_MAX_PAGE_SIZE = 2
    for _ in range(3):
        ClaimFactory()

    response = _api(viewer).get(CLAIMS, {"page_size": 500})

    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize("page_size", ["0", "-1", "abc"])
def test_claims_list_bad_page_size_is_400(viewer, page_size):
    response = _api(viewer).get(CLAIMS, {"page_size": page_size})

    assert response.status_code == 400
    assert "page_size" in response.json()["fields"]


def test_claims_list_page_out_of_range_is_404(viewer):
    ClaimFactory()

    response = _api(viewer).get(CLAIMS, {"page": 9})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_claims_list_anonymous_is_401():
    response = _api(None).get(CLAIMS)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_claims_list_without_a_newsroom_role_is_403(outsider):
    response = _api(outsider).get(CLAIMS)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_claims_list_shows_the_published_verdict(fact_checker, editor):
    claim = ClaimFactory()
    status_change(claim, fact_checker, Claim.Status.IN_REVIEW)
    status_change(claim, fact_checker, Claim.Status.FALSE)
    claim.refresh_from_db()
    verdict_publish(
        claim=claim, actor=editor, public_summary="Not so.", expected_version=claim.version
    )

    row = _api(editor).get(CLAIMS).json()["results"][0]

    assert (row["status"], row["published_verdict"]) == ("false", "false")


# --- Detail ------------------------------------------------------------------------------------


def test_claim_detail_has_its_etag_and_evidence(viewer):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim, quote="Two were killed.")

    response = _api(viewer).get(_url(claim))

    assert response.status_code == 200
    assert response["ETag"] == f'"claim-{claim.pk}-v1"'
    body = response.json()
    assert body["version"] == 1
    assert [row["id"] for row in body["evidence"]] == [evidence.pk]
    assert body["evidence"][0]["quote"] == "Two were killed."
    assert body["evidence"][0]["source"] == evidence.source_id
    assert body["evidence_count"] == 1


def test_claim_detail_with_a_matching_if_none_match_is_304(viewer):
    claim = ClaimFactory()

    response = _api(viewer).get(_url(claim), HTTP_IF_NONE_MATCH=_etag(claim))

    assert response.status_code == 304
    assert response["ETag"] == _etag(claim)
    assert not response.content


def test_claim_detail_with_an_old_if_none_match_is_200(viewer, fact_checker):
    claim = ClaimFactory()
    old = _etag(claim)
    status_change(claim, fact_checker, Claim.Status.IN_REVIEW)

    response = _api(viewer).get(_url(claim), HTTP_IF_NONE_MATCH=old)

    assert response.status_code == 200
    assert response["ETag"] == claim_etag(claim.pk, 2)


def test_claim_detail_of_an_unknown_claim_is_404(viewer):
    response = _api(viewer).get(f"{CLAIMS}999999/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


# --- Create ------------------------------------------------------------------------------------


def test_claim_create_returns_201_with_the_claim_and_its_etag(viewer):
    claimant = ClaimantFactory()

    response = _api(viewer).post(
        CLAIMS,
        {
            "text": "  Two  Chinese citizens were captured. ",
            "kind": "attribution",
            "claimant": claimant.pk,
            "made_on": "2025-04-08",
            "language": "en",
            "tags": ["Prisoners of war", "china"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    claim = Claim.objects.get()
    assert body["id"] == claim.pk
    assert response["ETag"] == claim_etag(claim.pk, 1)
    assert body["text"] == "Two Chinese citizens were captured."
    assert body["kind"] == "attribution"
    assert body["claimant"]["id"] == claimant.pk
    assert body["tags"] == ["china", "prisoners-of-war"]
    assert claim.created_by == viewer


def test_claim_create_of_an_exact_duplicate_is_400_duplicate(viewer):
    existing = ClaimFactory(text="At least 155 are fighting.")

    response = _api(viewer).post(CLAIMS, {"text": "at least 155 are  fighting"}, format="json")

    assert response.status_code == 400
    assert _field_codes(response, "text") == ["duplicate"]
    assert f"#{existing.pk}" in response.json()["fields"]["text"][0]["message"]
    assert Claim.objects.count() == 1


def test_claim_create_with_allow_duplicate_logs_it_linked_to_the_original(viewer):
    existing = ClaimFactory(text="At least 155 are fighting.")

    response = _api(viewer).post(
        CLAIMS, {"text": "At least 155 are fighting.", "allow_duplicate": True}, format="json"
    )

    assert response.status_code == 201
    relation = ClaimRelation.objects.get()
    assert (relation.from_claim_id, relation.to_claim_id) == (response.json()["id"], existing.pk)
    assert relation.kind == ClaimRelation.Kind.DUPLICATES


def test_claim_create_of_an_attribution_without_claimant_is_400(viewer):
    response = _api(viewer).post(
        CLAIMS, {"text": "He said so.", "kind": "attribution"}, format="json"
    )

    assert response.status_code == 400
    assert _field_codes(response, "claimant") == ["required"]
    assert not Claim.objects.exists()


def test_claim_create_with_an_unknown_claimant_is_a_field_error(viewer):
    response = _api(viewer).post(CLAIMS, {"text": "Something.", "claimant": 999999}, format="json")

    assert response.status_code == 400
    assert _field_codes(response, "claimant") == ["does_not_exist"]
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "x" * 2001},
        {"text": "A claim.", "kind": "opinion"},
        {"text": "A claim.", "language": "English"},
        {"text": "A claim.", "made_on": "last week"},
        {"text": "A claim.", "tags": "china"},
        {"text": "A\u0000claim."},
    ],
)
def test_claim_create_with_invalid_fields_is_400_and_writes_nothing(viewer, body):
    response = _api(viewer).post(CLAIMS, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Claim.objects.exists()


def test_claim_create_with_malformed_json_is_400(viewer):
    response = _api(viewer).post(CLAIMS, '{"text": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_claim_create_without_a_newsroom_role_is_403(outsider):
    response = _api(outsider).post(CLAIMS, {"text": "A claim."}, format="json")

    assert response.status_code == 403
    assert not Claim.objects.exists()


# --- Edit --------------------------------------------------------------------------------------


def test_claim_patch_with_if_match_edits_and_bumps_the_etag(fact_checker):
    claim = ClaimFactory()

    response = _api(fact_checker).patch(
        _url(claim),
        {"text": "Edited wording.", "tags": ["casualties"]},
        format="json",
        HTTP_IF_MATCH=_etag(claim),
    )

    assert response.status_code == 200, response.json()
    assert response["ETag"] == claim_etag(claim.pk, 2)
    assert (response.json()["text"], response.json()["tags"]) == ("Edited wording.", ["casualties"])
    claim.refresh_from_db()
    assert (claim.text, claim.version) == ("Edited wording.", 2)


def test_claim_patch_with_a_body_version_edits(fact_checker):
    claim = ClaimFactory()

    response = _api(fact_checker).patch(
        _url(claim), {"version": 1, "language": "ru"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["language"] == "ru"


def test_claim_patch_of_someone_elses_claim_by_a_viewer_is_403(viewer):
    claim = ClaimFactory()
    before = _db_state(claim)

    response = _api(viewer).patch(
        _url(claim), {"text": "Mine now."}, format="json", HTTP_IF_MATCH=_etag(claim)
    )

    assert response.status_code == 403
    assert _db_state(claim) == before


def test_claim_patch_of_an_unknown_claim_is_404(fact_checker):
    response = _api(fact_checker).patch(
        f"{CLAIMS}999999/", {"text": "x"}, format="json", HTTP_IF_MATCH='"claim-999999-v1"'
    )

    assert response.status_code == 404


# --- Status and history ------------------------------------------------------------------------


def test_status_change_moves_the_claim_and_writes_the_audit_row(fact_checker):
    claim = ClaimFactory()

    response = _api(fact_checker).post(
        _url(claim, "status"),
        {"to_status": "in_review", "rationale": "Picking it up."},
        format="json",
        HTTP_IF_MATCH=_etag(claim),
    )

    assert response.status_code == 200
    assert response.json()["status"] == "in_review"
    assert response.json()["assignee"]["id"] == fact_checker.pk
    assert response["ETag"] == claim_etag(claim.pk, 2)
    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status, change.actor) == (
        "unverified",
        "in_review",
        fact_checker,
    )


def test_status_change_the_workflow_does_not_allow_is_400(fact_checker):
    claim = ClaimFactory()
    before = _db_state(claim)

    response = _api(fact_checker).post(
        _url(claim, "status"),
        {"to_status": "verified", "rationale": "Skipping review."},
        format="json",
        HTTP_IF_MATCH=_etag(claim),
    )

    assert response.status_code == 400
    assert _field_codes(response, "to_status") == ["invalid_transition"]
    assert _db_state(claim) == before


def test_status_change_to_an_unknown_status_is_400(fact_checker):
    claim = ClaimFactory()

    response = _api(fact_checker).post(
        _url(claim, "status"),
        {"to_status": "bogus", "rationale": "x"},
        format="json",
        HTTP_IF_MATCH=_etag(claim),
    )

    assert response.status_code == 400
    assert _field_codes(response, "to_status") == ["invalid_choice"]


def test_status_change_by_a_viewer_is_403_and_writes_nothing(viewer):
    claim = ClaimFactory()
    before = _db_state(claim)

    response = _api(viewer).post(
        _url(claim, "status"),
        {"to_status": "in_review", "rationale": "x"},
        format="json",
        HTTP_IF_MATCH=_etag(claim),
    )

    assert response.status_code == 403
    assert _db_state(claim) == before


def test_history_lists_the_status_changes_oldest_first(viewer, fact_checker):
    claim = ClaimFactory()
    status_change(claim, fact_checker, Claim.Status.IN_REVIEW)
    status_change(claim, fact_checker, Claim.Status.DISPUTED)

    response = _api(viewer).get(_url(claim, "history"))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["from_status"], r["to_status"]) for r in rows] == [
        ("unverified", "in_review"),
        ("in_review", "disputed"),
    ]
    assert rows[0]["actor"] == fact_checker.username
    assert rows[0]["rationale"] == "Checked."
    assert [r["claim_version"] for r in rows] == [2, 3]


def test_history_is_only_the_claims_own(viewer):
    claim = ClaimFactory()
    StatusChangeFactory()

    response = _api(viewer).get(_url(claim, "history"))

    assert response.json()["count"] == 0


def test_history_of_an_unknown_claim_is_404(viewer):
    assert _api(viewer).get(f"{CLAIMS}999999/history/").status_code == 404


# --- If-Match on every claim write -------------------------------------------------------------


@dataclass
class Published:
    """A verified claim (verdict by a fact-checker), with evidence, published by an editor."""

    claim: Claim
    evidence: Evidence
    spare_source: Source
    assignee: User


@pytest.fixture
def published(fact_checker, other_fact_checker, editor) -> Published:
    claim = ClaimFactory()
    evidence = EvidenceFactory(
        claim=claim, source=SourceFactory(sourcing=Source.Sourcing.ORIGINAL), added_by=fact_checker
    )
    status_change(claim, fact_checker, Claim.Status.IN_REVIEW)
    status_change(claim, fact_checker, Claim.Status.VERIFIED)
    claim.refresh_from_db()
    verdict_publish(
        claim=claim, actor=editor, public_summary="Confirmed.", expected_version=claim.version
    )
    claim.refresh_from_db()
    return Published(claim, evidence, SourceFactory(), other_fact_checker)


def _write(name: str, p: Published) -> tuple[str, str, dict[str, Any] | None]:
    claim_url = _url(p.claim)
    evidence_url = f"/api/v1/evidence/{p.evidence.pk}/"
    return {
        "patch": ("patch", claim_url, {"text": "Edited wording."}),
        "status": (
            "post",
            claim_url + "status/",
            {"to_status": "in_review", "rationale": "Reopen."},
        ),
        "evidence_add": (
            "post",
            claim_url + "evidence/",
            {"source": p.spare_source.pk, "stance": "supports"},
        ),
        "evidence_update": ("patch", evidence_url, {"note": "Checked again."}),
        "evidence_delete": ("delete", evidence_url, None),
        "assignment": ("post", claim_url + "assignment/", {"assignee": p.assignee.pk}),
        "publish": (
            "post",
            claim_url + "publish/",
            {"public_summary": "Confirmed by records.", "reason": "Clearer summary."},
        ),
        "unpublish": ("post", claim_url + "unpublish/", {"reason": "Under review again."}),
    }[name]


def _send(
    client: APIClient,
    method: str,
    url: str,
    body: dict[str, Any] | None,
    *,
    if_match: str | None = None,
    version: int | None = None,
):
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    if version is not None:
        if method == "delete":
            url = f"{url}?version={version}"
        else:
            body = {**(body or {}), "version": version}
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, body, format="json", **headers)


CLAIM_WRITES = [
    "patch",
    "status",
    "evidence_add",
    "evidence_update",
    "evidence_delete",
    "assignment",
    "publish",
    "unpublish",
]


@pytest.mark.parametrize("write", CLAIM_WRITES)
def test_claim_write_with_the_current_etag_succeeds_and_bumps_the_version(
    write, published, other_editor
):
    version = published.claim.version
    method, url, body = _write(write, published)

    response = _send(_api(other_editor), method, url, body, if_match=_etag(published.claim))

    assert response.status_code in (200, 201), response.json()
    assert response["ETag"] == claim_etag(published.claim.pk, version + 1)
    assert _db_state(published.claim)[0][0] == version + 1


@pytest.mark.parametrize("write", CLAIM_WRITES)
def test_claim_write_with_the_current_body_version_succeeds(write, published, other_editor):
    method, url, body = _write(write, published)

    response = _send(_api(other_editor), method, url, body, version=published.claim.version)

    assert response.status_code in (200, 201), response.json()


@pytest.mark.parametrize("write", CLAIM_WRITES)
def test_claim_write_with_a_stale_if_match_is_412_with_the_current_claim(
    write, published, other_editor
):
    current = published.claim.version
    before = _db_state(published.claim)
    method, url, body = _write(write, published)

    response = _send(
        _api(other_editor),
        method,
        url,
        body,
        if_match=claim_etag(published.claim.pk, current - 1),
    )

    assert response.status_code == 412
    error = response.json()
    assert error["code"] == "stale_version"
    assert error["current"]["id"] == published.claim.pk
    assert error["current"]["version"] == current
    assert error["current"]["status"] == "verified"
    assert response["ETag"] == claim_etag(published.claim.pk, current)
    assert _db_state(published.claim) == before


@pytest.mark.parametrize("write", CLAIM_WRITES)
def test_claim_write_with_a_stale_body_version_is_412_and_writes_nothing(
    write, published, other_editor
):
    current = published.claim.version
    before = _db_state(published.claim)
    method, url, body = _write(write, published)

    response = _send(_api(other_editor), method, url, body, version=current - 1)

    assert response.status_code == 412
    assert response.json()["current"]["version"] == current
    assert _db_state(published.claim) == before


@pytest.mark.parametrize("write", CLAIM_WRITES)
def test_claim_write_without_if_match_or_version_is_428(write, published, other_editor):
    before = _db_state(published.claim)
    method, url, body = _write(write, published)

    response = _send(_api(other_editor), method, url, body)

    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert _db_state(published.claim) == before


@pytest.mark.parametrize(
    "if_match", ["claim-1-v1", '"claim-x-v1"', '"source-{id}-v{v}"', '"claim-{other}-v{v}"', "*"]
)
@pytest.mark.parametrize("write", CLAIM_WRITES)
def test_claim_write_with_a_malformed_if_match_is_400(write, if_match, published, other_editor):
    before = _db_state(published.claim)
    method, url, body = _write(write, published)
    header = if_match.format(
        id=published.claim.pk, v=published.claim.version, other=published.claim.pk + 1
    )

    response = _send(_api(other_editor), method, url, body, if_match=header)

    assert response.status_code == 400
    assert "If-Match" in response.json()["fields"]
    assert _db_state(published.claim) == before


def test_if_match_wins_over_a_body_version(fact_checker):
    claim = ClaimFactory()

    response = _api(fact_checker).patch(
        _url(claim),
        {"version": 1, "language": "ru"},
        format="json",
        HTTP_IF_MATCH=claim_etag(claim.pk, 7),
    )

    assert response.status_code == 412


def test_a_weak_etag_in_if_match_is_accepted(fact_checker):
    claim = ClaimFactory()

    response = _api(fact_checker).patch(
        _url(claim), {"language": "ru"}, format="json", HTTP_IF_MATCH="W/" + _etag(claim)
    )

    assert response.status_code == 200


def test_second_write_with_the_etag_of_the_first_read_is_refused(fact_checker, other_fact_checker):
    claim = ClaimFactory()
    etag = _etag(claim)
    first = _api(fact_checker).patch(
        _url(claim), {"text": "First edit."}, format="json", HTTP_IF_MATCH=etag
    )

    second = _api(other_fact_checker).patch(
        _url(claim), {"text": "Second edit."}, format="json", HTTP_IF_MATCH=etag
    )

    assert first.status_code == 200
    assert second.status_code == 412
    assert second.json()["current"]["text"] == "First edit."
    claim.refresh_from_db()
    assert claim.text == "First edit."
