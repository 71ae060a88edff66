"""What the claim page shows, read in a fixed number of queries however much evidence there is
and however deep its citation chains run.

The evidence rows carry their outlet's current grade and their source's latest snapshot as
annotations (then one query for those snapshots), so no row costs a query of its own; a source
cited by several rows is one entry of ``ClaimPage.sources``, shown once. Everything about sources
goes through the user's access rule: a sensitive source the user may not see is in no row, no
count, no chain and no timeline entry.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby, islice
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from claims.models import Claim, ClaimRelation
from config.roles import Role, has_role
from sources.canonical import InvalidURL, canonicalize
from sources.filters import words_q
from sources.models import ReliabilityRating, Snapshot, Source
from sources.selectors import source_access, source_visibility_q, sources_visible_to
from verification.forms.common import as_id
from verification.models import Evidence, Publication, StatusChange
from verification.provenance import Provenance, claim_provenance
from verification.provenance_svg import Chain, all_chains
from verification.selectors.claims import User, claim_evidence, claim_history, claim_publications
from verification.workflow import next_statuses, transition_role

GRADE_LABELS = dict(ReliabilityRating.Grade.choices)
STATUS_LABELS = dict(Claim.Status.choices)
SUGGESTIONS_SHOWN = 10
# What an evidence row shows of its snapshots (not the extracted text, which can be megabytes).
SNAPSHOT_FIELDS = (
    "id", "source_id", "status", "form", "attempts", "error_code", "error_message", "warc",
    "file", "created_at", "finished_at", "retry_at",
)  # fmt: skip
# A history entry for evidence added at once names up to this many rows, else counts them.
EVIDENCE_BATCH_LISTED = 10
# A change recorded this close to the claim's last save is taken to be that save.
SAME_MOMENT = timedelta(seconds=2)


def claim_for_page(*, claim_id: int) -> Claim:
    """The claim with its claimant, assignee, creator and tags; raises Claim.DoesNotExist."""
    return (
        Claim.objects.select_related("claimant", "assignee", "created_by")
        .prefetch_related("tags")
        .get(pk=claim_id)
    )


def evidence_rows(*, claim: Claim, user: User) -> list[Evidence]:
    """The claim's evidence the user may see, each with ``outlet_grade``, ``latest_snapshot``
    (the newest capture of its source, any status) and ``archived_snapshot`` (the newest one
    archived): three queries in all."""
    latest_grade = ReliabilityRating.objects.filter(outlet=OuterRef("source__outlet")).order_by(
        "-rated_at", "-pk"
    )
    snapshots = Snapshot.objects.filter(source=OuterRef("source")).order_by("-created_at", "-pk")
    rows: list[Any] = list(
        claim_evidence(claim=claim, user=user).annotate(
            outlet_grade=Subquery(latest_grade.values("grade")[:1]),
            latest_snapshot_id=Subquery(snapshots.values("pk")[:1]),
            archived_snapshot_id=Subquery(
                snapshots.filter(status=Snapshot.Status.ARCHIVED).values("pk")[:1]
            ),
        )
    )
    wanted = {row.latest_snapshot_id for row in rows} | {row.archived_snapshot_id for row in rows}
    wanted.discard(None)
    found = (
        {s.pk: s for s in Snapshot.objects.filter(pk__in=wanted).only(*SNAPSHOT_FIELDS)}
        if wanted
        else {}
    )
    for row in rows:
        row.latest_snapshot = found.get(row.latest_snapshot_id)
        row.archived_snapshot = found.get(row.archived_snapshot_id)
        row.outlet_grade_label = GRADE_LABELS.get(row.outlet_grade or "", "")
    return rows


def evidence_by_stance(rows: list[Evidence]) -> list[dict[str, Any]]:
    groups = []
    for value, label in Evidence.Stance.choices:
        members = [row for row in rows if row.stance == value]
        groups.append({"stance": value, "label": label, "rows": members})
    return groups


def related_claims(*, claim: Claim) -> list[dict[str, Any]]:
    """Relations in both directions, phrased from this claim's side."""
    relations = (
        ClaimRelation.objects.filter(Q(from_claim=claim) | Q(to_claim=claim))
        .select_related("from_claim", "to_claim", "created_by")
        .order_by("pk")
    )
    rows = []
    for relation in relations:
        outgoing = relation.from_claim_id == claim.pk
        rows.append(
            {
                "relation": relation,
                "other": relation.to_claim if outgoing else relation.from_claim,
                # A symmetric kind reads the same both ways: "this claim contradicts #4".
                "outgoing": outgoing or relation.kind in ClaimRelation.SYMMETRIC,
                "label": relation.get_kind_display(),
            }
        )
    return rows


