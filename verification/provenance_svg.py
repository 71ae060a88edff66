"""The provenance picture: a claim's evidence sources and their citation chains as an inline SVG.

Built on the server from ``claim_provenance`` (which already leaves out sources the user may not
see), so the picture needs no JavaScript and is the same on every render: nodes are sources,
edges are citations (citing -> cited), and nodes are laid out in columns by depth, evidence on
the left and origins at the end. Beside it the page shows the same content as text (the chains,
``ProvenancePicture.chains``) for screen readers and anyone who cannot see the picture.

Source titles are user input: every piece of text goes through ``escape``, and long titles are
cut short in the box with the full text in the node's ``<title>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sources.models import Citation
from verification.provenance import Provenance, ProvenanceNode, StanceSummary

NODE_WIDTH = 260
NODE_HEIGHT = 70
GAP_X = 60
GAP_Y = 18
MARGIN = 12
BACK_EDGE_DROP = 36  # how far below the boxes an edge pointing left (a loop) is routed
TITLE_CHARS = 32
LINE_CHARS = 38
TOOLTIP_CHARS = 300  # a node's full label in its tooltip, up to this
EDGE_LABEL_CHARS = 40  # each end's label in an edge's tooltip
# What the claim page shows, whatever the graph: a hostile one (hundreds of sources, thousands of
# citations, millions of paths) costs no more than this. The rest is a link away.
MAX_CHAINS_SHOWN = 40
MAX_CHAINS_PER_EVIDENCE = 5
MAX_STEPS_SHOWN = 200  # sources named in all the chains shown, together
CHAINS_COUNTED = 1000  # beyond this, "more than N chains"
# A picture of more boxes than this is scrolled through, not read: the chains in words and the
# chains page are where a large graph is read. Each box and arrow is some 400 bytes of the page.
MAX_PICTURE_NODES = 50
MAX_PICTURE_EDGES = 100


ORIGIN = "origin"
ORIGIN_UNKNOWN = "origin_unknown"
LOOP = "loop"
CUT = "cut"  # too many chains from one evidence source to list them all

CITATION_LABELS = dict(Citation.Kind.choices)


@dataclass(frozen=True)
class PlacedNode:
    node: ProvenanceNode
    layer: int
    row: int
    x: int
    y: int
    stances: tuple[str, ...]
    group_tags: tuple[str, ...]

    @property
    def source_id(self) -> int:
        return self.node.source_id


@dataclass(frozen=True)
class Chain:
    """One path from an evidence source up its citations: to an origin, to a source whose own
    sourcing is unknown, or back onto itself (a loop). A source cited under several stances has
    its chains listed once, with every stance."""

    stances: tuple[str, ...]
    evidence_ids: tuple[int, ...]
    steps: tuple[ProvenanceNode, ...]
    end: str  # ORIGIN, ORIGIN_UNKNOWN, LOOP or CUT
    loops_to: ProvenanceNode | None = None

    @property
    def stance(self) -> str:
        return ", ".join(self.stances)


@dataclass(frozen=True)
class LegendGroup:
    tag: str
    what: str  # "same outlet", "same owner"
    label: str
    source_ids: tuple[int, ...]


@dataclass(frozen=True)
class ProvenancePicture:
    svg: SafeString
    nodes: tuple[PlacedNode, ...]
    edge_count: int
    chains: tuple[Chain, ...]  # the first ones, within the page's bounds
    chains_cut: bool
    chains_total: int  # every chain, counted up to CHAINS_COUNTED (then CHAINS_COUNTED + 1)
    stances: tuple[StanceSummary, ...]
    groups: tuple[LegendGroup, ...]
    parties: tuple[tuple[str, str], ...]  # (outlet name, the side it belongs to)
    notes: tuple[str, ...]
    width: int
    height: int

    source_total: int  # sources in the graph; the picture may show fewer
    citation_total: int

    @property
    def is_empty(self) -> bool:
        return not self.nodes

    @property
    def chains_counted(self) -> int:
        return min(self.chains_total, CHAINS_COUNTED)

    @property
    def chains_more(self) -> int:
        return max(0, self.chains_counted - len(self.chains))

    @property
    def chains_uncounted(self) -> bool:
        return self.chains_total > CHAINS_COUNTED


def node_label(node: ProvenanceNode) -> str:
    return node.title or node.url or f"Source #{node.source_id}"


def truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _evidence_order(prov: Provenance, nodes: dict[int, ProvenanceNode]) -> list[int]:
    seen: dict[int, None] = {}
    for trace in prov.evidence:
        if trace.source_id in nodes:
            seen.setdefault(trace.source_id, None)
    return list(seen)


def _layers(
    prov: Provenance, nodes: dict[int, ProvenanceNode], adjacency: dict[int, list[int]]
) -> dict[int, int]:
    """Longest path from the sources nothing cites, after dropping the edges that close a loop.

    Deterministic: the depth-first search that finds loops starts from the evidence in the
    provenance's order (stance, then evidence id), then from the other sources by id."""
    start_order = _evidence_order(prov, nodes)
    start_order += sorted(sid for sid in nodes if sid not in set(start_order))
    back: set[tuple[int, int]] = set()
    state: dict[int, int] = {}  # 1: on the stack, 2: done
    for root in start_order:
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[int, int]] = [(root, 0)]
        while stack:
            sid, index = stack[-1]
            targets = adjacency.get(sid, [])
            if index < len(targets):
                stack[-1] = (sid, index + 1)
                nxt = targets[index]
                if state.get(nxt) == 1:
                    back.add((sid, nxt))
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, 0))
            else:
                state[sid] = 2
                stack.pop()

    incoming: dict[int, int] = dict.fromkeys(start_order, 0)
    forward: dict[int, list[int]] = defaultdict(list)
    for citing, targets in adjacency.items():
        for cited in targets:
            if (citing, cited) not in back:
                forward[citing].append(cited)
                incoming[cited] += 1
    layer = dict.fromkeys(start_order, 0)
    rank = {sid: i for i, sid in enumerate(start_order)}
    ready = sorted((sid for sid, n in incoming.items() if n == 0), key=rank.__getitem__)
    while ready:
        sid = ready.pop(0)
        for cited in forward.get(sid, []):
            layer[cited] = max(layer[cited], layer[sid] + 1)
            incoming[cited] -= 1
            if incoming[cited] == 0:
                ready.append(cited)
                ready.sort(key=rank.__getitem__)
    return layer


