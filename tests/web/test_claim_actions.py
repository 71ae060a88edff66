"""The claim page's actions: status, evidence, relations, assignment, publishing. Without
JavaScript (redirect after success, the page again with errors) and with htmx (the page's content
only), forged POSTs refused, stale versions answered with the other change and nothing written."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import User

from claims.models import Claim, ClaimRelation
from sources.models import RestrictedSourceAttempt, Snapshot, Source
from sources.services import RESTRICTED_MESSAGE
from tests.factories import ClaimFactory, SourceFactory
from tests.web.claim_helpers import HTMX, claim_url, move, verdict
from verification.models import Evidence, Publication, StatusChange
from verification.services import claim_status_change, verdict_publish

pytestmark = pytest.mark.django_db


def _rows() -> dict[str, int]:
    """Rows per model, sessions aside (signing in writes one)."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label != "sessions"
    }


def _post(client, user: User, claim: Claim, name: str, data: dict, **extra):
    client.force_login(user)
    return client.post(claim_url(claim, name), data, **extra)


def _text(response) -> str:
    return response.content.decode()


def _status_data(claim: Claim, **changes) -> dict:
    return {
        "version": claim.version,
        "to_status": Claim.Status.IN_REVIEW,
        "rationale": "Picking it up.",
    } | changes


# --- Status ------------------------------------------------------------------------------------


def test_status_change_without_javascript_redirects_to_the_page(client, fact_checker):
    claim = ClaimFactory()
    response = _post(client, fact_checker, claim, "claim-status", _status_data(claim))
    assert response.status_code == 302
    assert response["Location"] == claim_url(claim) + "#workflow"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    assert claim.version == 2
    change = StatusChange.objects.get(claim=claim)
    assert change.rationale == "Picking it up."
    assert change.actor == fact_checker
    page = _text(client.get(response["Location"]))
    assert "Status changed to In review." in page
    assert "Status: Unverified → In review" in page


def test_status_change_with_htmx_answers_with_the_new_page_content(client, fact_checker):
    claim = ClaimFactory()
    response = _post(client, fact_checker, claim, "claim-status", _status_data(claim), **HTMX)
    assert response.status_code == 200
    page = _text(response)
    assert "<html" not in page
    assert 'id="claim-page"' in page
    assert "Status changed to In review." in page
    # Every form now carries the new version.
    assert 'name="version" value="1"' not in page
    assert 'name="version" value="2"' in page


def test_blank_rationale_is_a_field_error_and_nothing_is_written(client, fact_checker):
    claim = ClaimFactory()
    before = _rows()
    response = _post(client, fact_checker, claim, "claim-status", _status_data(claim, rationale=""))
    assert response.status_code == 400
    page = _text(response)
    assert 'id="status-rationale-error"' in page
    assert 'aria-invalid="true" aria-describedby="status-rationale-error"' in page
    assert "<html" in page
    assert _rows() == before


def test_bad_input_with_htmx_is_a_400_fragment(client, fact_checker):
    claim = ClaimFactory()
    response = _post(
        client, fact_checker, claim, "claim-status", _status_data(claim, rationale=" "), **HTMX
    )
    assert response.status_code == 400
    assert "<html" not in _text(response)
    assert 'id="status-rationale-error"' in _text(response)


def test_a_move_the_workflow_does_not_allow_is_a_field_error(client, fact_checker):
    claim = ClaimFactory()
    before = _rows()
    data = _status_data(claim, to_status=Claim.Status.VERIFIED)
    response = _post(client, fact_checker, claim, "claim-status", data)
    assert response.status_code == 400
    assert "cannot go from unverified to verified" in _text(response)
    assert _rows() == before


@pytest.mark.parametrize("bad", [{"version": ""}, {"version": "abc"}, {"to_status": "nonsense"}])
def test_missing_version_or_unknown_status_is_400(client, fact_checker, bad):
    claim = ClaimFactory()
    before = _rows()
    response = _post(client, fact_checker, claim, "claim-status", _status_data(claim, **bad))
    assert response.status_code == 400
    assert _rows() == before


