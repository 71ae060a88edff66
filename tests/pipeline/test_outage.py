"""Redis down while the newsroom keeps logging sources: nothing is refused, nothing is lost.

Real processes: a redis-server of the test's own, a Celery worker with the beat scheduler inside
it (the sweeper runs every second), gunicorn serving the API; sources go in over HTTP.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import Count
from knox.models import AuthToken

from sources.models import Snapshot, Source
from tests.netlab import LabServer, html
from tests.pipeline.processes import Processes, article, newsroom_user, wait_for
from tests.sources.archiving.warc_checks import assert_warc_valid, warc_records

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SOURCES = 200
ENQUEUE_TIMEOUT = 1.0
# With the broker down a request does its database writes and one publish attempt bounded by
# CLAIMTRAIL_ENQUEUE_TIMEOUT; the rest is slack for a loaded CI machine. A request that waited on
# the dead broker (kombu retrying the connection) would take tens of seconds, or hang.
REQUEST_BOUND = ENQUEUE_TIMEOUT + 4.0
# After Redis is back: the worker reconnects (kombu backs off up to a few seconds), the sweeper
# re-enqueues the 200 rows, two worker processes capture them.
RECOVERY_TIMEOUT = 120.0
# "Archived in the background within seconds", with slack for CI.
BACKGROUND_TIMEOUT = 15.0


def api_token(username: str) -> str:
    _, token = AuthToken.objects.create(newsroom_user(username))
    return token


def status_counts() -> str:
    counts = Counter(Snapshot.objects.values_list("status", flat=True))
    return f"snapshot statuses: {dict(counts)}"


def test_sources_logged_while_redis_is_down_are_all_archived_once_it_is_back(
    procs: Processes, lab: LabServer, archive_root: Path
) -> None:
    urls = [
        lab.route(f"/news/{n}", html(article(f"Story {n}", f"The body of story number {n}.")))
        for n in range(SOURCES)
    ]
    redis = procs.redis()
    env = procs.env(redis, CLAIMTRAIL_ENQUEUE_TIMEOUT=ENQUEUE_TIMEOUT)
    procs.worker(env, "outage", concurrency=2, beat=True)
    web = procs.web(env)
    token = api_token("fiona_checker")

    redis.stop()
    began = time.monotonic()
    answers = [
        web.request("POST", "/api/v1/sources/", body={"kind": "article", "url": url}, token=token)
        for url in urls
    ]
    posting = time.monotonic() - began

    failures = [(status, body) for status, body, _ in answers if status != 201]
    assert not failures, failures[:3]
    slowest = max(elapsed for _, _, elapsed in answers)
    assert slowest < REQUEST_BOUND
    source_ids = {body["id"] for _, body, _ in answers}
    assert len(source_ids) == SOURCES
    snapshots = Snapshot.objects.filter(source_id__in=source_ids)
    assert snapshots.count() == SOURCES
    assert set(snapshots.values_list("status", flat=True)) == {Snapshot.Status.PENDING}
    assert not snapshots.filter(enqueued_at__isnull=False).exists()
    assert lab.hits == 0

    redis.start()  # same port, empty: every message the web processes tried to send is gone
    back = time.monotonic()
    wait_for(
        lambda: not snapshots.exclude(status__in=Snapshot.FINISHED).exists(),
        timeout=RECOVERY_TIMEOUT,
        interval=0.5,
        what="every snapshot to finish after Redis came back",
        diagnostics=lambda: f"{status_counts()}\n{procs.tails()}",
    )
    recovery = time.monotonic() - back
    print(
        f"\n{SOURCES} POSTs with Redis down: {posting:.1f} s, slowest {slowest:.2f} s; "
        f"all archived {recovery:.1f} s after Redis came back"
    )

    assert Counter(snapshots.values_list("status", flat=True)) == {"archived": SOURCES}
    assert set(snapshots.values_list("attempts", flat=True)) == {1}
    per_source = Source.objects.filter(pk__in=source_ids).annotate(n=Count("snapshots"))
    assert set(per_source.values_list("n", flat=True)) == {1}
    fetched = Counter(target for _, target, _ in lab.requests)
    assert lab.hits == SOURCES
    assert set(fetched.values()) == {1}
    assert set(fetched) == {f"/news/{n}" for n in range(SOURCES)}

    names = list(snapshots.values_list("warc", flat=True))
    assert len(set(names)) == SOURCES
    assert len(list(archive_root.rglob("*.warc.gz"))) == SOURCES
    for snapshot in snapshots.select_related("source"):
        n = urls.index(snapshot.source.url)
        (response,) = [r for r in warc_records(snapshot.warc.path) if r.type == "response"]
        assert f"The body of story number {n}.".encode() in response.payload
        assert snapshot.text and f"story number {n}." in snapshot.text
    for snapshot in snapshots.order_by("pk")[:: SOURCES // 10]:
        assert assert_warc_valid(snapshot.warc.path) == ["warcinfo", "response", "request"]


def test_a_source_logged_through_the_api_is_archived_in_the_background(
    procs: Processes, lab: LabServer
) -> None:
    url = lab.route("/story", html(article("Budget vote", "The council voted 7 to 2.")))
    redis = procs.redis()
    env = procs.env(redis)
    procs.worker(env, "background")  # no beat: the message sent on commit does it alone
    web = procs.web(env)
    token = api_token("fiona_checker")

    began = time.monotonic()
    status, body, _ = web.request(
        "POST", "/api/v1/sources/", body={"kind": "article", "url": url}, token=token
    )
    assert status == 201, body
    snapshot = wait_for(
        lambda: Snapshot.objects.filter(source_id=body["id"], status="archived").first(),
        timeout=BACKGROUND_TIMEOUT,
        what="the snapshot to be archived",
        diagnostics=lambda: f"{status_counts()}\n{procs.tails()}",
    )
    print(f"\narchived {time.monotonic() - began:.2f} s after the POST")
    assert snapshot.enqueued_at is not None
    assert snapshot.attempts == 1
    assert lab.hits == 1
    assert snapshot.title == "Budget vote"
