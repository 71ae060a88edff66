"""Outlets over the API: list and filters, detail, create, edit, domains, handles, ratings."""

from __future__ import annotations

import json

import pytest

from sources.models import Outlet, OutletDomain, OutletHandle, ReliabilityRating
from tests.api.helpers import api, assert_error
from tests.factories import (
    OutletDomainFactory,
    OutletFactory,
    OutletHandleFactory,
    ReliabilityRatingFactory,
    row_counts,
)

pytestmark = pytest.mark.django_db

OUTLETS = "/api/v1/outlets/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


# --- GET /outlets/ -----------------------------------------------------------------------------


def test_outlet_list_shows_current_grade_domains_and_handles(viewer, editor):
    outlet = OutletFactory(name="Example News", country="UA")
    OutletDomainFactory(outlet=outlet, domain="example.com")
    OutletHandleFactory(outlet=outlet, platform="telegram", handle="examplenews")
    ReliabilityRatingFactory(outlet=outlet, grade="D", rated_by=editor)
    ReliabilityRatingFactory(outlet=outlet, grade="B", rated_by=editor)

    response = api(viewer).get(OUTLETS)

    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["name"] == "Example News"
    assert row["current_grade"] == "B"
    assert [d["domain"] for d in row["domains"]] == ["example.com"]
    assert [(h["platform"], h["handle"]) for h in row["handles"]] == [("telegram", "examplenews")]


def test_outlet_list_is_paginated_by_name(viewer):
    for name in ("Charlie", "Alpha", "Bravo"):
        OutletFactory(name=name)

    response = api(viewer).get(OUTLETS, {"page_size": 2})

    assert response.json()["count"] == 3
    assert names(response) == ["Alpha", "Bravo"]


def test_unrated_outlet_has_no_current_grade(viewer):
    OutletFactory()

    assert api(viewer).get(OUTLETS).json()["results"][0]["current_grade"] is None


def test_outlet_list_is_401_for_the_anonymous():
    assert_error(api().get(OUTLETS), 401)


def test_outlet_list_is_403_without_a_newsroom_role(outsider):
    assert_error(api(outsider).get(OUTLETS), 403)


def test_outlet_filter_kind(viewer):
    OutletFactory(name="Wire", kind=Outlet.Kind.WIRE)
    OutletFactory(name="Site", kind=Outlet.Kind.NEWS_SITE)

    assert names(api(viewer).get(OUTLETS, {"kind": "wire"})) == ["Wire"]


def test_outlet_filter_affiliation(viewer):
    OutletFactory(name="Ministry", affiliation=Outlet.Affiliation.STATE)
    OutletFactory(name="Paper", affiliation=Outlet.Affiliation.INDEPENDENT)

    assert names(api(viewer).get(OUTLETS, {"affiliation": "state"})) == ["Ministry"]


def test_outlet_filter_country_in_any_case(viewer):
    OutletFactory(name="Kyiv Paper", country="UA")
    OutletFactory(name="Paris Paper", country="FR")

    assert names(api(viewer).get(OUTLETS, {"country": "ua"})) == ["Kyiv Paper"]


def test_outlet_filter_domain_includes_outlets_owning_a_subdomain(viewer):
    OutletDomainFactory(outlet=OutletFactory(name="Main"), domain="example.com")
    OutletDomainFactory(outlet=OutletFactory(name="Blog"), domain="blog.example.com")
    OutletDomainFactory(outlet=OutletFactory(name="Other"), domain="notexample.com")

    assert names(api(viewer).get(OUTLETS, {"domain": "www.Example.com"})) == ["Blog", "Main"]


@pytest.mark.parametrize("handle", ["@ExampleChannel", "telegram:examplechannel"])
def test_outlet_filter_handle(viewer, handle):
    OutletHandleFactory(
        outlet=OutletFactory(name="Channel"), platform="telegram", handle="examplechannel"
    )
    OutletHandleFactory(outlet=OutletFactory(name="Account"), platform="x", handle="someone")

    assert names(api(viewer).get(OUTLETS, {"handle": handle})) == ["Channel"]