def test_stale_status_change_is_a_conflict_naming_the_other_change(
    client, fact_checker, other_fact_checker
):
    claim = ClaimFactory()
    seen = claim.version
    claim_status_change(
        claim=claim,
        actor=other_fact_checker,
        to_status=Claim.Status.IN_REVIEW,
        rationale="Mine now.",
        expected_version=seen,
    )
    claim.refresh_from_db()
    before = _rows()
    data = {"version": seen, "to_status": Claim.Status.IN_REVIEW, "rationale": "I take it."}
    response = _post(client, fact_checker, claim, "claim-status", data)
    assert response.status_code == 409
    page = _text(response)
    assert "<html" in page  # without JavaScript: the whole page again, with the message
    assert "This claim changed while you were working on it" in page
    assert other_fact_checker.username in page
    assert "from Unverified to In review" in page
    assert "Mine now." in page
    assert f"You were working on version {seen}; it is now version {claim.version}" in page
    assert "Nothing you entered was saved" in page
    assert "I take it." in page  # the user's input is kept
    assert f'name="version" value="{claim.version}"' in page
    assert _rows() == before
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    assert StatusChange.objects.get(claim=claim).actor == other_fact_checker


def test_stale_status_change_with_htmx_is_a_409_fragment(client, fact_checker, other_fact_checker):
    claim = ClaimFactory()
    seen = claim.version
    move(claim, other_fact_checker, Claim.Status.IN_REVIEW)
    data = {"version": seen, "to_status": Claim.Status.IN_REVIEW, "rationale": "Me."}
    response = _post(client, fact_checker, claim, "claim-status", data, **HTMX)
    assert response.status_code == 409
    assert "<html" not in _text(response)
    assert 'role="alert" id="conflict"' in _text(response)


def test_assignment_conflict_describes_the_claim_as_it_is_now(
    client, fact_checker, other_fact_checker
):
    claim = ClaimFactory()
    seen = claim.version
    _post(
        client,
        other_fact_checker,
        claim,
        "claim-assign",
        {"version": seen, "assignee": other_fact_checker.pk},
    )
    response = _post(client, fact_checker, claim, "claim-status", _status_data(claim))
    assert response.status_code == 409
    page = _text(response)
    assert f"assigned to <strong>{other_fact_checker.username}</strong>" in page
    assert not StatusChange.objects.exists()


# --- Forged POSTs ------------------------------------------------------------------------------


def _forged_bodies(claim: Claim, source: Source, viewer: User) -> dict[str, dict]:
    version = claim.version
    return {
        "claim-status": _status_data(claim),
        "claim-evidence": {"version": version, "source": source.pk, "stance": "asserts"},
        "claim-relate": {"version": version, "to_claim": ClaimFactory().pk, "kind": "supports"},
        "claim-assign": {"version": version, "assignee": viewer.pk},
        "claim-publish": {"version": version, "public_summary": "Forged."},
        "claim-unpublish": {"version": version, "reason": "Forged."},
    }


@pytest.mark.parametrize(
    "name",
    [
        "claim-status",
        "claim-evidence",
        "claim-relate",
        "claim-assign",
        "claim-publish",
        "claim-unpublish",
    ],
)
def test_viewer_forged_posts_are_refused_and_write_nothing(client, viewer, fact_checker, name):
    claim = verdict(ClaimFactory(), fact_checker)
    body = _forged_bodies(claim, SourceFactory(), viewer)[name]
    before = _rows()
    assert _post(client, viewer, claim, name, body).status_code == 403
    assert _post(client, viewer, claim, name, body, **HTMX).status_code == 403
    assert _rows() == before
    claim.refresh_from_db()
    assert claim.version == 3


@pytest.mark.parametrize("name", ["claim-publish", "claim-unpublish"])
def test_fact_checker_forged_publishing_is_refused(client, fact_checker, other_fact_checker, name):
    claim = verdict(ClaimFactory(), other_fact_checker)
    body = _forged_bodies(claim, SourceFactory(), fact_checker)[name]
    before = _rows()
    assert _post(client, fact_checker, claim, name, body).status_code == 403
    assert _rows() == before


@pytest.mark.parametrize("name", ["claim-status", "claim-evidence", "claim-publish"])
def test_actions_refuse_get(client, editor, name):
    client.force_login(editor)
    assert client.get(claim_url(ClaimFactory(), name)).status_code == 405


def test_action_on_a_missing_claim_is_404(client, fact_checker):
    client.force_login(fact_checker)
    response = client.post("/claims/999999/status/", {"version": 1, "to_status": "in_review"})
    assert response.status_code == 404


# --- Evidence ----------------------------------------------------------------------------------


