"""The claim page's long lists, worked out once in Python: evidence rows with their sources' facts,
the history and the citation chains.

A claim with hundreds of evidence rows renders each of them; per row, a ``{% url %}`` (a
``reverse()``), a ``|date`` or a ``get_*_display`` in the template costs more than the row's
markup. Here each URL is a prefix reversed once and each date is formatted by hand, so the
templates only print strings. A source's outlet, captures and link are told with the first row
citing it and referred to from the others (``#source-N``), so a source is described once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

from sources.models import Outlet, Snapshot, Source
from verification.models import Evidence
from verification.provenance_svg import Chain, node_label, truncate
from verification.selectors import EvidenceSource

LABEL_CHARS = 120  # a source's name in its row (an untitled source is named by its URL)
CHAIN_LABEL_CHARS = 70
CHAIN_OUTLET_CHARS = 40
HISTORY_LABEL_CHARS = 90

KIND_LABELS = dict(Source.Kind.choices)
LINK_LABELS = dict(Source.LinkStatus.choices)
AFFILIATION_LABELS = dict(Outlet.Affiliation.choices)
SNAPSHOT_LABELS = dict(Snapshot.Status.choices)
CREDIBILITY_LABELS = dict(Evidence.Credibility.choices)


def path_for(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for any pk, at the cost of one ``reverse()``."""
    sentinel = 987654321
    head, _, tail = reverse(name, args=[sentinel]).rpartition(str(sentinel))
    return lambda pk: f"{head}{pk}{tail}"


@dataclass(frozen=True)
class Moment:
    """A time as the page prints it: ``<time datetime="{{ iso }}">{{ text }}</time>``."""

    iso: str
    text: str  # 11 Apr 2025, 00:00
    day: str  # 11 Apr 2025


class Clock:
    """Formats datetimes as the ``|date`` filter would ("j M Y, H:i" in the current time zone),
    with the month names looked up once."""

    def __init__(self) -> None:
        self.months = [str(MONTHS_3[n]).title() for n in range(1, 13)]

    def __call__(self, value: datetime | None) -> Moment | None:
        if value is None:
            return None
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        day = f"{local.day} {self.months[local.month - 1]} {local.year}"
        return Moment(iso=local.strftime("%Y-%m-%dT%H:%M%z"), text=f"{day}, {local:%H:%M}", day=day)


@dataclass(frozen=True)
class SourceFacts:
    """What every row citing a source would repeat: said once, with the first of them."""

    sid: str  # ids as strings: the template prints them without localizing a number
    href: str
    label: str
    kind: str
    is_sensitive: bool
    outlet_name: str
    outlet_href: str
    grade: str
    grade_label: str
    affiliation: str  # "" when unknown
    party_to: str
    owner: str
    archive: str  # none | no_url | archived | failed | pending
    archive_label: str
    archive_at: Moment | None
    archive_message: str
    archive_code: str
    attempts: str
    archived_day: Moment | None  # the last archived copy, when it is not the latest capture
    text_href: str
    warc_href: str
    file_href: str
    url: str
    link_status: str
    link_label: str
    link_checked: Moment | None
    rows: tuple[tuple[str, str], ...]  # (evidence id, stance) of every row citing it


@dataclass(frozen=True)
class EvidenceEntry:
    eid: str
    stance: str
    credibility: str
    added_by: str
    added: Moment | None
    quote: str
    quote_language: str
    translation: str
    note: str
    source: SourceFacts
    first: bool  # this row tells its source's facts; the others link to them
    outlet_first: bool  # this row tells its outlet's grade in words, affiliation and owner
    others: tuple[tuple[str, str], ...]  # the other rows citing the same source


def _archive(latest: Snapshot | None, url: str) -> tuple[str, str]:
    if latest is None:
        return ("none", "Not archived yet") if url else ("no_url", "No URL: nothing to archive")
    label = SNAPSHOT_LABELS.get(latest.status, latest.status)
    if latest.status == Snapshot.Status.ARCHIVED:
        return "archived", label
    if latest.status in (Snapshot.Status.FAILED, Snapshot.Status.BLOCKED):
        return "failed", label
    return "pending", label


