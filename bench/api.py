"""The claims API (DRF) vs bare Django views that run the same queries: requests per second.

Two endpoints: the claims list (a page of 50 with claimant, tags, evidence counts and
independent origins per stance) and a claim's detail (with its evidence rows). The baseline
(bench/bare_views.py) authenticates the same knox token, checks the same role, calls the same
selectors, filter set, paginator and ``claims_origin_counts``, and writes the same JSON with
``JsonResponse``; only DRF's view and serializer layer differs. Before timing, both sides must
return equal JSON and run the same SQL.

Both are served by one gunicorn (2 sync workers, bench.settings, which adds the bare routes) on
127.0.0.1, loaded by 4 client threads for a fixed time per side, API and bare alternating in
short slices so that drift (caches, autovacuum, a noisy neighbour) hits both alike.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "claimtrail_bench_api"

CLAIMS = 10_000
CLAIMANTS = 300
TAGS = 30
OUTLETS = 80
ORIGINS = 600  # first-hand sources: where citation chains end
RELAYS = 1_500  # derived sources citing 1-2 origins
ECHOES = 1_500  # derived sources citing 1-2 relays (and sometimes an origin)
UNKNOWN = 300  # sourcing unknown, nothing upstream: origin unknown
SENSITIVE_EVERY = 40  # every 40th source is sensitive (a fact-checker sees few of them)
DETAIL_IDS = 200  # claims the detail endpoint cycles through

PAGE_SIZE = 50
CLIENTS = 4
WORKERS = 2
WARMUP_S = 1.5  # per side per endpoint, untimed
ROUNDS = 4
SLICE_S = 2.0  # per side per round: ROUNDS * SLICE_S = 8 s per side per endpoint
TARGET = 0.5
API_PREFIX = "/api/v1/claims/"
BARE_PREFIX = "/bench/bare/claims/"


# --- Data --------------------------------------------------------------------------------------


@dataclass
class Dataset:
    token: str
    detail_ids: list[int]
    sizes: dict[str, int]


def build_data() -> Dataset:
    from django.contrib.auth.models import Group, User
    from knox.models import AuthToken

    from claims.models import Claim, Claimant, Tag
    from claims.services import claim_text_hash
    from sources.models import Citation, Outlet, Source
    from verification.models import Evidence, Publication, StatusChange

    rng = random.Random(11)
    editor = User.objects.create(username="bench-editor")
    editor.groups.add(Group.objects.get(name="editor"))
    checker = User.objects.create(username="bench-checker")
    checker.groups.add(Group.objects.get(name="fact_checker"))

    outlets = Outlet.objects.bulk_create(
        Outlet(name=f"Outlet {i}", owner=f"Owner {i % 50}", party_to="X" if i % 11 == 0 else "")
        for i in range(OUTLETS)
    )
    numbers = itertools.count()

    def source(sourcing: str) -> Source:
        i = next(numbers)
        url = f"https://site{i % 97}.example/story/{i}"
        return Source(
            kind="article",
            title=f"Story {i}",
            url=url,
            canonical_url=url,
            outlet=rng.choice(outlets),
            sourcing=sourcing,
            is_sensitive=i % SENSITIVE_EVERY == 0,
            created_by=editor,
        )

    def make(count: int, sourcing: str) -> list[Source]:
        return Source.objects.bulk_create(source(sourcing) for _ in range(count))

    origins, relays = make(ORIGINS, "original"), make(RELAYS, "derived")
    echoes, unknown = make(ECHOES, "derived"), make(UNKNOWN, "unknown")
    edges: list[Citation] = []
    for citing in relays:
        for cited in rng.sample(origins, rng.randint(1, 2)):
            edges.append(Citation(citing=citing, cited=cited, created_by=editor))
    for citing in echoes:
        cited_sources = rng.sample(relays, rng.randint(1, 2))
        if rng.random() < 0.2:
            cited_sources.append(rng.choice(origins))
        edges += [Citation(citing=citing, cited=c, created_by=editor) for c in cited_sources]
    Citation.objects.bulk_create(edges)

    claimants = Claimant.objects.bulk_create(
        Claimant(name=f"Claimant {i}", title=f"Spokesperson {i % 7}") for i in range(CLAIMANTS)
    )
    tags = Tag.objects.bulk_create(Tag(name=f"topic-{i}") for i in range(TAGS))
    statuses = list(Claim.Status.values)
    claims = []
    for i in range(CLAIMS):
        kind = "attribution" if i % 10 == 0 else "fact"
        text = f"Claim {i}: at least {i % 500} people were reported at site {i % 97}."
        claims.append(
            Claim(
                text=text,
                text_hash=claim_text_hash(text=text, kind=kind),
                kind=kind,
                claimant=rng.choice(claimants) if kind == "attribution" or i % 3 else None,
                made_on=date(2025, 1 + i % 12, 1 + i % 28) if i % 4 else None,
                language=rng.choice(["en", "en", "ru", "uk", "zh"]),
                status=rng.choice(statuses),
                needs_review=i % 17 == 0,
                version=1 + i % 4,
                assignee=checker if i % 20 == 0 else None,
                created_by=editor,
            )
        )
    claims = Claim.objects.bulk_create(claims, batch_size=2_000)
    Claim.tags.through.objects.bulk_create(
        Claim.tags.through(claim_id=claim.pk, tag_id=tag.pk)
        for claim in claims
        for tag in rng.sample(tags, rng.randint(1, 3))
    )
    pool = echoes * 3 + relays * 2 + origins + unknown
    evidence = []
    for claim in claims:
        for src in {s.pk: s for s in rng.sample(pool, rng.randint(1, 3))}.values():
            quoted = rng.random() < 0.5
            evidence.append(
                Evidence(
                    claim=claim,
                    source=src,
                    stance=rng.choice(Evidence.Stance.values),
                    credibility=rng.randint(1, 6),
                    quote=f"Quoted passage from {src.title}." if quoted else "",
                    quote_language="en" if quoted else "",
                    added_by=editor,
                )
            )
    Evidence.objects.bulk_create(evidence, batch_size=5_000)

    verdicts = [c for c in claims if c.status in Claim.VERDICTS and c.pk % 5 == 0]
    changes = StatusChange.objects.bulk_create(
        StatusChange(
            claim=c,
            from_status="in_review",
            to_status=c.status,
            rationale="Benchmark verdict.",
            actor=editor,
            claim_version=c.version,
        )
        for c in verdicts
    )
    Publication.objects.bulk_create(
        Publication(
            claim=c,
            action="publish",
            verdict=c.status,
            status_change=change,
            public_summary="Benchmark summary.",
            actor=editor,
        )
        for c, change in zip(verdicts, changes, strict=True)
    )
    _, token = AuthToken.objects.create(user=checker)
    return Dataset(
        token=token,
        detail_ids=sorted(rng.sample([c.pk for c in claims], DETAIL_IDS)),
        sizes={
            "claims": len(claims),
            "evidence rows": len(evidence),
            "sources": ORIGINS + RELAYS + ECHOES + UNKNOWN,
            "citations": len(edges),
            "published": len(verdicts),
        },
    )


# --- Equality: same JSON, same SQL ---------------------------------------------------------------


def _get(port: int, path: str, token: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _as_api(body: Any) -> Any:
    """The bare list's page links point at the bare route; the rest must be identical."""
    if isinstance(body, dict):
        for key in ("next", "previous"):
            if body.get(key):
                body[key] = body[key].replace(BARE_PREFIX, API_PREFIX)
    return body


