"""What the claim page shows, read in a fixed number of queries however much evidence there is.

The evidence rows carry their outlet's current grade and their source's latest snapshot as
annotations (then one query for those snapshots), so no row costs a query of its own. Everything
about sources goes through the user's visibility: a sensitive source the user may not see is in
no row, no count, no chain and no timeline entry.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery

from claims.models import Claim, ClaimRelation
from config.roles import Role, has_role
from sources.canonical import InvalidURL, canonicalize
from sources.filters import words_q
from sources.models import ReliabilityRating, Snapshot, Source
from sources.selectors import source_visibility_q, sources_visible_to
from verification.forms.common import as_id
from verification.models import Evidence, Publication, StatusChange
from verification.provenance import claim_provenance
from verification.provenance_svg import provenance_picture
from verification.selectors import User, claim_evidence, claim_history, claim_publications
from verification.workflow import next_statuses, transition_role

GRADE_LABELS = dict(ReliabilityRating.Grade.choices)
STATUS_LABELS = dict(Claim.Status.choices)
SUGGESTIONS_SHOWN = 10
# What an evidence row shows of its snapshots (not the extracted text, which can be megabytes).
SNAPSHOT_FIELDS = (
    "id", "source_id", "status", "form", "attempts", "error_code", "error_message", "warc",
    "file", "created_at", "finished_at", "retry_at",
)  # fmt: skip
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
    rows = list(
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
    return events


def allowed_transitions(*, claim: Claim, user: User) -> list[tuple[str, str]]:
    """The statuses this user may move the claim to now, per the workflow table."""
    return [
        (to, STATUS_LABELS[to])
        for to in next_statuses(claim.status)
        if (needed := transition_role(claim.status, to)) is not None and has_role(user, needed)
    ]


def publish_refusal(*, claim: Claim, user: User, changes: list[StatusChange]) -> str:
    """Why ``verdict_publish`` would refuse this editor now ("" if it would not): shown instead
    of the button. The service checks again."""
    if not has_role(user, Role.EDITOR):
        return "Publishing needs the editor role."
    if not claim.has_verdict:
        return (
            f"Only a verdict can be published; this claim is {STATUS_LABELS[claim.status].lower()}."
        )
    if claim.needs_review:
        return "New evidence arrived after this verdict: a fact-checker must review it first."
    verdict_change = next((c for c in reversed(changes) if c.to_status == claim.status), None)
    if verdict_change is None:
        return (
            "This verdict has no status change on record: reopen the claim and record the "
            "verdict through the workflow before publishing."
        )
    if verdict_change.actor_id == user.pk and not settings.CLAIMTRAIL_ALLOW_SELF_PUBLISH:
        return (
            "You set this verdict yourself. Four eyes: another editor must publish it "
            "(a small desk can allow self-publishing with CLAIMTRAIL_ALLOW_SELF_PUBLISH=1)."
        )
    return ""


def last_publication(publications: list[Publication]) -> Publication | None:
    last = publications[-1] if publications else None
    return last if last is not None and last.action == Publication.Action.PUBLISH else None


def claim_page(*, claim_id: int, user: User) -> dict[str, Any]:
    """Everything the claim page shows; raises Claim.DoesNotExist."""
    claim = claim_for_page(claim_id=claim_id)
    rows = evidence_rows(claim=claim, user=user)
    changes = list(claim_history(claim=claim))
    publications = list(claim_publications(claim=claim))
    relations = related_claims(claim=claim)
    mentioned = {row.get("source_id") for change in changes for row in change.evidence_snapshot} - {
        None
    }
    visible_ids = (
        set(sources_visible_to(user=user).filter(pk__in=mentioned).values_list("pk", flat=True))
        if mentioned
        else set()
    )
    provenance = claim_provenance(claim=claim, user=user)
    published = last_publication(publications)
    return {
        "claim": claim,
        "status_label": STATUS_LABELS[claim.status],
        "evidence_groups": evidence_by_stance(rows),
        "evidence_count": len(rows),
        "relations": relations,
        "timeline": timeline(
            claim=claim,
            changes=changes,
            publications=publications,
            rows=rows,
            relations=relations,
            visible_ids=visible_ids,
        ),
        "published": published,
        "published_label": STATUS_LABELS.get(published.verdict, "") if published else "",
        "picture": provenance_picture(provenance, element_id=f"provenance-{claim.pk}"),
        "transitions": allowed_transitions(claim=claim, user=user),
        "publish_refusal": publish_refusal(claim=claim, user=user, changes=changes),
    }


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
