"""An empty filter value (``?created_before=``) is refused like a malformed one, on every filter
of every list endpoint: django-filter would read it as "no filter" and list everything."""

from __future__ import annotations

import pytest

from claims.filters import ClaimantFilter
from config.api import StrictFilterSet
from sources.filters import CitationFilter, OutletFilter, SourceFilter
from tests.api.helpers import api
from verification.filters import ClaimFilter

pytestmark = pytest.mark.django_db

LISTS = {
    "/api/v1/claims/": ClaimFilter,
    "/api/v1/claimants/": ClaimantFilter,
    "/api/v1/outlets/": OutletFilter,
    "/api/v1/sources/": SourceFilter,
    "/api/v1/citations/": CitationFilter,
}
CASES = [
    pytest.param(path, name, id=f"{path.split('/')[3]}-{name}")
    for path, filterset in LISTS.items()
    for name in filterset.base_filters
]


def _all_subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_all_subclasses(direct)}}


def test_the_table_covers_every_filterset():
    assert _all_subclasses(StrictFilterSet) == set(LISTS.values())


def _assert_refused(response, name: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert [error["message"] for error in body["fields"][name]] == [
        "This filter needs a value; leave it out to not filter."
    ]


@pytest.mark.parametrize(("path", "name"), CASES)
def test_an_empty_filter_value_is_a_400_naming_the_filter(path, name, fact_checker):
    _assert_refused(api(fact_checker).get(f"{path}?{name}="), name)


@pytest.mark.parametrize(("path", "name"), CASES)
def test_a_blank_filter_value_is_refused_too(path, name, fact_checker):
    _assert_refused(api(fact_checker).get(path, {name: "   "}), name)


def test_an_empty_value_among_repeated_ones_is_refused(fact_checker):
    response = api(fact_checker).get("/api/v1/claims/?status=unverified&status=")

    _assert_refused(response, "status")


def test_an_empty_tag_is_refused_like_an_empty_date(fact_checker):
    for name in ("tag", "created_before"):
        _assert_refused(api(fact_checker).get(f"/api/v1/claims/?{name}="), name)


def test_empty_pagination_parameters_are_not_filters(fact_checker):
    assert api(fact_checker).get("/api/v1/claims/?page=1").status_code == 200
