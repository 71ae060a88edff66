"""The desk's pages cost the same number of queries however many rows they show.

Claim page: 5 vs 200 evidence rows. Queue: 10 vs 100 claims (a full first page against a short
one). Source and outlet pages: 3 vs 40 rows of each kind they list. Every row carries everything
the page shows of it (rated outlets with owners and parties, quotes with translations, archived
and failed captures, link health, citations, sensitive sources the reader may see, tags,
assignees, publications), so a template or view that reaches for a relation row by row shows up
as a larger count on the bigger page. Counts must be equal, not merely bounded; a failure prints
the queries that only the bigger page ran.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, ClaimRelation
from sources.models import LinkCheck, Outlet, Snapshot, Source
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    ClaimRelationFactory,
    EvidenceFactory,
    OutletDomainFactory,
    OutletFactory,
    OutletHandleFactory,
    PublicationFactory,
    ReliabilityRatingFactory,
    SourceFactory,
    StatusChangeFactory,
    TagFactory,
)
from tests.web.claim_helpers import hostile_claim
from verification.models import Evidence

pytestmark = pytest.mark.django_db

ROLES = ["viewer", "fact_checker", "editor"]
STANCES = list(Evidence.Stance.values)


# --- Counting ------------------------------------------------------------------------------------


def _shape(sql: str) -> str:
    """A query without its literals, to tell which kinds of query the bigger page added."""
    sql = re.sub(r"'[^']*'", "?", sql)
    return re.sub(r"\b\d+\b", "?", sql)


def _queries(client: Client, url: str) -> list[str]:
    client.get(url)  # warm: session, content types, the role cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


def assert_same_count(client: Client, small_url: str, big_url: str) -> int:
    small, big = _queries(client, small_url), _queries(client, big_url)
    extra = Counter(map(_shape, big)) - Counter(map(_shape, small))
    assert len(small) == len(big), (
        f"{small_url}: {len(small)} queries, {big_url}: {len(big)}; only on the bigger page:\n"
        + "\n".join(f"{n} x {sql[:300]}" for sql, n in extra.items())
    )
    return len(small)


@pytest.fixture
def reader(client: Client, users_by_role: dict[str, User]) -> Callable[[str], Client]:
    def sign_in(role: str) -> Client:
        client.force_login(users_by_role[role])
        return client

    return sign_in


# --- Rows with everything a page shows of them -----------------------------------------------


def _rated_outlet(n: int, rater: User) -> Outlet:
    outlet = OutletFactory(
        name=f"Outlet {n}",
        owner=f"Owner {n % 3}",
        party_to="Russia" if n % 4 == 0 else "",
        affiliation=Outlet.Affiliation.STATE if n % 5 == 0 else Outlet.Affiliation.INDEPENDENT,
    )
    ReliabilityRatingFactory(outlet=outlet, grade="BCDEF"[n % 5], rated_by=rater)
    OutletDomainFactory(outlet=outlet)
    return outlet


def _captures(source: Source, creator: User) -> None:
    now = timezone.now()
    Snapshot.objects.create(
        source=source,
        url=source.url,
        status=Snapshot.Status.ARCHIVED,
        sha256="a" * 64,
        warc=f"warcs/{source.pk}.warc.gz",
        finished_at=now,
        created_by=creator,
    )
    Snapshot.objects.create(
        source=source,
        url=source.url,
        status=Snapshot.Status.FAILED,
        error_code="dns_error",
        error_message="The name does not exist.",
        attempts=2,
        finished_at=now,
        created_by=creator,
    )
    LinkCheck.objects.create(source=source, url=source.url, status=LinkCheck.Status.ALIVE)


def _evidence(claim: Claim, n: int, *, adder: User, rater: User) -> Evidence:
    """A derived, rated, archived source relaying an origin, as evidence ``via`` that citation;
    every third one sensitive (the reader added it, so a fact-checker may see it)."""
    source = SourceFactory(
        title=f"Report {n}",
        outlet=_rated_outlet(n, rater),
        sourcing=Source.Sourcing.DERIVED,
        is_sensitive=n % 3 == 0,
        link_status=Source.LinkStatus.ALIVE,
        link_checked_at=timezone.now(),
        created_by=adder,
    )
    origin = SourceFactory(
        title=f"Origin {n % 7}-{n}",
        outlet=_rated_outlet(1000 + n, rater),
        sourcing=Source.Sourcing.ORIGINAL if n % 4 else Source.Sourcing.UNKNOWN,
        created_by=adder,
    )
    citation = CitationFactory(citing=source, cited=origin, created_by=adder)
    _captures(source, adder)
    row = EvidenceFactory(
        claim=claim,
        source=source,
        stance=STANCES[n % len(STANCES)],
        credibility=n % 6 + 1,
        quote=f"цитата {n}",
        quote_language="ru",
        translation=f"quote {n}",
        note=f"Note {n}.",
        added_by=adder,
    )
    row.via.add(citation)
    return row


def _claim_with_evidence(rows: int, users: dict[str, User], adder: User) -> Claim:
    editor, checker = users["editor"], users["fact_checker"]
    claim = ClaimFactory(
        claimant=ClaimantFactory(), assignee=checker, created_by=users["viewer"], needs_review=True
    )
    claim.tags.add(TagFactory(), TagFactory())
    for n in range(rows):
        _evidence(claim, n, adder=adder, rater=editor)
    for n in range(3):
        ClaimRelationFactory(
            from_claim=claim,
            to_claim=ClaimFactory(text=f"Related claim {rows}-{n}."),
            kind=list(ClaimRelation.Kind.values)[n % len(ClaimRelation.Kind.values)],
            created_by=checker,
        )
    StatusChangeFactory(claim=claim, actor=checker, claim_version=2)
    StatusChangeFactory(
        claim=claim, actor=checker, from_status="in_review", to_status="false", claim_version=3
    )
    PublicationFactory(claim=claim, actor=editor, verdict="false")
    Claim.objects.filter(pk=claim.pk).update(status="false", version=4)
    return claim


def _claim_url(claim: Claim) -> str:
    return reverse("web:claim-detail", args=[claim.pk])


# --- Claim page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_claim_page_queries_do_not_grow_from_5_to_200_evidence_rows(
    reader, users_by_role, role
) -> None:
    adder = users_by_role[role]
    small = _claim_with_evidence(5, users_by_role, adder)
    big = _claim_with_evidence(200, users_by_role, adder)
    client = reader(role)
    page = client.get(_claim_url(big)).content.decode()
    assert page.count('class="evidence-row"') == 200
    assert_same_count(client, _claim_url(small), _claim_url(big))


def _chained_claim(rows: int, depth: int, users: dict[str, User]) -> Claim:
    """``rows`` evidence sources, each citing a chain ``depth`` citations long to an origin."""
    editor = users["editor"]
    claim = ClaimFactory(created_by=editor)
    for n in range(rows):
        chain = [
            SourceFactory(title=f"Relay {depth}-{n}-{k}", sourcing=Source.Sourcing.DERIVED)
            for k in range(depth)
        ]
        chain.append(SourceFactory(title=f"Origin {depth}-{n}", sourcing=Source.Sourcing.ORIGINAL))
        for citing, cited in itertools.pairwise(chain):
            CitationFactory(citing=citing, cited=cited, created_by=editor)
        EvidenceFactory(claim=claim, source=chain[0], stance=STANCES[n % 4], added_by=editor)
    return claim


@pytest.mark.parametrize("role", ROLES)
def test_claim_page_queries_are_the_same_for_shallow_and_deep_citation_chains(
    reader, users_by_role, role
) -> None:
    shallow = _chained_claim(5, 1, users_by_role)
    deep = _chained_claim(5, 20, users_by_role)
    client = reader(role)
    assert "Origin 20-4" in client.get(_claim_url(deep)).content.decode()
    assert_same_count(client, _claim_url(shallow), _claim_url(deep))


@pytest.mark.parametrize("role", ROLES)
def test_claim_page_queries_are_the_same_for_a_hostile_citation_graph(
    reader, users_by_role, role
) -> None:
    small = _chained_claim(5, 2, users_by_role)
    hostile = hostile_claim(users_by_role["editor"])
    assert_same_count(reader(role), _claim_url(small), _claim_url(hostile))


# --- Queue ---------------------------------------------------------------------------------------


def _queue_claims(count: int, users: dict[str, User]) -> None:
    assignees = [None, users["fact_checker"], users["editor"]]
    tags = [TagFactory(name=f"topic-{n}") for n in range(4)]
    statuses = list(Claim.Status.values)
    for n in range(count):
        claim = ClaimFactory(
            text=f"Queue claim {count}-{n}.",
            claimant=ClaimantFactory(),
            assignee=assignees[n % 3],
            status=statuses[n % len(statuses)],
            needs_review=n % 4 == 0,
            created_by=users["viewer"],
        )
        claim.tags.add(tags[n % 4], tags[(n + 1) % 4])
        EvidenceFactory(claim=claim, added_by=users["fact_checker"])
        EvidenceFactory(
            claim=claim,
            source=SourceFactory(is_sensitive=True, created_by=users["editor"]),
            stance=Evidence.Stance.CONTRADICTS,
            added_by=users["editor"],
        )
        if n % 2:
            PublicationFactory(claim=claim, actor=users["editor"])


@pytest.mark.parametrize("role", ROLES)
def test_queue_queries_do_not_grow_from_10_to_100_claims(reader, users_by_role, role) -> None:
    queue = reverse("web:queue")
    client = reader(role)
    _queue_claims(10, users_by_role)
    small = _queries(client, queue)
    _queue_claims(90, users_by_role)
    big = _queries(client, queue)
    assert client.get(queue).content.decode().count("Queue claim") >= 25
    assert len(small) == len(big), (len(small), len(big))
    filtered = f"{queue}?sort=updated&needs_review=true&tag=topic-1"
    assert len(_queries(client, filtered)) <= len(big) + 1


# --- Source page ---------------------------------------------------------------------------------


def _source_rows(source: Source, rows: int, users: dict[str, User]) -> None:
    editor = users["editor"]
    for n in range(rows):
        _captures(source, editor)
        CitationFactory(
            citing=source,
            cited=SourceFactory(outlet=_rated_outlet(n, editor), created_by=editor),
            created_by=editor,
        )
        CitationFactory(
            citing=SourceFactory(outlet=_rated_outlet(500 + n, editor), created_by=editor),
            cited=source,
            created_by=editor,
        )
        claim = ClaimFactory(text=f"Resting claim {rows}-{n}.", created_by=editor)
        claim.tags.add(TagFactory(name=f"tag-{n % 3}"))
        EvidenceFactory(source=source, claim=claim, stance=STANCES[n % 4], added_by=editor)


def _rich_source(users: dict[str, User]) -> Source:
    outlet = _rated_outlet(7, users["editor"])
    OutletHandleFactory(outlet=outlet)
    return SourceFactory(
        title="The source under test",
        outlet=outlet,
        link_status=Source.LinkStatus.CHANGED,
        link_checked_at=timezone.now(),
        created_by=users["viewer"],
    )


@pytest.mark.parametrize("role", ROLES)
def test_source_page_queries_do_not_grow_with_its_rows(reader, users_by_role, role) -> None:
    small, big = _rich_source(users_by_role), _rich_source(users_by_role)
    _source_rows(small, 3, users_by_role)
    _source_rows(big, 40, users_by_role)
    client = reader(role)
    url = "web:source-detail"
    assert_same_count(client, reverse(url, args=[small.pk]), reverse(url, args=[big.pk]))


# --- Outlet page ---------------------------------------------------------------------------------


def _outlet_rows(outlet: Outlet, rows: int, users: dict[str, User]) -> None:
    editor = users["editor"]
    for n in range(rows):
        ReliabilityRatingFactory(outlet=outlet, grade="ABCDEF"[n % 6], rated_by=editor)
        OutletDomainFactory(outlet=outlet)
        OutletHandleFactory(outlet=outlet)
        source = SourceFactory(
            outlet=outlet,
            title=f"Post {rows}-{n}",
            is_sensitive=n % 5 == 0,
            link_status=Source.LinkStatus.ALIVE,
            created_by=editor,
        )
        _captures(source, editor)
        claim = ClaimFactory(
            text=f"Outlet claim {rows}-{n}.", claimant=ClaimantFactory(), created_by=editor
        )
        claim.tags.add(TagFactory(name=f"tag-{n % 3}"))
        EvidenceFactory(source=source, claim=claim, stance=STANCES[n % 4], added_by=editor)


@pytest.mark.parametrize("role", ROLES)
def test_outlet_page_queries_do_not_grow_with_its_rows(reader, users_by_role, role) -> None:
    small = OutletFactory(name="Small outlet", owner="Holding", party_to="Russia")
    big = OutletFactory(name="Big outlet", owner="Holding", party_to="Russia")
    _outlet_rows(small, 3, users_by_role)
    _outlet_rows(big, 40, users_by_role)
    client = reader(role)
    url = "web:outlet-detail"
    assert_same_count(client, reverse(url, args=[small.pk]), reverse(url, args=[big.pk]))
