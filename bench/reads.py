"""Reads at a million claims, for every role: p50/p95 per page, against the editor's time.

``python bench/run.py reads [--rebuild] [--explain] [--scale 1]``

On the scale database of bench/million.py (built first if it is not there; kept between runs),
on PostgreSQL. Four users: an editor, a fact-checker holding access grants, a fact-checker with
none, a viewer. Five pages each: the API claims list (``?page_size=50``, pages 1-5 in turn) and
a claim's detail (200 claims in turn), with knox tokens; the desk's queue (pages 1-5) and claim
page, for 30 claims with exactly 5 evidence rows and for the claim with 200, signed in with a
session.

Measured in-process: Django's test client against the real database, DEBUG off, every middleware
(sessions, auth, CSRF, WhiteNoise...), one request at a time, wall time around ``client.get``;
queries are counted and timed with ``connection.execute_wrapper``. Not measured: an HTTP server,
the network, the client's parsing. The four roles take turns on each page, request by request, so
that drift (autovacuum, other engineers' tests on this 2-core box) hits them alike.

Bounded: each page's first request per role is a warm-up (untimed unless slow); a role whose
first request took more than SLOW_S gets only as many samples as fit in CELL_BUDGET_S (at least
MIN_SAMPLES), one whose first request took more than CUT_S gets that one only, and every
statement is cut off at STATEMENT_TIMEOUT_MS. The output says where this happened (n).

A bare-SQL baseline runs in the same run on the same rows: the least SQL that reads what each
page shows (the page of claims by ``LIMIT``, a claim and its evidence with sources), rows
fetched through the same connection, no ORM, no visibility rule, no counts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = (
    ("editor", "bench_edith"),
    ("fact-checker with grants", "bench_fiona"),
    ("fact-checker, no grants", "bench_felix"),
    ("viewer", "bench_vera"),
)
PAGE_SIZE = 50
LIST_PAGES = 5
DETAIL_IDS = 200
SMALL_CLAIMS = 30
SAMPLES = {"list": 30, "detail": 60, "queue": 30, "page5": 30, "page200": 12}
SLOW_S = 2.0
CELL_BUDGET_S = 45.0
MIN_SAMPLES = 3
CUT_S = 30.0
STATEMENT_TIMEOUT_MS = 120_000
TARGETS = {"list": 50.0, "detail": 20.0, "page200": 150.0}
PAGE200_MAX_KIB = 400
ROLE_RATIO = 1.2


@dataclass
class Cell:
    key: str
    label: str
    paths: list[str]
    api: bool
    samples: dict[str, list[float]] = field(default_factory=dict)
    sql: dict[str, list[float]] = field(default_factory=dict)
    queries: dict[str, list[int]] = field(default_factory=dict)
    size: dict[str, int] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


class SqlMeter:
    """connection.execute_wrapper: counts queries, the time spent in them, and (when asked)
    keeps each statement with its parameters and duration."""

    def __init__(self, keep: bool = False) -> None:
        self.count = 0
        self.seconds = 0.0
        self.keep = keep
        self.statements: list[tuple[float, str, Any]] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - began
            self.count += 1
            self.seconds += spent
            if self.keep:
                self.statements.append((spent, sql, params))


def _pick_claims(marker: dict[str, Any]) -> tuple[list[int], list[int]]:
    from django.db import connection

    bulk = marker["special"]["five"] - 1  # the hand-built claims come last
    rng = random.Random(17)
    detail = sorted(rng.sample(range(1, bulk + 1), DETAIL_IDS))
    probe = rng.sample(range(1, bulk + 1), min(bulk, 20_000))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT claim_id FROM verification_evidence WHERE claim_id = ANY(%s) "
            "GROUP BY claim_id HAVING count(*) = 5 ORDER BY claim_id LIMIT %s",
            [probe, SMALL_CLAIMS - 1],
        )
        small = [marker["special"]["five"], *(row[0] for row in cursor.fetchall())]
    return detail, small


def _clients(marker: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Per role: (API client with a knox token, desk client signed in with a session)."""
    from django.contrib.auth.models import User
    from django.test import Client
    from knox.models import AuthToken

    users = {role: User.objects.get(username=username) for role, username in ROLES}
    AuthToken.objects.filter(user__in=users.values()).delete()
    clients = {}
    for role, user in users.items():
        _, token = AuthToken.objects.create(user=user)
        api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
        desk = Client(HTTP_HOST="127.0.0.1")
        desk.force_login(user)
        clients[role] = (api, desk)
    return clients