def assert_same_responses(port: int, data: Dataset) -> dict[str, int]:
    """Both sides return equal JSON (and ETags), over HTTP from the real server."""
    list_queries = [f"?page_size={PAGE_SIZE}", f"?page_size={PAGE_SIZE}&page=3", "?status=false"]
    pairs = [(API_PREFIX + q, BARE_PREFIX + q) for q in list_queries]
    pairs += [(f"{API_PREFIX}{i}/", f"{BARE_PREFIX}{i}/") for i in data.detail_ids[:40]]
    for api_path, bare_path in pairs:
        api_status, api_headers, api_body = _get(port, api_path, data.token)
        bare_status, bare_headers, bare_body = _get(port, bare_path, data.token)
        assert api_status == bare_status == 200, (api_path, api_status, bare_status, api_body)
        assert json.loads(api_body) == _as_api(json.loads(bare_body)), api_path
        assert api_headers.get("ETag") == bare_headers.get("ETag"), api_path
    page = json.loads(_get(port, pairs[0][0], data.token)[2])
    assert page["count"] == CLAIMS and len(page["results"]) == PAGE_SIZE, page["count"]
    return {
        "evidence": sum(c["evidence_count"] for c in page["results"]),
        "origins": sum(sum(c["independent_origins"].values()) for c in page["results"]),
    }