def test_outlet_filter_q_matches_every_word_of_the_name(viewer):
    OutletFactory(name="Kyiv Independent")
    OutletFactory(name="Kyiv Post")

    assert names(api(viewer).get(OUTLETS, {"q": "independent KYIV"})) == ["Kyiv Independent"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"colour": "red"}, "colour"),
        ({"kind": "blog"}, "kind"),
        ({"affiliation": "friendly"}, "affiliation"),
        ({"country": "Ukraine"}, "country"),
        ({"domain": "not a domain"}, "domain"),
        ({"handle": "myspace:someone"}, "handle"),
        ({"page_size": "many"}, "page_size"),
    ],
)
def test_outlet_list_with_a_bad_filter_is_400_naming_it(viewer, params, parameter):
    assert_error(api(viewer).get(OUTLETS, params), 400, parameter)


@pytest.mark.parametrize("rows", [5, 50])
def test_outlet_list_query_count_does_not_grow_with_page_size(
    viewer, editor, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        outlet = OutletFactory()
        OutletDomainFactory(outlet=outlet)
        OutletHandleFactory(outlet=outlet)
        ReliabilityRatingFactory(outlet=outlet, rated_by=editor)
    client = api(viewer)

    with django_assert_max_num_queries(5):
        response = client.get(OUTLETS, {"page_size": 50})
    assert len(response.json()["results"]) == rows


# --- POST /outlets/ ----------------------------------------------------------------------------


def test_fact_checker_creates_an_outlet_with_normalized_domains_and_handles(fact_checker):
    response = api(fact_checker).post(
        OUTLETS,
        {
            "name": "  Example News ",
            "kind": "news_site",
            "country": "ua",
            "affiliation": "independent",
            "domains": ["WWW.Example.com"],
            "handles": [{"platform": "x", "handle": "@ExampleNews"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["country"], body["current_grade"]) == ("Example News", "UA", None)
    assert [d["domain"] for d in body["domains"]] == ["example.com"]
    assert [(h["platform"], h["handle"]) for h in body["handles"]] == [("x", "examplenews")]
    assert Outlet.objects.get(pk=body["id"]).domains.count() == 1


def test_outlet_create_by_an_editor_is_allowed(editor):
    response = api(editor).post(OUTLETS, {"name": "Wire"}, format="json")

    assert response.status_code == 201
    assert Outlet.objects.get(pk=response.json()["id"]).name == "Wire"


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_outlet_create_below_fact_checker_is_403_and_writes_nothing(request, role):
    before = row_counts()

    response = api(request.getfixturevalue(role)).post(
        OUTLETS, {"name": "Example", "domains": ["example.com"]}, format="json"
    )

    assert_error(response, 403)
    assert row_counts() == before


def test_outlet_create_by_the_anonymous_is_401_and_writes_nothing():
    assert_error(api().post(OUTLETS, {"name": "Example"}, format="json"), 401)
    assert not Outlet.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": ["a", "list"]}, "name"),
        ({"name": "Bad\u0000Name"}, "name"),
        ({"name": "Bell\u0007"}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"kind": "blog"}, "kind"),
        ({"affiliation": 7}, "affiliation"),
        ({"country": "Ukraine"}, "country"),
        ({"country": "1!"}, "country"),
        ({"description": "d" * 5001}, "description"),
        ({"domains": "example.com"}, "domains"),
        ({"domains": ["not a domain"]}, "domains"),
        ({"domains": ["javascript:alert(1)"]}, "domains"),
        ({"handles": [{"platform": "myspace", "handle": "someone"}]}, "handles.0.platform"),
        ({"handles": [{"platform": "x", "handle": "@"}]}, "handles"),
        ({"handles": [{"platform": "x", "handle": "h" * 101}]}, "handles"),
    ],
)
def test_outlet_create_with_bad_input_is_400_on_the_field_and_writes_nothing(
    fact_checker, body, field
):
    response = api(fact_checker).post(OUTLETS, {"name": "Example", **body}, format="json")

    assert_error(response, 400, field)
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_outlet_create_with_a_handle_another_outlet_owns_is_400_and_writes_nothing(
    fact_checker,
):
    OutletHandleFactory(platform="telegram", handle="somechannel")
    before = row_counts()

    response = api(fact_checker).post(
        OUTLETS,
        {"name": "Copycat", "handles": [{"platform": "telegram", "handle": "@SomeChannel"}]},
        format="json",
    )

    assert_error(response, 400, "handles")
    assert row_counts() == before


def test_outlet_create_with_a_domain_another_outlet_owns_is_400_and_writes_nothing(
    fact_checker,
):
    OutletDomainFactory(domain="example.com")
    before = row_counts()

    response = api(fact_checker).post(
        OUTLETS, {"name": "Copycat", "domains": ["www.example.com"]}, format="json"
    )

    assert_error(response, 400, "domains")
    assert row_counts() == before


def test_outlet_create_with_malformed_json_is_400_and_writes_nothing(fact_checker):
    response = api(fact_checker).generic(
        "POST", OUTLETS, b'{"name": "Example', content_type="application/json"
    )

    assert_error(response, 400)
    assert response.json()["code"] == "parse_error"
    assert not Outlet.objects.exists()


# --- GET and PATCH /outlets/{id}/ --------------------------------------------------------------


def test_outlet_detail_shows_the_outlet(viewer, editor):
    outlet = OutletFactory(name="Example News")
    ReliabilityRatingFactory(outlet=outlet, grade="A", rated_by=editor)

    response = api(viewer).get(f"{OUTLETS}{outlet.pk}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["current_grade"]) == (outlet.pk, "A")


def test_outlet_detail_of_an_unknown_id_is_404(viewer):
    response = api(viewer).get(f"{OUTLETS}999999/")

    assert_error(response, 404)
    assert response.json()["code"] == "not_found"


def test_fact_checker_edits_an_outlet(fact_checker):
    outlet = OutletFactory(name="Old name")

    response = api(fact_checker).patch(
        f"{OUTLETS}{outlet.pk}/",
        {"name": "New name", "party_to": "Russia", "country": "ru"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["country"]) == ("New name", "RU")
    outlet.refresh_from_db()
    assert (outlet.name, outlet.party_to) == ("New name", "Russia")


def test_outlet_edit_by_a_viewer_is_403_and_changes_nothing(viewer):
    outlet = OutletFactory(name="Old name")

    response = api(viewer).patch(f"{OUTLETS}{outlet.pk}/", {"name": "New"}, format="json")

    assert_error(response, 403)
    outlet.refresh_from_db()
    assert outlet.name == "Old name"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"kind": "blog"}, "kind"),
        ({"owner": "nul\u0000"}, "owner"),
        ({"party_to": "p" * 121}, "party_to"),
        ({"country": "XYZ"}, "country"),
    ],
)
def test_outlet_edit_with_bad_input_is_400_and_changes_nothing(fact_checker, body, field):
    outlet = OutletFactory(name="Old name", kind=Outlet.Kind.WIRE)

    response = api(fact_checker).patch(f"{OUTLETS}{outlet.pk}/", body, format="json")

    assert_error(response, 400, field)
    outlet.refresh_from_db()
    assert (outlet.name, outlet.kind, outlet.owner, outlet.country) == (
        "Old name",
        Outlet.Kind.WIRE,
        "",
        "",
    )


