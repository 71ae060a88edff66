"""The access rule costs a fact-checker one query per request, whatever they read and however
many grants they hold: their claims list and claim page cost what an editor's do, plus that one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory, assign, grant

pytestmark = pytest.mark.django_db


def _queries(user, url: str) -> int:
    client = APIClient()
    client.force_login(user)  # a session: each request loads its user, as in production
    client.get(url)  # warm-up: whatever a first request caches is not the page's cost
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def claims(editor, fact_checker):
    """Claims resting on sensitive sources, some granted to the fact-checker (by source and by
    an editor's assignment), some not."""
    made = []
    for n in range(6):
        claim = ClaimFactory()
        for _ in range(3):
            EvidenceFactory(claim=claim, source=SourceFactory(), added_by=editor)
        informant = SourceFactory(is_sensitive=True, created_by=editor)
        EvidenceFactory(claim=claim, source=informant, added_by=editor)
        if n % 3 == 0:
            grant(informant, fact_checker, by=editor)
        elif n % 3 == 1:
            assign(claim, editor, fact_checker)
        made.append(claim)
    return made


PAGES = ["api_claims", "api_claim", "api_evidence", "api_provenance", "queue", "claim_page"]


def _urls(claims) -> list[str]:
    claim = claims[1]
    return [
        "/api/v1/claims/",
        f"/api/v1/claims/{claim.pk}/",
        f"/api/v1/claims/{claim.pk}/evidence/",
        f"/api/v1/claims/{claim.pk}/provenance/",
        reverse("web:queue"),
        reverse("web:claim-detail", args=[claim.pk]),
    ]


@pytest.mark.parametrize("index", range(6), ids=PAGES)
def test_a_fact_checker_reads_with_one_query_more_than_an_editor(
    claims, fact_checker, editor, index
):
    url = _urls(claims)[index]
    # The claim page tells an editor whether its assignee lacks any of its sensitive sources:
    # the assignee's role and access, two queries, for editors only (claims[1] has an assignee).
    editors_extra = 2 if PAGES[index] == "claim_page" else 0

    assert _queries(fact_checker, url) == _queries(editor, url) - editors_extra + 1, url


@pytest.mark.parametrize("index", range(6), ids=PAGES)
def test_a_fact_checkers_queries_do_not_grow_with_their_grants(claims, fact_checker, editor, index):
    url = _urls(claims)[index]
    few = _queries(fact_checker, url)
    for _ in range(20):
        grant(SourceFactory(is_sensitive=True, created_by=editor), fact_checker, by=editor)

    assert _queries(fact_checker, url) == few, url


def test_a_viewer_reads_the_claims_list_with_the_same_queries_as_a_fact_checker(
    claims, viewer, fact_checker
):
    assert _queries(viewer, "/api/v1/claims/") == _queries(fact_checker, "/api/v1/claims/")
