"""Provenance analysis of one claim vs a bare recursive-SQL walk of the same citation graph.

The baseline is the least work that answers "which origins does each evidence source reach":
one recursive CTE, rows straight from the cursor. Ours is ``claim_provenance``: the ORM walk
level by level with sensitive-source filtering, outlet grades, voices per stance, shared-outlet
and party groups, and a dataclass result. Same database, same graph, same process.
"""

from __future__ import annotations

import itertools
import random
import statistics
import time

EVIDENCE = 200  # evidence sources on the claim
DEPTH = 5  # citation hops from an evidence source to its origin
ORIGINS = 25  # original sources the chains end in
OUTLETS = 40
ROUNDS = 30  # timed calls per side (bounded)

BASELINE_SQL = """
WITH RECURSIVE walk(start_id, node_id, depth) AS (
    SELECT e.source_id, e.source_id, 0 FROM verification_evidence e WHERE e.claim_id = %s
  UNION
    SELECT w.start_id, c.cited_id, w.depth + 1
    FROM walk w JOIN sources_citation c ON c.citing_id = w.node_id
    JOIN sources_source s ON s.id = w.node_id
    WHERE s.sourcing <> 'original' AND w.depth < %s
)
SELECT w.start_id, w.node_id FROM walk w JOIN sources_source s ON s.id = w.node_id
WHERE s.sourcing = 'original'
"""


def build_graph():
    from django.contrib.auth.models import Group, User

    from claims.models import Claim
    from claims.services import claim_text_hash
    from sources.models import Citation, Outlet, Source
    from verification.models import Evidence

    rng = random.Random(7)
    editor = User.objects.create(username="bench-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="editor"))
    outlets = Outlet.objects.bulk_create(
        Outlet(name=f"Outlet {i}", owner=f"Owner {i % 30}", party_to="X" if i % 9 == 0 else "")
        for i in range(OUTLETS)
    )

    def source(i: int, sourcing: str) -> Source:
        url = f"https://site{i}.example/story/{i}"
        return Source(
            kind="article",
            title=f"Story {i}",
            url=url,
            canonical_url=url,
            outlet=rng.choice(outlets),
            sourcing=sourcing,
            created_by=editor,
        )

    origins = Source.objects.bulk_create(source(i, "original") for i in range(ORIGINS))
    counter = ORIGINS
    levels: list[list[Source]] = []
    for _ in range(DEPTH):
        level = Source.objects.bulk_create(source(counter + j, "derived") for j in range(EVIDENCE))
        counter += EVIDENCE
        levels.append(level)
    edges = []
    for upper, lower in itertools.pairwise(levels):
        for j, citing in enumerate(upper):
            edges.append(Citation(citing=citing, cited=lower[j], created_by=editor))
            other = lower[rng.randrange(EVIDENCE)]
            if other.pk != lower[j].pk:
                edges.append(Citation(citing=citing, cited=other, created_by=editor))
    for citing in levels[-1]:
        edges.append(Citation(citing=citing, cited=rng.choice(origins), created_by=editor))
    Citation.objects.bulk_create(edges)
    text = "A figure repeated by many outlets."
    claim = Claim.objects.create(
        text=text, text_hash=claim_text_hash(text=text, kind="fact"), created_by=editor
    )
    stances = ["asserts", "supports", "contradicts", "context"]
    Evidence.objects.bulk_create(
        Evidence(claim=claim, source=src, stance=stances[i % 4], added_by=editor)
        for i, src in enumerate(levels[0])
    )
    return claim, editor, len(edges), counter


def timed(fn, rounds: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    from bench.setup import bench_database

    with bench_database():
        from django.db import connection

        from verification.provenance import claim_provenance

        claim, editor, edge_count, node_count = build_graph()

        def ours():
            return claim_provenance(claim=claim, user=editor)

        def baseline():
            with connection.cursor() as cursor:
                cursor.execute(BASELINE_SQL, [claim.pk, DEPTH + 1])
                reached: dict[int, set[int]] = {}
                for start_id, origin_id in cursor.fetchall():
                    reached.setdefault(start_id, set()).add(origin_id)
                return reached

        # Both sides must agree before either is timed.
        result = ours()
        expected = baseline()
        for trace in result.evidence:
            assert set(trace.origin_ids) == expected.get(trace.source_id, set()), trace
        ours_s = timed(ours, ROUNDS)
        base_s = timed(baseline, ROUNDS)

    ours_med, base_med = statistics.median(ours_s), statistics.median(base_s)
    print(
        f"provenance: 1 claim, {EVIDENCE} evidence sources, {node_count} sources, "
        f"{edge_count} citations, depth {DEPTH}, {ROUNDS} rounds each"
    )
    print(f"  bare recursive SQL   median {base_med * 1000:8.1f} ms")
    print(f"  claim_provenance     median {ours_med * 1000:8.1f} ms")
    print(f"  ratio (ours / bare)  {ours_med / base_med:8.2f}x")
    independent = {s.stance: s.independent_origins for s in result.stances}
    print(f"  independent origins per stance: {independent}")