def _request(client: Any, path: str, meter: SqlMeter) -> tuple[float, int, int]:
    from django.db import connection

    with connection.execute_wrapper(meter):
        began = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - began
    return elapsed, response.status_code, len(response.content)


def measure(cell: Cell, clients: dict[str, tuple[Any, Any]], log: Callable[[str], None]) -> None:
    roles = [role for role, _ in ROLES]
    wanted: dict[str, int] = {}
    for role in roles:
        client = clients[role][0 if cell.api else 1]
        meter = SqlMeter()
        first, status, size = _request(client, cell.paths[0], meter)
        cell.status[role], cell.size[role] = status, size
        cell.samples[role], cell.sql[role], cell.queries[role] = [], [], [meter.count]
        wanted[role] = SAMPLES[cell.key]
        if first > CUT_S:
            cell.samples[role], cell.sql[role] = [first], [meter.seconds]
            wanted[role] = 0
            cell.notes[role] = f"cut to 1 sample: the first took {first:.0f} s"
        elif first > SLOW_S:
            wanted[role] = max(MIN_SAMPLES, min(wanted[role], int(CELL_BUDGET_S / first)))
            cell.notes[role] = f"cut to {wanted[role]} samples: {first:.1f} s each"
        log(f"    {cell.key:8} {role:26} first {first * 1000:9.1f} ms, {meter.count} queries")
    for i in range(max(wanted.values())):
        for role in roles if i % 2 else reversed(roles):
            if i >= wanted[role]:
                continue
            client = clients[role][0 if cell.api else 1]
            meter = SqlMeter()
            elapsed, status, _ = _request(client, cell.paths[(i + 1) % len(cell.paths)], meter)
            if status != 200:
                cell.status[role] = status
            cell.samples[role].append(elapsed)
            cell.sql[role].append(meter.seconds)
            cell.queries[role].append(meter.count)


def _pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0] * 1000
    ordered = sorted(values)
    # Nearest rank: p95 of 30 samples is the 29th; of 3, the largest.
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.4999)))
    return ordered[rank - 1] * 1000


# --- The bare-SQL baseline ---------------------------------------------------------------------

BARE_LIST = """
SELECT c.id, c.text, c.kind, c.status, c.needs_review, c.version, c.made_on, c.language,
       c.created_at, c.updated_at, cl.name, cl.title, u.username
FROM claims_claim c
LEFT JOIN claims_claimant cl ON cl.id = c.claimant_id
LEFT JOIN auth_user u ON u.id = c.assignee_id
ORDER BY c.created_at DESC, c.id DESC LIMIT %s OFFSET %s
"""
BARE_CLAIM = """
SELECT c.id, c.text, c.kind, c.status, c.version, cl.name FROM claims_claim c
LEFT JOIN claims_claimant cl ON cl.id = c.claimant_id WHERE c.id = %s
"""
BARE_EVIDENCE = """
SELECT e.id, e.stance, e.credibility, e.quote, e.translation, e.note, e.added_at,
       s.id, s.title, s.url, s.kind, s.sourcing, s.link_status, o.name, o.owner, o.party_to
FROM verification_evidence e
JOIN sources_source s ON s.id = e.source_id
LEFT JOIN sources_outlet o ON o.id = s.outlet_id
WHERE e.claim_id = %s ORDER BY e.stance, e.id
"""


def bare_baselines(detail: list[int], small: list[int], big: int) -> list[tuple[str, list[float]]]:
    from django.db import connection

    def run(statements: list[tuple[str, list[Any]]]) -> float:
        began = time.perf_counter()
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
        return time.perf_counter() - began

    cases: list[tuple[str, Callable[[int], list[tuple[str, list[Any]]]], int]] = [
        (
            f"list: the page of {PAGE_SIZE} claims (LIMIT/OFFSET, claimant, assignee)",
            lambda i: [(BARE_LIST, [PAGE_SIZE, PAGE_SIZE * (i % LIST_PAGES)])],
            30,
        ),
        (
            "detail: the claim and its evidence rows with sources and outlets",
            lambda i: [
                (BARE_CLAIM, [detail[i % len(detail)]]),
                (BARE_EVIDENCE, [detail[i % len(detail)]]),
            ],
            60,
        ),
        (
            "queue: the page of 25 claims",
            lambda i: [(BARE_LIST, [25, 25 * (i % LIST_PAGES)])],
            30,
        ),
        (
            "claim page, 5 rows: the claim and its evidence rows",
            lambda i: [
                (BARE_CLAIM, [small[i % len(small)]]),
                (BARE_EVIDENCE, [small[i % len(small)]]),
            ],
            30,
        ),
        (
            "claim page, 200 rows: the claim and its evidence rows",
            lambda i: [(BARE_CLAIM, [big]), (BARE_EVIDENCE, [big])],
            12,
        ),
        (
            "reference: SELECT count(*) FROM claims_claim",
            lambda i: [("SELECT count(*) FROM claims_claim", [])],
            5,
        ),
    ]
    out = []
    for label, statements, n in cases:
        run(statements(0))
        out.append((label, [run(statements(i + 1)) for i in range(n)]))
    return out


