"""The status workflow: who may move a claim where, its audit trail, stale versions, assignment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from claims.models import Claim
from claims.services import StaleVersionError
from config.append_only import AppendOnlyError
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    SourceFactory,
    StatusChangeFactory,
    UserFactory,
    status_change,
)
from verification.models import Evidence, Publication, StatusChange
from verification.selectors import claim_history
from verification.services import (
    claim_assign,
    claim_status_change,
    evidence_add,
    evidence_delete,
    evidence_update,
    verdict_publish,
    verdict_unpublish,
)
from verification.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db


STATUSES = list(Claim.Status.values)
PAIRS = [(frm, to) for frm in STATUSES for to in STATUSES if frm != to]
ALLOWED = [pair for pair in PAIRS if pair in TRANSITIONS]
REFUSED = [pair for pair in PAIRS if pair not in TRANSITIONS]


def _ids(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{frm}->{to}" for frm, to in pairs]


def _claim_in(status: str, **kwargs: Any) -> Claim:
    claim = ClaimFactory(**kwargs)
    Claim.objects.filter(pk=claim.pk).update(status=status)
    claim.refresh_from_db()
    return claim


def _codes(exc: ValidationError, field: str) -> list[str]:
    return [error.code for error in exc.error_dict[field]]


def _claim_state(claim: Claim) -> tuple:
    row = Claim.objects.get(pk=claim.pk)
    return row.status, row.version, row.assignee_id, row.needs_review


def _assert_nothing_written(claim: Claim, before: tuple) -> None:
    assert _claim_state(claim) == before
    assert not StatusChange.objects.filter(claim=claim).exists()


# --- The transition table, for every pair and every role ------------------------------------


def test_transition_table_matrix_covers_every_pair():
    assert len(PAIRS) == 42
    assert len(ALLOWED) == len(TRANSITIONS) == 12
    assert set(TRANSITIONS) <= set(PAIRS)


@pytest.mark.parametrize("role", ["fact_checker", "editor"])
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=_ids(ALLOWED))
def test_allowed_transition_succeeds_for_fact_checkers_and_editors(
    request, role, from_status, to_status
):
    actor = request.getfixturevalue(role)
    claim = _claim_in(from_status)

    change = claim_status_change(
        claim=claim,
        actor=actor,
        to_status=to_status,
        rationale="Reviewed the evidence.",
        expected_version=claim.version,
    )

    claim.refresh_from_db()
    assert claim.status == to_status
    assert claim.version == 2
    assert list(StatusChange.objects.filter(claim=claim)) == [change]
    assert (change.from_status, change.to_status, change.actor) == (from_status, to_status, actor)


@pytest.mark.parametrize("role", ["viewer", "outsider"])
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=_ids(ALLOWED))
def test_allowed_transition_is_refused_without_the_fact_checker_role(
    request, role, from_status, to_status
):
    actor = request.getfixturevalue(role)
    claim = _claim_in(from_status)
    before = _claim_state(claim)

    with pytest.raises(PermissionDenied):
        claim_status_change(
            claim=claim,
            actor=actor,
            to_status=to_status,
            rationale="Reviewed the evidence.",
            expected_version=claim.version,
        )

    _assert_nothing_written(claim, before)


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
@pytest.mark.parametrize(("from_status", "to_status"), REFUSED, ids=_ids(REFUSED))
def test_transition_outside_the_table_is_refused_on_to_status(
    request, role, from_status, to_status
):
    actor = request.getfixturevalue(role)
    claim = _claim_in(from_status)
    before = _claim_state(claim)

    with pytest.raises(ValidationError) as exc:
        claim_status_change(
            claim=claim,
            actor=actor,
            to_status=to_status,
            rationale="Reviewed the evidence.",
            expected_version=claim.version,
        )

    assert _codes(exc.value, "to_status") == ["invalid_transition"]
    _assert_nothing_written(claim, before)


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED, ids=_ids(REFUSED))
def test_transition_outside_the_table_is_refused_for_a_user_without_a_role(
    outsider, from_status, to_status
):
    # Someone in no newsroom group is turned away before the workflow tells them anything about
    # the claim (its status, where it could go).
    claim = _claim_in(from_status)
    before = _claim_state(claim)

    with pytest.raises(PermissionDenied):
        claim_status_change(
            claim=claim,
            actor=outsider,
            to_status=to_status,
            rationale="Reviewed the evidence.",
            expected_version=claim.version,
        )

    _assert_nothing_written(claim, before)


@pytest.mark.parametrize("status", STATUSES)
def test_moving_a_claim_to_its_own_status_is_refused(fact_checker, status):
    claim = _claim_in(status)
    before = _claim_state(claim)

    with pytest.raises(ValidationError) as exc:
        status_change(claim, fact_checker, status)

    assert _codes(exc.value, "to_status") == ["invalid_transition"]
    _assert_nothing_written(claim, before)


@pytest.mark.parametrize("rationale", ["", "   ", "\n\t "])
def test_status_change_without_rationale_is_refused(fact_checker, rationale):
    claim = ClaimFactory()
    before = _claim_state(claim)

    with pytest.raises(ValidationError) as exc:
        status_change(claim, fact_checker, Claim.Status.IN_REVIEW, rationale=rationale)

    assert _codes(exc.value, "rationale") == ["required"]
    _assert_nothing_written(claim, before)


def test_status_change_with_nul_byte_in_rationale_is_refused(fact_checker):
    claim = ClaimFactory()
    before = _claim_state(claim)

    with pytest.raises(ValidationError) as exc:
        status_change(claim, fact_checker, Claim.Status.IN_REVIEW, rationale="Looks\x00 fine.")

    assert _codes(exc.value, "rationale") == ["control_characters"]
    _assert_nothing_written(claim, before)


def test_status_change_with_overlong_rationale_is_refused(fact_checker):
    claim = ClaimFactory()

    with pytest.raises(ValidationError) as exc:
        status_change(claim, fact_checker, Claim.Status.IN_REVIEW, rationale="x" * 5001)

    assert _codes(exc.value, "rationale") == ["max_length"]


@pytest.mark.parametrize("to_status", ["approved", "", "IN_REVIEW", "in review"])
def test_status_change_to_unknown_status_is_refused(fact_checker, to_status):
    claim = ClaimFactory()
    before = _claim_state(claim)

    with pytest.raises(ValidationError) as exc:
        status_change(claim, fact_checker, to_status)

    assert _codes(exc.value, "to_status") == ["invalid_choice"]
    _assert_nothing_written(claim, before)


# --- The audit trail ---------------------------------------------------------------------------


def test_status_change_writes_exactly_one_audit_row_with_its_change(fact_checker):
    claim = ClaimFactory()

    change = status_change(claim, fact_checker, Claim.Status.IN_REVIEW, rationale="  Taking it.  ")

    claim.refresh_from_db()
    row = StatusChange.objects.get(claim=claim)
    assert row == change
    assert row.from_status == Claim.Status.UNVERIFIED
    assert row.to_status == Claim.Status.IN_REVIEW
    assert row.actor == fact_checker
    assert row.rationale == "Taking it."
    assert row.claim_version == claim.version == 2
    assert row.evidence_snapshot == []


def test_audit_row_records_the_evidence_standing_at_that_moment(fact_checker):
    claim = ClaimFactory()
    first = EvidenceFactory(claim=claim, credibility=2)
    second = EvidenceFactory(claim=claim, stance=Evidence.Stance.CONTRADICTS, credibility=5)
    first_id = first.pk
    status_change(claim, fact_checker, Claim.Status.IN_REVIEW)
    claim.refresh_from_db()
    evidence_delete(evidence=first, actor=fact_checker, expected_version=claim.version)

    verdict = status_change(claim, fact_checker, Claim.Status.DISPUTED)

    opening = StatusChange.objects.get(claim=claim, to_status=Claim.Status.IN_REVIEW)
    assert opening.evidence_snapshot == [
        {
            "evidence_id": first_id,
            "source_id": first.source_id,
            "stance": "asserts",
            "credibility": 2,
        },
        {
            "evidence_id": second.pk,
            "source_id": second.source_id,
            "stance": "contradicts",
            "credibility": 5,
        },
    ]
    assert verdict.evidence_snapshot == [opening.evidence_snapshot[1]]


def test_audit_trail_chains_from_status_to_status(fact_checker, other_fact_checker):
    claim = ClaimFactory()
    status_change(claim, fact_checker, Claim.Status.IN_REVIEW)
    status_change(claim, fact_checker, Claim.Status.VERIFIED)
    status_change(claim, other_fact_checker, Claim.Status.IN_REVIEW, rationale="Reopened.")
    status_change(claim, other_fact_checker, Claim.Status.FALSE)

    history = list(claim_history(claim=claim))

    assert [(c.from_status, c.to_status) for c in history] == [
        ("unverified", "in_review"),
        ("in_review", "verified"),
        ("verified", "in_review"),
        ("in_review", "false"),
    ]
    assert [c.claim_version for c in history] == [2, 3, 4, 5]


def test_status_change_refused_after_the_lock_leaves_no_audit_row(fact_checker):
    claim = _claim_in(Claim.Status.IN_REVIEW)
    before = _claim_state(claim)

    with pytest.raises(ValidationError):
        status_change(claim, fact_checker, Claim.Status.UNVERIFIABLE, rationale="bad\x00")
    with pytest.raises(StaleVersionError):
        claim_status_change(
            claim=claim,
            actor=fact_checker,
            to_status=Claim.Status.VERIFIED,
            rationale="Confirmed.",
            expected_version=claim.version + 1,
        )

    _assert_nothing_written(claim, before)


def test_status_change_clears_the_review_flag(fact_checker):
    claim = _claim_in(Claim.Status.VERIFIED)
    Claim.objects.filter(pk=claim.pk).update(needs_review=True)

    status_change(claim, fact_checker, Claim.Status.IN_REVIEW, rationale="New evidence.")

    claim.refresh_from_db()
    assert claim.needs_review is False


def test_audit_row_is_append_only(fact_checker):
    change = status_change(ClaimFactory(), fact_checker, Claim.Status.IN_REVIEW)

    change.rationale = "Rewritten history."
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()
    with pytest.raises(AppendOnlyError):
        StatusChange.objects.filter(pk=change.pk).update(rationale="Rewritten history.")
    with pytest.raises(AppendOnlyError):
        StatusChange.objects.filter(pk=change.pk).delete()

    assert StatusChange.objects.get(pk=change.pk).rationale == "Checked."


def test_audit_row_that_does_not_move_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusChangeFactory(from_status="in_review", to_status="in_review")


# --- Stale versions ----------------------------------------------------------------------------


@pytest.fixture
def published_claim(fact_checker, editor) -> Claim:
    """A verdict with evidence, published by an editor: every write below could apply to it."""
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, added_by=fact_checker)
    status_change(claim, fact_checker, Claim.Status.IN_REVIEW)
    status_change(claim, fact_checker, Claim.Status.VERIFIED)
    claim.refresh_from_db()
    verdict_publish(
        claim=claim, actor=editor, public_summary="Confirmed.", expected_version=claim.version
    )
    claim.refresh_from_db()
    return claim


STALE_WRITES: dict[str, Callable[..., Any]] = {
    "status_change": lambda claim, fc, ed, version: claim_status_change(
        claim=claim,
        actor=fc,
        to_status=Claim.Status.IN_REVIEW,
        rationale="Reopen.",
        expected_version=version,
    ),
    "evidence_add": lambda claim, fc, ed, version: evidence_add(
        claim=claim,
        actor=fc,
        source=SourceFactory(),
        stance=Evidence.Stance.SUPPORTS,
        expected_version=version,
    ),
    "evidence_update": lambda claim, fc, ed, version: evidence_update(
        evidence=claim.evidence.get(), actor=fc, expected_version=version, credibility=2
    ),
    "evidence_delete": lambda claim, fc, ed, version: evidence_delete(
        evidence=claim.evidence.get(), actor=fc, expected_version=version
    ),
    "assign": lambda claim, fc, ed, version: claim_assign(
        claim=claim, actor=fc, assignee=ed, expected_version=version
    ),
    "publish": lambda claim, fc, ed, version: verdict_publish(
        claim=claim, actor=ed, public_summary="A corrected summary.", expected_version=version
    ),
    "unpublish": lambda claim, fc, ed, version: verdict_unpublish(
        claim=claim, actor=ed, reason="Withdrawn.", expected_version=version
    ),
}


def _everything(claim: Claim) -> tuple:
    return (
        _claim_state(claim),
        list(Evidence.objects.filter(claim=claim).values()),
        StatusChange.objects.filter(claim=claim).count(),
        Publication.objects.filter(claim=claim).count(),
    )


@pytest.mark.parametrize("write", STALE_WRITES.values(), ids=STALE_WRITES.keys())
def test_write_with_stale_version_is_refused_with_the_current_claim(
    published_claim, fact_checker, other_editor, write
):
    current_version = published_claim.version
    before = _everything(published_claim)

    with pytest.raises(StaleVersionError) as exc:
        write(published_claim, fact_checker, other_editor, current_version - 1)

    assert exc.value.current.pk == published_claim.pk
    assert exc.value.current.version == current_version
    assert exc.value.current.status == Claim.Status.VERIFIED
    assert exc.value.expected_version == current_version - 1
    assert _everything(published_claim) == before


@pytest.mark.parametrize("write", STALE_WRITES.values(), ids=STALE_WRITES.keys())
def test_write_with_current_version_succeeds_and_bumps_it(
    published_claim, fact_checker, other_editor, write
):
    version = published_claim.version

    write(published_claim, fact_checker, other_editor, version)

    published_claim.refresh_from_db()
    assert published_claim.version == version + 1


def test_second_writer_with_the_same_version_is_refused(fact_checker, other_fact_checker):
    claim = _claim_in(Claim.Status.IN_REVIEW)
    seen = claim.version
    claim_status_change(
        claim=claim,
        actor=fact_checker,
        to_status=Claim.Status.VERIFIED,
        rationale="Confirmed.",
        expected_version=seen,
    )

    with pytest.raises(StaleVersionError) as exc:
        claim_status_change(
            claim=claim,
            actor=other_fact_checker,
            to_status=Claim.Status.FALSE,
            rationale="Refuted.",
            expected_version=seen,
        )

    assert exc.value.current.status == Claim.Status.VERIFIED
    assert StatusChange.objects.filter(claim=claim).count() == 1


# --- Assignment --------------------------------------------------------------------------------


def test_moving_to_in_review_assigns_an_unassigned_claim_to_the_actor(fact_checker):
    claim = ClaimFactory()

    status_change(claim, fact_checker, Claim.Status.IN_REVIEW)

    claim.refresh_from_db()
    assert claim.assignee == fact_checker


def test_moving_to_in_review_keeps_an_existing_assignee(fact_checker, other_fact_checker):
    claim = ClaimFactory(assignee=other_fact_checker)

    status_change(claim, fact_checker, Claim.Status.IN_REVIEW)

    claim.refresh_from_db()
    assert claim.assignee == other_fact_checker


def test_reaching_a_verdict_does_not_assign(fact_checker):
    claim = _claim_in(Claim.Status.IN_REVIEW)

    status_change(claim, fact_checker, Claim.Status.FALSE)

    claim.refresh_from_db()
    assert claim.assignee is None


@pytest.mark.parametrize("assignee_role", ["fact_checker", "other_fact_checker", "editor"])
def test_fact_checker_assigns_a_claim_and_bumps_its_version(request, fact_checker, assignee_role):
    assignee = request.getfixturevalue(assignee_role)
    claim = ClaimFactory()

    claim_assign(claim=claim, actor=fact_checker, assignee=assignee, expected_version=1)

    claim.refresh_from_db()
    assert (claim.assignee, claim.version) == (assignee, 2)


def test_claim_can_be_unassigned(editor, fact_checker):
    claim = ClaimFactory(assignee=fact_checker)

    claim_assign(claim=claim, actor=editor, assignee=None, expected_version=1)

    claim.refresh_from_db()
    assert (claim.assignee, claim.version) == (None, 2)


@pytest.mark.parametrize("assignee_role", ["viewer", "outsider"])
def test_claim_cannot_be_assigned_to_someone_who_is_not_a_fact_checker(
    request, fact_checker, assignee_role
):
    claim = ClaimFactory()
    before = _claim_state(claim)

    with pytest.raises(ValidationError) as exc:
        claim_assign(
            claim=claim,
            actor=fact_checker,
            assignee=request.getfixturevalue(assignee_role),
            expected_version=1,
        )

    assert _codes(exc.value, "assignee") == ["not_fact_checker"]
    assert _claim_state(claim) == before


def test_claim_cannot_be_assigned_to_an_inactive_fact_checker(fact_checker):
    gone = UserFactory(username="gone_checker", is_active=False)
    gone.groups.add(*fact_checker.groups.all())
    claim = ClaimFactory()

    with pytest.raises(ValidationError):
        claim_assign(claim=claim, actor=fact_checker, assignee=gone, expected_version=1)


@pytest.mark.parametrize("actor_role", ["viewer", "outsider"])
def test_assigning_needs_the_fact_checker_role(request, fact_checker, actor_role):
    claim = ClaimFactory()
    before = _claim_state(claim)

    with pytest.raises(PermissionDenied):
        claim_assign(
            claim=claim,
            actor=request.getfixturevalue(actor_role),
            assignee=fact_checker,
            expected_version=1,
        )

    assert _claim_state(claim) == before
