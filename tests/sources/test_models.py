"""Invariants the database itself enforces, whatever path (admin, shell, bulk update) writes."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction

from config.append_only import AppendOnlyError
from sources.models import Citation, Outlet, OutletDomain, OutletHandle, ReliabilityRating, Source
from tests.factories import (
    CitationFactory,
    OutletDomainFactory,
    OutletFactory,
    OutletHandleFactory,
    ReliabilityRatingFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def refused_by_db() -> Iterator[None]:
    """Expect an IntegrityError, inside a savepoint so the test's transaction stays usable."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


# --- Sources --------------------------------------------------------------------------------


def test_source_with_the_same_canonical_url_is_refused_by_the_database():
    SourceFactory(url="https://example.com/story")
    with refused_by_db():
        SourceFactory(url="https://www.example.com/story/#top")
    assert Source.objects.count() == 1


def test_source_canonical_url_unique_also_holds_for_a_bulk_update():
    first = SourceFactory(url="https://example.com/a")
    second = SourceFactory(url="https://example.com/b")
    with refused_by_db():
        Source.objects.filter(pk=second.pk).update(url=first.url, canonical_url=first.canonical_url)


def test_many_sources_without_a_url_may_coexist():
    SourceFactory(url="", kind=Source.Kind.CORRESPONDENCE)
    SourceFactory(url="", kind=Source.Kind.CORRESPONDENCE)
    assert Source.objects.filter(canonical_url__isnull=True).count() == 2


def test_source_with_url_but_no_canonical_url_is_refused_by_the_database():
    with refused_by_db():
        SourceFactory(url="https://example.com/a", canonical_url=None)


def test_source_with_canonical_url_but_no_url_is_refused_by_the_database():
    with refused_by_db():
        SourceFactory(url="", canonical_url="https://example.com/a")


def test_clearing_only_the_url_of_a_source_is_refused_by_the_database():
    source = SourceFactory()
    with refused_by_db():
        Source.objects.filter(pk=source.pk).update(url="")


@pytest.mark.parametrize(("field", "value"), [("kind", "blog_post"), ("sourcing", "hearsay")])
def test_source_with_an_unknown_enum_value_is_refused_by_the_database(field, value):
    source = SourceFactory()
    with refused_by_db():
        Source.objects.filter(pk=source.pk).update(**{field: value})


def test_source_created_with_an_unknown_kind_is_refused_by_the_database():
    with refused_by_db():
        Source.objects.create(kind="rumour", created_by=UserFactory())


# --- Citations ------------------------------------------------------------------------------


def test_source_citing_itself_is_refused_by_the_database():
    source = SourceFactory()
    with refused_by_db():
        CitationFactory(citing=source, cited=source)
    assert Citation.objects.count() == 0


def test_turning_a_citation_into_a_self_citation_is_refused_by_the_database():
    citation = CitationFactory()
    with refused_by_db():
        Citation.objects.filter(pk=citation.pk).update(cited=citation.citing)


def test_second_citation_between_the_same_pair_is_refused_by_the_database():
    citation = CitationFactory()
    with refused_by_db():
        CitationFactory(citing=citation.citing, cited=citation.cited, kind=Citation.Kind.QUOTES)
    assert Citation.objects.count() == 1


def test_citation_in_the_opposite_direction_is_a_different_edge():
    citation = CitationFactory()
    CitationFactory(citing=citation.cited, cited=citation.citing)
    assert Citation.objects.count() == 2


def test_citation_with_an_unknown_kind_is_refused_by_the_database():
    citation = CitationFactory()
    with refused_by_db():
        Citation.objects.filter(pk=citation.pk).update(kind="paraphrases")


def test_bulk_created_self_citation_is_refused_by_the_database():
    source = SourceFactory()
    with refused_by_db():
        Citation.objects.bulk_create(
            [Citation(citing=source, cited=source, created_by=source.created_by)]
        )


