"""A worker killed with SIGKILL in the middle of a capture: another worker archives the snapshot
later, exactly once, however the work comes back to it.

Two ways bring it back and both happen here: the sweeper (the row stayed ``fetching`` past the
hard time limit) and Redis itself, which hands an unacknowledged message to another consumer
once its visibility timeout has passed. That timeout is deliberately far longer than a test (the
time limit plus the longest retry countdown plus ten minutes), so the test ages the message's
entry in kombu's ``unacked_index`` instead of waiting: the new worker restores it when it starts.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from sources.models import Snapshot
from sources.services import source_create
from tests.netlab import LabServer, html, sequence, with_delay
from tests.pipeline.processes import (
    Processes,
    RedisServer,
    app_broker,
    article,
    newsroom_user,
    wait_for,
)
from tests.sources.archiving.warc_checks import assert_warc_valid

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOLD = 20.0  # the first request is held this long: the worker is killed well before
TIME_LIMIT = 4  # worker B's hard limit: the sweeper calls a fetch stuck after this (+5 s)
RECOVERY_TIMEOUT = 45.0


def unacked_messages(redis: RedisServer) -> dict[str, dict]:
    """Messages a consumer took and has not acknowledged, by delivery tag (kombu's layout)."""
    client = redis.client()
    return {tag.decode(): json.loads(raw)[0] for tag, raw in client.hgetall("unacked").items()}


def test_a_worker_killed_mid_capture_leaves_the_snapshot_to_another_worker_exactly_once(
    procs: Processes, lab: LabServer, archive_root: Path
) -> None:
    page = article("Harbour fire", "Three crews fought the fire at the harbour overnight.")
    url = lab.route("/harbour-fire", sequence(with_delay(html(page), HOLD), html(page)))
    redis = procs.redis()
    worker_a = procs.worker(procs.env(redis), "a")
    with app_broker(redis.url, {"socket_connect_timeout": 1, "max_retries": 0}):
        source = source_create(actor=newsroom_user("fiona_checker"), kind="article", url=url)
    snapshot = source.snapshots.get()

    wait_for(
        lambda: (
            Snapshot.objects.filter(pk=snapshot.pk, status="fetching").exists() and lab.active == 1
        ),
        timeout=15,
        what="worker A to be fetching the slow page",
        diagnostics=procs.tails,
    )
    (tag, message), *others = unacked_messages(redis).items()
    assert not others
    task_id = message["headers"]["id"]
    assert message["headers"]["task"] == "sources.tasks.snapshot_capture"

    worker_a.kill(signal.SIGKILL)
    assert not worker_a.alive
    wait_for(lambda: lab.active == 0, timeout=5, what="the killed fetch's connection to close")
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.attempts) == ("fetching", 1)
    assert unacked_messages(redis).keys() == {tag}  # nobody acknowledged it

    # As if the visibility timeout had passed: Redis will give the message to the next consumer.
    redis.client().zadd("unacked_index", {tag: 1})
    worker_b = procs.worker(
        procs.env(
            redis,
            CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT=TIME_LIMIT - 1,
            CLAIMTRAIL_CAPTURE_TIME_LIMIT=TIME_LIMIT,
        ),
        "b",
        beat=True,
    )
    archived = wait_for(
        lambda: Snapshot.objects.filter(pk=snapshot.pk, status="archived").first(),
        timeout=RECOVERY_TIMEOUT,
        what="worker B to archive the snapshot",
        diagnostics=procs.tails,
    )
    # The redelivered message ran on worker B and changed nothing (or was the one that ran).
    worker_b.wait_for_log(f"snapshot_capture[{task_id}] succeeded", timeout=15)
    assert "sweep: " in worker_b.log()  # the sweeper handed the row back
    wait_for(lambda: not unacked_messages(redis), timeout=10, what="every message acknowledged")

    assert Snapshot.objects.filter(source=source).count() == 1
    assert archived.attempts == 2
    assert lab.hits == 2  # worker A's cut-off request and the one capture
    (warc,) = archive_root.rglob("*.warc.gz")
    assert archived.warc.path == str(warc)
    assert_warc_valid(warc)
    assert archived.title == "Harbour fire"