def _evidence_data(claim: Claim, **changes) -> dict:
    return {
        "version": claim.version,
        "stance": "contradicts",
        "credibility": "2",
        "quote": "",
        "quote_language": "",
        "translation": "",
        "note": "",
        "url": "",
        "source": "",
    } | changes


def test_add_evidence_from_a_picked_source(client, fact_checker):
    claim = ClaimFactory()
    source = SourceFactory(title="Ministry denial")
    data = _evidence_data(claim, source=source.pk, quote="No such thing.", note="Official.")
    response = _post(client, fact_checker, claim, "claim-evidence", data)
    assert response.status_code == 302
    assert response["Location"].endswith("#evidence")
    evidence = Evidence.objects.get(claim=claim)
    assert (evidence.source, evidence.stance, evidence.credibility) == (source, "contradicts", 2)
    assert evidence.quote == "No such thing."
    assert evidence.added_by == fact_checker
    claim.refresh_from_db()
    assert claim.version == 2


def test_add_evidence_from_a_new_url_logs_the_source_and_its_capture(client, fact_checker):
    claim = ClaimFactory()
    url = "https://www.example-news.test/2025/denial?utm_source=x"
    data = _evidence_data(claim, url=url, source_title="The denial")
    response = _post(client, fact_checker, claim, "claim-evidence", data, **HTMX)
    assert response.status_code == 200
    source = Source.objects.get(canonical_url="https://example-news.test/2025/denial")
    assert source.title == "The denial"
    assert source.kind == Source.Kind.ARTICLE
    assert source.created_by == fact_checker
    assert Snapshot.objects.filter(source=source, status=Snapshot.Status.PENDING).exists()
    assert Evidence.objects.get(claim=claim).source == source
    assert "Evidence added: The denial (contradicts)." in _text(response)


def test_a_social_post_url_becomes_a_social_post(client, fact_checker):
    claim = ClaimFactory()
    data = _evidence_data(claim, url="https://t.me/s/somechannel/42")
    _post(client, fact_checker, claim, "claim-evidence", data)
    assert Evidence.objects.get(claim=claim).source.kind == Source.Kind.SOCIAL_POST


def test_a_url_already_recorded_in_another_spelling_reuses_its_source(client, fact_checker):
    claim = ClaimFactory()
    existing = SourceFactory(url="https://x.com/someone/status/123")
    data = _evidence_data(claim, url="https://twitter.com/someone/status/123?s=20")
    response = _post(client, fact_checker, claim, "claim-evidence", data)
    assert response.status_code == 302
    assert Evidence.objects.get(claim=claim).source == existing
    assert Source.objects.count() == 1


def test_new_url_with_a_stale_version_writes_neither_source_nor_evidence(
    client, fact_checker, other_fact_checker
):
    claim = ClaimFactory()
    seen = claim.version
    move(claim, other_fact_checker, Claim.Status.IN_REVIEW)
    before = _rows()
    data = _evidence_data(claim, version=seen, url="https://new.example/report")
    response = _post(client, fact_checker, claim, "claim-evidence", data)
    assert response.status_code == 409
    assert "https://new.example/report" in _text(response)  # kept for another try
    assert _rows() == before


@pytest.mark.parametrize(
    ("changes", "error_id"),
    [
        ({}, "evidence-url-error"),  # neither a source nor a URL
        ({"url": "javascript:alert(1)"}, "evidence-url-error"),
        ({"stance": ""}, "evidence-stance-error"),
        ({"stance": "believes"}, "evidence-stance-error"),
        ({"credibility": "9"}, "evidence-credibility-error"),
        ({"quote": "Два наёмника", "quote_language": "ru"}, "evidence-translation-error"),
    ],
)
def test_bad_evidence_is_a_field_error_and_nothing_is_written(
    client, fact_checker, changes, error_id
):
    claim = ClaimFactory()
    data = _evidence_data(claim, **changes)
    if "url" not in changes:
        data["source"] = SourceFactory().pk if changes else ""
    before = _rows()
    response = _post(client, fact_checker, claim, "claim-evidence", data)
    assert response.status_code == 400, error_id
    assert f'id="{error_id}"' in _text(response)
    assert _rows() == before


def test_both_a_source_and_a_url_is_refused(client, fact_checker):
    claim = ClaimFactory()
    data = _evidence_data(claim, source=SourceFactory().pk, url="https://a.example/x")
    response = _post(client, fact_checker, claim, "claim-evidence", data)
    assert response.status_code == 400
    assert "not both" in _text(response)