def _rows(
    prov: Provenance,
    nodes: dict[int, ProvenanceNode],
    layer: dict[int, int],
    adjacency: dict[int, list[int]],
) -> dict[int, int]:
    """Order each column: the first by the evidence order, the next ones by the mean row of
    the sources citing them (fewer crossings), ties by source id."""
    columns: dict[int, list[int]] = defaultdict(list)
    for sid, depth in layer.items():
        columns[depth].append(sid)
    citers: dict[int, list[int]] = defaultdict(list)
    for citing, targets in adjacency.items():
        for cited in targets:
            citers[cited].append(citing)
    order = _evidence_order(prov, nodes)
    rank = {sid: i for i, sid in enumerate(order)}
    row: dict[int, int] = {}
    for depth in sorted(columns):
        members = columns[depth]
        if depth == 0:
            members.sort(key=lambda sid: (rank.get(sid, len(rank)), sid))
        else:

            def centre(sid: int, depth: int = depth) -> float:
                placed = [row[c] for c in citers[sid] if c in row and layer[c] < depth]
                return sum(placed) / len(placed) if placed else float(len(layer))

            members.sort(key=lambda sid: (centre(sid), sid))
        for index, sid in enumerate(members):
            row[sid] = index
    return row


def _evidence_starts(prov: Provenance) -> list[tuple[int, tuple[str, ...], tuple[int, ...]]]:
    """Each evidence source once, in the provenance's order, with its stances and rows."""
    starts: dict[int, tuple[list[str], list[int]]] = {}
    for trace in prov.evidence:
        stances, rows = starts.setdefault(trace.source_id, ([], []))
        if trace.stance not in stances:
            stances.append(trace.stance)
        rows.append(trace.evidence_id)
    return [(sid, tuple(st), tuple(rows)) for sid, (st, rows) in starts.items()]


