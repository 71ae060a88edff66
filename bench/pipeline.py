"""Capture throughput of the background pipeline with 1, 2 and 4 Celery worker processes.

Real processes: a ``redis-server`` of the benchmark's own (another port, nothing persisted), N
``celery -A config worker`` processes (concurrency 1 each, both queues, no beat), PostgreSQL, and
a loopback site (a ``ThreadingHTTPServer`` in this process) that answers every request after a
fixed 200 ms with a news article of a few KB (the generator of bench/capture.py: metadata in the
markup, nav, sidebar, comments, footer). Every capture is of a new source (``/story/<n>``).

Per N: start the workers and wait until each says it is ready; a warm-up of a few captures per
worker (imports, connections); then a burst — ``BURST_PER_WORKER * N`` sources created through
``source_create`` in one transaction, so their snapshots are enqueued on commit, one after
another as fast as the loop goes — timed from the first publish to the last ``finished_at``:
captures/s = M / that. The baseline is the same run's one-worker rate: efficiency =
rate(N) / (N * rate(1)). In a burst the queue wait is mostly the backlog (the last capture waits
for all the others), so a paced phase follows: arrivals evenly spaced at ``PACED_LOAD`` of the
burst rate, each source in its own transaction, whose queue wait is the pipeline's own latency
(publish -> a worker has claimed the row).

Queue wait is ``started_at`` minus the moment just before the publish (an ``on_commit`` hook
registered ahead of each source's); ``capture_enqueue`` writes ``enqueued_at`` only after the
publish and only while the row is still pending, so it can come after ``started_at`` or not at
all; how often it did is printed too. Utilisation = the sum of service times
(``finished_at - started_at``) / (N * elapsed): below 1 the workers sat idle between captures;
service times longer than with one worker mean they competed for the CPU. Over each burst the
workers' own CPU time (per capture, from /proc/<pid>/stat of each worker and its pool child) and
the cores busy on the whole machine (/proc/stat: other work on the box shows up there) are read.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "claimtrail_bench_pipeline"

WORKER_COUNTS = (1, 2, 4)
SITE_DELAY_S = 0.2
PAGE_BYTES = 8_000
PAGE_VARIANTS = 16
WARMUP_PER_WORKER = 3
BURST_PER_WORKER = 60  # about 15 s of captures at any N
PACED_LOAD = 0.5  # of the burst rate
PACED_S = 8.0
TARGET = 0.8  # efficiency at 4 workers

READY_TIMEOUT = 60.0  # for all of one round's workers together
STOP_TIMEOUT = 10.0  # SIGTERM, then SIGKILL
SLACK_S = 60.0  # on top of 4x the expected time of a phase
POLL_S = 0.1


# --- Processes ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate: Callable[[], object], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(POLL_S)


class Process:
    """A child in a session of its own (stopping it takes its pool children along), its output
    in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.log_path = folder / f"{name}.log"
        with open(self.log_path, "wb") as log:
            self.popen = subprocess.Popen(  # noqa: S603
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 30) -> str:
        return f"--- {self.name}\n" + "\n".join(self.log().splitlines()[-lines:])

    def check_running(self) -> None:
        if self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.popen.returncode})\n{self.tail()}")

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)

    def stop(self) -> None:
        """SIGTERM to the group, SIGKILL after ``STOP_TIMEOUT``; stragglers get SIGKILL anyway."""
        if self.popen.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.popen.wait(timeout=STOP_TIMEOUT)
        self._signal(signal.SIGKILL)


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A redis-server of our own on a free port, nothing persisted; yields its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise SystemExit("pipeline: redis-server is not installed or not on PATH")
    port = _free_port()
    argv = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(folder)]
    server = Process(f"redis-{port}", argv, dict(os.environ), folder)

    def answers() -> bool:
        server.check_running()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        _wait_for(answers, timeout=30, what=f"redis-server on port {port}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.stop()


def worker_env(folder: Path) -> dict[str, str]:
    """This process's environment minus whatever configures Claimtrail, Django or Celery, plus
    the bench database, our Redis and archive folder, and loopback allowed to the fetcher."""
    dropped = ("CLAIMTRAIL_", "DJANGO_", "CELERY_", "REDIS_URL", "DATABASE_URL")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "REDIS_URL": os.environ["REDIS_URL"],
            "CLAIMTRAIL_ARCHIVE_ROOT": os.environ["CLAIMTRAIL_ARCHIVE_ROOT"],
            "CLAIMTRAIL_VAR_DIR": str(folder / "var"),
            "CLAIMTRAIL_FETCH_ALLOW_ADDRESSES": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


@contextlib.contextmanager
def workers(count: int, folder: Path) -> Iterator[list[Process]]:
    """``count`` worker processes, each ready (its " ready." line, logged at INFO: hence INFO,
    as ``make worker`` runs); all stopped afterwards, whatever happened."""
    env = worker_env(folder)
    started: list[Process] = []
    try:
        for i in range(count):
            argv = [sys.executable, "-m", "celery", "-A", "config", "worker"]
            argv += ["-Q", "captures,default", "-n", f"bench-{count}-{i}@%h", "--concurrency", "1"]
            argv += ["--without-mingle", "--without-gossip", "--loglevel", "INFO"]
            started.append(Process(f"worker-{count}-{i}", argv, env, folder))

        def all_ready() -> bool:
            for worker in started:
                worker.check_running()
            return all(" ready." in worker.log() for worker in started)

        _wait_for(all_ready, timeout=READY_TIMEOUT, what=f"{count} workers to be ready")
        yield started
    finally:
        for worker in started:
            worker.stop()


def cpu_busy_seconds() -> float | None:
    """CPU seconds spent not idle since boot, all cores together (Linux; None elsewhere)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(value) for value in fields[:8]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(procs: list[Process]) -> float | None:
    """CPU seconds used so far by the processes in these process groups: each worker and its
    pool child (Linux; None elsewhere)."""
    groups = {worker.popen.pid for worker in procs}
    total = 0
    try:
        stats = list(Path("/proc").glob("[0-9]*/stat"))
    except OSError:
        return None
    for stat in stats:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) in groups:  # pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK") if stats else None


# --- The site -------------------------------------------------------------------------------------


@contextlib.contextmanager
def slow_site(pages: list[bytes]) -> Iterator[tuple[int, list[int]]]:
    """Loopback HTTP/1.0: ``/story/<n>`` answers after ``SITE_DELAY_S`` with a page; yields the
    port and a one-item list counting the requests."""
    hits = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(SITE_DELAY_S)
            match = re.fullmatch(r"/story/(\d+)", self.path.split("?", 1)[0])
            if match is None:
                self.send_error(404)
                return
            with lock:
                hits[0] += 1
            body = pages[int(match[1]) % len(pages)]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- Measuring ------------------------------------------------------------------------------------


@dataclass
class Phase:
    workers: int
    captures: int
    elapsed: float = 0.0
    queue_wait: list[float] = field(default_factory=list)  # seconds
    service: list[float] = field(default_factory=list)
    enqueued_late: int = 0  # enqueued_at after started_at
    enqueued_missing: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    machine_cpu: float | None = None  # cores busy on average, all processes on the machine
    worker_cpu: float | None = None  # CPU seconds of the worker processes
    per_worker: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.captures / self.elapsed

    @property
    def utilisation(self) -> float:
        return sum(self.service) / (self.workers * self.elapsed)


def ms(values: list[float], q: float) -> float:
    """The q-quantile of ``values`` (seconds) in milliseconds."""
    if len(values) == 1:
        return values[0] * 1000
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[round(q * 100) - 1] * 1000


class Newsroom:
    """Creates sources through the service and stamps the moment just before each publish."""

    def __init__(self, base_url: str) -> None:
        from django.contrib.auth.models import Group, User

        from config.roles import Role

        self.base_url = base_url
        self.counter = itertools.count()
        self.stamps: dict[str, datetime] = {}
        self.actor = User.objects.create(username="bench-pipeline")
        group, _ = Group.objects.get_or_create(name=Role.FACT_CHECKER.group_name)
        self.actor.groups.add(group)

    def _create(self) -> int:
        """A source (and its pending snapshot) in the current transaction; returns its id."""
        from django.db import transaction
        from django.utils import timezone

        from sources.services import source_create

        url = f"{self.base_url}/story/{next(self.counter)}"
        # Registered first, so it runs on commit just before the snapshot's own capture_enqueue.
        transaction.on_commit(lambda: self.stamps.__setitem__(url, timezone.now()))
        return source_create(actor=self.actor, kind="article", url=url).pk

    def burst(self, count: int) -> list[int]:
        """``count`` sources in one transaction: their jobs go out back to back on commit."""
        from django.db import transaction

        with transaction.atomic():
            return [self._create() for _ in range(count)]

    def paced(self, count: int, interval: float) -> list[int]:
        """``count`` sources, one per transaction, ``interval`` seconds apart."""
        from django.db import transaction

        ids = []
        began = time.monotonic()
        for i in range(count):
            pause = began + i * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            with transaction.atomic():
                ids.append(self._create())
        return ids


def wait_finished(source_ids: list[int], timeout: float, procs: list[Process]) -> None:
    from django.db.models import Count

    from sources.models import Snapshot

    snapshots = Snapshot.objects.filter(source_id__in=source_ids)

    def done() -> bool:
        for worker in procs:
            worker.check_running()
        return snapshots.filter(status__in=Snapshot.FINISHED).count() == len(source_ids)

    try:
        _wait_for(done, timeout=timeout, what=f"{len(source_ids)} captures to finish")
    except RuntimeError as exc:
        counts = dict(snapshots.values_list("status").annotate(n=Count("id")).order_by())
        tails = "\n".join(worker.tail() for worker in procs)
        raise RuntimeError(f"{exc}; statuses {counts}\n{tails}") from None


def measure(
    phase: Phase, newsroom: Newsroom, source_ids: list[int], procs: list[Process], logs: list[int]
) -> Phase:
    """Fill ``phase`` from the rows of ``source_ids`` once all of them have finished."""
    from sources.models import Snapshot

    rows = list(
        Snapshot.objects.filter(source_id__in=source_ids).values_list(
            "url", "status", "error_code", "error_message", "enqueued_at", "started_at",
            "finished_at",
        )
    )  # fmt: skip
    assert len(rows) == len(source_ids), (len(rows), len(source_ids))
    first = min(newsroom.stamps[row[0]] for row in rows)
    last = max(row[6] for row in rows)
    phase.elapsed = (last - first).total_seconds()
    for url, status, code, message, enqueued_at, started_at, finished_at in rows:
        if status != Snapshot.Status.ARCHIVED:
            phase.failures.append((url, status, f"{code}: {message}"))
            continue
        phase.queue_wait.append((started_at - newsroom.stamps[url]).total_seconds())
        phase.service.append((finished_at - started_at).total_seconds())
        if enqueued_at is None:
            phase.enqueued_missing += 1
        elif enqueued_at > started_at:
            phase.enqueued_late += 1
    phase.per_worker = [
        worker.log()[offset:].count("snapshot_capture[") // 2  # "received" + "succeeded"
        for worker, offset in zip(procs, logs, strict=True)
    ]
    return phase


def run_round(count: int, newsroom: Newsroom, folder: Path) -> tuple[Phase, Phase]:
    """One N: warm-up, the timed burst, the paced phase; the workers stopped afterwards."""
    with workers(count, folder) as procs:
        expected = SITE_DELAY_S * 1.5  # a capture, roughly, for the deadlines
        warmup = newsroom.burst(WARMUP_PER_WORKER * count)
        wait_finished(warmup, WARMUP_PER_WORKER * expected * 4 + SLACK_S, procs)

        logs = [len(worker.log()) for worker in procs]
        before = (time.monotonic(), cpu_busy_seconds(), group_cpu_seconds(procs))
        burst_ids = newsroom.burst(BURST_PER_WORKER * count)
        wait_finished(burst_ids, BURST_PER_WORKER * expected * 4 + SLACK_S, procs)
        after = (time.monotonic(), cpu_busy_seconds(), group_cpu_seconds(procs))
        burst = measure(Phase(count, len(burst_ids)), newsroom, burst_ids, procs, logs)
        if before[1] is not None and after[1] is not None:
            burst.machine_cpu = (after[1] - before[1]) / (after[0] - before[0])
        if before[2] is not None and after[2] is not None:
            burst.worker_cpu = after[2] - before[2]

        logs = [len(worker.log()) for worker in procs]
        arrivals = max(8, round(burst.rate * PACED_LOAD * PACED_S))
        paced_ids = newsroom.paced(arrivals, 1 / (burst.rate * PACED_LOAD))
        wait_finished(paced_ids, expected * 4 + SLACK_S, procs)
        paced = measure(Phase(count, len(paced_ids)), newsroom, paced_ids, procs, logs)
    return burst, paced


# --- Main -----------------------------------------------------------------------------------------


def report(rounds: dict[int, tuple[Phase, Phase]], page_sizes: list[int], hits: int) -> bool:
    one = rounds[1][0]
    one_service = statistics.median(one.service)
    print(
        "pipeline: captures through Celery workers (concurrency 1 each, no beat) on our own "
        "redis-server, PostgreSQL"
    )
    print(
        f"  loopback site answering after {SITE_DELAY_S * 1000:.0f} ms: news articles of "
        f"{min(page_sizes):,}-{max(page_sizes):,} bytes; a new source per capture; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"  burst: {BURST_PER_WORKER} sources per worker created in one transaction, enqueued on "
        "commit; timed from the first publish to the last finished_at"
    )
    print(
        "  efficiency = rate(N) / (N x rate(1)); ideal = N / the 1-worker service p50; "
        "util = busy time / (N x elapsed); worker CPU per capture; machine CPU = cores busy "
        "(every process on the machine)"
    )
    print(
        "  workers  captures  elapsed s  captures/s  efficiency  ideal/s   util  "
        "service p50/p95 ms  queue wait p50/p95 ms  worker CPU ms  machine CPU  per worker"
    )
    for count, (burst, _) in rounds.items():
        machine = f"{burst.machine_cpu:.2f}" if burst.machine_cpu is not None else "-"
        worker_cpu = burst.worker_cpu
        mine = f"{worker_cpu / burst.captures * 1000:.0f}" if worker_cpu is not None else "-"
        service = f"{ms(burst.service, 0.5):8.0f} / {ms(burst.service, 0.95):4.0f}"
        print(
            f"  {count:7d}  {burst.captures:8d}  {burst.elapsed:9.2f}  {burst.rate:10.2f}"
            f"  {burst.rate / (count * one.rate):10.2f}  {count / one_service:7.2f}"
            f"  {burst.utilisation:5.2f}  {service}"
            f"  {ms(burst.queue_wait, 0.5):11.0f} / {ms(burst.queue_wait, 0.95):5.0f}"
            f"  {mine:>13}  {machine:>11}  {'/'.join(map(str, burst.per_worker))}"
        )
    print(
        f"  paced: arrivals evenly spaced at {PACED_LOAD:.0%} of each N's burst rate for "
        f"{PACED_S:g} s, one transaction each; queue wait = publish -> started_at"
    )
    print("  workers  captures  queue wait p50/p95 ms  service p50 ms")
    for count, (_, paced) in rounds.items():
        print(
            f"  {count:7d}  {paced.captures:8d}  {ms(paced.queue_wait, 0.5):11.0f} / "
            f"{ms(paced.queue_wait, 0.95):5.0f}  {ms(paced.service, 0.5):14.0f}"
        )
    phases = [phase for pair in rounds.values() for phase in pair]
    total = sum(phase.captures for phase in phases)
    late = sum(phase.enqueued_late for phase in phases)
    missing = sum(phase.enqueued_missing for phase in phases)
    print(
        f"  enqueued_at (written after the publish): after started_at for {late} of {total} "
        f"timed captures, never written for {missing}; site requests (warm-ups too): {hits}"
    )
    failures = [failure for phase in phases for failure in phase.failures]
    for url, status, reason in failures[:10]:
        print(f"  NOT ARCHIVED {url}: {status} ({reason})")
    if failures:
        print(f"  {len(failures)} captures not archived")
    four = rounds[max(rounds)][0]
    efficiency = four.rate / (max(rounds) * one.rate)
    met = "met" if efficiency >= TARGET else "not met"
    print(f"  target >= {TARGET} efficiency at {max(rounds)} workers: {met} ({efficiency:.2f})")
    return not failures


def main() -> None:
    from bench.capture import article_page
    from bench.setup import bench_database

    pages = [article_page(PAGE_BYTES, seed=seed)[0] for seed in range(1, PAGE_VARIANTS + 1)]
    rounds: dict[int, tuple[Phase, Phase]] = {}
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="claimtrail-pipe-")))
        (folder / "archives").mkdir()
        os.environ["REDIS_URL"] = stack.enter_context(redis_server(folder))
        os.environ["CLAIMTRAIL_ARCHIVE_ROOT"] = str(folder / "archives")
        port, hits = stack.enter_context(slow_site(pages))
        stack.enter_context(bench_database(name=DATABASE))  # settings read here: REDIS_URL set
        newsroom = Newsroom(f"http://127.0.0.1:{port}")
        for count in WORKER_COUNTS:
            rounds[count] = run_round(count, newsroom, folder)
        ok = report(rounds, [len(page) for page in pages], hits[0])
    if not ok:
        raise SystemExit(1)