def source_facts(items: Iterable[EvidenceSource], clock: Clock) -> dict[int, SourceFacts]:
    source_path = path_for("web:source-detail")
    outlet_path = path_for("web:outlet-detail")
    text_path = path_for("sources:snapshot-text")
    warc_path = path_for("sources:snapshot-warc")
    file_path = path_for("sources:snapshot-file")
    facts = {}
    for item in items:
        source, outlet = item.source, item.source.outlet
        latest, archived = item.latest_snapshot, item.archived_snapshot
        archive, archive_label = _archive(latest, source.url)
        facts[source.pk] = SourceFacts(
            sid=str(source.pk),
            href=source_path(source.pk),
            label=truncate(str(source), LABEL_CHARS),
            kind=KIND_LABELS.get(source.kind, source.kind),
            is_sensitive=source.is_sensitive,
            outlet_name=outlet.name if outlet else "",
            outlet_href=outlet_path(outlet.pk) if outlet else "",
            grade=item.outlet_grade or "",
            grade_label=item.outlet_grade_label,
            affiliation=(
                AFFILIATION_LABELS.get(outlet.affiliation, outlet.affiliation)
                if outlet and outlet.affiliation != Outlet.Affiliation.UNKNOWN
                else ""
            ),
            party_to=outlet.party_to if outlet else "",
            owner=outlet.owner if outlet else "",
            archive=archive,
            archive_label=archive_label,
            archive_at=clock(latest.finished_at) if latest else None,
            archive_message=latest.error_message if latest else "",
            archive_code=latest.error_code if latest else "",
            attempts=str(latest.attempts) if latest and latest.attempts else "",
            archived_day=(
                clock(archived.finished_at)
                if archived and latest and latest.pk != archived.pk
                else None
            ),
            text_href=text_path(archived.pk) if archived else "",
            warc_href=warc_path(archived.pk) if archived and archived.warc else "",
            file_href=file_path(archived.pk) if archived and archived.file else "",
            url=source.url,
            link_status=source.link_status,
            link_label=LINK_LABELS.get(source.link_status, source.link_status),
            link_checked=clock(source.link_checked_at),
            rows=tuple((str(row.pk), row.stance) for row in item.rows),
        )
    return facts


def evidence_entries(
    groups: list[dict[str, Any]], sources: list[EvidenceSource], clock: Clock
) -> list[dict[str, Any]]:
    """The page's evidence groups (one per stance), each row an ``EvidenceEntry``; the first row
    citing a source, in the page's order, tells its facts, and the first row from an outlet what
    the outlet's page says of it (the others name it with its grade and side)."""
    facts = source_facts(sources, clock)
    told: set[int] = set()
    told_outlets: set[str] = set()
    out = []
    for group in groups:
        entries = []
        for row in group["rows"]:
            source = facts[row.source_id]
            first = row.source_id not in told
            told.add(row.source_id)
            outlet_first = source.outlet_href not in told_outlets
            told_outlets.add(source.outlet_href)
            eid = str(row.pk)
            entries.append(
                EvidenceEntry(
                    eid=eid,
                    stance=row.stance,
                    credibility=CREDIBILITY_LABELS.get(row.credibility, str(row.credibility)),
                    added_by=row.added_by.get_username(),
                    added=clock(row.added_at),
                    quote=row.quote,
                    quote_language=row.quote_language,
                    translation=row.translation,
                    note=row.note,
                    source=source,
                    first=first,
                    outlet_first=outlet_first,
                    others=tuple(r for r in source.rows if r[0] != eid) if first else (),
                )
            )
        out.append({**group, "rows": entries})
    return out


ACTORS_NAMED = 3  # a long run of evidence in the history names this many people who added it


def history_entries(timeline: list[dict[str, Any]], clock: Clock) -> list[dict[str, Any]]:
    """The history's events with their times and people as the page prints them."""
    out = []
    for event in timeline:
        actors = event.get("actors")
        if actors:
            who = ", ".join(actor.get_username() for actor in actors[:ACTORS_NAMED])
            if len(actors) > ACTORS_NAMED:
                who += f" and {len(actors) - ACTORS_NAMED} more"
        else:
            who = event["actor"].get_username()
        rows = event.get("rows", ())
        out.append(
            {
                **event,
                "when": clock(event["at"]),
                "since": clock(event.get("since")),
                "who": who,
                "listed": (
                    [
                        (str(row.pk), row.stance, truncate(str(row.source), HISTORY_LABEL_CHARS))
                        for row in rows
                    ]
                    if not event.get("stance_counts")
                    else []
                ),
            }
        )
    return out


@dataclass(frozen=True)
class ChainStep:
    href: str
    label: str
    outlet: str  # "Outlet, grade B, party: Russia", or ""


@dataclass(frozen=True)
class ChainLine:
    """A citation chain as ``_chain.html`` prints it: titles cut short (the source's page has
    the rest), so a page of chains is bounded in size."""

    stance: str
    end: str
    steps: tuple[ChainStep, ...]
    loops_to: str


def chain_lines(chains: Iterable[Chain]) -> list[ChainLine]:
    source_path = path_for("web:source-detail")
    lines = []
    for chain in chains:
        steps = []
        for node in chain.steps:
            outlet = ""
            if node.outlet is not None:
                outlet = truncate(node.outlet.name, CHAIN_OUTLET_CHARS)
                if node.outlet.grade:
                    outlet += f", grade {node.outlet.grade}"
                if node.outlet.party_to:
                    outlet += f", party: {node.outlet.party_to}"
            steps.append(
                ChainStep(
                    href=source_path(node.source_id),
                    label=truncate(node_label(node), CHAIN_LABEL_CHARS),
                    outlet=outlet,
                )
            )
        lines.append(
            ChainLine(
                stance=chain.stance[:1].upper() + chain.stance[1:],
                end=chain.end,
                steps=tuple(steps),
                loops_to=truncate(node_label(chain.loops_to), 80) if chain.loops_to else "",
            )
        )
    return lines
