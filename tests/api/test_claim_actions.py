"""Claim actions over the API: provenance, evidence, assignment, publishing and the corrections
log, relations, claimants. Codes and bodies; refused roles leave the database unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User

from claims.models import Claim, Claimant, ClaimRelation
from config.api import claim_etag
from sources.models import Citation, Outlet, Source
from tests.api.helpers import api as _api
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    ClaimRelationFactory,
    EvidenceFactory,
    OutletFactory,
    SourceFactory,
)
from verification.models import Evidence, Publication, StatusChange
from verification.services import claim_status_change, verdict_publish

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
ORIGINAL = Source.Sourcing.ORIGINAL
DERIVED = Source.Sourcing.DERIVED


def _url(claim: Claim, action: str = "") -> str:
    return f"{CLAIMS}{claim.pk}/{action + '/' if action else ''}"


def _etag(claim: Claim) -> str:
    claim.refresh_from_db()
    return claim_etag(claim.pk, claim.version)


def _post(user: User, claim: Claim, action: str, body: dict[str, Any]):
    return _api(user).post(_url(claim, action), body, format="json", HTTP_IF_MATCH=_etag(claim))


def _field_codes(response, field: str) -> list[str]:
    return [error["code"] for error in response.json()["fields"][field]]


def _move(claim: Claim, actor: User, to_status: str) -> None:
    claim.refresh_from_db()
    claim_status_change(
        claim=claim,
        actor=actor,
        to_status=to_status,
        rationale="Checked.",
        expected_version=claim.version,
    )


def _verdict(claim: Claim, actor: User, verdict: str = Claim.Status.VERIFIED) -> Claim:
    _move(claim, actor, Claim.Status.IN_REVIEW)
    _move(claim, actor, verdict)
    claim.refresh_from_db()
    return claim


def _state(claim: Claim) -> tuple:
    """Everything an action on a claim could change."""
    return (
        Claim.objects.filter(pk=claim.pk)
        .values_list("version", "status", "needs_review", "assignee_id")
        .get(),
        sorted(
            Evidence.objects.filter(claim=claim).values_list(
                "pk", "source_id", "stance", "note", "credibility", "quote"
            )
        ),
        sorted(Evidence.via.through.objects.filter(evidence__claim=claim).values_list("pk")),
        StatusChange.objects.filter(claim=claim).count(),
        Publication.objects.filter(claim=claim).count(),
        ClaimRelation.objects.count(),
    )


# --- Provenance --------------------------------------------------------------------------------


def test_provenance_of_the_demo_chain_is_one_independent_origin(viewer):
    """A magazine quoting an X post that republishes a Telegram post: one origin, not three."""
    claim = ClaimFactory()
    telegram = SourceFactory(
        title="Channel post",
        sourcing=ORIGINAL,
        outlet=OutletFactory(name="Channel", kind=Outlet.Kind.MESSAGING_CHANNEL, party_to="Russia"),
    )
    xpost = SourceFactory(sourcing=DERIVED, outlet=OutletFactory(kind=Outlet.Kind.SOCIAL_ACCOUNT))
    magazine = SourceFactory(sourcing=DERIVED, outlet=OutletFactory(kind=Outlet.Kind.MAGAZINE))
    CitationFactory(citing=magazine, cited=xpost, kind=Citation.Kind.QUOTES)
    CitationFactory(citing=xpost, cited=telegram, kind=Citation.Kind.REPUBLISHES)
    EvidenceFactory(claim=claim, source=magazine)
    EvidenceFactory(claim=claim, source=xpost)

    response = _api(viewer).get(_url(claim, "provenance"))

    assert response.status_code == 200
    body = response.json()
    asserts = next(s for s in body["stances"] if s["stance"] == "asserts")
    assert asserts["independent_origins"] == 1
    assert asserts["evidence_count"] == 2
    assert asserts["voices"][0]["origin_ids"] == [telegram.pk]
    assert asserts["voices"][0]["label"] == "Channel"
    assert body["claim_id"] == claim.pk
    assert {(e["citing_id"], e["cited_id"], e["kind"]) for e in body["edges"]} == {
        (magazine.pk, xpost.pk, "quotes"),
        (xpost.pk, telegram.pk, "republishes"),
    }
    origin = next(n for n in body["nodes"] if n["source_id"] == telegram.pk)
    assert (origin["is_origin"], origin["is_evidence"]) == (True, False)
    assert origin["outlet"]["party_to"] == "Russia"
    assert [p["source_ids"] for p in body["parties"]] == [[telegram.pk]]
    assert body["truncated"] is False


def test_provenance_of_the_demo_mercenaries_claim_is_one_origin(viewer):
    from demo.newsroom import demo_load

    demo_load()
    claim = Claim.objects.get(text__contains="Sprite")

    body = _api(viewer).get(_url(claim, "provenance")).json()

    assert next(s for s in body["stances"] if s["stance"] == "asserts")["independent_origins"] == 1


def _sensitive_chain() -> tuple[Claim, Source, Source]:
    """A claim resting on a public article that relies on a sensitive informant, and on the
    informant directly."""
    claim = ClaimFactory()
    article = SourceFactory(title="Public article", sourcing=DERIVED)
    informant = SourceFactory(
        title="Informant's letter",
        url="https://informant.example/letter",
        sourcing=ORIGINAL,
        is_sensitive=True,
    )
    CitationFactory(citing=article, cited=informant, kind=Citation.Kind.PRIMARY_SOURCE)
    EvidenceFactory(claim=claim, source=article)
    EvidenceFactory(claim=claim, source=informant, stance=Evidence.Stance.SUPPORTS)
    return claim, article, informant


def test_provenance_hides_sensitive_sources_from_a_viewer(viewer):
    claim, article, _ = _sensitive_chain()

    body = _api(viewer).get(_url(claim, "provenance")).json()

    assert [n["source_id"] for n in body["nodes"]] == [article.pk]
    assert body["edges"] == []
    assert [t["source_id"] for t in body["evidence"]] == [article.pk]
    assert all(s["independent_origins"] == 0 for s in body["stances"])
    assert "Informant" not in json.dumps(body)
    assert "informant.example" not in json.dumps(body)


def test_provenance_shows_sensitive_sources_to_an_editor(editor):
    claim, article, informant = _sensitive_chain()

    body = _api(editor).get(_url(claim, "provenance")).json()

    assert {n["source_id"] for n in body["nodes"]} == {article.pk, informant.pk}
    assert next(s for s in body["stances"] if s["stance"] == "asserts")["independent_origins"] == 1


def test_provenance_of_an_unknown_claim_is_404(viewer):
    assert _api(viewer).get(f"{CLAIMS}999999/provenance/").status_code == 404


def test_provenance_needs_a_newsroom_role(outsider):
    assert _api(outsider).get(_url(ClaimFactory(), "provenance")).status_code == 403


# --- Evidence: list ----------------------------------------------------------------------------


def test_evidence_list_shows_the_rows_with_their_via(viewer):
    claim = ClaimFactory()
    article = SourceFactory(title="Article", sourcing=DERIVED)
    citation = CitationFactory(citing=article)
    CitationFactory(citing=article)
    evidence = EvidenceFactory(claim=claim, source=article, quote="Two were killed.", note="n")
    evidence.via.set([citation])

    response = _api(viewer).get(_url(claim, "evidence"))

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == evidence.pk
    assert (row["source"], row["source_title"]) == (article.pk, "Article")
    assert row["claim"] == claim.pk
    assert row["claim_version"] == 1
    assert row["via"] == [citation.pk]
    assert row["quote"] == "Two were killed."
    assert row["stance"] == "asserts"
    assert row["credibility"] == 6


def test_evidence_list_leaves_out_sensitive_sources_for_a_viewer(viewer):
    claim, article, _ = _sensitive_chain()

    rows = _api(viewer).get(_url(claim, "evidence")).json()["results"]

    assert [row["source"] for row in rows] == [article.pk]


def test_evidence_list_leaves_out_via_citations_of_sensitive_sources_for_a_viewer(viewer):
    claim = ClaimFactory()
    article = SourceFactory(sourcing=DERIVED)
    hidden = CitationFactory(citing=article, cited=SourceFactory(is_sensitive=True))
    public = CitationFactory(citing=article)
    EvidenceFactory(claim=claim, source=article).via.set([hidden, public])

    rows = _api(viewer).get(_url(claim, "evidence")).json()["results"]

    assert rows[0]["via"] == [public.pk]


def test_evidence_list_shows_sensitive_sources_to_an_editor(editor):
    claim, article, informant = _sensitive_chain()

    rows = _api(editor).get(_url(claim, "evidence")).json()["results"]

    assert {row["source"] for row in rows} == {article.pk, informant.pk}


def test_evidence_list_of_an_unknown_claim_is_404(viewer):
    assert _api(viewer).get(f"{CLAIMS}999999/evidence/").status_code == 404


# --- Evidence: add -----------------------------------------------------------------------------


def test_fact_checker_adds_evidence(fact_checker):
    claim = ClaimFactory()
    article = SourceFactory(sourcing=DERIVED)
    citation = CitationFactory(citing=article)

    response = _post(
        fact_checker,
        claim,
        "evidence",
        {
            "source": article.pk,
            "stance": "supports",
            "quote": "Двое погибли.",
            "quote_language": "ru",
            "translation": "Two died.",
            "credibility": 3,
            "note": "Eulogy post.",
            "via": [citation.pk],
        },
    )

    assert response.status_code == 201, response.json()
    evidence = Evidence.objects.get()
    body = response.json()
    assert body["id"] == evidence.pk
    assert (body["stance"], body["credibility"], body["via"]) == ("supports", 3, [citation.pk])
    assert body["claim_version"] == 2
    assert body["added_by"] == fact_checker.username
    assert response["ETag"] == claim_etag(claim.pk, 2)
    assert response["Location"].endswith(f"/api/v1/evidence/{evidence.pk}/")
    assert (evidence.claim, evidence.source, evidence.added_by) == (claim, article, fact_checker)
    assert list(evidence.via.all()) == [citation]


def test_evidence_on_a_verdict_flags_the_claim_for_review(fact_checker):
    claim = _verdict(ClaimFactory(), fact_checker)

    _post(fact_checker, claim, "evidence", {"source": SourceFactory().pk, "stance": "contradicts"})

    body = _api(fact_checker).get(_url(claim)).json()
    assert (body["status"], body["needs_review"]) == ("verified", True)


def test_viewer_cannot_add_evidence(viewer):
    claim = ClaimFactory()
    before = _state(claim)

    response = _post(viewer, claim, "evidence", {"source": SourceFactory().pk, "stance": "asserts"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert _state(claim) == before


def test_evidence_add_with_a_sensitive_source_the_checker_may_not_see_is_a_field_error(
    fact_checker,
):
    claim = ClaimFactory()
    before = _state(claim)
    secret = SourceFactory(is_sensitive=True)

    response = _post(fact_checker, claim, "evidence", {"source": secret.pk, "stance": "asserts"})

    assert response.status_code == 400
    assert _field_codes(response, "source") == ["does_not_exist"]
    assert _state(claim) == before


def test_evidence_add_with_a_sensitive_source_reads_like_an_unknown_one(fact_checker):
    claim = ClaimFactory()
    secret = SourceFactory(is_sensitive=True)

    hidden = _post(fact_checker, claim, "evidence", {"source": secret.pk, "stance": "asserts"})
    missing = _post(fact_checker, claim, "evidence", {"source": 999999, "stance": "asserts"})

    assert hidden.json()["fields"]["source"][0]["message"].replace(str(secret.pk), "N") == (
        missing.json()["fields"]["source"][0]["message"].replace("999999", "N")
    )


def test_evidence_add_with_an_unknown_source_is_a_field_error(fact_checker):
    claim = ClaimFactory()

    response = _post(fact_checker, claim, "evidence", {"source": 999999, "stance": "asserts"})

    assert response.status_code == 400
    assert _field_codes(response, "source") == ["does_not_exist"]
    assert not Evidence.objects.exists()


def test_evidence_add_with_an_unknown_via_citation_is_a_field_error(fact_checker):
    claim = ClaimFactory()

    response = _post(
        fact_checker,
        claim,
        "evidence",
        {"source": SourceFactory().pk, "stance": "asserts", "via": [999999]},
    )

    assert response.status_code == 400
    assert _field_codes(response, "via") == ["does_not_exist"]
    assert not Evidence.objects.exists()


def test_evidence_add_with_a_via_citation_of_another_source_is_a_field_error(fact_checker):
    claim = ClaimFactory()
    before = _state(claim)

    response = _post(
        fact_checker,
        claim,
        "evidence",
        {"source": SourceFactory().pk, "stance": "asserts", "via": [CitationFactory().pk]},
    )

    assert response.status_code == 400
    assert _field_codes(response, "via") == ["not_cited_by_source"]
    assert _state(claim) == before


def test_evidence_add_of_the_same_source_and_stance_twice_is_a_field_error(fact_checker):
    claim = ClaimFactory()
    existing = EvidenceFactory(claim=claim)
    before = _state(claim)

    response = _post(
        fact_checker, claim, "evidence", {"source": existing.source_id, "stance": "asserts"}
    )

    assert response.status_code == 400
    assert _field_codes(response, "stance") == ["duplicate"]
    assert _state(claim) == before


def test_evidence_add_of_a_foreign_quote_without_translation_is_a_field_error(fact_checker):
    claim = ClaimFactory()

    response = _post(
        fact_checker,
        claim,
        "evidence",
        {"source": SourceFactory().pk, "stance": "asserts", "quote": "Да.", "quote_language": "ru"},
    )

    assert response.status_code == 400
    assert _field_codes(response, "translation") == ["translation_required"]


@pytest.mark.parametrize(
    "body",
    [
        {"stance": "asserts"},
        {"source": "abc", "stance": "asserts"},
        {"source": 1, "stance": "believes"},
        {"source": 1, "stance": "asserts", "credibility": 7},
        {"source": 1, "stance": "asserts", "via": "12"},
        {"source": 1, "stance": "asserts", "quote": "a\u0000b"},
        {"source": 1, "stance": "asserts", "quote_language": "Russian"},
    ],
)
def test_evidence_add_with_invalid_fields_is_400(fact_checker, body):
    claim = ClaimFactory()
    SourceFactory()

    response = _post(fact_checker, claim, "evidence", body)

    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_evidence_add_to_an_unknown_claim_is_404(fact_checker):
    response = _api(fact_checker).post(
        f"{CLAIMS}999999/evidence/",
        {"source": SourceFactory().pk, "stance": "asserts"},
        format="json",
        HTTP_IF_MATCH='"claim-999999-v1"',
    )

    assert response.status_code == 404


# --- Evidence: edit and remove -----------------------------------------------------------------


def _evidence_url(evidence: Evidence) -> str:
    return f"/api/v1/evidence/{evidence.pk}/"


def test_fact_checker_edits_evidence(fact_checker):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim)

    response = _api(fact_checker).patch(
        _evidence_url(evidence),
        {"credibility": 2, "note": "Matches the records."},
        format="json",
        HTTP_IF_MATCH=_etag(claim),
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["credibility"], response.json()["note"]) == (2, "Matches the records.")
    assert response.json()["claim_version"] == 2
    assert response["ETag"] == claim_etag(claim.pk, 2)
    evidence.refresh_from_db()
    assert (evidence.credibility, evidence.note) == (2, "Matches the records.")


def test_evidence_edit_sets_and_clears_via(fact_checker):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim)
    citation = CitationFactory(citing=evidence.source)
    api = _api(fact_checker)

    set_ = api.patch(
        _evidence_url(evidence), {"via": [citation.pk]}, format="json", HTTP_IF_MATCH=_etag(claim)
    )
    cleared = api.patch(
        _evidence_url(evidence), {"via": []}, format="json", HTTP_IF_MATCH=_etag(claim)
    )

    assert (set_.json()["via"], cleared.json()["via"]) == ([citation.pk], [])


def test_viewer_cannot_edit_evidence(viewer):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim)
    before = _state(claim)

    response = _api(viewer).patch(
        _evidence_url(evidence), {"note": "x"}, format="json", HTTP_IF_MATCH=_etag(claim)
    )

    assert response.status_code == 403
    assert _state(claim) == before


def test_fact_checker_removes_evidence(fact_checker):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim)

    response = _api(fact_checker).delete(_evidence_url(evidence), HTTP_IF_MATCH=_etag(claim))

    assert response.status_code == 200
    assert response.json() == {"claim": claim.pk, "claim_version": 2}
    assert response["ETag"] == claim_etag(claim.pk, 2)
    assert not Evidence.objects.exists()


def test_evidence_remove_with_a_version_query_parameter(fact_checker):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim)

    response = _api(fact_checker).delete(f"{_evidence_url(evidence)}?version=1")

    assert response.status_code == 200
    assert not Evidence.objects.exists()


def test_evidence_remove_with_a_malformed_version_query_parameter_is_400(fact_checker):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim)

    response = _api(fact_checker).delete(f"{_evidence_url(evidence)}?version=latest")

    assert response.status_code == 400
    assert "version" in response.json()["fields"]
    assert Evidence.objects.exists()


def test_viewer_cannot_remove_evidence(viewer):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim)
    before = _state(claim)

    response = _api(viewer).delete(_evidence_url(evidence), HTTP_IF_MATCH=_etag(claim))

    assert response.status_code == 403
    assert _state(claim) == before


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_evidence_on_a_source_the_user_may_not_see_is_404(fact_checker, method):
    claim, _, informant = _sensitive_chain()
    evidence = Evidence.objects.get(source=informant)
    before = _state(claim)

    response = getattr(_api(fact_checker), method)(
        _evidence_url(evidence), {"note": "x"}, format="json", HTTP_IF_MATCH=_etag(claim)
    )

    assert response.status_code == 404
    assert _state(claim) == before


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_evidence_on_a_sensitive_source_is_editable_by_an_editor(editor, method):
    claim, _, informant = _sensitive_chain()
    evidence = Evidence.objects.get(source=informant)

    response = getattr(_api(editor), method)(
        _evidence_url(evidence), {"note": "x"}, format="json", HTTP_IF_MATCH=_etag(claim)
    )

    assert response.status_code == 200


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_unknown_evidence_is_404(fact_checker, method):
    response = getattr(_api(fact_checker), method)(
        "/api/v1/evidence/999999/", {"note": "x"}, format="json", HTTP_IF_MATCH='"claim-1-v1"'
    )

    assert response.status_code == 404


def test_evidence_if_match_must_be_its_claims_etag(fact_checker):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim)
    other = ClaimFactory()

    response = _api(fact_checker).patch(
        _evidence_url(evidence), {"note": "x"}, format="json", HTTP_IF_MATCH=_etag(other)
    )

    assert response.status_code == 400
    assert "If-Match" in response.json()["fields"]


# --- Assignment --------------------------------------------------------------------------------


def test_fact_checker_assigns_a_claim(fact_checker, other_fact_checker):
    claim = ClaimFactory()

    response = _post(fact_checker, claim, "assignment", {"assignee": other_fact_checker.pk})

    assert response.status_code == 200
    assert response.json()["assignee"] == {
        "id": other_fact_checker.pk,
        "username": other_fact_checker.username,
    }
    assert response["ETag"] == claim_etag(claim.pk, 2)
    claim.refresh_from_db()
    assert claim.assignee == other_fact_checker


def test_assignment_to_null_unassigns(fact_checker):
    claim = ClaimFactory(assignee=fact_checker)

    response = _post(fact_checker, claim, "assignment", {"assignee": None})

    assert response.status_code == 200
    assert response.json()["assignee"] is None


def test_assignment_to_a_viewer_is_a_field_error(fact_checker, viewer):
    claim = ClaimFactory()
    before = _state(claim)

    response = _post(fact_checker, claim, "assignment", {"assignee": viewer.pk})

    assert response.status_code == 400
    assert _field_codes(response, "assignee") == ["not_fact_checker"]
    assert _state(claim) == before


def test_assignment_to_an_unknown_user_is_a_field_error(fact_checker):
    claim = ClaimFactory()

    response = _post(fact_checker, claim, "assignment", {"assignee": 999999})

    assert response.status_code == 400
    assert _field_codes(response, "assignee") == ["does_not_exist"]


def test_assignment_without_the_assignee_field_is_400(fact_checker):
    claim = ClaimFactory()

    response = _post(fact_checker, claim, "assignment", {})

    assert response.status_code == 400
    assert _field_codes(response, "assignee") == ["required"]


def test_viewer_cannot_assign(viewer, fact_checker):
    claim = ClaimFactory()
    before = _state(claim)

    response = _post(viewer, claim, "assignment", {"assignee": fact_checker.pk})

    assert response.status_code == 403
    assert _state(claim) == before


# --- Publishing --------------------------------------------------------------------------------


def test_editor_publishes_a_verdict_set_by_a_fact_checker(fact_checker, editor):
    claim = _verdict(ClaimFactory(), fact_checker)

    response = _post(editor, claim, "publish", {"public_summary": "Confirmed by records."})

    assert response.status_code == 200, response.json()
    assert response.json()["published_verdict"] == "verified"
    assert response["ETag"] == claim_etag(claim.pk, claim.version + 1)
    publication = Publication.objects.get()
    assert (publication.action, publication.verdict, publication.actor) == (
        "publish",
        "verified",
        editor,
    )
    assert publication.public_summary == "Confirmed by records."


def test_fact_checker_cannot_publish(fact_checker, other_fact_checker):
    claim = _verdict(ClaimFactory(), other_fact_checker)
    before = _state(claim)

    response = _post(fact_checker, claim, "publish", {"public_summary": "Confirmed."})

    assert response.status_code == 403
    assert _state(claim) == before


def test_editor_cannot_publish_their_own_verdict(editor):
    claim = _verdict(ClaimFactory(), editor)
    before = _state(claim)

    response = _post(editor, claim, "publish", {"public_summary": "Confirmed."})

    assert response.status_code == 403
    assert "Four eyes" in response.json()["message"]
    assert _state(claim) == before


def test_editor_may_publish_their_own_verdict_when_the_desk_allows_it(editor, settings):
    settings.CLAIMTRAIL_ALLOW_SELF_PUBLISH = True
    claim = _verdict(ClaimFactory(), editor)

    response = _post(editor, claim, "publish", {"public_summary": "Confirmed."})

    assert response.status_code == 200


def test_publishing_a_claim_without_a_verdict_is_400(editor):
    claim = ClaimFactory()
    before = _state(claim)

    response = _post(editor, claim, "publish", {"public_summary": "Confirmed."})

    assert response.status_code == 400
    assert _field_codes(response, "status") == ["no_verdict"]
    assert _state(claim) == before


def test_publishing_a_verdict_flagged_for_review_is_400(fact_checker, editor):
    claim = _verdict(ClaimFactory(), fact_checker)
    Claim.objects.filter(pk=claim.pk).update(needs_review=True)

    response = _post(editor, claim, "publish", {"public_summary": "Confirmed."})

    assert response.status_code == 400
    assert _field_codes(response, "status") == ["needs_review"]


def test_publishing_without_a_summary_is_400(fact_checker, editor):
    claim = _verdict(ClaimFactory(), fact_checker)

    response = _post(editor, claim, "publish", {"public_summary": "  "})

    assert response.status_code == 400
    assert "public_summary" in response.json()["fields"]
    assert not Publication.objects.exists()


def test_editor_unpublishes_with_a_reason(fact_checker, editor, other_editor):
    claim = _verdict(ClaimFactory(), fact_checker)
    verdict_publish(
        claim=claim, actor=editor, public_summary="Confirmed.", expected_version=claim.version
    )

    response = _post(other_editor, claim, "unpublish", {"reason": "New evidence to review."})

    assert response.status_code == 200
    assert response.json()["published_verdict"] is None
    last = Publication.objects.latest()
    assert (last.action, last.reason, last.actor) == (
        "unpublish",
        "New evidence to review.",
        other_editor,
    )


def test_unpublishing_what_is_not_published_is_400(fact_checker, editor):
    claim = _verdict(ClaimFactory(), fact_checker)

    response = _post(editor, claim, "unpublish", {"reason": "Oops."})

    assert response.status_code == 400
    assert _field_codes(response, "claim") == ["not_published"]
    assert not Publication.objects.exists()


def test_unpublishing_without_a_reason_is_400(fact_checker, editor):
    claim = _verdict(ClaimFactory(), fact_checker)

    response = _post(editor, claim, "unpublish", {})

    assert response.status_code == 400
    assert _field_codes(response, "reason") == ["required"]


def test_fact_checker_cannot_unpublish(fact_checker, editor):
    claim = _verdict(ClaimFactory(), fact_checker)
    verdict_publish(
        claim=claim, actor=editor, public_summary="Confirmed.", expected_version=claim.version
    )
    before = _state(claim)

    response = _post(fact_checker, claim, "unpublish", {"reason": "Mine to withdraw."})

    assert response.status_code == 403
    assert _state(claim) == before


def test_publications_are_the_corrections_log_oldest_first(fact_checker, editor, viewer):
    claim = _verdict(ClaimFactory(), fact_checker)
    _post(editor, claim, "publish", {"public_summary": "Confirmed."})
    _post(editor, claim, "unpublish", {"reason": "Figure was wrong."})
    _post(editor, claim, "publish", {"public_summary": "Confirmed; figure corrected."})

    response = _api(viewer).get(_url(claim, "publications"))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["action"], r["verdict"]) for r in rows] == [
        ("publish", "verified"),
        ("unpublish", ""),
        ("publish", "verified"),
    ]
    assert rows[1]["reason"] == "Figure was wrong."
    assert rows[2]["public_summary"] == "Confirmed; figure corrected."
    assert rows[0]["status_change"] == StatusChange.objects.get(to_status="verified").pk
    assert rows[1]["status_change"] is None
    assert {r["actor"] for r in rows} == {editor.username}


def test_republishing_a_corrected_summary_is_a_new_log_row(fact_checker, editor):
    claim = _verdict(ClaimFactory(), fact_checker)
    _post(editor, claim, "publish", {"public_summary": "Confirmed."})

    again = _post(editor, claim, "publish", {"public_summary": "Confirmed.", "reason": "Same."})
    corrected = _post(
        editor, claim, "publish", {"public_summary": "Confirmed (corrected).", "reason": "Typo."}
    )

    assert again.status_code == 400
    assert _field_codes(again, "public_summary") == ["already_published"]
    assert corrected.status_code == 200
    assert Publication.objects.count() == 2


def test_publications_of_an_unknown_claim_is_404(viewer):
    assert _api(viewer).get(f"{CLAIMS}999999/publications/").status_code == 404


# --- Relations ---------------------------------------------------------------------------------


def test_fact_checker_relates_two_claims(fact_checker):
    claim, other = ClaimFactory(), ClaimFactory()

    response = _api(fact_checker).post(
        _url(claim, "relations"),
        {"to_claim": other.pk, "kind": "contradicts", "note": "China's denial."},
        format="json",
    )

    assert response.status_code == 201, response.json()
    relation = ClaimRelation.objects.get()
    body = response.json()
    assert body["id"] == relation.pk
    assert (body["kind"], body["direction"], body["note"]) == (
        "contradicts",
        "outgoing",
        "China's denial.",
    )
    assert body["from_claim"]["id"] == claim.pk
    assert body["to_claim"] == {"id": other.pk, "text": other.text, "status": "unverified"}
    assert body["created_by"] == fact_checker.username
    assert (relation.from_claim, relation.to_claim, relation.created_by) == (
        claim,
        other,
        fact_checker,
    )


def test_relating_claims_does_not_bump_their_versions(fact_checker):
    claim, other = ClaimFactory(), ClaimFactory()

    _api(fact_checker).post(
        _url(claim, "relations"), {"to_claim": other.pk, "kind": "supports"}, format="json"
    )

    assert _etag(claim) == claim_etag(claim.pk, 1)


def test_relations_list_shows_both_ways(viewer):
    claim, newer, older = ClaimFactory(), ClaimFactory(), ClaimFactory()
    outgoing = ClaimRelationFactory(from_claim=claim, to_claim=older, kind="updates")
    incoming = ClaimRelationFactory(from_claim=newer, to_claim=claim, kind="updates")
    ClaimRelationFactory(from_claim=newer, to_claim=older)

    response = _api(viewer).get(_url(claim, "relations"))

    assert response.status_code == 200
    assert [(r["id"], r["direction"]) for r in response.json()["results"]] == [
        (outgoing.pk, "outgoing"),
        (incoming.pk, "incoming"),
    ]


def test_relation_to_an_unknown_claim_is_a_field_error(fact_checker):
    claim = ClaimFactory()

    response = _api(fact_checker).post(
        _url(claim, "relations"), {"to_claim": 999999, "kind": "supports"}, format="json"
    )

    assert response.status_code == 400
    assert _field_codes(response, "to_claim") == ["does_not_exist"]
    assert not ClaimRelation.objects.exists()


def test_relation_of_a_claim_to_itself_is_a_field_error(fact_checker):
    claim = ClaimFactory()

    response = _api(fact_checker).post(
        _url(claim, "relations"), {"to_claim": claim.pk, "kind": "supports"}, format="json"
    )

    assert response.status_code == 400
    assert _field_codes(response, "to_claim") == ["self"]


def test_symmetric_relation_the_other_way_is_a_duplicate(fact_checker):
    claim, other = ClaimFactory(), ClaimFactory()
    ClaimRelationFactory(from_claim=other, to_claim=claim, kind="contradicts")

    response = _api(fact_checker).post(
        _url(claim, "relations"), {"to_claim": other.pk, "kind": "contradicts"}, format="json"
    )

    assert response.status_code == 400
    assert _field_codes(response, "to_claim") == ["duplicate"]
    assert ClaimRelation.objects.count() == 1


def test_relation_with_an_unknown_kind_is_400(fact_checker):
    claim, other = ClaimFactory(), ClaimFactory()

    response = _api(fact_checker).post(
        _url(claim, "relations"), {"to_claim": other.pk, "kind": "refutes"}, format="json"
    )

    assert response.status_code == 400
    assert _field_codes(response, "kind") == ["invalid_choice"]


def test_viewer_cannot_relate_claims(viewer):
    claim, other = ClaimFactory(), ClaimFactory()

    response = _api(viewer).post(
        _url(claim, "relations"), {"to_claim": other.pk, "kind": "supports"}, format="json"
    )

    assert response.status_code == 403
    assert not ClaimRelation.objects.exists()


def test_relations_of_an_unknown_claim_is_404(viewer):
    assert _api(viewer).get(f"{CLAIMS}999999/relations/").status_code == 404


def test_fact_checker_removes_a_relation(fact_checker):
    relation = ClaimRelationFactory()

    response = _api(fact_checker).delete(f"/api/v1/relations/{relation.pk}/")

    assert response.status_code == 204
    assert not ClaimRelation.objects.exists()


def test_viewer_cannot_remove_a_relation(viewer):
    relation = ClaimRelationFactory()

    response = _api(viewer).delete(f"/api/v1/relations/{relation.pk}/")

    assert response.status_code == 403
    assert ClaimRelation.objects.filter(pk=relation.pk).exists()


def test_removing_an_unknown_relation_is_404(fact_checker):
    assert _api(fact_checker).delete("/api/v1/relations/999999/").status_code == 404


# --- Claimants ---------------------------------------------------------------------------------

CLAIMANTS = "/api/v1/claimants/"


def test_claimants_list_with_claim_counts(viewer):
    zelenskyy = ClaimantFactory(name="Volodymyr Zelenskyy", title="President of Ukraine")
    ClaimFactory(claimant=zelenskyy)
    ClaimFactory(claimant=zelenskyy)
    ClaimantFactory(name="Lin Jian")

    response = _api(viewer).get(CLAIMANTS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["name"], r["claim_count"]) for r in rows] == [
        ("Lin Jian", 0),
        ("Volodymyr Zelenskyy", 2),
    ]
    assert rows[1]["title"] == "President of Ukraine"


def _claimant_names(user: User, params: dict[str, str]) -> set[str]:
    response = _api(user).get(CLAIMANTS, params)
    assert response.status_code == 200, response.json()
    return {row["name"] for row in response.json()["results"]}


def test_claimants_filter_kind(viewer):
    ClaimantFactory(name="SBU", kind=Claimant.Kind.GOVERNMENT)
    ClaimantFactory(name="Lin Jian", kind=Claimant.Kind.PERSON)

    assert _claimant_names(viewer, {"kind": "government"}) == {"SBU"}


def test_claimants_filter_country_in_any_case(viewer):
    ClaimantFactory(name="SBU", country="UA")
    ClaimantFactory(name="Lin Jian", country="CN")

    assert _claimant_names(viewer, {"country": "ua"}) == {"SBU"}


def test_claimants_filter_q_searches_name_title_and_affiliation(viewer):
    ClaimantFactory(name="Lin Jian", title="Spokesperson", affiliation="Foreign Ministry")
    ClaimantFactory(name="Volodymyr Zelenskyy", title="President")

    assert _claimant_names(viewer, {"q": "foreign spokesperson"}) == {"Lin Jian"}


@pytest.mark.parametrize(
    ("param", "value"), [("kind", "alien"), ("country", "Ukraine"), ("colour", "red")]
)
def test_claimants_bad_filter_is_400_naming_it(viewer, param, value):
    response = _api(viewer).get(CLAIMANTS, {param: value})

    assert response.status_code == 400
    assert param in response.json()["fields"]


def test_viewer_adds_a_claimant(viewer):
    response = _api(viewer).post(
        CLAIMANTS,
        {
            "name": "  Lin  Jian ",
            "kind": "person",
            "title": "Spokesperson",
            "affiliation": "Ministry of Foreign Affairs",
            "country": "cn",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    claimant = Claimant.objects.get()
    assert response.json() == {
        "id": claimant.pk,
        "name": "Lin Jian",
        "kind": "person",
        "title": "Spokesperson",
        "affiliation": "Ministry of Foreign Affairs",
        "country": "CN",
        "claim_count": 0,
        "created_at": response.json()["created_at"],
    }


def test_claimant_with_the_same_name_and_title_twice_is_400(viewer):
    ClaimantFactory(name="Lin Jian", title="Spokesperson")

    response = _api(viewer).post(
        CLAIMANTS, {"name": "Lin Jian", "title": "Spokesperson"}, format="json"
    )

    assert response.status_code == 400
    assert Claimant.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x" * 201},
        {"name": "Lin Jian", "kind": "alien"},
        {"name": "Lin Jian", "country": "CHN"},
        {"name": "Lin Jian", "country": "1A"},
        {"name": "Lin\u0000Jian"},
    ],
)
def test_claimant_create_with_invalid_fields_is_400(viewer, body):
    response = _api(viewer).post(CLAIMANTS, body, format="json")

    assert response.status_code == 400
    assert not Claimant.objects.exists()


def test_outsider_cannot_add_a_claimant(outsider):
    response = _api(outsider).post(CLAIMANTS, {"name": "Lin Jian"}, format="json")

    assert response.status_code == 403
    assert not Claimant.objects.exists()


def test_anonymous_cannot_list_claimants():
    assert _api(None).get(CLAIMANTS).status_code == 401


def test_claimant_detail(viewer):
    claimant = ClaimantFactory(name="SBU")

    response = _api(viewer).get(f"{CLAIMANTS}{claimant.pk}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["name"]) == (claimant.pk, "SBU")


def test_unknown_claimant_is_404(viewer):
    assert _api(viewer).get(f"{CLAIMANTS}999999/").status_code == 404


def test_viewer_edits_a_claimant(viewer):
    claimant = ClaimantFactory(name="Lin Jian")

    response = _api(viewer).patch(
        f"{CLAIMANTS}{claimant.pk}/", {"title": "Spokesperson", "country": "cn"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["country"]) == ("Spokesperson", "CN")
    claimant.refresh_from_db()
    assert (claimant.name, claimant.title, claimant.country) == ("Lin Jian", "Spokesperson", "CN")


def test_claimant_edit_with_an_invalid_kind_is_400(viewer):
    claimant = ClaimantFactory(kind=Claimant.Kind.PERSON)

    response = _api(viewer).patch(f"{CLAIMANTS}{claimant.pk}/", {"kind": "alien"}, format="json")

    assert response.status_code == 400
    claimant.refresh_from_db()
    assert claimant.kind == Claimant.Kind.PERSON


def test_outsider_cannot_edit_a_claimant(outsider):
    claimant = ClaimantFactory(name="Lin Jian")

    response = _api(outsider).patch(f"{CLAIMANTS}{claimant.pk}/", {"name": "X"}, format="json")

    assert response.status_code == 403
    claimant.refresh_from_db()
    assert claimant.name == "Lin Jian"


def test_editing_an_unknown_claimant_is_404(viewer):
    response = _api(viewer).patch(f"{CLAIMANTS}999999/", {"name": "X"}, format="json")

    assert response.status_code == 404
