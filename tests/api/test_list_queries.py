"""The query count of every list endpoint does not grow with the page: 50 rows cost no more
queries than 5.

Each list gets rows with everything it shows (claimants, assignees, tags, evidence with ``via``
citations, sensitive sources the reader may see, outlets with domains, handles and grades…), so
a serializer that reaches for a relation row by row would show up as more queries on the big
page. The table must cover every GET whose 200 response is a paginated list in the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import ClaimRelation
from sources.models import LinkCheck, Snapshot, Source
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
    UserFactory,
    grant,
)
from verification.models import Evidence

pytestmark = pytest.mark.django_db

SMALL, BIG = 5, 50


# --- Rows with everything a list row shows -------------------------------------------------------


def _rated_source(**kwargs: Any) -> Source:
    source = SourceFactory(created_by=UserFactory(), **kwargs)
    ReliabilityRatingFactory(outlet=source.outlet, rated_by=UserFactory())
    return source


def _evidence(users: dict[str, User], claim: Any, i: int) -> None:
    """An article (sensitive every other row) relaying an original source, as evidence: the
    article's row goes ``via`` its citation; the original supports the claim directly."""
    origin = _rated_source(sourcing=Source.Sourcing.ORIGINAL)
    article = _rated_source(sourcing=Source.Sourcing.DERIVED, is_sensitive=i % 2 == 0)
    citation = CitationFactory(citing=article, cited=origin, created_by=UserFactory())
    added_by = users["fact_checker"] if i % 2 else UserFactory()
    row = EvidenceFactory(claim=claim, source=article, added_by=added_by, quote=f"Quote {i}")
    row.via.add(citation)
    EvidenceFactory(claim=claim, source=origin, stance=Evidence.Stance.SUPPORTS, added_by=added_by)


def _claim(users: dict[str, User], parent: None, i: int) -> None:
    assignee = [None, users["fact_checker"], users["other_fact_checker"]][i % 3]
    claim = ClaimFactory(claimant=ClaimantFactory(), assignee=assignee, created_by=UserFactory())
    claim.tags.add(TagFactory(), TagFactory())
    _evidence(users, claim, i)
    if i % 2:
        PublicationFactory(claim=claim, actor=UserFactory())


def _evidence_row(users: dict[str, User], claim: Any, i: int) -> None:
    origin = _rated_source(sourcing=Source.Sourcing.ORIGINAL)
    article = _rated_source(is_sensitive=i % 2 == 0)
    if article.is_sensitive:
        # Visible to the reader, the claim's fact-checker: an editor granted it.
        grant(article, users["fact_checker"], by=users["editor"])
    citation = CitationFactory(citing=article, cited=origin, created_by=UserFactory())
    added_by = users["fact_checker"] if i % 2 else UserFactory()
    EvidenceFactory(claim=claim, source=article, added_by=added_by).via.add(citation)


def _status_change(users: dict[str, User], claim: Any, i: int) -> None:
    StatusChangeFactory(claim=claim, actor=UserFactory(), claim_version=i + 2)


def _publication(users: dict[str, User], claim: Any, i: int) -> None:
    PublicationFactory(claim=claim, actor=UserFactory())


def _relation(users: dict[str, User], claim: Any, i: int) -> None:
    other = ClaimFactory(created_by=UserFactory())
    kind = [ClaimRelation.Kind.SUPPORTS, ClaimRelation.Kind.UPDATES][i % 2]
    ends = {"from_claim": claim, "to_claim": other}
    if i % 2:
        ends = {"from_claim": other, "to_claim": claim}  # incoming
    ClaimRelationFactory(kind=kind, created_by=UserFactory(), **ends)


def _claimant(users: dict[str, User], parent: None, i: int) -> None:
    claimant = ClaimantFactory()
    ClaimFactory(claimant=claimant)


def _outlet(users: dict[str, User], parent: None, i: int) -> None:
    outlet = OutletFactory()
    OutletDomainFactory(outlet=outlet)
    OutletHandleFactory(outlet=outlet)
    ReliabilityRatingFactory(outlet=outlet, rated_by=UserFactory())
    ReliabilityRatingFactory(outlet=outlet, rated_by=UserFactory())


def _rating(users: dict[str, User], outlet: Any, i: int) -> None:
    ReliabilityRatingFactory(outlet=outlet, rated_by=UserFactory())


def _source(users: dict[str, User], parent: None, i: int) -> None:
    source = _rated_source(is_sensitive=i % 2 == 0)
    if source.is_sensitive:
        # Visible to the fact-checker: an editor granted it.
        grant(source, users["fact_checker"], by=users["editor"])
    # A capture summary to show: the latest of two snapshots.
    Snapshot.objects.create(source=source, url=source.url, created_by=UserFactory())
    Snapshot.objects.create(source=source, url=source.url)
    # Link health to show (columns of the source, not its link checks).
    LinkCheck.objects.create(source=source, url=source.url, status=Source.LinkStatus.GONE)
    Source.objects.filter(pk=source.pk).update(
        link_status=Source.LinkStatus.GONE, link_checked_at=timezone.now()
    )


