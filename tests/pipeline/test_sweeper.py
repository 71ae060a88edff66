"""The sweeper, in process: which rows it hands back, fails, enqueues, and which it leaves alone.

Messages go to the suite's in-memory broker; ``drained()`` reads what was published.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from sources.archiving.services import snapshots_sweep
from sources.models import Snapshot
from sources.tasks import snapshots_sweep as snapshots_sweep_task
from tests.factories import SourceFactory
from tests.pipeline.processes import app_broker, drained, free_port

pytestmark = pytest.mark.django_db

TIME_LIMIT = 30
MAX_ATTEMPTS = 3
PENDING_AFTER = 10
STUCK_AFTER = TIME_LIMIT + 5  # the sweeper's margin over the hard limit
LOST_AFTER = 2 * TIME_LIMIT + 60  # enqueued this long ago and never claimed: the message is lost


@pytest.fixture(autouse=True)
def _settings(settings) -> None:
    settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT = TIME_LIMIT
    settings.CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS = MAX_ATTEMPTS
    settings.CLAIMTRAIL_SWEEP_PENDING_AFTER = PENDING_AFTER


@pytest.fixture(autouse=True)
def _empty_queue() -> Iterator[None]:
    drained()
    yield
    drained()


def ago(seconds: float) -> datetime:
    return timezone.now() - timedelta(seconds=seconds)


def snapshot(*, age: float, **fields) -> Snapshot:
    """A snapshot row created ``age`` seconds ago."""
    source = SourceFactory()
    row = Snapshot.objects.create(source=source, url=source.url, fetch_url=source.url, **fields)
    Snapshot.objects.filter(pk=row.pk).update(created_at=ago(age))
    row.refresh_from_db()
    return row


def stuck(*, attempts: int, running_for: float) -> Snapshot:
    return snapshot(
        age=running_for + 5, status="fetching", attempts=attempts, started_at=ago(running_for)
    )


def captures_published() -> list[int]:
    return [args[0] for task, args in drained() if task == "sources.tasks.snapshot_capture"]


def test_a_row_stuck_in_fetching_past_the_hard_limit_goes_back_to_pending_and_is_enqueued():
    row = stuck(attempts=1, running_for=STUCK_AFTER + 1)

    assert snapshots_sweep() == {"enqueued": 1, "requeued": 1, "failed": 0}

    row.refresh_from_db()
    assert (row.status, row.attempts, row.error_code) == ("pending", 1, "interrupted")
    assert row.error_message == (
        "The capture was interrupted (its worker stopped or was killed); it will be tried again."
    )
    assert row.retry_at is None
    assert row.enqueued_at is not None
    assert captures_published() == [row.pk]


def test_a_row_fetching_within_the_hard_limit_is_left_to_its_worker():
    row = stuck(attempts=1, running_for=STUCK_AFTER - 5)

    assert snapshots_sweep() == {"enqueued": 0, "requeued": 0, "failed": 0}

    row.refresh_from_db()
    assert (row.status, row.error_code) == ("fetching", "")
    assert captures_published() == []


def test_a_row_stuck_on_its_last_attempt_fails_with_a_readable_reason():
    row = stuck(attempts=MAX_ATTEMPTS, running_for=STUCK_AFTER + 1)

    assert snapshots_sweep() == {"enqueued": 0, "requeued": 0, "failed": 1}

    row.refresh_from_db()
    assert (row.status, row.attempts, row.error_code) == ("failed", MAX_ATTEMPTS, "interrupted")
    assert row.error_message == (
        "The capture was interrupted (its worker stopped or was killed) on each of its "
        f"{MAX_ATTEMPTS} attempts; gave up."
    )
    assert row.finished_at is not None
    assert captures_published() == []


def test_a_pending_row_never_enqueued_is_enqueued_once_old_enough():
    row = snapshot(age=PENDING_AFTER + 1)
    assert row.enqueued_at is None

    assert snapshots_sweep() == {"enqueued": 1, "requeued": 0, "failed": 0}

    row.refresh_from_db()
    assert row.status == "pending"
    assert row.enqueued_at is not None
    assert captures_published() == [row.pk]


def test_a_young_pending_row_is_left_to_the_message_sent_when_it_was_saved():
    row = snapshot(age=PENDING_AFTER - 5)

    assert snapshots_sweep()["enqueued"] == 0

    row.refresh_from_db()
    assert row.enqueued_at is None
    assert captures_published() == []


def test_a_row_enqueued_by_one_sweep_is_not_enqueued_again_by_the_next():
    row = snapshot(age=PENDING_AFTER + 1)

    assert snapshots_sweep()["enqueued"] == 1
    assert snapshots_sweep()["enqueued"] == 0
    assert captures_published() == [row.pk]


def test_a_pending_row_whose_message_is_long_lost_is_enqueued_again():
    recent = snapshot(age=LOST_AFTER + 10, enqueued_at=ago(LOST_AFTER - 10))
    lost = snapshot(age=LOST_AFTER + 10, enqueued_at=ago(LOST_AFTER + 1))

    assert snapshots_sweep()["enqueued"] == 1

    assert captures_published() == [lost.pk]
    recent.refresh_from_db()
    assert recent.enqueued_at < ago(LOST_AFTER - 11)


def test_a_row_waiting_out_its_backoff_is_left_alone_until_its_retry_is_overdue():
    due = timezone.now() + timedelta(seconds=30)
    row = snapshot(age=600, attempts=1, retry_at=due, enqueued_at=ago(600), error_code="http_503")

    assert snapshots_sweep()["enqueued"] == 0
    # Due: its own retry message (sent with a countdown) is expected to take it.
    assert snapshots_sweep(now=due + timedelta(seconds=1))["enqueued"] == 0
    assert captures_published() == []
    # A minute past due and still pending: that message is lost.
    assert snapshots_sweep(now=due + timedelta(seconds=61))["enqueued"] == 1
    assert captures_published() == [row.pk]


def test_uploads_are_never_swept():
    upload = snapshot(age=3600, form=Snapshot.Form.UPLOAD)

    assert snapshots_sweep() == {"enqueued": 0, "requeued": 0, "failed": 0}

    upload.refresh_from_db()
    assert (upload.status, upload.enqueued_at) == ("pending", None)
    assert captures_published() == []


def test_finished_rows_are_untouched():
    long_ago = ago(3600)
    rows = [
        snapshot(age=3600, status="archived", sha256="0" * 64, attempts=1, started_at=long_ago),
        snapshot(age=3600, status="failed", error_code="http_404", attempts=1),
        snapshot(age=3600, status="blocked", error_code="blocked_address", attempts=1),
    ]
    before = [(r.status, r.attempts, r.error_code, r.enqueued_at) for r in rows]

    assert snapshots_sweep() == {"enqueued": 0, "requeued": 0, "failed": 0}

    for row in rows:
        row.refresh_from_db()
    assert [(r.status, r.attempts, r.error_code, r.enqueued_at) for r in rows] == before
    assert captures_published() == []


def test_with_the_broker_down_the_sweeper_leaves_rows_pending_for_its_next_round():
    row = snapshot(age=PENDING_AFTER + 1)

    with app_broker(f"redis://127.0.0.1:{free_port()}/0", {"max_retries": 0}):
        assert snapshots_sweep()["enqueued"] == 0

    row.refresh_from_db()
    assert (row.status, row.enqueued_at) == ("pending", None)
    assert snapshots_sweep()["enqueued"] == 1  # broker back: the next round sends it


def test_the_sweep_task_runs_the_sweeper():
    row = snapshot(age=PENDING_AFTER + 1)

    result = snapshots_sweep_task.apply().get()

    assert result == {"enqueued": 1, "requeued": 0, "failed": 0}
    assert captures_published() == [row.pk]


def test_behind_a_backlog_a_long_enqueued_row_is_not_sent_again():
    """Its message is still in line, not lost: re-sending it would only grow the queue."""
    from sources.archiving.services import capture_enqueue

    waiting = snapshot(age=LOST_AFTER + 10, enqueued_at=ago(LOST_AFTER + 1))
    backlog = snapshot(age=1)
    assert capture_enqueue(backlog.pk)  # one message waiting in the captures queue

    assert snapshots_sweep()["enqueued"] == 0
    assert captures_published() == [backlog.pk]
    waiting.refresh_from_db()
    assert waiting.enqueued_at < ago(LOST_AFTER)