def timeline(
    *,
    claim: Claim,
    changes: list[StatusChange],
    publications: list[Publication],
    rows: list[Evidence],
    relations: list[dict[str, Any]],
    visible_ids: set[int],
) -> list[dict[str, Any]]:
    """Status changes, publications, evidence added, relations and the claim's logging, newest
    first. A status change counts only the evidence the user may see."""
    events: list[dict[str, Any]] = [
        {"type": "created", "at": claim.created_at, "actor": claim.created_by, "order": 0}
    ]
    for change in changes:
        shown = [row for row in change.evidence_snapshot if row.get("source_id") in visible_ids]
        events.append(
            {
                "type": "status",
                "at": change.created_at,
                "actor": change.actor,
                "change": change,
                "from_label": STATUS_LABELS.get(change.from_status, change.from_status),
                "to_label": STATUS_LABELS.get(change.to_status, change.to_status),
                "evidence_count": len(shown),
                "order": 3,
            }
        )
    for publication in publications:
        events.append(
            {
                "type": publication.action,
                "at": publication.created_at,
                "actor": publication.actor,
                "publication": publication,
                "verdict_label": STATUS_LABELS.get(publication.verdict, ""),
                "order": 4,
            }
        )
    for row in rows:
        events.append(
            {"type": "evidence", "at": row.added_at, "actor": row.added_by, "row": row, "order": 1}
        )
    for related in relations:
        relation = related["relation"]
        events.append(
            {
                "type": "relation",
                "at": relation.created_at,
                "actor": relation.created_by,
                "related": related,
                "order": 2,
            }
        )
    events.sort(key=lambda event: (event["at"], event["order"]), reverse=True)
    return _evidence_batches(events)