def _snapshot(users: dict[str, User], source: Any, i: int) -> None:
    earlier = Snapshot.objects.filter(source=source, status="archived").first()
    Snapshot.objects.create(
        source=source,
        url=source.url,
        status=Snapshot.Status.ARCHIVED,
        sha256=f"{i:064x}",
        warc=f"warc/test/{i}.warc.gz",
        created_by=UserFactory(),
        duplicate_of=earlier if i % 2 else None,
    )


def _link_check(users: dict[str, User], source: Any, i: int) -> None:
    # Every other check archived the page again: its snapshot is named, by id.
    snapshot = Snapshot.objects.create(source=source, url=source.url) if i % 2 else None
    LinkCheck.objects.create(
        source=source,
        url=source.url,
        status=[Source.LinkStatus.ALIVE, Source.LinkStatus.CHANGED][i % 2],
        http_status=200,
        final_url=source.url,
        snapshot=snapshot,
    )


def _citation(users: dict[str, User], parent: None, i: int) -> None:
    CitationFactory(citing=_rated_source(), cited=_rated_source(), created_by=UserFactory())


# --- The table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListCase:
    name: str
    path: str  # as in the schema
    role: str
    add: Callable[[dict[str, User], Any, int], None]  # one more row of the list
    parent: Callable[[dict[str, User]], Any] = lambda users: None

    def url(self, parent: Any) -> str:
        pk = getattr(parent, "pk", 0)
        return self.path.format(claim_id=pk, outlet_id=pk, source_id=pk)


def _claim_parent(users: dict[str, User]) -> Any:
    return ClaimFactory(assignee=users["fact_checker"])


CLAIM = "/api/v1/claims/{claim_id}/"
CASES = [
    ListCase("claims", "/api/v1/claims/", "fact_checker", _claim),
    ListCase("claims_for_a_viewer", "/api/v1/claims/", "viewer", _claim),
    ListCase("claim_evidence", CLAIM + "evidence/", "fact_checker", _evidence_row, _claim_parent),
    ListCase("claim_history", CLAIM + "history/", "fact_checker", _status_change, _claim_parent),
    ListCase(
        "claim_publications", CLAIM + "publications/", "fact_checker", _publication, _claim_parent
    ),
    ListCase("claim_relations", CLAIM + "relations/", "fact_checker", _relation, _claim_parent),
    ListCase("claimants", "/api/v1/claimants/", "fact_checker", _claimant),
    ListCase("outlets", "/api/v1/outlets/", "fact_checker", _outlet),
    ListCase(
        "outlet_ratings",
        "/api/v1/outlets/{outlet_id}/ratings/",
        "fact_checker",
        _rating,
        lambda users: OutletFactory(),
    ),
    ListCase("sources", "/api/v1/sources/", "fact_checker", _source),
    ListCase(
        "source_snapshots",
        "/api/v1/sources/{source_id}/snapshots/",
        "fact_checker",
        _snapshot,
        lambda users: SourceFactory(is_sensitive=True, created_by=users["fact_checker"]),
    ),
    ListCase(
        "source_link_checks",
        "/api/v1/sources/{source_id}/link-checks/",
        "fact_checker",
        _link_check,
        lambda users: SourceFactory(is_sensitive=True, created_by=users["fact_checker"]),
    ),
    ListCase("citations", "/api/v1/citations/", "fact_checker", _citation),
]


def paginated_list_paths() -> set[str]:
    """Every GET whose 200 response is one of the schema's paginated lists."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = set()
    for path, operations in schema["paths"].items():
        content = operations.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if name.startswith("Paginated"):
            paths.add(path)
    return paths


def test_the_table_covers_every_list_endpoint():
    assert {case.path for case in CASES} == paginated_list_paths()


# --- Counting ------------------------------------------------------------------------------------


@pytest.fixture
def users(viewer, fact_checker, other_fact_checker, editor) -> dict[str, User]:
    return {
        "editor": editor,
        "viewer": viewer,
        "fact_checker": fact_checker,
        "other_fact_checker": other_fact_checker,
    }


def _page(client: APIClient, url: str) -> dict[str, Any]:
    response = client.get(url, {"page_size": BIG})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_the_query_count_of_a_list_does_not_grow_with_the_page(
    case: ListCase, users, django_assert_max_num_queries
):
    client = APIClient()
    client.force_login(users[case.role])  # a session: each request loads its user afresh
    parent = case.parent(users)
    url = case.url(parent)
    for i in range(SMALL):
        case.add(users, parent, i)
    _page(client, url)  # warm-up: whatever a first request caches is not the list's cost

    with CaptureQueriesContext(connection) as small:
        assert len(_page(client, url)["results"]) == SMALL

    for i in range(SMALL, BIG):
        case.add(users, parent, i)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = _page(client, url)

    assert len(page["results"]) == BIG
    assert page["count"] == BIG