def test_a_sensitive_source_the_user_may_not_see_is_no_such_source(client, fact_checker):
    claim = ClaimFactory()
    hidden = SourceFactory(title="Informant", is_sensitive=True)
    before = _rows()
    data = _evidence_data(claim, source=hidden.pk)
    response = _post(client, fact_checker, claim, "claim-evidence", data)
    assert response.status_code == 400
    assert "No such source." in _text(response)
    assert "Informant" not in _text(response)
    assert _rows() == before


def test_a_url_of_a_hidden_sensitive_source_is_not_named(client, fact_checker):
    claim = ClaimFactory()
    hidden = SourceFactory(title="Informant", url="https://secret.example/page", is_sensitive=True)
    data = _evidence_data(claim, url="https://secret.example/page")
    response = _post(client, fact_checker, claim, "claim-evidence", data)
    assert response.status_code == 400
    assert RESTRICTED_MESSAGE in _text(response)
    assert "Informant" not in _text(response)
    assert f"/sources/{hidden.pk}/" not in _text(response)
    assert RestrictedSourceAttempt.objects.get().attempted_by == fact_checker


def test_evidence_on_a_verdict_flags_it_for_review(client, fact_checker):
    claim = verdict(ClaimFactory(), fact_checker)
    data = _evidence_data(claim, source=SourceFactory().pk)
    response = _post(client, fact_checker, claim, "claim-evidence", data, **HTMX)
    assert "flagged for review" in _text(response)
    claim.refresh_from_db()
    assert claim.needs_review
    assert claim.status == Claim.Status.VERIFIED


def test_evidence_form_keeps_the_picked_source_after_an_error(client, fact_checker):
    claim = ClaimFactory()
    source = SourceFactory(title="Picked report")
    data = _evidence_data(claim, source=source.pk, stance="")
    page = _text(_post(client, fact_checker, claim, "claim-evidence", data))
    picked = f'id="source-pick-{source.pk}" name="source" value="{source.pk}" form="evidence-form"'
    assert f"{picked} checked" in page


# --- Relations ---------------------------------------------------------------------------------


def test_relate_two_claims(client, fact_checker):
    claim = ClaimFactory()
    other = ClaimFactory(text="At least 163 are fighting.")
    data = {
        "version": claim.version,
        "to_claim": other.pk,
        "kind": "contradicts",
        "note": "Figures",
    }
    response = _post(client, fact_checker, claim, "claim-relate", data)
    assert response.status_code == 302
    assert response["Location"].endswith("#related")
    relation = ClaimRelation.objects.get()
    assert (relation.from_claim, relation.to_claim, relation.kind) == (claim, other, "contradicts")
    page = _text(client.get(claim_url(claim)))
    assert "This claim <strong>contradicts</strong>" in page


@pytest.mark.parametrize(
    ("to_claim", "kind", "error"),
    [
        ("self", "supports", "cannot be related to itself"),
        ("999999", "supports", "No such claim."),
        ("", "supports", "Pick the claim"),
        ("other", "", "This field is required."),
        ("dup", "contradicts", "already related"),
    ],
)
def test_bad_relation_is_a_400(client, fact_checker, to_claim, kind, error):
    claim = ClaimFactory()
    other = ClaimFactory()
    if to_claim == "dup":
        ClaimRelation.objects.create(
            from_claim=other, to_claim=claim, kind="contradicts", created_by=fact_checker
        )
    before = _rows()
    target = {"self": claim.pk, "other": other.pk, "dup": other.pk}.get(to_claim, to_claim)
    data = {"version": claim.version, "to_claim": target, "kind": kind}
    response = _post(client, fact_checker, claim, "claim-relate", data)
    assert response.status_code == 400
    assert error in _text(response)
    assert _rows() == before


def test_relating_from_a_stale_page_is_a_conflict(client, fact_checker, other_fact_checker):
    claim = ClaimFactory()
    seen = claim.version
    move(claim, other_fact_checker, Claim.Status.IN_REVIEW)
    data = {"version": seen, "to_claim": ClaimFactory().pk, "kind": "supports"}
    response = _post(client, fact_checker, claim, "claim-relate", data)
    assert response.status_code == 409
    assert not ClaimRelation.objects.exists()


# --- Assignment --------------------------------------------------------------------------------