class _SqlTimer:
    """connection.execute_wrapper: counts queries and the time spent waiting on them."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.statements: list[str] = []  # with their parameters

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began
            self.statements.append(f"{sql} {params!r}")


def in_process(data: Dataset, repeats: int = 15) -> dict[str, dict[str, tuple[float, float]]]:
    """Through Django's test client (no HTTP): both sides run exactly the same SQL; and the
    median time per request, total and waiting on SQL, for the breakdown printed at the end."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {data.token}")
    suffixes = {"list": f"?page_size={PAGE_SIZE}", "detail": f"{data.detail_ids[0]}/"}
    prefixes = {"api": API_PREFIX, "bare": BARE_PREFIX}
    out: dict[str, dict[str, tuple[float, float]]] = {}
    with override_settings(ROOT_URLCONF="bench.urls"):
        for name, suffix in suffixes.items():
            samples: dict[str, list[tuple[float, float]]] = {"api": [], "bare": []}
            statements = {}
            for round_ in range(repeats + 1):
                for side in ("api", "bare") if round_ % 2 else ("bare", "api"):
                    timer = _SqlTimer()
                    with connection.execute_wrapper(timer):
                        began = time.perf_counter()
                        assert client.get(prefixes[side] + suffix).status_code == 200
                        total = time.perf_counter() - began
                    statements[side] = timer.statements
                    if round_:  # the first round warms up
                        samples[side].append((total, timer.seconds))
            assert statements["api"] == statements["bare"], (name, statements)
            out[name] = {
                side: (
                    statistics.median(t for t, _ in rows) * 1000,
                    statistics.median(s for _, s in rows) * 1000,
                )
                for side, rows in samples.items()
            }
            out[name]["queries"] = (len(statements["api"]), 0.0)
    return out


# --- Server and load -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(token: str) -> Iterator[int]:
    """gunicorn on a free loopback port with bench.settings; stopped on the way out."""
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--worker-class", "sync",
        "--log-level", "warning",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
        try:
            deadline = time.monotonic() + 30
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")
                    raise SystemExit(f"gunicorn did not start:\n{output}")
                try:
                    if _get(port, API_PREFIX + "?page_size=1", token)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@dataclass
class Side:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000


