"""The capture task in process: thin, idempotent, retried only as the service says, enqueued
without ever holding a request for long, and configured so that Redis never redelivers a
message while its task may still be running."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.db import connection
from django.utils import timezone

from config.celery import app
from sources.archiving.services import capture_enqueue, retry_delay
from sources.models import Snapshot
from sources.services import source_create
from sources.tasks import snapshot_capture, snapshots_sweep
from tests.netlab import LabServer, html, status, with_delay
from tests.pipeline.processes import (
    app_broker,
    article,
    drained,
    free_port,
    newsroom_user,
    settings_under,
)

PAGE = article("Bridge closure", "The bridge closes for repairs on 3 March.")
ENQUEUE_TIMEOUT = 1.0


@pytest.fixture
def lab(fetch_allowed, dns) -> Iterator[LabServer]:
    dns["news.example"] = ["127.0.0.1"]
    with LabServer() as server:
        yield server


@pytest.fixture
def url_for(lab):
    def url(path: str, handler) -> str:
        lab.route(path, handler)
        return f"http://news.example:{lab.port}{path}"

    return url


@pytest.fixture(autouse=True)
def _empty_queue() -> Iterator[None]:
    drained()
    yield
    drained()


def pending(url: str, username: str = "fiona_checker") -> Snapshot:
    source = source_create(actor=newsroom_user(username), kind="article", url=url)
    return source.snapshots.get()


# --- Idempotency -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_capture_delivered_twice_archives_one_snapshot_with_one_fetch(lab, url_for, archive_root):
    snapshot = pending(url_for("/bridge", html(PAGE)))

    first = snapshot_capture.apply(args=(snapshot.pk,)).get()
    second = snapshot_capture.apply(args=(snapshot.pk,)).get()

    assert (first, second) == ("archived", "archived")
    assert lab.hits == 1
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.attempts) == ("archived", 1)
    assert Snapshot.objects.filter(source=snapshot.source).count() == 1
    assert len(list(archive_root.rglob("*.warc.gz"))) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_capture_delivered_twice_at_once_fetches_once(lab, url_for, archive_root):
    # The page answers after a pause, so both deliveries are in flight together.
    snapshot = pending(url_for("/bridge", with_delay(html(PAGE), 0.5)))
    start = threading.Barrier(2, timeout=10)
    results: list[object] = []

    def deliver() -> None:
        try:
            start.wait()
            results.append(snapshot_capture.apply(args=(snapshot.pk,)).get())
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    # One delivery claimed the row and captured; the other found it already fetching.
    assert sorted(map(str, results)) == ["archived", "fetching"]
    assert lab.hits == 1
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.attempts) == ("archived", 1)
    assert len(list(archive_root.rglob("*.warc.gz"))) == 1


@pytest.mark.django_db
def test_a_deleted_snapshot_is_done_with(lab, url_for):
    snapshot = pending(url_for("/bridge", html(PAGE)))
    snapshot.source.delete()

    assert snapshot_capture.apply(args=(snapshot.pk,)).get() == "deleted"
    assert lab.hits == 0


# --- Retries -----------------------------------------------------------------------------------


def run_as_worker(snapshot_id: int) -> str:
    """Run the task body as a worker would (not "called directly"), so ``self.retry`` really
    sends the retry message (to the in-memory broker) and raises Retry with its countdown."""
    snapshot_capture.push_request(
        called_directly=False, id="delivery-1", retries=0, args=[snapshot_id], kwargs={}
    )
    try:
        return snapshot_capture.run(snapshot_id)
    finally:
        snapshot_capture.pop_request()


@pytest.mark.django_db
def test_a_transient_failure_is_retried_after_the_backoff_the_service_chose(lab, url_for, settings):
    snapshot = pending(url_for("/bridge", status(503)))

    with pytest.raises(Retry) as caught:
        run_as_worker(snapshot.pk)

    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.attempts, snapshot.error_code) == ("pending", 1, "http_503")
    countdown = caught.value.when
    expected = (snapshot.retry_at - timezone.now()).total_seconds()
    assert 0 < countdown <= settings.CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY
    assert abs(countdown - expected) < 2
    assert caught.value.sig.options["countdown"] == countdown
    assert drained() == [("sources.tasks.snapshot_capture", (snapshot.pk,))]
    assert lab.hits == 1


@pytest.mark.django_db
def test_a_permanent_failure_is_not_retried(lab, url_for):
    snapshot = pending(url_for("/bridge", status(404)))

    assert run_as_worker(snapshot.pk) == "failed"

    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.error_code, snapshot.retry_at) == ("failed", "http_404", None)
    assert drained() == []


def stopped_by_the_soft_limit(host: str, port: int) -> list[str]:
    """A resolver that is interrupted the way a worker interrupts a task at its soft limit."""
    raise SoftTimeLimitExceeded()


@pytest.mark.django_db
def test_a_capture_stopped_by_the_soft_limit_is_retried_after_a_backoff(lab, url_for, settings):
    snapshot = pending(url_for("/bridge", html(PAGE)))
    settings.CLAIMTRAIL_FETCH_RESOLVER = f"{__name__}.stopped_by_the_soft_limit"

    with pytest.raises(Retry) as caught:
        run_as_worker(snapshot.pk)

    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.attempts, snapshot.error_code) == ("pending", 1, "time_limit")
    assert snapshot.error_message == (
        "The capture took longer than the time allowed and was stopped. "
        f"Attempt 1 of {settings.CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS}; will try again."
    )
    expected = (snapshot.retry_at - timezone.now()).total_seconds()
    assert abs(caught.value.when - expected) < 2
    assert drained() == [("sources.tasks.snapshot_capture", (snapshot.pk,))]


@pytest.mark.django_db
def test_a_capture_stopped_by_the_soft_limit_on_its_last_attempt_fails(lab, url_for, settings):
    snapshot = pending(url_for("/bridge", html(PAGE)))
    settings.CLAIMTRAIL_FETCH_RESOLVER = f"{__name__}.stopped_by_the_soft_limit"
    settings.CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS = 1

    assert run_as_worker(snapshot.pk) == "time_limit"

    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.error_code) == ("failed", "time_limit")
    assert snapshot.error_message.endswith("Gave up after 1 attempt.")
    assert drained() == []


def test_every_backoff_is_within_the_configured_maximum(settings):
    settings.CLAIMTRAIL_CAPTURE_RETRY_BASE = 30
    settings.CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY = 600
    delays = [retry_delay(attempt) for attempt in range(1, 30) for _ in range(20)]

    assert min(delays) >= 15
    assert max(delays) <= 600


# --- Enqueueing --------------------------------------------------------------------------------


def redis_transport_options(redis_url: str) -> dict:
    """The broker options settings produce when REDIS_URL is set."""
    computed = settings_under(
        {"REDIS_URL": redis_url, "CLAIMTRAIL_ENQUEUE_TIMEOUT": str(ENQUEUE_TIMEOUT)},
        "CELERY_BROKER_TRANSPORT_OPTIONS",
    )
    return computed["CELERY_BROKER_TRANSPORT_OPTIONS"]


@pytest.mark.django_db
def test_with_the_broker_down_enqueueing_fails_fast_and_leaves_the_row_to_the_sweeper(
    lab, url_for, settings
):
    snapshot = pending(url_for("/bridge", html(PAGE)))
    closed = f"redis://127.0.0.1:{free_port()}/0"
    settings.CELERY_BROKER_CONNECTION_TIMEOUT = ENQUEUE_TIMEOUT

    with app_broker(closed, redis_transport_options(closed)):
        began = time.monotonic()
        sent = capture_enqueue(snapshot.pk)
        took = time.monotonic() - began

    assert sent is False
    assert took < ENQUEUE_TIMEOUT + 0.5
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.enqueued_at) == ("pending", None)
    # The control: with a broker that answers, the same call sends and says when.
    assert capture_enqueue(snapshot.pk) is True
    snapshot.refresh_from_db()
    assert snapshot.enqueued_at is not None
    assert drained() == [("sources.tasks.snapshot_capture", (snapshot.pk,))]


# --- Configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"CLAIMTRAIL_FETCH_DEADLINE": "300"},
        {"CLAIMTRAIL_CAPTURE_TIME_LIMIT": "3600", "CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY": "7200"},
    ],
    ids=["defaults", "long-deadline", "long-limits"],
)
def test_the_redis_visibility_timeout_outlasts_the_longest_a_task_can_hold_its_message(env):
    computed = settings_under(
        {"REDIS_URL": "redis://127.0.0.1:6399/0", **env},
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        "CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT",
        "CLAIMTRAIL_CAPTURE_TIME_LIMIT",
        "CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY",
        "CLAIMTRAIL_FETCH_DEADLINE",
    )
    hard = computed["CLAIMTRAIL_CAPTURE_TIME_LIMIT"]
    longest_hold = hard + computed["CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY"]

    assert computed["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] > longest_hold
    assert computed["CLAIMTRAIL_FETCH_DEADLINE"] < computed["CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT"]
    assert computed["CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT"] < hard


def test_publishing_to_redis_is_bounded_by_the_enqueue_timeout():
    computed = settings_under(
        {"REDIS_URL": "redis://127.0.0.1:6399/0", "CLAIMTRAIL_ENQUEUE_TIMEOUT": "0.5"},
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        "CELERY_BROKER_CONNECTION_TIMEOUT",
    )
    options = computed["CELERY_BROKER_TRANSPORT_OPTIONS"]

    assert options["socket_connect_timeout"] == 0.5
    assert options["max_retries"] == 0
    assert computed["CELERY_BROKER_CONNECTION_TIMEOUT"] == 0.5


def test_the_capture_task_acknowledges_late_and_has_soft_and_hard_limits(settings):
    assert snapshot_capture.acks_late is True
    assert snapshot_capture.reject_on_worker_lost is True
    assert snapshot_capture.time_limit == settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT
    assert snapshot_capture.soft_time_limit == settings.CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT
    assert 0 < snapshot_capture.soft_time_limit < snapshot_capture.time_limit
    assert snapshots_sweep.acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("sources.tasks.snapshot_capture", "captures"),
        ("sources.tasks.link_check", "captures"),
        ("sources.tasks.snapshots_sweep", "default"),
    ],
)
def test_fetches_go_to_their_own_queue(task, queue):
    assert app.amqp.router.route({}, task, (1,), {})["queue"].name == queue


def test_the_sweeper_runs_on_a_schedule(settings):
    (entry,) = [
        entry
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "sources.tasks.snapshots_sweep"
    ]
    assert entry["schedule"] == settings.CLAIMTRAIL_SWEEP_INTERVAL
    assert timedelta(seconds=entry["schedule"]) <= timedelta(minutes=5)