def _evidence_batches(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence one person added in the same minute, one after the other, as one entry; then a
    run of evidence entries with nothing else between them, if it holds more than
    EVIDENCE_BATCH_LISTED rows, as one entry told by its numbers per stance, its time span and
    who added them (each row on the page says who added it and when)."""
    merged: list[dict[str, Any]] = []
    for event in events:
        last = merged[-1] if merged else None
        if (
            event["type"] == "evidence"
            and last is not None
            and last["type"] == "evidence"
            and last["actor"] == event["actor"]
            and last["at"].replace(second=0, microsecond=0)
            == event["at"].replace(second=0, microsecond=0)
        ):
            last["rows"].append(event["row"])
            continue
        if event["type"] == "evidence":
            event = {**event, "rows": [event["row"]]}
        merged.append(event)
    out: list[dict[str, Any]] = []
    for is_evidence, run in groupby(merged, key=lambda event: event["type"] == "evidence"):
        batch = list(run)
        rows = [row for event in batch for row in event["rows"]] if is_evidence else []
        if len(rows) <= EVIDENCE_BATCH_LISTED:
            out.extend({**event, "stance_counts": [], "since": None} for event in batch)
            continue
        counts = Counter(row.stance for row in rows)
        actors = Counter(event["actor"] for event in batch for _ in event["rows"])
        out.append(
            {
                "type": "evidence",
                "at": batch[0]["at"],  # newest first
                "since": batch[-1]["at"] if batch[-1]["at"] != batch[0]["at"] else None,
                "actor": batch[0]["actor"],
                "actors": [actor for actor, _ in actors.most_common()],
                "rows": rows,
                "stance_counts": [
                    (stance, counts[stance]) for stance in Evidence.Stance.values if counts[stance]
                ],
                "order": 1,
            }
        )
    return out


def allowed_transitions(*, claim: Claim, user: User) -> list[tuple[str, str]]:
    """The statuses this user may move the claim to now, per the workflow table."""
    return [
        (to, STATUS_LABELS[to])
        for to in next_statuses(claim.status)
        if (needed := transition_role(claim.status, to)) is not None and has_role(user, needed)
    ]


def last_publication(publications: list[Publication]) -> Publication | None:
    last = publications[-1] if publications else None
    return last if last is not None and last.action == Publication.Action.PUBLISH else None


@dataclass(frozen=True)
class EvidenceSource:
    """A source the claim's evidence cites, with what every row citing it would repeat: its
    outlet and grade, its captures, its link health; and the rows that cite it."""

    source: Source
    outlet_grade: str | None
    outlet_grade_label: str
    latest_snapshot: Snapshot | None
    archived_snapshot: Snapshot | None
    rows: tuple[Evidence, ...]


@dataclass(frozen=True)
class ClaimPage:
    claim: Claim
    status_label: str
    evidence_groups: list[dict[str, Any]]
    evidence_count: int
    sources: list[EvidenceSource]
    relations: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    history: list[StatusChange]  # oldest first
    published: Publication | None
    published_label: str
    provenance: Provenance
    transitions: list[tuple[str, str]]
    # For editors: how many sensitive sources the claim rests on that its assignee cannot see
    # (an editor's assignment grants those there at the time; later ones need assigning again).
    hidden_from_assignee: int = 0


def evidence_sources(rows: list[Any]) -> list[EvidenceSource]:
    """Each source the rows cite, once, in the order of its first row (rows are Evidence with
    the attributes ``claim_page`` added: outlet grade, latest and archived snapshot)."""
    cited: dict[int, list[Any]] = {}
    for row in rows:
        cited.setdefault(row.source_id, []).append(row)
    return [
        EvidenceSource(
            source=first.source,
            outlet_grade=first.outlet_grade,
            outlet_grade_label=first.outlet_grade_label,
            latest_snapshot=first.latest_snapshot,
            archived_snapshot=first.archived_snapshot,
            rows=tuple(members),
        )
        for first, members in ((members[0], members) for members in cited.values())
    ]


def hidden_from_assignee(*, claim: Claim, rows: list[Evidence], user: User) -> int:
    """How many of the sensitive sources in ``rows`` the claim's assignee may not see; counted
    for editors only (they are the ones who can grant), else 0."""
    if claim.assignee is None or not has_role(user, Role.EDITOR):
        return 0
    sensitive = {row.source_id: row.source for row in rows if row.source.is_sensitive}
    if not sensitive:
        return 0
    access = source_access(claim.assignee)
    return sum(1 for source in sensitive.values() if not access.allows(source))


def claim_page(*, claim_id: int, user: User) -> ClaimPage:
    """Everything the claim page shows; raises Claim.DoesNotExist."""
    claim = claim_for_page(claim_id=claim_id)
    rows = evidence_rows(claim=claim, user=user)
    changes = list(claim_history(claim=claim))
    publications = list(claim_publications(claim=claim))
    relations = related_claims(claim=claim)
    mentioned = {row.get("source_id") for change in changes for row in change.evidence_snapshot}
    mentioned.discard(None)
    visible_ids = (
        set(sources_visible_to(user=user).filter(pk__in=mentioned).values_list("pk", flat=True))
        if mentioned
        else set()
    )
    published = last_publication(publications)
    return ClaimPage(
        hidden_from_assignee=hidden_from_assignee(claim=claim, rows=rows, user=user),
        claim=claim,
        status_label=STATUS_LABELS[claim.status],
        evidence_groups=evidence_by_stance(rows),
        evidence_count=len(rows),
        sources=evidence_sources(rows),
        relations=relations,
        timeline=timeline(
            claim=claim,
            changes=changes,
            publications=publications,
            rows=rows,
            relations=relations,
            visible_ids=visible_ids,
        ),
        history=changes,
        published=published,
        published_label=STATUS_LABELS.get(published.verdict, "") if published else "",
        provenance=claim_provenance(claim=claim, user=user),
        transitions=allowed_transitions(claim=claim, user=user),
    )


def claim_chains(*, claim_id: int, user: User, limit: int) -> tuple[Claim, Provenance, list[Chain]]:
    """The claim, its provenance and its citation chains in words, the first ``limit`` + 1 of
    them (a dense graph has more paths than anyone could read: one more says there are more).
    Raises Claim.DoesNotExist."""
    claim = Claim.objects.get(pk=claim_id)
    provenance = claim_provenance(claim=claim, user=user)
    return claim, provenance, list(islice(all_chains(provenance), limit + 1))


# --- Suggestions for the pickers --------------------------------------------------------------


def source_suggestions(*, user: User, query: str) -> QuerySet[Source]:
    """Sources the user may see matching every word of ``query`` in their title, URL or outlet,
    or its number (``#12``), or the canonical form of a pasted URL."""
    query = query.strip()[:200]
    if not query:
        return Source.objects.none()
    condition = words_q(query, ("title", "url", "outlet__name"))
    ident = as_id(query)
    if ident is not None:
        condition |= Q(pk=ident)
    with contextlib.suppress(InvalidURL):
        condition |= Q(canonical_url=canonicalize(query))
    return (
        sources_visible_to(user=user)
        .filter(condition)
        .order_by("-created_at", "-pk")[:SUGGESTIONS_SHOWN]
    )


def claim_suggestions(*, claim: Claim, query: str) -> QuerySet[Claim]:
    """Other claims matching every word of ``query``, or its number (``#12``)."""
    query = query.strip()[:200]
    if not query:
        return Claim.objects.none()
    condition = words_q(query, ("text",))
    ident = as_id(query)
    if ident is not None:
        condition |= Q(pk=ident)
    return (
        Claim.objects.filter(condition)
        .exclude(pk=claim.pk)
        .order_by("-created_at", "-pk")[:SUGGESTIONS_SHOWN]
    )


# --- Conflicts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """What the user is told when the claim moved on since they loaded it."""

    expected_version: int
    current: Claim
    status_label: str
    who: str
    what: str
    when: datetime | None


def conflict_for(*, current: Claim, expected_version: int, user: User) -> Conflict:
    """The other change, as well as the history knows it: the newest status change,
    publication or evidence row (one the user may see). An edit the history does not record
    (an assignment, the claim's wording) is described by the claim's state now."""
    candidates: list[tuple[datetime, str, str]] = []
    change = (
        StatusChange.objects.filter(claim=current)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    if change is not None:
        candidates.append(
            (
                change.created_at,
                change.actor.get_username(),
                f"changed its status from {STATUS_LABELS[change.from_status]} to "
                f"{STATUS_LABELS[change.to_status]} (rationale: “{change.rationale}”)",
            )
        )
    publication = (
        Publication.objects.filter(claim=current)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    if publication is not None:
        what = (
            f"published the verdict {STATUS_LABELS.get(publication.verdict, '')}"
            if publication.action == Publication.Action.PUBLISH
            else f"unpublished the verdict (reason: “{publication.reason}”)"
        )
        candidates.append((publication.created_at, publication.actor.get_username(), what))
    evidence = (
        Evidence.objects.filter(source_visibility_q(user, prefix="source__"), claim=current)
        .select_related("added_by", "source")
        .order_by("-updated_at", "-pk")
        .first()
    )
    if evidence is not None:
        verb = "added" if evidence.updated_at - evidence.added_at < SAME_MOMENT else "edited"
        candidates.append(
            (
                evidence.updated_at,
                evidence.added_by.get_username(),
                f"{verb} evidence ({evidence.stance}): {evidence.source}",
            )
        )
    latest = max(candidates, default=None, key=lambda c: c[0])
    if latest is not None and current.updated_at - latest[0] < SAME_MOMENT:
        when, who, what = latest
    else:
        when, who = current.updated_at, ""
        what = "edited the claim (its wording, assignment or evidence)"
    return Conflict(
        expected_version=expected_version,
        current=current,
        status_label=STATUS_LABELS[current.status],
        who=who,
        what=what,
        when=when,
    )
