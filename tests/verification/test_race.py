"""Concurrent verdicts on one claim: the row lock and version check let exactly one through.

Threads each get their own database connection; they are released together by a barrier. The
control test swaps the protection out for a naive read and shows the same race then loses an
update, so the main test would fail if the protection were missing.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

import verification.services
from claims.models import Claim
from claims.services import StaleVersionError, claim_lock_for_write
from tests.factories import ClaimFactory
from verification.models import StatusChange
from verification.services import claim_status_change

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BARRIER_TIMEOUT = 20
VERDICTS = [
    Claim.Status.VERIFIED,
    Claim.Status.FALSE,
    Claim.Status.MISLEADING,
    Claim.Status.DISPUTED,
]


@pytest.fixture
def checkers(fact_checker, other_fact_checker, editor, other_editor) -> list:
    return [fact_checker, other_fact_checker, editor, other_editor]


@pytest.fixture
def claim_in_review(fact_checker) -> Claim:
    claim = ClaimFactory()
    claim_status_change(
        claim=claim,
        actor=fact_checker,
        to_status=Claim.Status.IN_REVIEW,
        rationale="Taking it.",
        expected_version=claim.version,
    )
    claim.refresh_from_db()
    return claim


def _verdicts_at_once(claim: Claim, moves: list[tuple[Any, str]]) -> list[Any]:
    """Each move in its own thread, all released together; returns each one's result or error."""
    start = threading.Barrier(len(moves), timeout=BARRIER_TIMEOUT)
    outcomes: list[Any] = [None] * len(moves)
    seen_version = claim.version

    def run(index: int, actor: Any, verdict: str) -> None:
        try:
            start.wait()
            outcomes[index] = claim_status_change(
                claim=claim,
                actor=actor,
                to_status=verdict,
                rationale=f"I say {verdict}.",
                expected_version=seen_version,
            )
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, actor, verdict))
        for i, (actor, verdict) in enumerate(moves)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * BARRIER_TIMEOUT)
        assert not thread.is_alive(), "a writer hung"
    return outcomes


def _verdict_rows(claim: Claim) -> list[StatusChange]:
    return list(StatusChange.objects.filter(claim=claim, from_status=Claim.Status.IN_REVIEW))


@pytest.mark.parametrize("writers", [2, 4])
def test_concurrent_verdicts_with_the_same_version_let_exactly_one_through(
    monkeypatch, claim_in_review, checkers, writers
):
    # Hold every writer at the door of the lock, inside its transaction, so they all contend for
    # the row at once instead of merely arriving one after the other.
    at_lock = threading.Barrier(writers, timeout=BARRIER_TIMEOUT)

    def lock_together(*, claim_id: int, expected_version: int) -> Claim:
        at_lock.wait()
        return claim_lock_for_write(claim_id=claim_id, expected_version=expected_version)

    monkeypatch.setattr(verification.services, "claim_lock_for_write", lock_together)
    moves = list(zip(checkers[:writers], VERDICTS[:writers], strict=True))

    outcomes = _verdicts_at_once(claim_in_review, moves)

    winners = [o for o in outcomes if isinstance(o, StatusChange)]
    losers = [o for o in outcomes if isinstance(o, StaleVersionError)]
    assert len(winners) == 1, outcomes
    assert len(losers) == writers - 1, outcomes
    (winner,) = winners
    claim = Claim.objects.get(pk=claim_in_review.pk)
    assert claim.status == winner.to_status
    assert claim.version == claim_in_review.version + 1
    assert _verdict_rows(claim) == [winner]
    for loser in losers:
        assert loser.current.status == winner.to_status
        assert loser.current.version == claim.version


def test_control_without_the_lock_and_version_check_the_race_loses_an_update(
    monkeypatch, claim_in_review, checkers
):
    # Both writers read the claim before either writes, as a plain read-modify-write would.
    both_read = threading.Barrier(2, timeout=BARRIER_TIMEOUT)

    def naive_lock(*, claim_id: int, expected_version: int) -> Claim:
        claim = Claim.objects.select_related("claimant").get(pk=claim_id)
        both_read.wait()
        return claim

    monkeypatch.setattr(verification.services, "claim_lock_for_write", naive_lock)
    moves = list(zip(checkers[:2], VERDICTS[:2], strict=True))

    outcomes = _verdicts_at_once(claim_in_review, moves)

    assert all(isinstance(o, StatusChange) for o in outcomes), outcomes
    rows = _verdict_rows(Claim.objects.get(pk=claim_in_review.pk))
    # Two verdicts both "from in_review": the second overwrote the first unseen, and the audit
    # trail no longer chains.
    assert len(rows) == 2
    assert {row.from_status for row in rows} == {Claim.Status.IN_REVIEW}
    assert {row.claim_version for row in rows} == {claim_in_review.version + 1}
