"""Captures that never end are stopped by the task's time limits, and the row says what happened.

The page sends its headers (announcing a body) and then nothing; the fetch deadline and read
timeout are set far beyond the limits, so only the task's limits can stop it. The next request to
the page answers, after a short pause that leaves the test time to read the row in between.

A Celery message carries the time limits of the process that sent it, and the worker applies
those over its own. So the first message here is sent by the worker's own sweeper: the source is
created in the test process as if the broker were down (its on-commit message fails, the row
stays pending and never enqueued), and the sweeper enqueues the row a second later.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.models import Snapshot
from sources.services import source_create
from tests.netlab import Handler, LabServer, hang_after_headers, html, sequence, with_delay
from tests.pipeline.processes import (
    Processes,
    app_broker,
    article,
    free_port,
    newsroom_user,
    wait_for,
)
from tests.sources.archiving.warc_checks import assert_warc_valid

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAGE = article("Water report", "The reservoir stood at 41 percent on Monday.")
SECOND_ANSWER_AFTER = 1.5  # the second request's pause: the window to read the row's error
NEVER = {"CLAIMTRAIL_FETCH_DEADLINE": 60, "CLAIMTRAIL_FETCH_READ_TIMEOUT": 60}


def hung() -> Handler:
    # A length is announced, so a connection cut early is an incomplete page, never a capture.
    return hang_after_headers(content_length=len(PAGE.encode()), limit=30)


def hung_then_answering() -> Handler:
    return sequence(hung(), with_delay(html(PAGE), SECOND_ANSWER_AFTER))


def limits(*, soft: float, hard: float) -> dict[str, float]:
    return {"CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT": soft, "CLAIMTRAIL_CAPTURE_TIME_LIMIT": hard}


def capture_requested(url: str) -> Snapshot:
    """A source created here, its capture left to the worker's sweeper (see above)."""
    with app_broker(f"redis://127.0.0.1:{free_port()}/0", {"max_retries": 0}):
        source = source_create(actor=newsroom_user("fiona_checker"), kind="article", url=url)
    snapshot = source.snapshots.get()
    assert snapshot.enqueued_at is None
    return snapshot


def row(snapshot: Snapshot) -> Snapshot:
    snapshot.refresh_from_db()
    return snapshot


def test_a_hung_fetch_is_cut_at_the_hard_limit_and_recovered_by_the_sweeper(
    procs: Processes, lab: LabServer, archive_root: Path
) -> None:
    hard = 4
    url = lab.route("/water", hung_then_answering())
    redis = procs.redis()
    # No soft limit (0 is none): only the hard one applies, and the child is killed. (A soft
    # limit above the hard one is not a way to switch it off: Celery refuses to send the task.)
    env = procs.env(redis, **limits(soft=0, hard=hard), **NEVER)
    worker = procs.worker(env, "limits", beat=True)
    snapshot = capture_requested(url)

    wait_for(
        lambda: row(snapshot).status == "fetching" and lab.active == 1,
        timeout=15,
        what="the capture to hang",
        diagnostics=procs.tails,
    )
    worker.wait_for_log(f"Hard time limit ({hard}", timeout=hard + 10)
    wait_for(lambda: lab.active == 0, timeout=5, what="the killed fetch's connection to close")
    # Nobody wrote the outcome: the child died in the middle. The row says fetching until the
    # sweeper finds it past the hard limit.
    assert (row(snapshot).status, snapshot.attempts, snapshot.error_code) == ("fetching", 1, "")

    retried = wait_for(
        lambda: row(snapshot).attempts == 2 and snapshot,
        timeout=hard + 20,
        interval=0.05,
        what="the sweeper to hand the row back and a second attempt to start",
        diagnostics=procs.tails,
    )
    assert retried.status == "fetching"
    assert retried.error_code == "interrupted"
    assert retried.error_message == (
        "The capture was interrupted (its worker stopped or was killed); it will be tried again."
    )

    wait_for(
        lambda: row(snapshot).status == "archived",
        timeout=15,
        what="the second attempt to archive the page",
        diagnostics=procs.tails,
    )
    assert snapshot.attempts == 2
    assert (snapshot.error_code, snapshot.error_message) == ("", "")
    assert snapshot.title == "Water report"
    assert lab.hits == 2
    (warc,) = archive_root.rglob("*.warc.gz")
    assert_warc_valid(warc)


def test_the_soft_limit_gives_the_row_back_and_the_retry_archives_it(
    procs: Processes, lab: LabServer
) -> None:
    url = lab.route("/water", hung_then_answering())
    redis = procs.redis()
    env = procs.env(
        redis,
        **limits(soft=2, hard=6),
        CLAIMTRAIL_CAPTURE_RETRY_BASE=1,
        CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS=4,
        **NEVER,
    )
    # The sweeper takes a row waiting out a backoff only a minute after it is due: well after
    # this test's bounds, so it is the retry the task schedules that brings the row back.
    worker = procs.worker(env, "soft", beat=True)
    snapshot = capture_requested(url)

    retried = wait_for(
        lambda: row(snapshot).error_code == "time_limit" and snapshot,
        timeout=20,
        interval=0.05,
        what="the soft limit to stop the capture",
        diagnostics=procs.tails,
    )
    assert retried.status in ("pending", "fetching")
    assert retried.error_message == (
        "The capture took longer than the time allowed and was stopped. "
        "Attempt 1 of 4; will try again."
    )
    wait_for(
        lambda: row(snapshot).status == "archived",
        timeout=20,
        what="the retry to archive the page",
        diagnostics=procs.tails,
    )
    assert snapshot.attempts == 2
    assert lab.hits == 2
    assert "retry: Retry in" in worker.log()


def test_the_soft_limit_on_the_last_attempt_fails_the_row_with_a_readable_reason(
    procs: Processes, lab: LabServer
) -> None:
    url = lab.route("/water", hung())
    redis = procs.redis()
    env = procs.env(
        redis,
        **limits(soft=2, hard=6),
        CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS=1,
        **NEVER,
    )
    worker = procs.worker(env, "last", beat=True)
    snapshot = capture_requested(url)

    wait_for(
        lambda: row(snapshot).is_finished,
        timeout=20,
        what="the capture to end",
        diagnostics=procs.tails,
    )
    assert (snapshot.status, snapshot.error_code, snapshot.attempts) == ("failed", "time_limit", 1)
    assert snapshot.error_message == (
        "The capture took longer than the time allowed and was stopped. Gave up after 1 attempt."
    )
    assert snapshot.finished_at is not None
    assert "succeeded" in worker.log() and "'time_limit'" in worker.log()
    assert lab.hits == 1