def test_outlet_edit_of_an_unknown_id_is_404(fact_checker):
    assert_error(api(fact_checker).patch(f"{OUTLETS}999999/", {"name": "X"}, format="json"), 404)


# --- /outlets/{id}/ratings/ --------------------------------------------------------------------


def test_rating_history_is_newest_first(viewer, editor, other_editor):
    outlet = OutletFactory()
    ReliabilityRatingFactory(outlet=outlet, grade="E", rationale="Fabricated.", rated_by=editor)
    ReliabilityRatingFactory(outlet=outlet, grade="C", rationale="Better.", rated_by=other_editor)
    ReliabilityRatingFactory(grade="A")  # another outlet's

    response = api(viewer).get(f"{OUTLETS}{outlet.pk}/ratings/")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [(r["grade"], r["rated_by"]) for r in response.json()["results"]] == [
        ("C", "eric_editor"),
        ("E", "edith_editor"),
    ]


def test_rating_history_of_an_unknown_outlet_is_404(viewer):
    assert_error(api(viewer).get(f"{OUTLETS}999999/ratings/"), 404)


@pytest.mark.parametrize("rows", [5, 50])
def test_rating_history_query_count_does_not_grow_with_page_size(
    viewer, editor, django_assert_max_num_queries, rows
):
    outlet = OutletFactory()
    for _ in range(rows):
        ReliabilityRatingFactory(outlet=outlet, rated_by=editor)
    client = api(viewer)

    with django_assert_max_num_queries(4):
        response = client.get(f"{OUTLETS}{outlet.pk}/ratings/", {"page_size": 50})
    assert len(response.json()["results"]) == rows


