"""Provenance analysis: where a claim's evidence comes from, and how many independent voices.

From each evidence source we walk ``Citation`` edges (citing -> cited) upward:

* a source marked *original* (first-hand) is an **origin**; the walk stops there;
* a source with recorded citations is derivative: its origins are those of what it cites;
* a derivative source with nothing recorded upstream is a dead end: **origin unknown**, not
  counted as an origin of its own; so is a branch that only loops back on itself or goes past
  the depth limit.

A report that cites several sources for several things should not pass all their origins to
every claim it makes: evidence may name, in ``via``, which of its source's citations carry *this*
claim, and for this claim only those edges are walked out of that source.

Origins are then grouped into **voices**: origins from one outlet, or from outlets with one
owner, speak with one voice. The number of independent origins of a stance is the number of
voices among the origins of that stance's evidence: three outlets repeating one Telegram post
are one origin, not three confirmations. Outlets that are parties to the story are listed so a
reader sees a belligerent's word as such.

Sources the user may not see are left out entirely, so no count reveals a sensitive source.
The result is a plain data structure (dataclasses; ``as_dict()`` for JSON).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from claims.models import Claim
from config.lookups import ids_condition
from sources.models import Citation, Outlet, Source
from sources.selectors import SourceAccess, User, source_access
from verification.models import Evidence


@dataclass(frozen=True)
class OutletInfo:
    id: int
    name: str
    kind: str
    grade: str | None
    owner: str
    affiliation: str
    party_to: str


@dataclass(frozen=True)
class ProvenanceNode:
    source_id: int
    title: str
    url: str
    kind: str
    sourcing: str
    outlet: OutletInfo | None
    is_evidence: bool
    is_origin: bool
    is_dead_end: bool


@dataclass(frozen=True)
class ProvenanceEdge:
    citing_id: int
    cited_id: int
    kind: str


@dataclass(frozen=True)
class Voice:
    """Origins that are not independent of each other (same outlet, or same owner)."""

    key: str
    label: str
    origin_ids: tuple[int, ...]


@dataclass(frozen=True)
class EvidenceTrace:
    evidence_id: int
    source_id: int
    stance: str
    credibility: int
    origin_ids: tuple[int, ...]
    origin_unknown: bool
    unknown_ids: tuple[int, ...]


@dataclass(frozen=True)
class StanceSummary:
    stance: str
    evidence_count: int
    independent_origins: int
    voices: tuple[Voice, ...]
    origin_unknown_count: int


@dataclass(frozen=True)
class SharedGroup:
    label: str
    source_ids: tuple[int, ...]


@dataclass(frozen=True)
class Provenance:
    claim_id: int
    nodes: tuple[ProvenanceNode, ...]
    edges: tuple[ProvenanceEdge, ...]
    evidence: tuple[EvidenceTrace, ...]
    stances: tuple[StanceSummary, ...]
    shared_outlets: tuple[SharedGroup, ...]
    shared_owners: tuple[SharedGroup, ...]
    parties: tuple[SharedGroup, ...]
    truncated: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def stance(self, stance: str) -> StanceSummary:
        return next(s for s in self.stances if s.stance == stance)


def claim_provenance(
    *, claim: Claim, user: User | None, max_depth: int | None = None
) -> Provenance:
    """The provenance graph of a claim's evidence and its independent origins per stance.

    Three queries however deep the chains and however much evidence: the evidence, the walk (one
    recursive query bringing the sources' details too) and the outlets with current grades.
    """
    max_depth = settings.CLAIMTRAIL_PROVENANCE_MAX_DEPTH if max_depth is None else max_depth
    original = Source.Sourcing.ORIGINAL
    access = source_access(user)
    evidence = list(
        Evidence.objects.filter(access.q("source__"), claim=claim)
        .order_by("stance", "pk")
        .values_list("pk", "source_id", "stance", "credibility")
    )
    walk = _walk(claim_ids=[claim.pk], access=access, max_depth=max_depth, scoped=True)
    # Evidence removed between the two reads is simply not there yet or any more.
    evidence = [row for row in evidence if row[1] in walk.nodes]
    nodes, out_edges = walk.nodes, walk.out_edges
    truncated = bool(walk.unexpanded)
    outlets = {
        outlet.pk: outlet
        for outlet in Outlet.objects.with_current_grade().filter(
            pk__in={row["outlet_id"] for row in nodes.values() if row["outlet_id"]}
        )
    }

    def is_origin(sid: int) -> bool:
        return nodes[sid]["sourcing"] == original

    def is_dead_end(sid: int) -> bool:
        # Not original, nothing recorded upstream (or not walked: past the depth limit).
        return not is_origin(sid) and not out_edges.get(sid)

    traces: list[EvidenceTrace] = []
    for evidence_id, source_id, stance, credibility in evidence:
        origins, unknown = _trace(source_id, out_edges.get, is_origin, is_dead_end)
        traces.append(
            EvidenceTrace(
                evidence_id=evidence_id,
                source_id=source_id,
                stance=stance,
                credibility=credibility,
                origin_ids=tuple(sorted(origins)),
                origin_unknown=bool(unknown) or not origins,
                unknown_ids=tuple(sorted(unknown)),
            )
        )

    stances = tuple(
        _stance_summary(stance, [t for t in traces if t.stance == stance], nodes, outlets)
        for stance in Evidence.Stance.values
    )
    evidence_sources = {t.source_id for t in traces}
    node_list = tuple(
        ProvenanceNode(
            source_id=sid,
            title=src["title"],
            url=src["url"],
            kind=src["kind"],
            sourcing=src["sourcing"],
            outlet=_outlet_info(outlets.get(src["outlet_id"])),
            is_evidence=sid in evidence_sources,
            is_origin=is_origin(sid),
            is_dead_end=is_dead_end(sid),
        )
        for sid, src in sorted(nodes.items())
    )
    notes = ("The citation walk stopped at the depth limit; deeper origins are not shown.",)
    return Provenance(
        claim_id=claim.pk,
        nodes=node_list,
        edges=tuple(walk.edges),
        evidence=tuple(traces),
        stances=stances,
        shared_outlets=_shared(nodes, outlets, key="outlet"),
        shared_owners=_shared(nodes, outlets, key="owner"),
        parties=_shared(nodes, outlets, key="party"),
        truncated=truncated,
        notes=notes if truncated else (),
    )


@dataclass
class _Walk:
    nodes: dict[int, dict[str, Any]]  # every source reached -> its details and depth
    out_edges: dict[int, list[int]]  # citing -> cited, as walked
    edges: list[ProvenanceEdge]
    unexpanded: set[int]  # reached but not walked further: the depth limit


# Both PostgreSQL and SQLite run it as written. ``walk`` holds (source, depth) pairs: UNION keeps
# each pair once, so a loop or a diamond costs at most one row per source and depth, and the walk
# ends at the depth limit however the citations loop. A source is expanded at its smallest depth,
# as a breadth-first walk would; originals are not expanded. Edges are those out of expanded
# sources to sources the walk reached (all visible to the reader, and within ``via``).
_WALK_SQL = """
WITH RECURSIVE
{scope_cte}
walk(source_id, depth, sourcing) AS (
    SELECT s.id, 0, s.sourcing
    FROM {evidence} e JOIN {source} s ON s.id = e.source_id
    WHERE e.claim_id IN ({claims}) AND {visible_start}
  UNION
    SELECT c.cited_id, w.depth + 1, s.sourcing
    FROM walk w
    JOIN {citation} c ON c.citing_id = w.source_id
    JOIN {source} s ON s.id = c.cited_id
    WHERE w.depth < %s AND w.sourcing <> %s AND {visible_step}{scope_step}
),
reached(source_id, depth, sourcing) AS (
    SELECT source_id, MIN(depth), sourcing FROM walk GROUP BY source_id, sourcing
)
SELECT 0 AS row_kind, r.source_id, r.depth, r.sourcing, s.title, s.url, s.kind, s.outlet_id,
       o.owner, NULL AS citation_id, NULL AS cited_id, NULL AS citation_kind
FROM reached r JOIN {source} s ON s.id = r.source_id LEFT JOIN {outlet} o ON o.id = s.outlet_id
UNION ALL
SELECT 1, c.citing_id, r.depth, NULL, NULL, NULL, NULL, NULL, NULL, c.id, c.cited_id, c.kind
FROM reached r
JOIN {citation} c ON c.citing_id = r.source_id
JOIN reached t ON t.source_id = c.cited_id
WHERE r.depth < %s AND r.sourcing <> %s{scope_edge}
ORDER BY 1, 3, 10
"""

_SCOPE_CTE = """
scope(source_id, cited_id) AS (
    SELECT e.source_id, c.cited_id
    FROM {evidence} e
    JOIN {via} v ON v.{via_evidence} = e.id
    JOIN {citation} c ON c.id = v.{via_citation}
    WHERE e.claim_id IN ({claims})
),"""

# Edges out of a source whose evidence names its ``via`` citations: only those.
_SCOPE_CONDITION = """ AND (
        NOT EXISTS (SELECT 1 FROM scope x WHERE x.source_id = c.citing_id)
        OR EXISTS (SELECT 1 FROM scope x WHERE x.source_id = c.citing_id
                   AND x.cited_id = c.cited_id))"""

# Up to this many visible sensitive ids go into the query as a list; more, as the access rule's
# own subquery (SQLite caps the number of parameters).
_INLINE_IDS = 500


def _visible_sql(access: SourceAccess, alias: str) -> tuple[str, list[Any]]:
    """``access`` as a condition on the source row ``alias``."""
    if access.everything:
        return "1 = 1", []
    if access.nothing:
        return "1 = 0", []
    hidden = f"{alias}.is_sensitive = %s"
    if not access.sensitive_ids:
        return hidden, [False]
    if len(access.sensitive_ids) <= _INLINE_IDS:
        listed, ids = ids_condition(f"{alias}.id", access.sensitive_ids, connection.vendor)
        return f"({hidden} OR {listed})", [False, *ids]
    query = Source.objects.filter(access.q(), is_sensitive=True).values("pk").query
    sql, params = query.sql_with_params()
    return f"({hidden} OR {alias}.id IN ({sql}))", [False, *params]


def _walk(*, claim_ids: list[int], access: SourceAccess, max_depth: int, scoped: bool) -> _Walk:
    """Walk citations up from the claims' evidence sources the reader may see, in one query.

    ``scoped``: apply the claims' ``via`` (edges out of a source limited to the citations its
    evidence names), for one claim. Unscoped, every visible edge is walked and each claim applies
    its own scope when tracing (``claims_origin_counts``)."""
    if access.nothing or not claim_ids:
        return _Walk(nodes={}, out_edges={}, edges=[], unexpanded=set())
    original = Source.Sourcing.ORIGINAL
    via = Evidence.via.through._meta
    tables = {
        "evidence": Evidence._meta.db_table,
        "source": Source._meta.db_table,
        "citation": Citation._meta.db_table,
        "outlet": Outlet._meta.db_table,
        "via": via.db_table,
        "via_evidence": via.get_field("evidence").column,
        "via_citation": via.get_field("citation").column,
        "claims": ", ".join(["%s"] * len(claim_ids)),
    }
    visible_start, start_params = _visible_sql(access, "s")
    visible_step, step_params = _visible_sql(access, "s")
    sql = _WALK_SQL.format(
        **tables,
        scope_cte=_SCOPE_CTE.format(**tables) if scoped else "",
        visible_start=visible_start,
        visible_step=visible_step,
        scope_step=_SCOPE_CONDITION if scoped else "",
        scope_edge=_SCOPE_CONDITION if scoped else "",
    )
    params: list[Any] = [
        *(claim_ids if scoped else []),
        *claim_ids,
        *start_params,
        max_depth,
        original,
        *step_params,
        max_depth,
        original,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    nodes: dict[int, dict[str, Any]] = {}
    out_edges: dict[int, list[int]] = defaultdict(list)
    edges: list[ProvenanceEdge] = []
    for row_kind, sid, depth, sourcing, title, url, kind, outlet_id, owner, *edge in rows:
        if row_kind == 0:
            nodes[sid] = {
                "id": sid,
                "depth": depth,
                "sourcing": sourcing,
                "title": title,
                "url": url,
                "kind": kind,
                "outlet_id": outlet_id,
                "owner": owner or "",
            }
        else:
            _, cited_id, citation_kind = edge
            edges.append(ProvenanceEdge(sid, cited_id, citation_kind))
            out_edges[sid].append(cited_id)
    unexpanded = {
        sid
        for sid, node in nodes.items()
        if node["depth"] >= max_depth and node["sourcing"] != original
    }
    return _Walk(nodes=nodes, out_edges=dict(out_edges), edges=edges, unexpanded=unexpanded)


def _via_scope(*, claim_ids: Iterable[int], access: SourceAccess) -> dict[int, dict[int, set[int]]]:
    """Per claim, the sources whose evidence names the citations that carry the claim (``via``):
    for that claim only those edges are walked out of them, wherever the walk meets them."""
    scope: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    rows = Evidence.via.through.objects.filter(
        access.q("evidence__source__"), evidence__claim_id__in=list(claim_ids)
    ).values_list("evidence__claim_id", "evidence__source_id", "citation__cited_id")
    for claim_id, source_id, cited_id in rows:
        scope[claim_id][source_id].add(cited_id)
    return {claim_id: dict(sources) for claim_id, sources in scope.items()}


def claims_origin_counts(
    *, claim_ids: Iterable[int], user: User | None, max_depth: int | None = None
) -> dict[int, dict[str, int]]:
    """Independent origins per stance for many claims at once (a page of the claims list).

    The same analysis as ``claim_provenance``, without the graph: one walk over the union of the
    claims' evidence sources, then each claim's traces with its own ``via`` scoping. Three
    queries for the whole page: evidence, via, the walk (which brings the origins' owners).
    """
    max_depth = settings.CLAIMTRAIL_PROVENANCE_MAX_DEPTH if max_depth is None else max_depth
    claim_ids = list(claim_ids)
    counts: dict[int, dict[str, int]] = {
        claim_id: dict.fromkeys(Evidence.Stance.values, 0) for claim_id in claim_ids
    }
    if not claim_ids:
        return counts
    original = Source.Sourcing.ORIGINAL
    access = source_access(user)
    evidence = list(
        Evidence.objects.filter(access.q("source__"), claim_id__in=claim_ids).values_list(
            "claim_id", "source_id", "stance"
        )
    )
    if not evidence:
        return counts
    scopes = _via_scope(claim_ids=claim_ids, access=access)
    walk = _walk(claim_ids=claim_ids, access=access, max_depth=max_depth, scoped=False)
    origins_of: dict[tuple[int, str], set[int]] = defaultdict(set)
    for claim_id, source_id, stance in evidence:
        if source_id not in walk.nodes:
            continue  # removed between the two reads
        scope = scopes.get(claim_id, {})

        def out(sid: int, scope: dict[int, set[int]] = scope) -> list[int]:
            targets = walk.out_edges.get(sid, [])
            return [t for t in targets if t in scope[sid]] if sid in scope else targets

        def is_origin(sid: int) -> bool:
            return walk.nodes[sid]["sourcing"] == original

        def is_dead_end(sid: int, out=out, is_origin=is_origin) -> bool:
            return not is_origin(sid) and not out(sid)

        origins, _ = _trace(source_id, out, is_origin, is_dead_end)
        origins_of[(claim_id, stance)] |= origins

    for (claim_id, stance), origins in origins_of.items():
        counts[claim_id][stance] = len(
            {
                _voice(
                    source_id=origin,
                    outlet_id=walk.nodes[origin]["outlet_id"],
                    owner=walk.nodes[origin]["owner"],
                )
                for origin in origins
            }
        )
    return counts


def _voice(*, source_id: int, outlet_id: int | None, owner: str) -> str:
    """Origins with the same voice key are not independent: same owner, else same outlet."""
    if owner:
        return f"owner:{owner.casefold()}"
    if outlet_id is not None:
        return f"outlet:{outlet_id}"
    return f"source:{source_id}"


def _trace(
    start: int,
    out: Callable[[int], list[int] | None],
    is_origin: Callable[[int], bool],
    is_dead_end: Callable[[int], bool],
) -> tuple[set[int], set[int]]:
    """Origins and dead ends reachable from ``start``; each node visited once (cycles, diamonds)."""
    origins: set[int] = set()
    unknown: set[int] = set()
    seen = {start}
    stack = [start]
    while stack:
        sid = stack.pop()
        if is_origin(sid):
            origins.add(sid)
            continue
        if is_dead_end(sid):
            unknown.add(sid)
            continue
        for nxt in out(sid) or ():
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return origins, unknown


def _voice_key(source: dict[str, Any], outlets: dict[int, Outlet]) -> tuple[str, str]:
    outlet = outlets.get(source["outlet_id"])
    key = _voice(
        source_id=source["id"],
        outlet_id=outlet.pk if outlet is not None else None,
        owner=outlet.owner if outlet is not None else "",
    )
    if outlet is not None:
        return key, outlet.owner or outlet.name
    return key, source["title"] or source["url"] or f"Source #{source['id']}"


def _stance_summary(
    stance: str,
    traces: list[EvidenceTrace],
    nodes: dict[int, dict[str, Any]],
    outlets: dict[int, Outlet],
) -> StanceSummary:
    grouped: dict[str, tuple[str, set[int]]] = {}
    for trace in traces:
        for origin_id in trace.origin_ids:
            key, label = _voice_key(nodes[origin_id], outlets)
            grouped.setdefault(key, (label, set()))[1].add(origin_id)
    voices = tuple(
        Voice(key=key, label=label, origin_ids=tuple(sorted(ids)))
        for key, (label, ids) in sorted(grouped.items())
    )
    return StanceSummary(
        stance=stance,
        evidence_count=len(traces),
        independent_origins=len(voices),
        voices=voices,
        origin_unknown_count=sum(1 for t in traces if t.origin_unknown),
    )


def _outlet_info(outlet: Outlet | None) -> OutletInfo | None:
    if outlet is None:
        return None
    return OutletInfo(
        id=outlet.pk,
        name=outlet.name,
        kind=outlet.kind,
        grade=getattr(outlet, "current_grade", None),
        owner=outlet.owner,
        affiliation=outlet.affiliation,
        party_to=outlet.party_to,
    )


def _shared(
    nodes: dict[int, dict[str, Any]], outlets: dict[int, Outlet], *, key: str
) -> tuple[SharedGroup, ...]:
    # Grouped by outlet id and case-folded owner, as voices are: two outlets that merely share a
    # name are not one outlet, and "Acme Media" and "ACME media" are one owner.
    groups: dict[tuple[str, int | str], set[int]] = defaultdict(set)
    labels: dict[tuple[str, int | str], str] = {}
    outlets_per_owner: dict[tuple[str, int | str], set[int]] = defaultdict(set)
    for sid, src in nodes.items():
        outlet = outlets.get(src["outlet_id"])
        if outlet is None:
            continue
        if key == "outlet":
            group: tuple[str, int | str] = ("outlet", outlet.pk)
            labels.setdefault(group, outlet.name)
        elif key == "owner" and outlet.owner:
            group = ("owner", outlet.owner.casefold())
            labels.setdefault(group, outlet.owner)
            outlets_per_owner[group].add(outlet.pk)
        elif key == "party" and outlet.party_to:
            group = ("party", outlet.pk)
            labels.setdefault(group, f"{outlet.name} (party: {outlet.party_to})")
        else:
            continue
        groups[group].add(sid)
    if key == "outlet":
        keep = [group for group, ids in groups.items() if len(ids) > 1]
    elif key == "owner":
        keep = [group for group, ids in outlets_per_owner.items() if len(ids) > 1]
    else:
        keep = list(groups)
    return tuple(
        SharedGroup(label=labels[group], source_ids=tuple(sorted(groups[group])))
        for group in sorted(keep, key=lambda g: (labels[g], str(g[1])))
    )