def _source_chains(
    start: int,
    stances: tuple[str, ...],
    evidence_ids: tuple[int, ...],
    nodes: dict[int, ProvenanceNode],
    adjacency: dict[int, list[int]],
) -> Iterator[Chain]:
    """Every path from one evidence source to where its sourcing ends, in the citations' order,
    lazily (a dense graph has more paths than anyone could read); a path that comes back to a
    source already on it ends there as a loop."""
    # (path so far, the source it loops back to, if it does)
    stack: list[tuple[list[int], int | None]] = [([start], None)]
    while stack:
        path, loops_to = stack.pop()
        steps = tuple(nodes[sid] for sid in path)
        if loops_to is not None:
            yield Chain(stances, evidence_ids, steps, LOOP, loops_to=nodes[loops_to])
            continue
        last = steps[-1]
        targets = adjacency.get(last.source_id, [])
        if last.is_origin or not targets:
            yield Chain(stances, evidence_ids, steps, ORIGIN if last.is_origin else ORIGIN_UNKNOWN)
            continue
        on_path = set(path)
        for nxt in reversed(targets):  # reversed: popped in the citations' order
            stack.append((path, nxt) if nxt in on_path else ([*path, nxt], None))


def _graph(prov: Provenance) -> tuple[dict[int, ProvenanceNode], dict[int, list[int]]]:
    nodes = {node.source_id: node for node in prov.nodes}
    adjacency: dict[int, list[int]] = defaultdict(list)
    for edge in prov.edges:
        if edge.citing_id in nodes and edge.cited_id in nodes:
            adjacency[edge.citing_id].append(edge.cited_id)
    return nodes, adjacency


def all_chains(prov: Provenance) -> Iterator[Chain]:
    """Every chain of the claim, evidence source by evidence source, lazily: the full list a
    page of chains is cut from (``itertools.islice``)."""
    nodes, adjacency = _graph(prov)
    for start, stances, evidence_ids in _evidence_starts(prov):
        yield from _source_chains(start, stances, evidence_ids, nodes, adjacency)


def _chains(
    prov: Provenance, nodes: dict[int, ProvenanceNode], adjacency: dict[int, list[int]]
) -> tuple[list[Chain], int]:
    """The chains the claim page lists, within its bounds (a few per evidence source, so one
    source with many paths does not crowd out the others; so many chains and so many sources
    named in all), and how many chains there are, counted up to CHAINS_COUNTED + 1."""
    shown: list[Chain] = []
    steps = total = 0
    for start, stances, evidence_ids in _evidence_starts(prov):
        for index, chain in enumerate(
            _source_chains(start, stances, evidence_ids, nodes, adjacency)
        ):
            total += 1
            if total > CHAINS_COUNTED:
                return shown, total
            if (
                index < MAX_CHAINS_PER_EVIDENCE
                and len(shown) < MAX_CHAINS_SHOWN
                and steps + len(chain.steps) <= MAX_STEPS_SHOWN
            ):
                shown.append(chain)
                steps += len(chain.steps)
    return shown, total


