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
from dataclasses import dataclass

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
MAX_CHAINS_PER_EVIDENCE = 20
MAX_CHAINS = 300

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
    sourcing is unknown, or back onto itself (a loop)."""

    stance: str
    evidence_id: int
    steps: tuple[ProvenanceNode, ...]
    end: str  # ORIGIN, ORIGIN_UNKNOWN, LOOP or CUT
    loops_to: ProvenanceNode | None = None


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
    chains: tuple[Chain, ...]
    chains_cut: bool
    stances: tuple[StanceSummary, ...]
    groups: tuple[LegendGroup, ...]
    parties: tuple[tuple[str, str], ...]  # (outlet name, the side it belongs to)
    notes: tuple[str, ...]
    width: int
    height: int

    @property
    def is_empty(self) -> bool:
        return not self.nodes


def node_label(node: ProvenanceNode) -> str:
    return node.title or node.url or f"Source #{node.source_id}"


def truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _evidence_order(prov: Provenance) -> list[int]:
    seen: dict[int, None] = {}
    for trace in prov.evidence:
        seen.setdefault(trace.source_id, None)
    return list(seen)


def _layers(prov: Provenance, adjacency: dict[int, list[int]]) -> dict[int, int]:
    """Longest path from the sources nothing cites, after dropping the edges that close a loop.

    Deterministic: the depth-first search that finds loops starts from the evidence in the
    provenance's order (stance, then evidence id), then from the other sources by id."""
    start_order = _evidence_order(prov)
    start_order += sorted(n.source_id for n in prov.nodes if n.source_id not in set(start_order))
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
    prov: Provenance, layer: dict[int, int], adjacency: dict[int, list[int]]
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
    order = _evidence_order(prov)
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


def _chains(
    prov: Provenance, nodes: dict[int, ProvenanceNode], adjacency: dict[int, list[int]]
) -> tuple[list[Chain], bool]:
    """Every path from each evidence source to where its sourcing ends, in the citations' order;
    a path that comes back to a source already on it ends there as a loop."""
    chains: list[Chain] = []
    cut = False
    for trace in prov.evidence:
        found = 0
        # (path so far, the source it loops back to, if it does)
        stack: list[tuple[list[int], int | None]] = [([trace.source_id], None)]
        while stack:
            if found >= MAX_CHAINS_PER_EVIDENCE or len(chains) >= MAX_CHAINS:
                cut = True
                break
            path, loops_to = stack.pop()
            steps = tuple(nodes[sid] for sid in path)
            if loops_to is not None:
                chains.append(
                    Chain(trace.stance, trace.evidence_id, steps, LOOP, loops_to=nodes[loops_to])
                )
                found += 1
                continue
            last = steps[-1]
            targets = adjacency.get(last.source_id, [])
            if last.is_origin or not targets:
                end = ORIGIN if last.is_origin else ORIGIN_UNKNOWN
                chains.append(Chain(trace.stance, trace.evidence_id, steps, end))
                found += 1
                continue
            for nxt in reversed(targets):  # reversed: popped in the citations' order
                stack.append((path, nxt) if nxt in path else ([*path, nxt], None))
    return chains, cut


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
    tooltip = " — ".join(filter(None, [label, _outlet_line(node), ", ".join(flags)]))
    border = 'stroke-dasharray="6 4" ' if node.is_dead_end and not node.is_origin else ""
    parts = [
        f'<g class="{" ".join(classes)}" data-source-id="{node.source_id}" '
        f'data-layer="{placed.layer}" transform="translate({placed.x} {placed.y})">',
        f"<title>{escape(tooltip)}</title>",
        f'<rect width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6" '
        f'fill="{"#f6f8fa" if node.is_evidence else "#ffffff"}" stroke="#1b1f24" '
        f'stroke-width="{2 if node.is_origin else 1.25}" {border}/>',
    ]
    if node.is_origin:  # a double border: the word is there too, the lines are not all it says
        parts.append(
            f'<rect x="4" y="4" width="{NODE_WIDTH - 8}" height="{NODE_HEIGHT - 8}" rx="4" '
            'fill="none" stroke="#1b1f24" stroke-width="1.25"/>'
        )
    parts += [
        f'<text x="12" y="22" font-weight="600">{escape(truncate(label, TITLE_CHARS))}</text>',
        f'<text x="12" y="40">{escape(_outlet_line(node, LINE_CHARS))}</text>',
        f'<text x="12" y="58" font-style="italic">'
        f"{escape(truncate(' · '.join(flags), LINE_CHARS))}</text>",
        "</g>",
    ]
    return "".join(parts)


def _edge_svg(citing: PlacedNode, cited: PlacedNode, kind: str, marker: str) -> str:
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
    what = f"{node_label(citing.node)} {CITATION_LABELS.get(kind, kind)} {node_label(cited.node)}"
    return (
        f'<g class="pv-edge" data-citing="{citing.source_id}" data-cited="{cited.source_id}">'
        f"<title>{escape(what)}</title>"
        f'<path d="{path}" fill="none" stroke="#57606a" stroke-width="1.5" '
        f'marker-end="url(#{marker})"/></g>'
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
    """Lay out and draw the provenance graph. ``element_id`` keeps the SVG's ids unique."""
    nodes = {node.source_id: node for node in prov.nodes}
    adjacency: dict[int, list[int]] = defaultdict(list)
    for edge in prov.edges:
        if edge.citing_id in nodes and edge.cited_id in nodes:
            adjacency[edge.citing_id].append(edge.cited_id)
    stances: dict[int, list[str]] = defaultdict(list)
    for trace in prov.evidence:
        if trace.stance not in stances[trace.source_id]:
            stances[trace.source_id].append(trace.stance)
    chains, chains_cut = _chains(prov, nodes, adjacency)
    groups, tags = _group_tags(prov)
    parties = tuple(
        (node.outlet.name, node.outlet.party_to)
        for node in sorted(
            nodes.values(), key=lambda n: (n.outlet.name if n.outlet else "", n.source_id)
        )
        if node.outlet is not None and node.outlet.party_to
    )
    parties = tuple(dict.fromkeys(parties))
    notes = prov.notes + (
        ("Too many chains to list them all; the first ones are shown.",) if chains_cut else ()
    )
    if not nodes:
        return ProvenancePicture(
            svg=mark_safe(""),
            nodes=(),
            edge_count=0,
            chains=(),
            chains_cut=False,
            stances=prov.stances,
            groups=(),
            parties=(),
            notes=notes,
            width=0,
            height=0,
        )

    layer = _layers(prov, adjacency)
    row = _rows(prov, layer, adjacency)
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
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        f'markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" '
        f'fill="#57606a"/></marker></defs>',
    ]
    kinds = {(edge.citing_id, edge.cited_id): edge.kind for edge in prov.edges}
    for citing in sorted(adjacency):
        for cited in adjacency[citing]:
            body.append(_edge_svg(placed[citing], placed[cited], kinds[(citing, cited)], marker))
    body.extend(_node_svg(p) for p in ordered)
    body.append("</svg>")
    return ProvenancePicture(
        svg=mark_safe("".join(body)),  # noqa: S308 -- every text in it went through escape()
        nodes=tuple(ordered),
        edge_count=edge_count,
        chains=tuple(chains),
        chains_cut=chains_cut,
        stances=prov.stances,
        groups=tuple(groups),
        parties=parties,
        notes=notes,
        width=width,
        height=height,
    )
