"""Print a claim's provenance: evidence by stance, citation chains, independent origins.

Always as a given user's view (``--as``), so sensitive sources stay hidden from whoever may not
see them. Without ``--as`` the demo editor is used if it exists, and the output says so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.models import Claim
from config.roles import Role, user_role
from sources.models import Source
from verification.models import Evidence
from verification.provenance import Provenance, ProvenanceNode, claim_provenance
from verification.selectors import claim_evidence

DEFAULT_USERNAME = "editor"  # the demo editor, see demo/newsroom.py


class Command(BaseCommand):
    help = "Show where a claim's evidence comes from and how many independent origins it has."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("claim_id", type=int)
        parser.add_argument(
            "--as",
            dest="username",
            help="Whose view to show (sources they may not see are left out). "
            f"Default: the demo editor '{DEFAULT_USERNAME}', if it exists.",
        )
        parser.add_argument("--json", action="store_true", help="Print the analysis as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        user, note = _resolve_user(options["username"])
        claims = Claim.objects.select_related("claimant", "assignee")
        claim = claims.filter(pk=options["claim_id"]).first()
        if claim is None:
            raise CommandError(f"No claim #{options['claim_id']}.")
        prov = claim_provenance(claim=claim, user=user)
        if options["json"]:
            if note:
                self.stderr.write(note)
            self.stdout.write(json.dumps(prov.as_dict(), indent=2, ensure_ascii=False))
            return
        evidence = {row.pk: row for row in claim_evidence(claim=claim, user=user)}
        self.stdout.write("\n".join(_report(claim, prov, evidence, user, note)))


def _resolve_user(username: str | None) -> tuple[Any, str]:
    User = get_user_model()
    note = ""
    if username is None:
        user = User.objects.filter(username=DEFAULT_USERNAME).first()
        if user is None or user_role(user) != Role.EDITOR:
            raise CommandError(
                "Say whose view to show with --as USERNAME: what a user may see depends on "
                "their role."
            )
        note = f"No --as given: showing the view of the demo editor '{DEFAULT_USERNAME}'."
    else:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
    role = user_role(user)
    if role is None:
        raise CommandError(f"{user.get_username()!r} has no newsroom role and may see nothing.")
    return user, note


def _node_label(node: ProvenanceNode | None, source_id: int) -> str:
    if node is None:
        return f"#{source_id}"
    title = node.title or node.url or f"{node.kind} #{node.source_id}"
    outlet = ""
    if node.outlet is not None:
        grade = f", grade {node.outlet.grade}" if node.outlet.grade else ", unrated"
        outlet = f" [{node.outlet.name}{grade}]"
    return f"#{node.source_id} {title}{outlet}"


def _report(
    claim: Claim,
    prov: Provenance,
    evidence: dict[int, Evidence],
    user: Any,
    note: str,
) -> list[str]:
    nodes = {node.source_id: node for node in prov.nodes}
    role = user_role(user)
    lines = [
        f"Claim #{claim.pk} ({claim.kind}, {claim.status}, version {claim.version})",
        f"  {claim.text}",
        f"  Claimant: {claim.claimant or 'none recorded'}; "
        f"made on: {claim.made_on_display or 'unknown'}; "
        f"assigned to: {claim.assignee or 'nobody'}",
    ]
    if note:
        lines.append(note)
    lines.append(
        f"Viewing as {user.get_username()} ({role.label if role else 'no role'}): sources this "
        "user may not see are left out."
    )

    lines += ["", "Evidence by stance"]
    by_stance = defaultdict(list)
    for trace in prov.evidence:
        by_stance[trace.stance].append(trace)
    for stance in Evidence.Stance.values:
        traces = by_stance[stance]
        lines.append(f"  {stance} ({len(traces)})" + ("" if traces else ": none"))
        for trace in traces:
            node = nodes.get(trace.source_id)
            row = evidence.get(trace.evidence_id)
            lines.append(f"    - {_node_label(node, trace.source_id)}")
            detail = [f"credibility {Evidence.Credibility(trace.credibility).label}"]
            if node is not None:
                kind = Source.Kind(node.kind).label.lower()
                detail.insert(0, f"{kind}, sourcing {node.sourcing}")
            lines.append(f"        {'; '.join(detail)}")
            if row is not None and row.quote:
                lang = f" [{row.quote_language}]" if row.quote_language else ""
                lines.append(f'        quote{lang}: "{row.quote}"')
                if row.translation:
                    lines.append(f'        translation: "{row.translation}"')
            if row is not None and row.note:
                lines.append(f"        note: {row.note}")

    lines += ["", "Citation chains (from each piece of evidence up to its origins)"]
    out_edges: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for edge in prov.edges:
        out_edges[edge.citing_id].append((edge.cited_id, edge.kind))
    evidence_ids = sorted({trace.source_id for trace in prov.evidence})
    cited = {edge.cited_id for edge in prov.edges}
    # Start from evidence no other source cites; the rest shows up inside those chains.
    shown: set[int] = set()
    for start in [s for s in evidence_ids if s not in cited] + evidence_ids:
        if start not in shown:
            lines += _chain(start, out_edges, nodes, shown, depth=1, path=frozenset())
    if not evidence_ids:
        lines.append("  no evidence visible to this user")

    lines += ["", "Independent origins per stance"]
    for summary in prov.stances:
        origins = "origin" if summary.independent_origins == 1 else "origins"
        unknown = (
            f"; {summary.origin_unknown_count} with origin unknown"
            if summary.origin_unknown_count
            else ""
        )
        lines.append(
            f"  {summary.stance}: {summary.independent_origins} independent {origins} "
            f"among {summary.evidence_count} piece(s) of evidence{unknown}"
        )
        for voice in summary.voices:
            lines.append(f"    voice {voice.label}:")
            lines += [f"      {_node_label(nodes.get(sid), sid)}" for sid in voice.origin_ids]

    dead_ends = [node for node in prov.nodes if node.is_dead_end]
    lines += ["", "Origin unknown (nothing recorded upstream; not counted as origins)"]
    lines += [f"  {_node_label(node, node.source_id)}" for node in dead_ends] or ["  none"]

    for title, groups in (
        ("Sources from the same outlet", prov.shared_outlets),
        ("Outlets with the same owner (one voice)", prov.shared_owners),
        ("Parties to the story", prov.parties),
    ):
        lines += ["", title]
        if not groups:
            lines.append("  none")
        for group in groups:
            ids = ", ".join(f"#{sid}" for sid in group.source_ids)
            lines.append(f"  {group.label}: {ids}")
    if prov.notes:
        lines += ["", *prov.notes]
    return lines


def _chain(
    source_id: int,
    out_edges: dict[int, list[tuple[int, str]]],
    nodes: dict[int, ProvenanceNode],
    shown: set[int],
    *,
    depth: int,
    path: frozenset[int],
    via: str = "",
) -> list[str]:
    node = nodes.get(source_id)
    indent = "  " * depth
    marks = []
    if node is not None and node.is_evidence:
        marks.append("evidence")
    if node is not None and node.is_origin:
        marks.append("ORIGIN")
    elif node is not None and node.is_dead_end:
        marks.append("origin unknown")
    if source_id in path:
        marks.append("loops back")
    mark = f"  <- {', '.join(marks)}" if marks else ""
    lines = [f"{indent}{via}{_node_label(node, source_id)}{mark}"]
    if source_id in path:
        return lines
    shown.add(source_id)
    for cited_id, kind in out_edges.get(source_id, []):
        lines += _chain(
            cited_id,
            out_edges,
            nodes,
            shown,
            depth=depth + 1,
            path=path | {source_id},
            via=f"{kind} -> ",
        )
    return lines