def _picture_subgraph(
    prov: Provenance,
    nodes: dict[int, ProvenanceNode],
    adjacency: dict[int, list[int]],
    chains: list[Chain],
) -> tuple[dict[int, ProvenanceNode], dict[int, list[int]]]:
    """The graph itself when it is small enough to draw; else the sources on the chains listed
    (in their order), then the others nearest the evidence, up to MAX_PICTURE_NODES, and the
    citations between them up to MAX_PICTURE_EDGES, those on the chains listed first."""
    edge_count = sum(len(targets) for targets in adjacency.values())
    if len(nodes) <= MAX_PICTURE_NODES and edge_count <= MAX_PICTURE_EDGES:
        return nodes, adjacency
    order: dict[int, None] = {}
    for chain in chains:
        order.update((step.source_id, None) for step in chain.steps)
    for start, *_ in _evidence_starts(prov):  # then breadth first from the evidence
        order.setdefault(start, None)
    for sid in list(order):
        for cited in adjacency.get(sid, []):
            order.setdefault(cited, None)
    order.update((sid, None) for sid in sorted(nodes))
    kept = {sid: nodes[sid] for sid in list(order)[:MAX_PICTURE_NODES]}
    on_chains = {(a.source_id, b.source_id) for chain in chains for a, b in pairwise(chain.steps)}
    candidates = [
        (citing, cited)
        for citing, targets in adjacency.items()
        for cited in targets
        if citing in kept and cited in kept
    ]
    candidates.sort(key=lambda edge: edge not in on_chains)  # stable: citations' order kept
    picked = set(candidates[:MAX_PICTURE_EDGES])
    kept_adjacency: dict[int, list[int]] = defaultdict(list)
    for citing, targets in adjacency.items():
        for cited in targets:
            if (citing, cited) in picked:
                kept_adjacency[citing].append(cited)
    return kept, kept_adjacency


def _group_tags(prov: Provenance) -> tuple[list[LegendGroup], dict[int, list[str]]]:
    groups: list[LegendGroup] = []
    tags: dict[int, list[str]] = defaultdict(list)
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for what, found in (("same outlet", prov.shared_outlets), ("same owner", prov.shared_owners)):
        for group in found:
            tag = next(letters, None) or f"G{len(groups) + 1}"
            groups.append(LegendGroup(tag, what, group.label, group.source_ids))
            for sid in group.source_ids:
                tags[sid].append(tag)
    return groups, tags


def _flags(placed: PlacedNode) -> list[str]:
    node = placed.node
    flags = []
    if node.is_origin:
        flags.append("ORIGIN")
    elif node.is_dead_end:
        flags.append("origin unknown")
    flags.extend(placed.stances)
    if node.outlet is not None and node.outlet.party_to:
        flags.append(f"party: {node.outlet.party_to}")
    flags.extend(f"[{tag}]" for tag in placed.group_tags)
    return flags


def _outlet_line(node: ProvenanceNode, limit: int | None = None) -> str:
    """The outlet and its grade; with ``limit``, the name is cut short, never the grade."""
    if node.outlet is None:
        return "No outlet"
    grade = f" · grade {node.outlet.grade}" if node.outlet.grade else " · not rated"
    name = node.outlet.name if limit is None else truncate(node.outlet.name, limit - len(grade))
    return name + grade


def _node_svg(placed: PlacedNode) -> str:
    node = placed.node
    label = node_label(node)
    flags = _flags(placed)
    classes = ["pv-node"]
    if node.is_origin:
        classes.append("pv-origin")
    elif node.is_dead_end:
        classes.append("pv-unknown")
    if node.is_evidence:
        classes.append("pv-evidence")
    tooltip = " — ".join(
        filter(None, [truncate(label, TOOLTIP_CHARS), _outlet_line(node), ", ".join(flags)])
    )
    border = 'stroke-dasharray="6 4" ' if node.is_dead_end and not node.is_origin else ""
    parts = [
        f'<g class="{" ".join(classes)}" data-source-id="{node.source_id}" '
        f'data-layer="{placed.layer}" transform="translate({placed.x} {placed.y})">',
        f"<title>{escape(tooltip)}</title>",
        f'<rect width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6" {border}/>',
    ]
    if node.is_origin:  # a double border: the word is there too, the lines are not all it says
        parts.append(
            f'<rect class="pv-inner" x="4" y="4" width="{NODE_WIDTH - 8}" '
            f'height="{NODE_HEIGHT - 8}" rx="4"/>'
        )
    parts += [
        # Bold title, plain outlet, italic flags: by position, in claimtrail.css.
        f'<text x="12" y="22">{escape(truncate(label, TITLE_CHARS))}</text>',
        f'<text x="12" y="40">{escape(_outlet_line(node, LINE_CHARS))}</text>',
        f'<text x="12" y="58">{escape(truncate(" · ".join(flags), LINE_CHARS))}</text>',
        "</g>",
    ]
    return "".join(parts)


