"""A fact-checker on no claim cannot reach a sensitive source through the API, by any sequence of
the actions open to them; editors grant and revoke access, and every grant is on record.

Clients sign in with a session (``force_login``), as browsers and API scripts do: each request
loads its user afresh, so the access rule is read again on every request.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Claim
from config.api import claim_etag
from sources.models import (
    Citation,
    LinkCheck,
    OutletHandle,
    RestrictedSourceAttempt,
    Source,
    SourceGrant,
)
from sources.services import RESTRICTED_MESSAGE
from tests.api.test_snapshots import archived_snapshot, path, pdf, uploaded_snapshot
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletHandleFactory,
    SourceFactory,
    assign,
    grant,
    row_counts,
)

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
SOURCES = "/api/v1/sources/"
URL = "https://x.com/informant/status/1"
SPELLINGS = [
    URL,
    "http://x.com/informant/status/1",
    "https://www.x.com/informant/status/1",
    "https://twitter.com/informant/status/1",
    "http://www.twitter.com/Informant/status/1?utm_source=share&utm_medium=web#top",
]


def session(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def if_match(claim: Claim) -> dict[str, str]:
    claim.refresh_from_db()
    return {"HTTP_IF_MATCH": claim_etag(claim.pk, claim.version)}


def leaks(response: Any) -> bool:
    """Whether a response names the informant's post in any way a reader could use."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    # Its title and its address; the outlet's own handle (@informant) is public.
    return b"informant's post" in body.lower() or b"informant/status" in body.lower()


def attempts() -> int:
    return RestrictedSourceAttempt.objects.count()


@pytest.fixture
def informant(editor) -> Source:
    """A sensitive X post logged by an editor, on an outlet that owns the handle @informant."""
    handle = OutletHandleFactory(platform=OutletHandle.Platform.X, handle="informant")
    return SourceFactory(
        is_sensitive=True,
        created_by=editor,
        kind=Source.Kind.SOCIAL_POST,
        title="Informant's post",
        url=URL,
        outlet=handle.outlet,
    )


@pytest.fixture
def claim(editor, informant) -> Claim:
    """A claim resting on the informant's post and on an open article; nobody is assigned."""
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source=informant, added_by=editor)
    EvidenceFactory(claim=claim, source=SourceFactory(title="Open article"), added_by=editor)
    return claim


@pytest.fixture
def checker(fact_checker) -> APIClient:
    return session(fact_checker)


def _add_harmless_evidence(client: APIClient, claim: Claim) -> None:
    body = {"source": SourceFactory(title="Harmless").pk, "stance": "supports"}
    response = client.post(f"{CLAIMS}{claim.pk}/evidence/", body, format="json", **if_match(claim))
    assert response.status_code == 201, response.content
    assert claim.evidence.filter(source__title="Harmless").exists()


