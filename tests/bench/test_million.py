"""The scale generator (bench/million.py) at a thousandth of its size: every row it writes
passes the schema's constraints (each foreign key is re-checked when put back), URLs are in
sources/canonical.py's canonical form, and the hand-built claims are there."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.million import Sizes, build, read_marker
from claims.models import Claim
from sources.canonical import canonicalize
from sources.models import Citation, Outlet, OutletDomain, Source
from verification.models import Evidence, Publication, StatusChange

pytestmark = pytest.mark.postgres  # COPY and pg_constraint: PostgreSQL only

SCALE = 0.001


@pytest.fixture
def built(db) -> dict:
    return build(scale=SCALE, log=lambda line: None)


def test_build_writes_the_sizes_it_was_asked_for(built):
    sizes = Sizes.for_scale(SCALE)
    assert Claim.objects.count() == sizes.claims
    assert Source.objects.count() == sizes.sources
    assert Outlet.objects.count() == sizes.outlets
    assert Evidence.objects.count() > 2 * sizes.claims
    assert OutletDomain.objects.exists() and Citation.objects.exists()
    assert StatusChange.objects.exists() and Publication.objects.exists()
    assert read_marker()["counts"]["claims_claim"] == sizes.claims


def test_canonical_urls_are_what_canonicalize_makes(built):
    rows = Source.objects.exclude(url="").values_list("url", "canonical_url")
    assert rows
    assert all(canonicalize(url) == canonical for url, canonical in rows)


def test_hand_built_claims_have_exactly_5_and_200_evidence_rows(built):
    special = built["special"]
    assert Evidence.objects.filter(claim_id=special["five"]).count() == 5
    assert Evidence.objects.filter(claim_id=special["two_hundred"]).count() == 200


def test_both_fact_checkers_have_a_queue_and_only_one_touches_sensitive_sources(built):
    cast = built["cast"]
    for checker in (cast["checker_granted"], cast["checker"]):
        assert Claim.objects.filter(assignee_id=checker).exists()
    his = Claim.objects.filter(assignee_id=cast["checker"]).values("pk")
    assert not Evidence.objects.filter(claim__in=his, source__is_sensitive=True).exists()
    assert not Evidence.objects.filter(
        added_by_id=cast["checker"], source__is_sensitive=True
    ).exists()


def test_sequences_continue_after_the_copied_ids(built):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('claims_claim', 'id'))")
        assert cursor.fetchone()[0] > Claim.objects.order_by("-pk").first().pk


def test_only_the_granted_fact_checker_holds_grants(built):
    from sources.models import SourceGrant

    cast = built["cast"]
    active = SourceGrant.objects.active()
    assert active.filter(grantee_id=cast["checker_granted"], claim_id__isnull=True).exists()
    assert active.filter(grantee_id=cast["checker_granted"], claim_id__isnull=False).exists()
    assert not SourceGrant.objects.filter(grantee_id=cast["checker"]).exists()
    assert all(g.source.is_sensitive for g in SourceGrant.objects.select_related("source"))