def test_editor_rates_an_outlet_and_it_becomes_the_current_grade(editor):
    outlet = OutletFactory()
    ReliabilityRatingFactory(outlet=outlet, grade="B")

    response = api(editor).post(
        f"{OUTLETS}{outlet.pk}/ratings/",
        {"grade": "E", "rationale": "Published a fabricated quote.", "external_reference": "x"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["grade"], response.json()["rated_by"]) == ("E", "edith_editor")
    assert api(editor).get(f"{OUTLETS}{outlet.pk}/").json()["current_grade"] == "E"


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "outsider"])
def test_rating_below_editor_is_403_and_writes_nothing(request, role):
    outlet = OutletFactory()

    response = api(request.getfixturevalue(role)).post(
        f"{OUTLETS}{outlet.pk}/ratings/", {"grade": "A", "rationale": "Trusted."}, format="json"
    )

    assert_error(response, 403)
    assert not ReliabilityRating.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"grade": "G"}, "grade"),
        ({"grade": None}, "grade"),
        ({"rationale": ""}, "rationale"),
        ({"rationale": "nul\u0000"}, "rationale"),
        ({"rationale": "r" * 5001}, "rationale"),
        ({"rationale": {"nested": "object"}}, "rationale"),
        ({"external_reference": "e" * 501}, "external_reference"),
    ],
)
def test_rating_with_bad_input_is_400_and_writes_nothing(editor, body, field):
    outlet = OutletFactory()

    response = api(editor).post(
        f"{OUTLETS}{outlet.pk}/ratings/", {"grade": "A", "rationale": "OK.", **body}, format="json"
    )

    assert_error(response, 400, field)
    assert not ReliabilityRating.objects.exists()


def test_rating_an_unknown_outlet_is_404(editor):
    response = api(editor).post(
        f"{OUTLETS}999999/ratings/", {"grade": "A", "rationale": "OK."}, format="json"
    )

    assert_error(response, 404)


# --- POST /outlets/{id}/domains/ and /handles/ -------------------------------------------------