def _everything_hidden(client: APIClient, claim: Claim, informant: Source) -> None:
    """Every read open to a fact-checker: none names the informant's post."""
    snapshot = archived_snapshot(informant)
    upload = uploaded_snapshot(informant, informant.created_by)
    LinkCheck.objects.create(source=informant, url=informant.url, status="gone")
    citation = CitationFactory(citing=SourceFactory(), cited=informant)
    for url in (
        f"{CLAIMS}{claim.pk}/",
        f"{CLAIMS}{claim.pk}/evidence/",
        f"{CLAIMS}{claim.pk}/provenance/",
        f"{CLAIMS}{claim.pk}/history/",
        SOURCES,
        f"{SOURCES}?q=informant",
        "/api/v1/citations/",
        f"/api/v1/outlets/{informant.outlet_id}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        assert not leaks(response), url
    for url in (
        f"{SOURCES}{informant.pk}/",
        f"{SOURCES}{informant.pk}/snapshots/",
        f"{SOURCES}{informant.pk}/link-checks/",
        f"{SOURCES}{informant.pk}/grants/",
        f"{SOURCES}{informant.pk}/restricted-attempts/",
        path("detail", snapshot),
        path("text", snapshot),
        path("warc", snapshot),
        path("file", upload),
        f"/api/v1/citations/{citation.pk}/",
    ):
        response = client.get(url)
        assert response.status_code in (404, 405), (url, response.status_code)
        assert not leaks(response), url
    assert client.get("/api/v1/citations/", {"cited": informant.pk}).json()["count"] == 0
    for params in (
        {"source": informant.pk},
        {"source_url": "https://twitter.com/informant/status/1"},
        {"domain": "x.com"},
        {"handle": "@informant"},
        {"outlet": informant.outlet_id},
    ):
        response = client.get(CLAIMS, params)
        assert response.status_code == 200, (params, response.content)
        assert claim.pk not in {row["id"] for row in response.json()["results"]}, params


# --- Reads after harmless actions ------------------------------------------------------------


def test_harmless_evidence_on_the_claim_reaches_nothing(checker, claim, informant):
    _add_harmless_evidence(checker, claim)

    _everything_hidden(checker, claim, informant)
    assert not SourceGrant.objects.exists()


def test_assigning_themself_reaches_nothing(checker, fact_checker, claim, informant):
    response = checker.post(
        f"{CLAIMS}{claim.pk}/assignment/",
        {"assignee": fact_checker.pk},
        format="json",
        **if_match(claim),
    )
    assert response.status_code == 200, response.content
    assert Claim.objects.get(pk=claim.pk).assignee == fact_checker

    _everything_hidden(checker, claim, informant)
    assert not SourceGrant.objects.exists()


def test_taking_the_claim_into_review_reaches_nothing(checker, fact_checker, claim, informant):
    body = {"to_status": "in_review", "rationale": "Picking it up."}
    response = checker.post(f"{CLAIMS}{claim.pk}/status/", body, format="json", **if_match(claim))
    assert response.status_code in (200, 201), response.content
    assert Claim.objects.get(pk=claim.pk).assignee == fact_checker

    _everything_hidden(checker, claim, informant)


def test_a_fact_checker_assigning_a_colleague_reaches_nothing_for_either(
    checker, other_fact_checker, claim, informant
):
    response = checker.post(
        f"{CLAIMS}{claim.pk}/assignment/",
        {"assignee": other_fact_checker.pk},
        format="json",
        **if_match(claim),
    )
    assert response.status_code == 200, response.content

    _everything_hidden(session(other_fact_checker), claim, informant)
    assert not SourceGrant.objects.exists()


def test_the_claim_detail_counts_only_the_evidence_they_may_see(checker, claim):
    body = checker.get(f"{CLAIMS}{claim.pk}/").json()

    assert [row["source_title"] for row in body["evidence"]] == ["Open article"]


# --- The informant's URL, in any spelling -------------------------------------------------------


def _restricted(response: Any, informant: Source) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["fields"]["url"][0]
    assert error == {"code": "restricted", "message": RESTRICTED_MESSAGE}
    assert str(informant.pk) not in response.content.decode()


@pytest.mark.parametrize("url", SPELLINGS)
def test_logging_the_url_is_refused_recorded_and_writes_nothing_else(
    checker, fact_checker, informant, url
):
    before = row_counts()

    response = checker.post(SOURCES, {"kind": "social_post", "url": url}, format="json")

    _restricted(response, informant)
    attempt = RestrictedSourceAttempt.objects.get()
    assert (attempt.source, attempt.attempted_by, attempt.url) == (informant, fact_checker, url)
    assert row_counts() == {**before, "sources.RestrictedSourceAttempt": 1}


@pytest.mark.parametrize("url", SPELLINGS[1:])
def test_moving_their_own_source_to_the_url_is_refused_and_recorded(
    checker, fact_checker, informant, url
):
    own = SourceFactory(created_by=fact_checker, url="https://news.example/mine")

    response = checker.patch(f"{SOURCES}{own.pk}/", {"url": url}, format="json")

    _restricted(response, informant)
    own.refresh_from_db()
    assert own.url == "https://news.example/mine"
    assert attempts() == 1


def test_an_upload_with_the_url_logs_a_document_without_it(checker, informant):
    """The upload endpoint logs documents without a URL: a url sent along is not read."""
    body = {"file": pdf(), "kind": "document", "url": SPELLINGS[3]}

    response = checker.post(f"{SOURCES}uploads/", body, format="multipart")

    assert response.status_code == 201, response.content
    assert not leaks(response)
    assert Source.objects.get(pk=response.json()["source"]["id"]).url == ""
    assert Source.objects.filter(canonical_url=informant.canonical_url).get() == informant


def test_the_restricted_attempts_are_listed_for_editors(checker, fact_checker, editor, informant):
    checker.post(SOURCES, {"kind": "social_post", "url": SPELLINGS[4]}, format="json")

    rows = session(editor).get(f"{SOURCES}{informant.pk}/restricted-attempts/").json()

    assert [(row["attempted_by"]["username"], row["url"]) for row in rows] == [
        (fact_checker.username, SPELLINGS[4])
    ]


# --- Hidden ids -------------------------------------------------------------------------------


def test_evidence_from_a_hidden_source_id_is_refused_like_a_missing_one(checker, informant):
    claim = ClaimFactory()

    hidden = checker.post(
        f"{CLAIMS}{claim.pk}/evidence/",
        {"source": informant.pk, "stance": "asserts"},
        format="json",
        **if_match(claim),
    )
    missing = checker.post(
        f"{CLAIMS}{claim.pk}/evidence/",
        {"source": 999999, "stance": "asserts"},
        format="json",
        **if_match(claim),
    )

    assert hidden.status_code == missing.status_code == 400
    assert hidden.content.decode().replace(str(informant.pk), "999999") == missing.content.decode()
    assert not claim.evidence.exists()


def test_evidence_via_a_citation_of_a_hidden_source_is_refused(checker, informant):
    claim = ClaimFactory()
    article = SourceFactory()
    citation = CitationFactory(citing=article, cited=informant)

    response = checker.post(
        f"{CLAIMS}{claim.pk}/evidence/",
        {"source": article.pk, "stance": "asserts", "via": [citation.pk]},
        format="json",
        **if_match(claim),
    )

    assert response.status_code == 400, response.content
    assert "via" in response.json()["fields"]
    assert not leaks(response)
    assert not claim.evidence.exists()


def test_citing_a_hidden_source_id_is_refused_like_a_missing_one(checker, informant):
    citing = SourceFactory()

    hidden = checker.post(
        "/api/v1/citations/", {"citing": citing.pk, "cited": informant.pk}, format="json"
    )
    missing = checker.post(
        "/api/v1/citations/", {"citing": citing.pk, "cited": 999999}, format="json"
    )

    assert hidden.status_code == missing.status_code == 400
    assert hidden.content.decode().replace(str(informant.pk), "999999") == missing.content.decode()
    assert not Citation.objects.exists()


# --- Granting themselves ----------------------------------------------------------------------


def test_a_fact_checker_cannot_grant_themself_a_hidden_source(checker, fact_checker, informant):
    body = {"grantee": fact_checker.pk, "reason": "I need it."}

    response = checker.post(f"{SOURCES}{informant.pk}/grants/", body, format="json")

    assert response.status_code == 404
    assert not SourceGrant.objects.exists()


def test_a_granted_fact_checker_cannot_pass_the_grant_on(
    checker, fact_checker, other_fact_checker, editor, informant
):
    grant(informant, fact_checker, by=editor)
    body = {"grantee": other_fact_checker.pk, "reason": "Helps me."}

    response = checker.post(f"{SOURCES}{informant.pk}/grants/", body, format="json")

    assert response.status_code == 403
    assert SourceGrant.objects.count() == 1


def test_a_fact_checker_cannot_revoke_a_grant(checker, other_fact_checker, editor, informant):
    access = grant(informant, other_fact_checker, by=editor)

    response = checker.post(
        f"/api/v1/source-grants/{access.pk}/revoke/", {"reason": "Mine now."}, format="json"
    )

    assert response.status_code == 403
    assert SourceGrant.objects.get().is_active


# --- Editors grant and revoke; the record -----------------------------------------------------


def test_an_editors_grant_is_seen_in_the_next_request_and_its_revoke_too(
    checker, fact_checker, editor, informant
):
    desk = session(editor)
    assert checker.get(f"{SOURCES}{informant.pk}/").status_code == 404

    made = desk.post(
        f"{SOURCES}{informant.pk}/grants/",
        {"grantee": fact_checker.pk, "reason": "Verifies the post."},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert checker.get(f"{SOURCES}{informant.pk}/").status_code == 200

    ended = desk.post(
        f"/api/v1/source-grants/{made.json()['id']}/revoke/", {"reason": "Done."}, format="json"
    )
    assert ended.status_code == 200, ended.content
    assert checker.get(f"{SOURCES}{informant.pk}/").status_code == 404
    row = SourceGrant.objects.get()
    assert (row.revoked_by, row.revoke_reason) == (editor, "Done.")


def test_an_editors_assignment_shows_the_claims_sources_until_handed_on(
    checker, fact_checker, other_fact_checker, editor, claim, informant
):
    response = session(editor).post(
        f"{CLAIMS}{claim.pk}/assignment/",
        {"assignee": fact_checker.pk},
        format="json",
        **if_match(claim),
    )
    assert response.status_code == 200, response.content
    assert checker.get(f"{SOURCES}{informant.pk}/").status_code == 200
    titles = [row["source_title"] for row in checker.get(f"{CLAIMS}{claim.pk}/").json()["evidence"]]
    assert "Informant's post" in titles

    handed_on = checker.post(
        f"{CLAIMS}{claim.pk}/assignment/",
        {"assignee": other_fact_checker.pk},
        format="json",
        **if_match(claim),
    )

    assert handed_on.status_code == 200, handed_on.content
    assert not leaks(handed_on)
    assert checker.get(f"{SOURCES}{informant.pk}/").status_code == 404
    assert session(other_fact_checker).get(f"{SOURCES}{informant.pk}/").status_code == 404
    row = SourceGrant.objects.get()
    assert (row.claim_id, row.revoked_by, row.revoked_at is not None) == (
        claim.pk,
        fact_checker,
        True,
    )


def test_an_editor_unassigning_ends_the_access_and_keeps_the_row(
    checker, fact_checker, editor, claim, informant
):
    assign(claim, editor, fact_checker)

    response = session(editor).post(
        f"{CLAIMS}{claim.pk}/assignment/", {"assignee": None}, format="json", **if_match(claim)
    )

    assert response.status_code == 200, response.content
    assert checker.get(f"{SOURCES}{informant.pk}/").status_code == 404
    assert SourceGrant.objects.get().revoked_by == editor


def test_every_grant_shows_in_the_record(
    fact_checker, other_fact_checker, viewer, editor, claim, informant
):
    direct = grant(informant, viewer, by=editor, reason="Translates the post.")
    assign(claim, editor, fact_checker)
    assign(claim, editor, other_fact_checker)

    rows = session(editor).get(f"{SOURCES}{informant.pk}/grants/").json()

    assert {(r["grantee"]["username"], r["claim"], r["active"]) for r in rows} == {
        (viewer.username, None, True),
        (fact_checker.username, claim.pk, False),
        (other_fact_checker.username, claim.pk, True),
    }
    assert all(r["granted_by"]["username"] == editor.username for r in rows)
    assert direct.pk in {r["id"] for r in rows}
    assert SourceGrant.objects.count() == 3


def test_a_viewer_sees_the_sensitive_source_they_logged(viewer):
    client = session(viewer)
    made = client.post(SOURCES, {"kind": "interview", "is_sensitive": True}, format="json")
    assert made.status_code == 201, made.content
    assert Source.objects.get(pk=made.json()["id"]).is_sensitive

    assert client.get(f"{SOURCES}{made.json()['id']}/").status_code == 200
    assert made.json()["id"] in {row["id"] for row in client.get(SOURCES).json()["results"]}
