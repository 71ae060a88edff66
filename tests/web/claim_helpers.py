"""Shared by the claim page tests: claims in a given state, evidence with everything a row shows,
a hostile citation graph, htmx requests."""

from __future__ import annotations

import random

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from sources.models import Citation, Outlet, Snapshot, Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletFactory,
    ReliabilityRatingFactory,
    SourceFactory,
)
from verification.models import Evidence

HTMX = {"HTTP_HX_REQUEST": "true"}


def claim_url(claim: Claim, name: str = "claim-detail") -> str:
    return reverse(f"web:{name}", args=[claim.pk])


def snapshot(source: Source, status: str, **fields) -> Snapshot:
    defaults = {"url": source.url}
    if status == Snapshot.Status.ARCHIVED:
        defaults |= {
            "sha256": "a" * 64,
            "warc": f"warcs/{source.pk}.warc.gz",
            "finished_at": timezone.now(),
        }
    elif status in (Snapshot.Status.FAILED, Snapshot.Status.BLOCKED):
        defaults |= {"error_code": "dns_error", "error_message": "The name does not exist."}
    return Snapshot.objects.create(source=source, status=status, **(defaults | fields))


def rich_evidence(claim: Claim, index: int, *, added_by: User) -> Evidence:
    """A row with all a claim page row shows: a rated, affiliated outlet, a quote and its
    translation, an archived and a failed capture, link health, and a citation to an origin."""
    outlet = OutletFactory(name=f"Outlet {index}", party_to="Side" if index % 2 else "")
    ReliabilityRatingFactory(outlet=outlet, grade="C", rated_by=added_by)
    source = SourceFactory(
        title=f"Report {index}",
        outlet=outlet,
        sourcing=Source.Sourcing.DERIVED,
        link_status=Source.LinkStatus.ALIVE,
        link_checked_at=timezone.now(),
    )
    origin = SourceFactory(title=f"Origin {index}", sourcing=Source.Sourcing.ORIGINAL)
    CitationFactory(citing=source, cited=origin)
    snapshot(source, Snapshot.Status.ARCHIVED)
    snapshot(source, Snapshot.Status.FAILED)
    stances = list(Evidence.Stance.values)
    return EvidenceFactory(
        claim=claim,
        source=source,
        stance=stances[index % len(stances)],
        credibility=(index % 6) + 1,
        quote=f"цитата {index}",
        quote_language="ru",
        translation=f"quote {index}",
        added_by=added_by,
    )


def claim_with_evidence(count: int, *, added_by: User) -> Claim:
    claim = ClaimFactory()
    for index in range(count):
        rich_evidence(claim, index, added_by=added_by)
    return claim


def hostile_claim(actor: User, *, sources: int = 240, citations: int = 980) -> Claim:
    """A citation graph built to be hostile: hundreds of sources with long titles and URLs,
    a thousand citations criss-crossing (loops, diamonds: millions of paths), evidence on forty
    of the sources under every stance."""
    rng = random.Random(7)
    outlets = Outlet.objects.bulk_create(
        Outlet(name=f"Hostile outlet {n} " + "with a long name " * 3, party_to="Side")
        for n in range(20)
    )
    made = Source.objects.bulk_create(
        Source(
            kind=Source.Kind.ARTICLE,
            title=f"Hostile {n} " + "a headline made long on purpose " * 8,
            url=f"https://hostile{n}.example/" + "very/long/path/" * 10 + f"{n}",
            canonical_url=f"https://hostile{n}.example/" + "very/long/path/" * 10 + f"{n}",
            outlet=outlets[n % len(outlets)],
            sourcing=Source.Sourcing.ORIGINAL if n % 6 == 5 else Source.Sourcing.DERIVED,
            created_by=actor,
        )
        for n in range(sources)
    )
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < citations:
        citing, cited = rng.randrange(sources), rng.randrange(sources)
        if citing != cited:
            pairs.add((citing, cited))
    Citation.objects.bulk_create(
        Citation(citing=made[a], cited=made[b], created_by=actor) for a, b in sorted(pairs)
    )
    claim = ClaimFactory(created_by=actor)
    stances = list(Evidence.Stance.values)
    Evidence.objects.bulk_create(
        Evidence(claim=claim, source=made[n], stance=stances[n % 4], added_by=actor)
        for n in range(40)
    )
    return claim