def test_assign_to_me_to_another_fact_checker_and_to_nobody(
    client, fact_checker, other_fact_checker
):
    claim = ClaimFactory()
    _post(client, fact_checker, claim, "claim-assign", {"version": 1, "assignee": fact_checker.pk})
    claim.refresh_from_db()
    assert claim.assignee == fact_checker
    response = _post(
        client,
        fact_checker,
        claim,
        "claim-assign",
        {"version": 2, "assignee": other_fact_checker.pk},
        **HTMX,
    )
    assert f"Assigned to {other_fact_checker.username}." in _text(response)
    claim.refresh_from_db()
    assert claim.assignee == other_fact_checker
    _post(client, fact_checker, claim, "claim-assign", {"version": 3, "assignee": "none"})
    claim.refresh_from_db()
    assert claim.assignee is None
    assert claim.version == 4


def test_assigning_to_a_viewer_is_refused(client, fact_checker, viewer):
    claim = ClaimFactory()
    response = _post(
        client, fact_checker, claim, "claim-assign", {"version": 1, "assignee": viewer.pk}
    )
    assert response.status_code == 400
    assert 'id="assign-to-error"' in _text(response)
    claim.refresh_from_db()
    assert claim.assignee is None


# --- Publishing --------------------------------------------------------------------------------


def test_editor_publishes_a_verdict_someone_else_set(client, fact_checker, editor):
    claim = verdict(ClaimFactory(), fact_checker)
    data = {"version": claim.version, "public_summary": "Confirmed by border data.", "reason": ""}
    response = _post(client, editor, claim, "claim-publish", data)
    assert response.status_code == 302
    assert response["Location"].endswith("#publishing")
    publication = Publication.objects.get(claim=claim)
    assert publication.verdict == Claim.Status.VERIFIED
    assert publication.public_summary == "Confirmed by border data."
    page = _text(client.get(claim_url(claim)))
    assert "Published: Verified, with its public summary." in page
    assert 'id="unpublish-form"' in page


def test_publishing_your_own_verdict_is_refused_with_the_reason(client, editor):
    claim = verdict(ClaimFactory(), editor)
    before = _rows()
    data = {"version": claim.version, "public_summary": "Mine."}
    response = _post(client, editor, claim, "claim-publish", data)
    assert response.status_code == 403
    assert "Four eyes" in _text(response)
    assert _rows() == before


def test_blank_public_summary_is_a_field_error(client, fact_checker, editor):
    claim = verdict(ClaimFactory(), fact_checker)
    response = _post(
        client, editor, claim, "claim-publish", {"version": claim.version, "public_summary": ""}
    )
    assert response.status_code == 400
    assert 'id="publish-summary-error"' in _text(response)
    assert not Publication.objects.exists()


def test_publishing_a_claim_without_a_verdict_is_refused(client, editor):
    claim = ClaimFactory()
    response = _post(
        client, editor, claim, "claim-publish", {"version": 1, "public_summary": "Too soon."}
    )
    assert response.status_code == 400
    assert "Only a verdict can be published" in _text(response)
    assert not Publication.objects.exists()


def test_stale_publish_is_a_conflict(client, fact_checker, editor):
    claim = verdict(ClaimFactory(), fact_checker)
    seen = claim.version
    move(claim, fact_checker, Claim.Status.IN_REVIEW, Claim.Status.FALSE)
    response = _post(
        client, editor, claim, "claim-publish", {"version": seen, "public_summary": "Verified."}
    )
    assert response.status_code == 409
    assert "from In review to False" in _text(response)
    assert not Publication.objects.exists()


def test_unpublish_needs_a_reason_and_is_recorded(client, fact_checker, editor, other_editor):
    claim = verdict(ClaimFactory(), fact_checker)
    verdict_publish(
        claim=claim, actor=editor, public_summary="Checks out.", expected_version=claim.version
    )
    claim.refresh_from_db()
    response = _post(client, other_editor, claim, "claim-unpublish", {"version": claim.version})
    assert response.status_code == 400
    assert 'id="unpublish-reason-error"' in _text(response)
    response = _post(
        client,
        other_editor,
        claim,
        "claim-unpublish",
        {"version": claim.version, "reason": "The summary overstated it."},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Verdict unpublished." in _text(response)
    last = Publication.objects.filter(claim=claim).latest()
    assert last.action == Publication.Action.UNPUBLISH
    assert last.reason == "The summary overstated it."
    assert "Unpublished the verdict" in _text(response)
