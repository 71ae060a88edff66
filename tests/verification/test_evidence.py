"""Evidence: linking sources to claims with a stance, a quote and a graded credibility."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from claims.models import Claim
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    EvidenceFactory,
    SourceFactory,
    assign,
    next_request,
)
from verification.models import Evidence
from verification.services import evidence_add, evidence_delete, evidence_update

pytestmark = pytest.mark.django_db


def _codes(exc: ValidationError, field: str) -> list[str]:
    return [error.code for error in exc.error_dict[field]]


def _add(claim: Claim, actor, source=None, **kwargs: Any) -> Evidence:
    claim.refresh_from_db()
    kwargs.setdefault("stance", Evidence.Stance.SUPPORTS)
    return evidence_add(
        claim=claim,
        actor=actor,
        source=source or SourceFactory(),
        expected_version=claim.version,
        **kwargs,
    )


def _update(evidence: Evidence, actor, **changes: Any) -> Evidence:
    version = Claim.objects.get(pk=evidence.claim_id).version
    return evidence_update(evidence=evidence, actor=actor, expected_version=version, **changes)


def _delete(evidence: Evidence, actor) -> None:
    version = Claim.objects.get(pk=evidence.claim_id).version
    evidence_delete(evidence=evidence, actor=actor, expected_version=version)


def _state(claim: Claim) -> tuple:
    row = Claim.objects.get(pk=claim.pk)
    return row.version, row.status, row.needs_review, list(row.evidence.values())


def _claim_with_verdict(status: str = Claim.Status.VERIFIED) -> Claim:
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status=status)
    claim.refresh_from_db()
    return claim


# --- Add, update, delete ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["fact_checker", "editor"])
def test_fact_checker_adds_evidence_and_the_claim_version_is_bumped(request, role):
    actor = request.getfixturevalue(role)
    claim = ClaimFactory()
    source = SourceFactory()

    evidence = _add(
        claim,
        actor,
        source,
        stance=Evidence.Stance.ASSERTS,
        quote="  At least 155 are fighting.  ",
        quote_language="en",
        credibility=Evidence.Credibility.POSSIBLY_TRUE,
        note=" From the briefing. ",
    )

    evidence.refresh_from_db()
    assert (evidence.claim, evidence.source, evidence.stance) == (claim, source, "asserts")
    assert evidence.quote == "At least 155 are fighting."
    assert evidence.note == "From the briefing."
    assert evidence.credibility == 3
    assert evidence.added_by == actor
    claim.refresh_from_db()
    assert claim.version == 2


def test_evidence_credibility_defaults_to_cannot_be_judged(fact_checker):
    evidence = _add(ClaimFactory(), fact_checker)

    assert evidence.credibility == Evidence.Credibility.CANNOT_JUDGE


def test_evidence_update_changes_its_fields_and_bumps_the_claim_version(fact_checker):
    evidence = EvidenceFactory()

    _update(evidence, fact_checker, credibility=1, note="  Confirmed by a second source. ")

    evidence.refresh_from_db()
    assert (evidence.credibility, evidence.note) == (1, "Confirmed by a second source.")
    assert Claim.objects.get(pk=evidence.claim_id).version == 2


def test_evidence_delete_removes_the_row_and_bumps_the_claim_version(fact_checker):
    evidence = EvidenceFactory()
    other = EvidenceFactory(claim=evidence.claim, stance=Evidence.Stance.CONTEXT)

    _delete(evidence, fact_checker)

    assert list(Evidence.objects.filter(claim=evidence.claim)) == [other]
    assert Claim.objects.get(pk=evidence.claim_id).version == 2


@pytest.mark.parametrize("field", ["claim", "source", "added_by", "added_at"])
def test_evidence_update_of_a_field_that_is_not_editable_is_refused(fact_checker, field):
    evidence = EvidenceFactory()
    before = _state(evidence.claim)

    with pytest.raises(ValidationError) as exc:
        _update(evidence, fact_checker, **{field: None})

    assert _codes(exc.value, field) == ["not_editable"]
    assert _state(evidence.claim) == before


# --- What is refused ---------------------------------------------------------------------------


def test_the_same_source_with_the_same_stance_twice_is_refused(fact_checker):
    claim = ClaimFactory()
    source = SourceFactory()
    _add(claim, fact_checker, source, stance=Evidence.Stance.ASSERTS)
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _add(claim, fact_checker, source, stance=Evidence.Stance.ASSERTS)

    assert _codes(exc.value, "stance") == ["duplicate"]
    assert _state(claim) == before


def test_the_same_source_with_another_stance_is_accepted(fact_checker):
    claim = ClaimFactory()
    source = SourceFactory()
    _add(claim, fact_checker, source, stance=Evidence.Stance.ASSERTS)

    _add(claim, fact_checker, source, stance=Evidence.Stance.CONTEXT)

    assert claim.evidence.count() == 2


def test_the_same_source_and_stance_on_another_claim_is_accepted(fact_checker):
    source = SourceFactory()
    _add(ClaimFactory(), fact_checker, source, stance=Evidence.Stance.ASSERTS)

    _add(ClaimFactory(), fact_checker, source, stance=Evidence.Stance.ASSERTS)

    assert source.evidence.count() == 2


def test_evidence_update_into_a_stance_already_recorded_is_refused(fact_checker):
    asserts = EvidenceFactory(stance=Evidence.Stance.ASSERTS)
    context = EvidenceFactory(
        claim=asserts.claim, source=asserts.source, stance=Evidence.Stance.CONTEXT
    )
    before = _state(asserts.claim)

    with pytest.raises(ValidationError) as exc:
        _update(context, fact_checker, stance=Evidence.Stance.ASSERTS)

    assert _codes(exc.value, "stance") == ["duplicate"]
    assert _state(asserts.claim) == before


def test_the_database_refuses_the_same_source_and_stance_twice():
    evidence = EvidenceFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceFactory(claim=evidence.claim, source=evidence.source, stance=evidence.stance)


@pytest.mark.parametrize("credibility", [0, 7, 99, -1])
def test_credibility_outside_1_to_6_is_refused(fact_checker, credibility):
    claim = ClaimFactory()
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _add(claim, fact_checker, credibility=credibility)

    assert "credibility" in exc.value.error_dict
    assert _state(claim) == before


@pytest.mark.parametrize("credibility", [1, 6])
def test_credibility_at_the_ends_of_the_scale_is_accepted(fact_checker, credibility):
    evidence = _add(ClaimFactory(), fact_checker, credibility=credibility)

    assert evidence.credibility == credibility


def test_evidence_update_to_credibility_outside_the_scale_is_refused(fact_checker):
    evidence = EvidenceFactory()

    with pytest.raises(ValidationError) as exc:
        _update(evidence, fact_checker, credibility=7)

    assert "credibility" in exc.value.error_dict
    evidence.refresh_from_db()
    assert evidence.credibility == Evidence.Credibility.CANNOT_JUDGE


def test_the_database_refuses_credibility_outside_the_scale():
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceFactory(credibility=7)


@pytest.mark.parametrize("stance", ["endorses", "", "ASSERTS"])
def test_an_invalid_stance_is_refused(fact_checker, stance):
    claim = ClaimFactory()
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _add(claim, fact_checker, stance=stance)

    assert "stance" in exc.value.error_dict
    assert _state(claim) == before


@pytest.mark.parametrize("field", ["quote", "translation", "note"])
def test_nul_bytes_in_evidence_text_are_refused(fact_checker, field):
    claim = ClaimFactory()

    with pytest.raises(ValidationError) as exc:
        _add(claim, fact_checker, **{field: "one\x00two"})

    assert _codes(exc.value, field) == ["control_characters"]
    assert not claim.evidence.exists()


# --- Translations ------------------------------------------------------------------------------


def test_quote_in_another_language_without_a_translation_is_refused(fact_checker):
    claim = ClaimFactory()
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _add(claim, fact_checker, quote="Погибли двое.", quote_language="ru", translation="  ")

    assert _codes(exc.value, "translation") == ["translation_required"]
    assert _state(claim) == before


def test_quote_in_another_language_with_a_translation_is_accepted(fact_checker):
    evidence = _add(
        ClaimFactory(),
        fact_checker,
        quote="Погибли двое.",
        quote_language="ru",
        translation="Two were killed.",
    )

    assert evidence.translation == "Two were killed."


@pytest.mark.parametrize("quote_language", ["en", "en-GB", "en-us", ""])
def test_quote_in_the_newsroom_language_needs_no_translation(fact_checker, quote_language):
    evidence = _add(
        ClaimFactory(), fact_checker, quote="Two were killed.", quote_language=quote_language
    )

    assert evidence.translation == ""


@pytest.mark.parametrize(
    ("newsroom", "quote_language", "needs_translation"),
    [("ru", "ru", False), ("ru", "en", True), ("en-GB", "en", False), ("EN", "en-US", False)],
)
def test_the_translation_rule_follows_the_newsroom_language_setting(
    settings, fact_checker, newsroom, quote_language, needs_translation
):
    settings.CLAIMTRAIL_NEWSROOM_LANGUAGE = newsroom
    claim = ClaimFactory()

    if needs_translation:
        with pytest.raises(ValidationError) as exc:
            _add(claim, fact_checker, quote="Quoted.", quote_language=quote_language)
        assert _codes(exc.value, "translation") == ["translation_required"]
    else:
        _add(claim, fact_checker, quote="Quoted.", quote_language=quote_language)
        assert claim.evidence.count() == 1


def test_evidence_update_that_drops_the_translation_of_a_foreign_quote_is_refused(fact_checker):
    evidence = EvidenceFactory(
        quote="Погибли двое.", quote_language="ru", translation="Two were killed."
    )

    with pytest.raises(ValidationError) as exc:
        _update(evidence, fact_checker, translation="")

    assert _codes(exc.value, "translation") == ["translation_required"]
    evidence.refresh_from_db()
    assert evidence.translation == "Two were killed."


# --- Evidence on a verdict ---------------------------------------------------------------------


@pytest.mark.parametrize("verdict", sorted(Claim.VERDICTS))
def test_new_evidence_on_a_verdict_flags_it_for_review_and_keeps_the_status(fact_checker, verdict):
    claim = _claim_with_verdict(verdict)

    _add(claim, fact_checker)

    claim.refresh_from_db()
    assert (claim.status, claim.needs_review, claim.version) == (verdict, True, 2)


def test_changed_evidence_weight_on_a_verdict_flags_it_for_review(fact_checker):
    evidence = EvidenceFactory(claim=_claim_with_verdict())

    _update(evidence, fact_checker, credibility=5)

    claim = Claim.objects.get(pk=evidence.claim_id)
    assert (claim.status, claim.needs_review) == (Claim.Status.VERIFIED, True)


def test_deleted_evidence_on_a_verdict_flags_it_for_review(fact_checker):
    evidence = EvidenceFactory(claim=_claim_with_verdict())

    _delete(evidence, fact_checker)

    claim = Claim.objects.get(pk=evidence.claim_id)
    assert (claim.status, claim.needs_review) == (Claim.Status.VERIFIED, True)


def test_a_note_edit_on_a_verdict_does_not_flag_it_for_review(fact_checker):
    evidence = EvidenceFactory(claim=_claim_with_verdict())

    _update(evidence, fact_checker, note="Typo fixed.")

    claim = Claim.objects.get(pk=evidence.claim_id)
    assert (claim.needs_review, claim.version) == (False, 2)


@pytest.mark.parametrize("status", [Claim.Status.UNVERIFIED, Claim.Status.IN_REVIEW])
def test_evidence_before_a_verdict_does_not_flag_review(fact_checker, status):
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status=status)

    _add(claim, fact_checker)

    claim.refresh_from_db()
    assert (claim.status, claim.needs_review) == (status, False)


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_evidence_add_needs_the_fact_checker_role(request, role):
    claim = ClaimFactory()
    before = _state(claim)

    with pytest.raises(PermissionDenied):
        _add(claim, request.getfixturevalue(role))

    assert _state(claim) == before


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_evidence_update_needs_the_fact_checker_role(request, role):
    evidence = EvidenceFactory()
    before = _state(evidence.claim)

    with pytest.raises(PermissionDenied):
        _update(evidence, request.getfixturevalue(role), credibility=1)

    assert _state(evidence.claim) == before


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_evidence_delete_needs_the_fact_checker_role(request, role):
    evidence = EvidenceFactory()
    before = _state(evidence.claim)

    with pytest.raises(PermissionDenied):
        _delete(evidence, request.getfixturevalue(role))

    assert _state(evidence.claim) == before


def test_fact_checker_cannot_attach_a_sensitive_source_they_cannot_see(fact_checker):
    claim = ClaimFactory()
    hidden = SourceFactory(is_sensitive=True)
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _add(claim, fact_checker, hidden)

    assert _codes(exc.value, "source") == ["does_not_exist"]
    assert _state(claim) == before


def test_fact_checker_can_attach_a_sensitive_source_they_logged(fact_checker):
    claim = ClaimFactory()
    own = SourceFactory(is_sensitive=True, created_by=fact_checker)

    evidence = _add(claim, fact_checker, own)

    assert evidence.source == own


def test_editor_can_attach_any_sensitive_source(editor):
    claim = ClaimFactory()
    hidden = SourceFactory(is_sensitive=True)

    evidence = _add(claim, editor, hidden)

    assert evidence.source == hidden


@pytest.mark.parametrize("quote_language", ["EN", "english", "e", "ru_RU", "ru\x00"])
def test_a_malformed_quote_language_is_refused(fact_checker, quote_language):
    claim = ClaimFactory()

    with pytest.raises(ValidationError) as exc:
        _add(claim, fact_checker, quote="Quoted.", quote_language=quote_language)

    assert "quote_language" in exc.value.error_dict
    assert not claim.evidence.exists()


def test_evidence_from_a_sensitive_source_cannot_be_edited_by_a_checker_off_the_claim(
    fact_checker, other_fact_checker, editor
):
    claim = ClaimFactory()
    source = SourceFactory(is_sensitive=True)
    evidence = _add(claim, editor, source=source)
    assign(claim, editor, fact_checker)
    _update(evidence, next_request(fact_checker), credibility=2)  # the editor's assignee may
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _update(evidence, other_fact_checker, credibility=1)
    assert _codes(exc.value, "evidence") == ["does_not_exist"]
    with pytest.raises(ValidationError):
        _delete(evidence, other_fact_checker)
    assert _state(claim) == before


def test_evidence_from_a_sensitive_source_cannot_be_edited_by_a_checker_who_took_the_claim(
    fact_checker, editor
):
    claim = ClaimFactory()
    evidence = _add(claim, editor, source=SourceFactory(is_sensitive=True))
    assign(claim, fact_checker, fact_checker)
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _update(evidence, next_request(fact_checker), credibility=1)
    assert _codes(exc.value, "evidence") == ["does_not_exist"]
    assert _state(claim) == before


def test_deleting_evidence_that_is_already_gone_is_refused_without_a_version_bump(fact_checker):
    claim = ClaimFactory()
    evidence = _add(claim, fact_checker)
    _delete(evidence, fact_checker)
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _delete(evidence, fact_checker)
    assert _codes(exc.value, "evidence") == ["does_not_exist"]
    assert _state(claim) == before


def test_via_must_name_citations_the_evidence_source_makes(fact_checker):
    source, other = SourceFactory(), SourceFactory()
    foreign = CitationFactory(citing=other, cited=SourceFactory())
    claim = ClaimFactory()
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _add(claim, fact_checker, source=source, via=[foreign])
    assert _codes(exc.value, "via") == ["not_cited_by_source"]
    assert _state(claim) == before


def test_changing_via_on_a_verdict_flags_it_for_review(fact_checker):
    source = SourceFactory()
    citation = CitationFactory(citing=source, cited=SourceFactory())
    claim = _claim_with_verdict()
    evidence = _add(claim, fact_checker, source=source)
    Claim.objects.filter(pk=claim.pk).update(needs_review=False)

    _update(evidence, fact_checker, via=[citation])

    assert list(evidence.via.all()) == [citation]
    assert Claim.objects.get(pk=claim.pk).needs_review
