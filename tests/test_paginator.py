"""The capped count: exact below the cap, the cap above it, deep pages still reachable."""

from __future__ import annotations

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger

from claims.models import Claim
from config.paginator import CappedPaginator
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims():
    ClaimFactory.create_batch(7)
    return Claim.objects.order_by("pk")


def test_below_the_cap_the_count_is_exact(claims):
    paginator = CappedPaginator(claims, 2, cap=10)

    assert paginator.count == 7 and not paginator.capped and paginator.num_pages == 4


def test_above_the_cap_the_count_is_the_cap(claims):
    paginator = CappedPaginator(claims, 2, cap=3)

    assert paginator.count == 3 and paginator.capped


def test_pages_past_the_cap_are_reachable_and_know_their_neighbour(claims):
    paginator = CappedPaginator(claims, 2, cap=3)

    page = paginator.page(3)
    last = paginator.page(4)

    assert [c.pk for c in page] == list(claims.values_list("pk", flat=True)[4:6])
    assert page.has_next() and not last.has_next() and len(last) == 1


def test_a_page_past_the_end_or_not_a_number_is_refused(claims):
    paginator = CappedPaginator(claims, 2, cap=3)

    with pytest.raises(EmptyPage):
        paginator.page(5)
    with pytest.raises(EmptyPage):
        paginator.page(0)
    with pytest.raises(PageNotAnInteger):
        paginator.page("x")


def test_the_count_reads_at_most_cap_plus_one_rows(claims, django_assert_num_queries):
    paginator = CappedPaginator(claims, 2, cap=3)

    with django_assert_num_queries(1) as captured:
        assert paginator.count == 3
    assert "LIMIT 4" in captured.captured_queries[0]["sql"].upper()


def test_the_api_says_when_the_count_is_capped(settings, claims, editor):
    from tests.api.helpers import api

    settings.CLAIMTRAIL_COUNT_CAP = 3
    body = api(editor).get("/api/v1/claims/", {"page_size": 2, "page": 4}).json()

    assert body["count"] == 3 and body["count_capped"] is True
    assert body["next"] is None and body["previous"] is not None and len(body["results"]) == 1


def test_status_counts_stop_one_past_the_cap_in_one_query(claims, django_assert_num_queries):
    from verification.selectors import claim_status_counts

    with django_assert_num_queries(1):
        counts = claim_status_counts(claims=Claim.objects.all(), cap=3)

    assert counts[Claim.Status.UNVERIFIED] == 4  # 7 unverified: "more than 3"
    assert counts[Claim.Status.VERIFIED] == 0 and set(counts) == set(Claim.Status.values)


def test_the_queue_says_more_than_the_cap(settings, client, claims, viewer):
    settings.CLAIMTRAIL_COUNT_CAP = 3
    client.force_login(viewer)

    body = client.get("/queue/").content.decode()

    assert "3+" in body and "More than 3 claims, page 1" in body