# --- Outlets, domains, handles --------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [("kind", "blog"), ("affiliation", "friendly")])
def test_outlet_with_an_unknown_enum_value_is_refused_by_the_database(field, value):
    outlet = OutletFactory()
    with refused_by_db():
        Outlet.objects.filter(pk=outlet.pk).update(**{field: value})


def test_outlet_bulk_created_with_an_unknown_kind_is_refused_by_the_database():
    with refused_by_db():
        Outlet.objects.bulk_create([Outlet(name="Blog", kind="blog")])


def test_domain_owned_by_two_outlets_is_refused_by_the_database():
    OutletDomainFactory(domain="example.com")
    with refused_by_db():
        OutletDomainFactory(domain="example.com")
    assert OutletDomain.objects.count() == 1


@pytest.mark.parametrize("domain", ["www.example.com", ""])
def test_domain_that_is_not_bare_is_refused_by_the_database(domain):
    with refused_by_db():
        OutletDomainFactory(domain=domain)


def test_handle_with_an_unknown_platform_is_refused_by_the_database():
    with refused_by_db():
        OutletHandleFactory(platform="myspace")


def test_blank_handle_is_refused_by_the_database():
    with refused_by_db():
        OutletHandleFactory(handle="")


def test_same_handle_on_the_same_platform_for_two_outlets_is_refused_by_the_database():
    OutletHandleFactory(platform=OutletHandle.Platform.X, handle="someacct")
    with refused_by_db():
        OutletHandleFactory(platform=OutletHandle.Platform.X, handle="someacct")


def test_same_handle_on_different_platforms_is_allowed():
    OutletHandleFactory(platform=OutletHandle.Platform.X, handle="someacct")
    OutletHandleFactory(platform=OutletHandle.Platform.TELEGRAM, handle="someacct")
    assert OutletHandle.objects.filter(handle="someacct").count() == 2


def test_outlet_is_a_party_when_it_names_the_side_it_belongs_to():
    assert OutletFactory(party_to="Russia").is_party
    assert not OutletFactory(party_to="").is_party


# --- Reliability ratings ---------------------------------------------------------------------


@pytest.mark.parametrize("grade", ["G", "a", "", "1"])
def test_rating_with_a_grade_off_the_admiralty_scale_is_refused_by_the_database(grade):
    with refused_by_db():
        ReliabilityRatingFactory(grade=grade)
    assert ReliabilityRating.objects.count() == 0


def test_saving_an_existing_rating_is_refused_as_append_only():
    rating = ReliabilityRatingFactory(grade="B")
    rating.grade = "A"
    with pytest.raises(AppendOnlyError):
        rating.save()
    rating.refresh_from_db()
    assert rating.grade == "B"


def test_queryset_update_of_ratings_is_refused_as_append_only():
    rating = ReliabilityRatingFactory(grade="B")
    with pytest.raises(AppendOnlyError):
        ReliabilityRating.objects.filter(pk=rating.pk).update(grade="A")
    rating.refresh_from_db()
    assert rating.grade == "B"


def test_deleting_a_rating_is_refused_as_append_only():
    rating = ReliabilityRatingFactory()
    with pytest.raises(AppendOnlyError):
        rating.delete()
    with pytest.raises(AppendOnlyError):
        ReliabilityRating.objects.filter(pk=rating.pk).delete()
    with pytest.raises(AppendOnlyError):
        ReliabilityRating.objects.all().delete()
    assert ReliabilityRating.objects.filter(pk=rating.pk).exists()


def test_current_grade_is_the_latest_rating_and_none_without_ratings():
    rated = OutletFactory()
    unrated = OutletFactory()
    ReliabilityRatingFactory(outlet=rated, grade="E")
    ReliabilityRatingFactory(outlet=rated, grade="B")
    grades = dict(Outlet.objects.with_current_grade().values_list("pk", "current_grade"))
    assert grades == {rated.pk: "B", unrated.pk: None}