def load(port: int, paths: list[str], token: str, seconds: float, side: Side | None) -> None:
    """CLIENTS threads, each with its own keep-alive connection, for ``seconds``. gunicorn's
    sync workers close after each response; http.client then reconnects (on both sides alike)."""
    headers = {"Authorization": f"Token {token}"}
    start_line = threading.Barrier(CLIENTS + 1)
    per_client: list[list[float]] = [[] for _ in range(CLIENTS)]
    failures: list[str] = []

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        samples = per_client[n]
        start_line.wait()
        try:
            for i in itertools.count(n, CLIENTS):
                began = time.perf_counter()
                if began >= deadline:
                    return
                conn.request("GET", paths[i % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"{paths[i % len(paths)]}: {response.status}")
                    return
                samples.append(time.perf_counter() - began)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    assert not failures, failures
    if side is not None:
        side.requests += sum(len(samples) for samples in per_client)
        side.seconds += elapsed
        for samples in per_client:
            side.latencies += samples


def measure(port: int, token: str, api_paths: list[str], bare_paths: list[str]) -> dict[str, Side]:
    sides = {"bare": Side(), "api": Side()}
    paths = {"bare": bare_paths, "api": api_paths}
    for name in sides:
        load(port, paths[name], token, WARMUP_S, None)
    for round_ in range(ROUNDS):
        order = ("api", "bare") if round_ % 2 == 0 else ("bare", "api")
        for name in order:
            load(port, paths[name], token, SLICE_S, sides[name])
    return sides


# --- Main ----------------------------------------------------------------------------------------


def main() -> None:
    from bench.setup import bench_database

    # collectstatic is not run for benchmarks; WhiteNoise warns that STATIC_ROOT is missing.
    warnings.filterwarnings("ignore", message="No directory at")

    results: dict[str, dict[str, Side]] = {}
    with bench_database(name=DATABASE):
        from django.db import connections

        began = time.perf_counter()
        data = build_data()
        built = time.perf_counter() - began
        breakdown = in_process(data)
        connections.close_all()
        with gunicorn(data.token) as port:
            page = assert_same_responses(port, data)
            endpoints = {
                f"GET {API_PREFIX}?page_size={PAGE_SIZE}": (
                    [f"{API_PREFIX}?page_size={PAGE_SIZE}"],
                    [f"{BARE_PREFIX}?page_size={PAGE_SIZE}"],
                ),
                f"GET {API_PREFIX}{{id}}/": (
                    [f"{API_PREFIX}{i}/" for i in data.detail_ids],
                    [f"{BARE_PREFIX}{i}/" for i in data.detail_ids],
                ),
            }
            for label, (api_paths, bare_paths) in endpoints.items():
                results[label] = measure(port, data.token, api_paths, bare_paths)

    sizes = ", ".join(f"{count} {name}" for name, count in data.sizes.items())
    print(f"api: {sizes} (built in {built:.0f} s); PostgreSQL")
    print(
        f"  gunicorn {WORKERS} sync workers on 127.0.0.1, {CLIENTS} client threads, "
        f"{ROUNDS} x {SLICE_S:.0f} s per side per endpoint, alternating; same JSON and same SQL "
        f"checked first"
    )
    print(
        f"  list page: {PAGE_SIZE} claims, {page['evidence']} evidence rows, "
        f"{page['origins']} independent origins; detail cycles through {DETAIL_IDS} claims"
    )
    ratios = {}
    for (label, sides), kind in zip(results.items(), ("list", "detail"), strict=True):
        print(f"  {label}")
        for name, title in (("bare", "bare Django view"), ("api", "DRF API")):
            side = sides[name]
            print(
                f"    {title:<17} {side.rate:8.1f} req/s   p50 {side.percentile(50):6.1f} ms"
                f"   p95 {side.percentile(95):6.1f} ms   ({side.requests} requests)"
            )
        ratios[label] = sides["api"].rate / sides["bare"].rate
        print(f"    ratio API / bare  {ratios[label]:8.2f}x")
        cost = breakdown[kind]
        print(
            f"    in-process, one request at a time ({cost['queries'][0]:.0f} queries): "
            f"bare {cost['bare'][0]:.1f} ms of which SQL {cost['bare'][1]:.1f}, "
            f"API {cost['api'][0]:.1f} ms of which SQL {cost['api'][1]:.1f}"
        )
    worst = min(ratios.values())
    verdict = "met" if worst >= TARGET else "NOT met"
    print(f"  target: API >= {TARGET}x bare on both endpoints: {verdict} (worst {worst:.2f}x)")