def _edge_svg(citing: PlacedNode, cited: PlacedNode, kind: str) -> str:
    if cited.layer > citing.layer:
        x1, y1 = citing.x + NODE_WIDTH, citing.y + NODE_HEIGHT // 2
        x2, y2 = cited.x - 2, cited.y + NODE_HEIGHT // 2
        bend = GAP_X // 2
        path = f"M{x1} {y1} C{x1 + bend} {y1} {x2 - bend} {y2} {x2} {y2}"
    else:  # a loop back (or within a column): routed below the boxes
        x1, y1 = citing.x + NODE_WIDTH // 2, citing.y + NODE_HEIGHT
        x2, y2 = cited.x + NODE_WIDTH // 2 + 12, cited.y + NODE_HEIGHT + 2
        drop = max(y1, y2) + BACK_EDGE_DROP
        path = f"M{x1} {y1} C{x1} {drop} {x2} {drop} {x2} {y2}"
    what = " ".join(
        (
            truncate(node_label(citing.node), EDGE_LABEL_CHARS),
            CITATION_LABELS.get(kind, kind),
            truncate(node_label(cited.node), EDGE_LABEL_CHARS),
        )
    )
    return (
        f'<g class="pv-edge" data-citing="{citing.source_id}" data-cited="{cited.source_id}">'
        f"<title>{escape(what)}</title>"
        f'<path d="{path}"/></g>'
    )


def _describe(prov: Provenance, nodes: int, edges: int) -> str:
    counts = "; ".join(
        f"{s.stance}: {s.independent_origins} independent origin"
        f"{'' if s.independent_origins == 1 else 's'}"
        for s in prov.stances
        if s.evidence_count
    )
    return (
        f"{nodes} source{'' if nodes == 1 else 's'} and {edges} citation"
        f"{'' if edges == 1 else 's'}. Evidence sources are on the left, each arrow points to the "
        f"source it cites, origins are at the end with a double border and the word ORIGIN; a "
        f"dashed border marks origin unknown. {counts}. The list of chains below says the same "
        f"in words."
    )