def test_fact_checker_adds_a_domain_stored_bare_and_lower_case(fact_checker):
    outlet = OutletFactory()

    response = api(fact_checker).post(
        f"{OUTLETS}{outlet.pk}/domains/", {"domain": "https://WWW.Example.com/page"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["domain"] == "example.com"
    assert list(outlet.domains.values_list("domain", flat=True)) == ["example.com"]


def test_domain_add_by_a_viewer_is_403_and_writes_nothing(viewer):
    outlet = OutletFactory()

    response = api(viewer).post(
        f"{OUTLETS}{outlet.pk}/domains/", {"domain": "example.com"}, format="json"
    )

    assert_error(response, 403)
    assert not OutletDomain.objects.exists()


@pytest.mark.parametrize(
    "domain", ["", "not a domain", "javascript:alert(1)", "nul\u0000.com", 42, ["a.com"]]
)
def test_domain_add_with_a_bad_domain_is_400_and_writes_nothing(fact_checker, domain):
    outlet = OutletFactory()

    response = api(fact_checker).post(
        f"{OUTLETS}{outlet.pk}/domains/", {"domain": domain}, format="json"
    )

    assert_error(response, 400, "domain")
    assert not OutletDomain.objects.exists()


def test_domain_add_of_a_domain_another_outlet_owns_is_400(fact_checker):
    OutletDomainFactory(domain="example.com")

    response = api(fact_checker).post(
        f"{OUTLETS}{OutletFactory().pk}/domains/", {"domain": "example.com"}, format="json"
    )

    assert_error(response, 400, "domain")
    assert OutletDomain.objects.count() == 1


def test_domain_add_to_an_unknown_outlet_is_404(fact_checker):
    response = api(fact_checker).post(
        f"{OUTLETS}999999/domains/", {"domain": "example.com"}, format="json"
    )

    assert_error(response, 404)
    assert not OutletDomain.objects.exists()


def test_fact_checker_adds_a_handle_stored_lower_case_without_at_sign(fact_checker):
    outlet = OutletFactory()

    response = api(fact_checker).post(
        f"{OUTLETS}{outlet.pk}/handles/",
        {"platform": "telegram", "handle": "@SomeChannel"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["platform"], response.json()["handle"]) == ("telegram", "somechannel")
    assert outlet.handles.count() == 1


def test_handle_add_by_a_viewer_is_403_and_writes_nothing(viewer):
    outlet = OutletFactory()

    response = api(viewer).post(
        f"{OUTLETS}{outlet.pk}/handles/", {"platform": "x", "handle": "someone"}, format="json"
    )

    assert_error(response, 403)
    assert not OutletHandle.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "myspace", "handle": "someone"}, "platform"),
        ({"platform": "X", "handle": "someone"}, "platform"),
        ({"platform": "x", "handle": "@"}, "handle"),
        ({"platform": "x", "handle": "some\u0000one"}, "handle"),
        ({"platform": "x", "handle": "h" * 101}, "handle"),
        ({"platform": "x"}, "handle"),
    ],
)
def test_handle_add_with_bad_input_is_400_and_writes_nothing(fact_checker, body, field):
    outlet = OutletFactory()

    response = api(fact_checker).post(f"{OUTLETS}{outlet.pk}/handles/", body, format="json")

    assert_error(response, 400, field)
    assert not OutletHandle.objects.exists()


def test_handle_add_of_a_handle_another_outlet_owns_is_400(fact_checker):
    OutletHandleFactory(platform="telegram", handle="somechannel")

    response = api(fact_checker).post(
        f"{OUTLETS}{OutletFactory().pk}/handles/",
        {"platform": "telegram", "handle": "SomeChannel"},
        format="json",
    )

    assert_error(response, 400, "handle")
    assert OutletHandle.objects.count() == 1


def test_handle_add_to_an_unknown_outlet_is_404(fact_checker):
    response = api(fact_checker).post(
        f"{OUTLETS}999999/handles/", {"platform": "x", "handle": "someone"}, format="json"
    )

    assert_error(response, 404)


def test_a_body_over_the_limit_is_413_and_writes_nothing(fact_checker, settings):
    settings.API_MAX_BODY_BYTES = 1024
    body = json.dumps({"name": "Example", "description": "x" * 5000}).encode()

    response = api(fact_checker).generic("POST", OUTLETS, body, content_type="application/json")

    assert_error(response, 413)
    assert not Outlet.objects.exists()