# --- EXPLAIN of the slow statements ------------------------------------------------------------


def explain(
    cells: list[Cell], clients: dict[str, tuple[Any, Any]], role: str, top: int = 3
) -> list[str]:
    """The slowest statements of one request per page for ``role``, with EXPLAIN ANALYZE."""
    from django.db import connection

    lines = [f"== EXPLAIN (ANALYZE, BUFFERS) of the slowest statements, {role} =="]
    for cell in cells:
        client = clients[role][0 if cell.api else 1]
        meter = SqlMeter(keep=True)
        elapsed, _, _ = _request(client, cell.paths[0], meter)
        lines.append(
            f"\n-- {cell.label} {cell.paths[0]}: {elapsed * 1000:.0f} ms, {meter.count} "
            f"queries, SQL {meter.seconds * 1000:.0f} ms"
        )
        for spent, sql, _ in sorted(meter.statements, key=lambda s: -s[0])[:8]:
            lines.append(f"   {spent * 1000:9.1f} ms  {' '.join(sql.split())[:150]}")
        for spent, sql, params in sorted(meter.statements, key=lambda s: -s[0])[:top]:
            if spent < 0.02:
                break
            lines.append(f"\n   [{spent * 1000:.0f} ms] {' '.join(sql.split())}")
            lines.append(f"   params: {str(params)[:300]}")
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                lines += ["     " + row[0] for row in cursor.fetchall()]
    return lines


# --- Report ------------------------------------------------------------------------------------


def report(
    cells: list[Cell], baselines: list[tuple[str, list[float]]], header: list[str]
) -> list[str]:
    lines = list(header)
    lines.append(
        f"  {'page':36} {'role':26} {'n':>3} {'p50 ms':>9} {'p95 ms':>9} {'x editor':>9} "
        f"{'queries':>8} {'SQL p50':>9} {'KiB':>6}"
    )
    verdicts: list[str] = []

    def verdict(ok: bool, text: str) -> None:
        verdicts.append(f"  {'met    ' if ok else 'NOT met'}  {text}")

    for cell in cells:
        editor = statistics.median(cell.samples["editor"])
        ratios, p95s = {}, {}
        for n, (role, _) in enumerate(ROLES):
            samples = cell.samples[role]
            p50, p95 = _pct(samples, 0.5), _pct(samples, 0.95)
            ratios[role], p95s[role] = statistics.median(samples) / editor, p95
            queries = sorted(set(cell.queries[role]))
            shown = str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}"
            status = "" if cell.status[role] == 200 else f"  HTTP {cell.status[role]}"
            note = f"  ({cell.notes[role]})" if role in cell.notes else ""
            lines.append(
                f"  {cell.label if n == 0 else '':36} {role:26} {len(samples):3d} {p50:9.1f} "
                f"{p95:9.1f} {ratios[role]:8.2f}x {shown:>8} "
                f"{statistics.median(cell.sql[role]) * 1000:9.1f} "
                f"{cell.size[role] / 1024:6.0f}{status}{note}"
            )
        others = [role for role, _ in ROLES if role != "editor"]
        verdict(
            all(ratios[r] <= ROLE_RATIO for r in others),
            f"{cell.label}: every role within {ROLE_RATIO}x of the editor ("
            + ", ".join(f"{r} {ratios[r]:.2f}x" for r in others)
            + ")",
        )
        target = TARGETS.get(cell.key)
        if target is not None:
            verdict(
                all(p95 <= target for p95 in p95s.values()),
                f"{cell.label}: p95 <= {target:.0f} ms ("
                + ", ".join(f"{r} {v:.0f}" for r, v in p95s.items())
                + ")",
            )
        if cell.key == "page200":
            kib = {role: size / 1024 for role, size in cell.size.items()}
            verdict(
                all(v < PAGE200_MAX_KIB for v in kib.values()),
                f"{cell.label}: < {PAGE200_MAX_KIB} KiB ("
                + ", ".join(f"{r} {v:.0f}" for r, v in kib.items())
                + ")",
            )
    lines.append("  bare SQL, same rows, same run (no ORM, no visibility, no counts):")
    for label, samples in baselines:
        lines.append(
            f"    {label:66} n {len(samples):3d}  p50 {_pct(samples, 0.5):8.1f} ms  "
            f"p95 {_pct(samples, 0.95):8.1f} ms"
        )
    lines.append("  targets (issue 10; the ratio is of medians, the limits are on p95):")
    return lines + verdicts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench/run.py reads")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow statements")
    parser.add_argument("--database", default=None)
    args = parser.parse_args(argv or [])
    from bench.million import DATABASE, ensure_built

    warnings.filterwarnings("ignore", message="No directory at")
    marker = ensure_built(name=args.database or DATABASE, scale=args.scale, rebuild=args.rebuild)
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    assert not settings.DEBUG, "DEBUG must be off for a benchmark"
    connection.close()
    connection.settings_dict.setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    )
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        run(marker, args.explain)


