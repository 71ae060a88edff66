"""Publishing verdicts: editors only, four eyes, and the corrections log of publish/unpublish."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from claims.models import Claim
from config.append_only import AppendOnlyError
from tests.factories import (
    ClaimFactory,
    PublicationFactory,
    SourceFactory,
    status_change,
    verdict_set,
)
from verification.models import Evidence, Publication, StatusChange
from verification.selectors import claim_publications, claim_published
from verification.services import (
    evidence_add,
    verdict_publish,
    verdict_publish_check,
    verdict_unpublish,
)

pytestmark = pytest.mark.django_db


def _codes(exc: ValidationError, field: str) -> list[str]:
    return [error.code for error in exc.error_dict[field]]


def _publish(claim: Claim, actor, summary: str = "Confirmed by crossing records.") -> Publication:
    claim.refresh_from_db()
    return verdict_publish(
        claim=claim, actor=actor, public_summary=summary, expected_version=claim.version
    )


def _unpublish(claim: Claim, actor, reason: str = "Verdict under review.") -> Publication:
    claim.refresh_from_db()
    return verdict_unpublish(
        claim=claim, actor=actor, reason=reason, expected_version=claim.version
    )


def _state(claim: Claim) -> tuple:
    row = Claim.objects.get(pk=claim.pk)
    return row.version, Publication.objects.filter(claim=claim).count()


@pytest.fixture
def verdict(fact_checker) -> Claim:
    return verdict_set(ClaimFactory(), fact_checker)


# --- Publishing --------------------------------------------------------------------------------


def test_editor_publishes_a_verdict_set_by_a_fact_checker(verdict, editor):
    version = verdict.version
    verdict_change = StatusChange.objects.filter(claim=verdict).latest()

    publication = _publish(verdict, editor, summary="  Confirmed by crossing records.  ")

    publication.refresh_from_db()
    assert publication.action == Publication.Action.PUBLISH
    assert publication.verdict == Claim.Status.VERIFIED
    assert publication.status_change == verdict_change
    assert publication.public_summary == "Confirmed by crossing records."
    assert publication.actor == editor
    assert claim_published(claim=verdict) == publication
    verdict.refresh_from_db()
    assert (verdict.version, verdict.status) == (version + 1, Claim.Status.VERIFIED)


@pytest.mark.parametrize("verdict_status", sorted(Claim.VERDICTS))
def test_every_verdict_can_be_published(fact_checker, editor, verdict_status):
    claim = verdict_set(ClaimFactory(), fact_checker, verdict_status)

    assert _publish(claim, editor).verdict == verdict_status


@pytest.mark.parametrize("role", ["outsider", "viewer", "fact_checker"])
def test_publishing_needs_the_editor_role(request, verdict, role):
    before = _state(verdict)

    with pytest.raises(PermissionDenied):
        _publish(verdict, request.getfixturevalue(role))

    assert _state(verdict) == before
    assert claim_published(claim=verdict) is None


@pytest.mark.parametrize("status", [Claim.Status.UNVERIFIED, Claim.Status.IN_REVIEW])
def test_only_a_verdict_can_be_published(fact_checker, editor, status):
    claim = ClaimFactory()
    if status == Claim.Status.IN_REVIEW:
        status_change(claim, fact_checker, status)
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _publish(claim, editor)

    assert _codes(exc.value, "status") == ["no_verdict"]
    assert _state(claim) == before


def test_a_verdict_flagged_for_review_cannot_be_published(verdict, fact_checker, editor):
    evidence_add(
        claim=verdict,
        actor=fact_checker,
        source=SourceFactory(),
        stance=Evidence.Stance.CONTRADICTS,
        expected_version=verdict.version,
    )
    before = _state(verdict)

    with pytest.raises(ValidationError) as exc:
        _publish(verdict, editor)

    assert _codes(exc.value, "status") == ["needs_review"]
    assert _state(verdict) == before


@pytest.mark.parametrize("summary", ["", "   ", "\n"])
def test_a_public_summary_is_required(verdict, editor, summary):
    before = _state(verdict)

    with pytest.raises(ValidationError) as exc:
        _publish(verdict, editor, summary=summary)

    assert _codes(exc.value, "public_summary") == ["required"]
    assert _state(verdict) == before


def test_a_public_summary_with_nul_bytes_is_refused(verdict, editor):
    with pytest.raises(ValidationError) as exc:
        _publish(verdict, editor, summary="Confirmed.\x00")

    assert _codes(exc.value, "public_summary") == ["control_characters"]
    assert claim_published(claim=verdict) is None


# --- Four eyes ---------------------------------------------------------------------------------


def test_editor_cannot_publish_a_verdict_they_set_themselves(editor):
    claim = verdict_set(ClaimFactory(), editor)
    before = _state(claim)

    with pytest.raises(PermissionDenied):
        _publish(claim, editor)

    assert _state(claim) == before


def test_another_editor_publishes_an_editors_verdict(editor, other_editor):
    claim = verdict_set(ClaimFactory(), editor)

    assert _publish(claim, other_editor).actor == other_editor


def test_editor_who_only_took_the_claim_into_review_may_publish_its_verdict(fact_checker, editor):
    claim = verdict_set(ClaimFactory(), fact_checker, reviewer=editor)

    assert _publish(claim, editor).verdict == Claim.Status.VERIFIED


def test_editor_who_set_the_verdict_after_another_opened_the_review_may_not_publish(
    fact_checker, editor
):
    claim = verdict_set(ClaimFactory(), editor, reviewer=fact_checker)

    with pytest.raises(PermissionDenied):
        _publish(claim, editor)


def test_self_publishing_is_allowed_when_the_setting_relaxes_four_eyes(settings, editor):
    settings.CLAIMTRAIL_ALLOW_SELF_PUBLISH = True
    claim = verdict_set(ClaimFactory(), editor)

    publication = _publish(claim, editor)

    assert (publication.actor, publication.status_change.actor) == (editor, editor)


# --- Republishing, unpublishing, the corrections log -------------------------------------------


def test_publishing_the_same_verdict_with_the_same_summary_twice_is_refused(verdict, editor):
    _publish(verdict, editor, summary="Confirmed.")
    before = _state(verdict)

    with pytest.raises(ValidationError) as exc:
        _publish(verdict, editor, summary="  Confirmed. ")

    assert _codes(exc.value, "public_summary") == ["already_published"]
    assert _state(verdict) == before


def test_republishing_with_a_corrected_summary_is_recorded(verdict, editor, other_editor):
    first = _publish(verdict, editor, summary="Confirmed by 3 sources.")
    verdict.refresh_from_db()

    corrected = verdict_publish(
        claim=verdict,
        actor=other_editor,
        public_summary="Confirmed by two sources.",
        reason="Miscounted the sources.",
        expected_version=verdict.version,
    )

    assert list(claim_publications(claim=verdict)) == [first, corrected]
    assert claim_published(claim=verdict) == corrected
    assert corrected.reason == "Miscounted the sources."
    assert corrected.status_change == first.status_change


def test_unpublishing_withdraws_the_published_verdict(verdict, editor):
    _publish(verdict, editor)
    version = Claim.objects.get(pk=verdict.pk).version

    withdrawal = _unpublish(verdict, editor, reason="  Under   review\nagain. ")

    assert claim_published(claim=verdict) is None
    assert withdrawal.action == Publication.Action.UNPUBLISH
    assert (withdrawal.verdict, withdrawal.status_change) == ("", None)
    assert withdrawal.reason == "Under review again."
    assert Claim.objects.get(pk=verdict.pk).version == version + 1


@pytest.mark.parametrize("reason", ["", "  ", "\t\n"])
def test_unpublishing_needs_a_reason(verdict, editor, reason):
    _publish(verdict, editor)
    before = _state(verdict)

    with pytest.raises(ValidationError) as exc:
        _unpublish(verdict, editor, reason=reason)

    assert _codes(exc.value, "reason") == ["required"]
    assert _state(verdict) == before


def test_unpublishing_needs_something_published(verdict, editor):
    with pytest.raises(ValidationError) as exc:
        _unpublish(verdict, editor)

    assert _codes(exc.value, "claim") == ["not_published"]
    assert not Publication.objects.filter(claim=verdict).exists()


def test_unpublishing_twice_is_refused(verdict, editor):
    _publish(verdict, editor)
    _unpublish(verdict, editor)
    before = _state(verdict)

    with pytest.raises(ValidationError) as exc:
        _unpublish(verdict, editor)

    assert _codes(exc.value, "claim") == ["not_published"]
    assert _state(verdict) == before


@pytest.mark.parametrize("role", ["viewer", "fact_checker"])
def test_unpublishing_needs_the_editor_role(request, verdict, editor, role):
    publication = _publish(verdict, editor)

    with pytest.raises(PermissionDenied):
        _unpublish(verdict, request.getfixturevalue(role))

    assert claim_published(claim=verdict) == publication


def test_republishing_after_an_unpublish_is_recorded(verdict, editor):
    first = _publish(verdict, editor, summary="Confirmed.")
    withdrawal = _unpublish(verdict, editor)

    again = _publish(verdict, editor, summary="Confirmed.")

    assert claim_published(claim=verdict) == again
    assert list(claim_publications(claim=verdict)) == [first, withdrawal, again]
    assert [p.action for p in claim_publications(claim=verdict)] == [
        "publish",
        "unpublish",
        "publish",
    ]


def test_published_verdict_stays_visible_while_the_claim_is_reopened(verdict, fact_checker, editor):
    published = _publish(verdict, editor)

    status_change(verdict, fact_checker, Claim.Status.IN_REVIEW)

    assert claim_published(claim=verdict) == published
    with pytest.raises(ValidationError):
        _publish(verdict, editor, summary="Something new.")


def test_a_new_verdict_after_reopening_is_published_with_its_own_audit_row(
    verdict, fact_checker, editor
):
    first = _publish(verdict, editor, summary="Confirmed.")
    status_change(verdict, fact_checker, Claim.Status.IN_REVIEW)
    verdict_set(verdict, fact_checker, Claim.Status.MISLEADING)

    second = _publish(verdict, editor, summary="Confirmed.")

    assert (second.verdict, claim_published(claim=verdict)) == ("misleading", second)
    assert second.status_change != first.status_change
    assert second.status_change.to_status == "misleading"
    assert list(claim_publications(claim=verdict)) == [first, second]


def test_claim_without_publications_has_none_published_and_an_empty_log():
    claim = ClaimFactory()

    assert claim_published(claim=claim) is None
    assert list(claim_publications(claim=claim)) == []


def test_publications_of_other_claims_are_not_in_the_log(fact_checker, editor):
    claim = verdict_set(ClaimFactory(), fact_checker)
    other = verdict_set(ClaimFactory(), fact_checker)
    _publish(other, editor)

    assert claim_published(claim=claim) is None
    assert list(claim_publications(claim=claim)) == []


# --- The rows themselves -----------------------------------------------------------------------


def test_publication_is_append_only(verdict, editor):
    publication = _publish(verdict, editor, summary="Confirmed.")

    publication.public_summary = "Quietly changed."
    with pytest.raises(AppendOnlyError):
        publication.save()
    with pytest.raises(AppendOnlyError):
        publication.delete()
    with pytest.raises(AppendOnlyError):
        Publication.objects.filter(pk=publication.pk).update(public_summary="Quietly changed.")
    with pytest.raises(AppendOnlyError):
        Publication.objects.filter(claim=verdict).delete()

    assert Publication.objects.get(pk=publication.pk).public_summary == "Confirmed."


@pytest.mark.parametrize(
    "fields",
    [
        {"public_summary": ""},
        {"verdict": Claim.Status.IN_REVIEW},
        {"verdict": ""},
        {"status_change": None},
        {"action": Publication.Action.UNPUBLISH},
        {"action": Publication.Action.UNPUBLISH, "verdict": "", "reason": ""},
        {"action": "retract"},
    ],
    ids=[
        "publish-without-summary",
        "publish-work-in-progress",
        "publish-without-verdict",
        "publish-without-audit-row",
        "unpublish-with-verdict",
        "unpublish-without-reason",
        "unknown-action",
    ],
)
def test_the_database_refuses_an_inconsistent_publication(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicationFactory(**fields)


def test_the_database_accepts_a_consistent_unpublish():
    published = PublicationFactory()

    PublicationFactory(
        claim=published.claim,
        action=Publication.Action.UNPUBLISH,
        verdict="",
        status_change=None,
        public_summary="",
        reason="Withdrawn.",
    )

    assert claim_published(claim=published.claim) is None


def test_a_verdict_set_outside_the_workflow_cannot_be_published(editor):
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.VERIFIED)
    claim.refresh_from_db()
    before = _state(claim)

    with pytest.raises(ValidationError) as exc:
        _publish(claim, editor)
    assert _codes(exc.value, "status") == ["no_audit_row"]
    assert _state(claim) == before


# --- The check the page and the service share ----------------------------------------------


def test_publish_check_with_the_history_given_answers_as_it_reads_it(fact_checker, editor):
    claim = verdict_set(ClaimFactory(), fact_checker, reviewer=editor)
    history = list(StatusChange.objects.filter(claim=claim).order_by("created_at", "pk"))

    given = verdict_publish_check(claim=claim, actor=editor, history=history)

    assert given == verdict_publish_check(claim=claim, actor=editor)
    assert given.to_status == Claim.Status.VERIFIED and given.actor == fact_checker


def test_publish_check_refuses_what_the_service_refuses(editor, other_editor):
    claim = verdict_set(ClaimFactory(), editor)

    with pytest.raises(PermissionDenied, match="Four eyes"):
        verdict_publish_check(claim=claim, actor=editor)
    with pytest.raises(ValidationError) as exc:
        verdict_publish_check(claim=claim, actor=other_editor, history=[])
    assert _codes(exc.value, "status") == ["no_audit_row"]