def provenance_picture(prov: Provenance, *, element_id: str = "provenance") -> ProvenancePicture:
    """Lay out and draw the provenance graph, and list its chains, both bounded in size however
    large the graph (``_chains``, ``_picture_subgraph``). ``element_id`` keeps the SVG's ids
    unique."""
    all_nodes, all_adjacency = _graph(prov)
    stances: dict[int, list[str]] = defaultdict(list)
    for trace in prov.evidence:
        if trace.stance not in stances[trace.source_id]:
            stances[trace.source_id].append(trace.stance)
    chains, chains_total = _chains(prov, all_nodes, all_adjacency)
    chains_cut = chains_total > len(chains)
    nodes, adjacency = _picture_subgraph(prov, all_nodes, all_adjacency, chains)
    groups, tags = _group_tags(prov)
    parties = tuple(
        (node.outlet.name, node.outlet.party_to)
        for node in sorted(
            all_nodes.values(), key=lambda n: (n.outlet.name if n.outlet else "", n.source_id)
        )
        if node.outlet is not None and node.outlet.party_to
    )
    parties = tuple(dict.fromkeys(parties))
    citation_total = sum(len(targets) for targets in all_adjacency.values())
    notes = prov.notes
    if len(nodes) < len(all_nodes) or sum(map(len, adjacency.values())) < citation_total:
        notes += (
            f"The picture shows {len(nodes)} of the {len(all_nodes)} sources and "
            f"{sum(map(len, adjacency.values()))} of the {citation_total} citations: those on "
            "the chains listed first, then those nearest the evidence.",
        )
    if not nodes:
        return ProvenancePicture(
            svg=mark_safe(""),
            nodes=(),
            edge_count=0,
            chains=(),
            chains_cut=False,
            chains_total=0,
            stances=prov.stances,
            groups=(),
            parties=(),
            notes=notes,
            width=0,
            height=0,
            source_total=0,
            citation_total=0,
        )

    layer = _layers(prov, nodes, adjacency)
    row = _rows(prov, nodes, layer, adjacency)
    per_column: dict[int, int] = defaultdict(int)
    for depth in layer.values():
        per_column[depth] += 1
    tallest = max(per_column.values())
    columns = max(layer.values()) + 1
    placed: dict[int, PlacedNode] = {}
    for sid, node in nodes.items():
        depth = layer[sid]
        offset = (tallest - per_column[depth]) * (NODE_HEIGHT + GAP_Y) // 2
        placed[sid] = PlacedNode(
            node=node,
            layer=depth,
            row=row[sid],
            x=MARGIN + depth * (NODE_WIDTH + GAP_X),
            y=MARGIN + offset + row[sid] * (NODE_HEIGHT + GAP_Y),
            stances=tuple(stances.get(sid, ())),
            group_tags=tuple(tags.get(sid, ())),
        )
    ordered = sorted(placed.values(), key=lambda p: (p.layer, p.row))
    width = 2 * MARGIN + columns * NODE_WIDTH + (columns - 1) * GAP_X
    has_back = any(placed[c].layer <= placed[a].layer for a, cs in adjacency.items() for c in cs)
    height = 2 * MARGIN + tallest * NODE_HEIGHT + (tallest - 1) * GAP_Y
    height += BACK_EDGE_DROP + 8 if has_back else 0

    marker = f"{element_id}-arrow"
    edge_count = sum(len(targets) for targets in adjacency.values())
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pv-graph" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12" '
        f'fill="#1b1f24">',
        f'<title id="{title_id}">Provenance of claim #{prov.claim_id}: sources and who cites '
        f"whom</title>",
        f'<desc id="{desc_id}">{escape(_describe(prov, len(nodes), edge_count))}</desc>',
        # Boxes and arrows are styled by classes in claimtrail.css (no inline <style>: the
        # page's Content-Security-Policy allows no inline style), not by attributes on each.
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        f'markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" '
        f'fill="#57606a"/></marker></defs>',
    ]
    kinds = {(edge.citing_id, edge.cited_id): edge.kind for edge in prov.edges}
    # marker-end is inherited: named once for every arrow, not on each.
    body.append(f'<g class="pv-edges" marker-end="url(#{marker})">')
    for citing in sorted(adjacency):
        for cited in adjacency[citing]:
            body.append(_edge_svg(placed[citing], placed[cited], kinds[(citing, cited)]))
    body.append("</g>")
    body.extend(_node_svg(p) for p in ordered)
    body.append("</svg>")
    return ProvenancePicture(
        svg=mark_safe("".join(body)),  # noqa: S308 -- every text in it went through escape()
        nodes=tuple(ordered),
        edge_count=edge_count,
        chains=tuple(chains),
        chains_cut=chains_cut,
        chains_total=chains_total,
        stances=prov.stances,
        groups=tuple(groups),
        parties=parties,
        notes=notes,
        width=width,
        height=height,
        source_total=len(all_nodes),
        citation_total=citation_total,
    )