def _grant_counts(marker: dict[str, Any]) -> str:
    from django.db import connection

    from bench.million import grant_model

    model = grant_model()
    if model is None:
        return "none (no SourceGrant model on this branch)"
    cast = marker["cast"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE revoked_at IS NULL AND grantee_id = %s), "  # noqa: S608
            f"count(*) FILTER (WHERE grantee_id = %s) FROM {model._meta.db_table}",
            [cast["checker_granted"], cast["checker"]],
        )
        total, granted, ungranted = cursor.fetchone()
    return (
        f"{total:,} in all; {granted} active for the fact-checker with grants, {ungranted} for "
        "the one without"
    )


def run(marker: dict[str, Any], with_explain: bool) -> None:
    from django.db import connection

    detail, small = _pick_claims(marker)
    big = marker["special"]["two_hundred"]
    clients = _clients(marker)
    cells = [
        Cell(
            "list",
            f"API claims list (page_size={PAGE_SIZE})",
            [f"/api/v1/claims/?page_size={PAGE_SIZE}&page={p}" for p in range(1, LIST_PAGES + 1)],
            api=True,
        ),
        Cell("detail", "API claim detail", [f"/api/v1/claims/{i}/" for i in detail], api=True),
        Cell(
            "queue",
            "desk queue",
            [f"/queue/?page={p}" for p in range(1, LIST_PAGES + 1)],
            api=False,
        ),
        Cell(
            "page5", "desk claim page, 5 evidence rows", [f"/claims/{i}/" for i in small], api=False
        ),
        Cell("page200", "desk claim page, 200 evidence rows", [f"/claims/{big}/"], api=False),
    ]
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    print("measuring (first request per role and page):", flush=True)
    for cell in cells:
        measure(cell, clients, log=lambda line: print(line, flush=True))
    baselines = bare_baselines(detail, small, big)
    counts = marker["counts"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    grants = _grant_counts(marker)
    header = [
        f"reads: {counts['claims_claim']:,} claims, {counts['verification_evidence']:,} evidence "
        f"rows, {counts['sources_source']:,} sources, {counts['sources_outlet']:,} outlets, "
        f"{counts['sources_citation']:,} citations; PostgreSQL {version.split()[0]}",
        f"  access grants: {grants}",
        "  in-process (django.test.Client, DEBUG off, every middleware), one request at a time, "
        "roles taking turns; API: knox token; desk: session",
        f"  list/queue cycle pages 1-{LIST_PAGES}; detail cycles {len(detail)} claims; the "
        f"5-row page cycles {len(small)} claims; measured in {time.perf_counter() - began:.0f} s",
        f"  load average (1 min) on this {os.cpu_count()}-core box: {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (other engineers' tests share it)",
    ]
    lines = report(cells, baselines, header)
    print("\n".join(lines), flush=True)
    if with_explain:
        for role in ("fact-checker with grants", "fact-checker, no grants"):
            print("\n".join(explain(cells, clients, role)), flush=True)
