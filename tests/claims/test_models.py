"""Invariants the database itself enforces on claims, claimants and claim relations."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from claims.models import Claim, Claimant, ClaimRelation, Tag
from tests.factories import ClaimantFactory, ClaimFactory, ClaimRelationFactory, UserFactory

pytestmark = pytest.mark.django_db


@contextmanager
def refused_by_db() -> Iterator[None]:
    """Expect an IntegrityError, inside a savepoint so the test's transaction stays usable."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


# --- Claims ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "opinion"),
        ("kind", ""),
        ("status", "confirmed"),
        ("status", ""),
        ("made_on_precision", "week"),
        ("version", 0),
    ],
)
def test_claim_with_a_value_outside_its_domain_is_refused_by_the_database(field, value):
    claim = ClaimFactory()
    with refused_by_db():
        Claim.objects.filter(pk=claim.pk).update(**{field: value})
    claim.refresh_from_db()
    assert (claim.kind, claim.status, claim.made_on_precision, claim.version) == (
        "fact",
        "unverified",
        "day",
        1,
    )


def test_attribution_without_a_claimant_is_refused_by_the_database():
    with refused_by_db():
        ClaimFactory(kind=Claim.Kind.ATTRIBUTION, claimant=None)
    assert not Claim.objects.exists()


def test_turning_a_fact_without_claimant_into_an_attribution_is_refused_by_the_database():
    claim = ClaimFactory(kind=Claim.Kind.FACT, claimant=None)
    with refused_by_db():
        Claim.objects.filter(pk=claim.pk).update(kind=Claim.Kind.ATTRIBUTION)


def test_removing_the_claimant_of_an_attribution_is_refused_by_the_database():
    claim = ClaimFactory(kind=Claim.Kind.ATTRIBUTION, claimant=ClaimantFactory())
    with refused_by_db():
        Claim.objects.filter(pk=claim.pk).update(claimant=None)


def test_attribution_with_a_claimant_is_stored():
    claimant = ClaimantFactory()
    claim = ClaimFactory(kind=Claim.Kind.ATTRIBUTION, claimant=claimant)
    assert Claim.objects.get(pk=claim.pk).claimant == claimant


def test_bulk_created_claim_with_an_unknown_status_is_refused_by_the_database():
    user = UserFactory()
    with refused_by_db():
        Claim.objects.bulk_create(
            [Claim(text="x", text_hash="0" * 64, status="rumoured", created_by=user)]
        )


@pytest.mark.parametrize(
    ("made_on", "precision", "shown"),
    [
        (date(2024, 3, 17), Claim.DatePrecision.DAY, "2024-03-17"),
        (date(2024, 3, 1), Claim.DatePrecision.MONTH, "2024-03"),
        (date(2024, 1, 1), Claim.DatePrecision.YEAR, "2024"),
        (None, Claim.DatePrecision.DAY, ""),
    ],
)
def test_made_on_display_shows_only_the_known_part_of_the_date(made_on, precision, shown):
    assert Claim(made_on=made_on, made_on_precision=precision).made_on_display == shown


@pytest.mark.parametrize(
    ("status", "has_verdict"),
    [(status, status not in {"unverified", "in_review"}) for status in Claim.Status.values],
)
def test_claim_has_a_verdict_only_in_a_verdict_status(status, has_verdict):
    assert Claim(status=status).has_verdict is has_verdict


def test_long_claim_text_is_shortened_in_its_string_form():
    assert str(Claim(text="short")) == "short"
    shown = str(Claim(text="x" * 200))
    assert len(shown) == 80
    assert shown.endswith("…")


# --- Claimants and tags ---------------------------------------------------------------------


def test_same_claimant_name_and_title_twice_is_refused_by_the_database():
    ClaimantFactory(name="Jane Doe", title="Spokesperson")
    with refused_by_db():
        ClaimantFactory(name="Jane Doe", title="Spokesperson")


def test_same_claimant_name_with_another_title_is_a_different_claimant():
    ClaimantFactory(name="Jane Doe", title="Spokesperson")
    ClaimantFactory(name="Jane Doe", title="Minister")
    assert Claimant.objects.filter(name="Jane Doe").count() == 2


def test_claimant_with_an_unknown_kind_is_refused_by_the_database():
    claimant = ClaimantFactory()
    with refused_by_db():
        Claimant.objects.filter(pk=claimant.pk).update(kind="robot")


def test_same_tag_twice_is_refused_by_the_database():
    Tag.objects.create(name="wagner")
    with refused_by_db():
        Tag.objects.create(name="wagner")


# --- Claim relations ------------------------------------------------------------------------


def test_claim_related_to_itself_is_refused_by_the_database():
    claim = ClaimFactory()
    with refused_by_db():
        ClaimRelationFactory(from_claim=claim, to_claim=claim)
    assert not ClaimRelation.objects.exists()


def test_turning_a_relation_into_a_self_relation_is_refused_by_the_database():
    relation = ClaimRelationFactory()
    with refused_by_db():
        ClaimRelation.objects.filter(pk=relation.pk).update(to_claim=relation.from_claim)


def test_same_relation_twice_is_refused_by_the_database():
    relation = ClaimRelationFactory(kind=ClaimRelation.Kind.CONTRADICTS)
    with refused_by_db():
        ClaimRelationFactory(
            from_claim=relation.from_claim,
            to_claim=relation.to_claim,
            kind=ClaimRelation.Kind.CONTRADICTS,
        )
    assert ClaimRelation.objects.count() == 1


def test_two_kinds_of_relation_between_the_same_claims_are_allowed():
    relation = ClaimRelationFactory(kind=ClaimRelation.Kind.SUPPORTS)
    ClaimRelationFactory(
        from_claim=relation.from_claim,
        to_claim=relation.to_claim,
        kind=ClaimRelation.Kind.UPDATES,
    )
    assert ClaimRelation.objects.count() == 2


def test_relation_with_an_unknown_kind_is_refused_by_the_database():
    relation = ClaimRelationFactory()
    with refused_by_db():
        ClaimRelation.objects.filter(pk=relation.pk).update(kind="refutes")
