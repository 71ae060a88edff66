"""Sources over the API: list and filters, detail, create, edit; sensitive sources stay hidden."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, User

from config.roles import Role
from sources.models import Outlet, Source
from tests.api.helpers import api, assert_error, ids
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    OutletDomainFactory,
    OutletFactory,
    ReliabilityRatingFactory,
    SourceFactory,
    UserFactory,
    assign,
    grant,
)

pytestmark = pytest.mark.django_db

SOURCES = "/api/v1/sources/"


def snapshot(source: Source) -> dict:
    source.refresh_from_db()
    return {f.name: getattr(source, f.name) for f in Source._meta.fields}


@pytest.fixture
def public(editor) -> Source:
    return SourceFactory(created_by=editor, title="Report")


# --- GET /sources/ -----------------------------------------------------------------------------


def test_source_list_shows_the_source_with_its_outlet_and_current_grade(viewer, editor):
    outlet = OutletFactory(name="Example News")
    ReliabilityRatingFactory(outlet=outlet, grade="C", rated_by=editor)
    source = SourceFactory(
        outlet=outlet, url="https://www.example.com/story?utm_source=x", created_by=editor
    )

    response = api(viewer).get(SOURCES)

    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["id"] == source.pk
    assert row["canonical_url"] == "https://example.com/story"
    assert row["outlet"] == {"id": outlet.pk, "name": "Example News", "current_grade": "C"}
    assert (row["created_by"], row["is_sensitive"]) == ("edith_editor", False)


def test_source_list_hides_sensitive_sources_from_a_viewer_and_from_the_count(
    viewer, public, hidden
):
    response = api(viewer).get(SOURCES)

    assert (response.json()["count"], ids(response)) == (1, {public.pk})


def test_source_list_hides_sensitive_sources_from_a_fact_checker_not_on_the_claim(
    fact_checker, public, hidden
):
    EvidenceFactory(source=hidden)

    assert ids(api(fact_checker).get(SOURCES)) == {public.pk}


def test_source_list_hides_sensitive_sources_from_the_claims_fact_checker_without_a_grant(
    fact_checker, public, hidden
):
    EvidenceFactory(claim=ClaimFactory(assignee=fact_checker), source=hidden, added_by=fact_checker)

    assert ids(api(fact_checker).get(SOURCES)) == {public.pk}


def test_source_list_shows_sensitive_sources_to_a_fact_checker_granted_them(
    fact_checker, editor, public, hidden
):
    grant(hidden, fact_checker, by=editor)

    assert ids(api(fact_checker).get(SOURCES)) == {public.pk, hidden.pk}


def test_source_list_shows_sensitive_sources_to_an_editor(other_editor, public, hidden):
    assert ids(api(other_editor).get(SOURCES)) == {public.pk, hidden.pk}


def test_source_list_shows_a_viewer_the_sensitive_source_they_logged(viewer, public):
    own = SourceFactory(is_sensitive=True, created_by=viewer)

    assert ids(api(viewer).get(SOURCES)) == {public.pk, own.pk}


def test_source_list_is_401_for_the_anonymous(public):
    assert_error(api().get(SOURCES), 401)


def test_source_list_is_403_without_a_newsroom_role(outsider, public):
    assert_error(api(outsider).get(SOURCES), 403)


def test_source_filter_outlet(viewer):
    outlet = OutletFactory()
    on_outlet = SourceFactory(outlet=outlet)
    SourceFactory()

    assert ids(api(viewer).get(SOURCES, {"outlet": outlet.pk})) == {on_outlet.pk}


def test_source_filter_domain_includes_subdomains(viewer):
    main = SourceFactory(url="https://www.example.com/a")
    sub = SourceFactory(url="https://news.example.com/b")
    SourceFactory(url="https://notexample.com/c")
    SourceFactory(url="https://example.com.evil.test/d")

    assert ids(api(viewer).get(SOURCES, {"domain": "Example.com"})) == {main.pk, sub.pk}


def test_source_filter_kind(viewer):
    video = SourceFactory(kind=Source.Kind.VIDEO)
    SourceFactory(kind=Source.Kind.ARTICLE)

    assert ids(api(viewer).get(SOURCES, {"kind": "video"})) == {video.pk}


def test_source_filter_sourcing(viewer):
    original = SourceFactory(sourcing=Source.Sourcing.ORIGINAL)
    SourceFactory(sourcing=Source.Sourcing.DERIVED)

    assert ids(api(viewer).get(SOURCES, {"sourcing": "original"})) == {original.pk}


def test_source_filter_published_after(viewer):
    SourceFactory(published_at=datetime(2024, 2, 28, 23, tzinfo=UTC))
    march = SourceFactory(published_at=datetime(2024, 3, 1, tzinfo=UTC))

    assert ids(api(viewer).get(SOURCES, {"published_after": "2024-03-01"})) == {march.pk}


def test_source_filter_published_before(viewer):
    february = SourceFactory(published_at=datetime(2024, 2, 28, 23, tzinfo=UTC))
    SourceFactory(published_at=datetime(2024, 3, 1, tzinfo=UTC))

    assert ids(api(viewer).get(SOURCES, {"published_before": "2024-03-01T00:00:00Z"})) == {
        february.pk
    }


def test_source_filter_is_sensitive_for_an_editor(editor, public, hidden):
    assert ids(api(editor).get(SOURCES, {"is_sensitive": "true"})) == {hidden.pk}


def test_source_filter_is_sensitive_never_reveals_a_hidden_source_to_a_viewer(
    viewer, public, hidden
):
    assert ids(api(viewer).get(SOURCES, {"is_sensitive": "true"})) == set()


def test_source_filter_q_matches_every_word_in_title_author_url_or_summary(viewer):
    match = SourceFactory(title="Border crossing data", author="Ministry")
    SourceFactory(title="Border crossing", author="Someone")

    assert ids(api(viewer).get(SOURCES, {"q": "border MINISTRY"})) == {match.pk}


@pytest.mark.parametrize(
    ("stored", "variant"),
    [
        ("https://www.example.com/news/story?id=5", "http://example.com/news/story?id=5"),
        ("https://www.example.com/news/story?id=5", "https://EXAMPLE.com/news/story/?id=5#top"),
        (
            "https://www.example.com/news/story?id=5",
            "https://www.example.com/news/story?utm_source=tw&id=5&fbclid=abc",
        ),
        ("https://x.com/SomeUser/status/123", "https://twitter.com/someuser/status/123?s=20"),
        ("https://x.com/SomeUser/status/123", "https://mobile.twitter.com/SomeUser/status/123"),
        ("https://t.me/somechannel/1520", "https://t.me/s/somechannel/1520"),
        ("https://t.me/somechannel/1520", "http://telegram.me/SomeChannel/1520?utm_source=x"),
    ],
)
def test_source_filter_url_finds_the_source_by_any_spelling(viewer, stored, variant):
    source = SourceFactory(url=stored)
    SourceFactory(url="https://www.example.com/news/other")

    assert ids(api(viewer).get(SOURCES, {"url": variant})) == {source.pk}


def test_source_filter_url_never_reveals_a_hidden_source(viewer, hidden):
    response = api(viewer).get(SOURCES, {"url": "http://www.informant.example/leak"})

    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"colour": "red"}, "colour"),
        ({"outlet": "abc"}, "outlet"),
        ({"outlet": "1.5"}, "outlet"),
        ({"outlet": "0"}, "outlet"),
        ({"domain": "not a domain"}, "domain"),
        ({"kind": "blog"}, "kind"),
        ({"sourcing": "hearsay"}, "sourcing"),
        ({"published_after": "yesterday"}, "published_after"),
        ({"published_before": "2024-13-45"}, "published_before"),
        ({"is_sensitive": "maybe"}, "is_sensitive"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "not a url"}, "url"),
    ],
)
def test_source_list_with_a_bad_filter_is_400_naming_it(viewer, params, parameter):
    assert_error(api(viewer).get(SOURCES, params), 400, parameter)


@pytest.mark.parametrize("rows", [5, 50])
def test_source_list_query_count_does_not_grow_with_page_size(
    fact_checker, editor, django_assert_max_num_queries, rows
):
    for n in range(rows):
        outlet = OutletFactory()
        ReliabilityRatingFactory(outlet=outlet, rated_by=editor)
        SourceFactory(outlet=outlet, is_sensitive=n % 2 == 0)
    grant(Source.objects.filter(is_sensitive=True).first(), fact_checker, by=editor)
    client = api(fact_checker)

    # The role, the sensitive sources they may see (once), the count, the page.
    with django_assert_max_num_queries(4):
        response = client.get(SOURCES, {"page_size": 50})
    assert response.json()["count"] >= rows // 2


# --- POST /sources/ ----------------------------------------------------------------------------


def test_viewer_logs_a_source_attached_to_a_new_outlet_for_its_domain(viewer):
    response = api(viewer).post(
        SOURCES,
        {
            "kind": "article",
            "url": "https://www.Example.com/story?utm_source=x",
            "title": "A report",
            "published_at": "2024-03-01T10:00:00Z",
            "language": "en",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["url"] == "https://www.Example.com/story?utm_source=x"
    assert body["canonical_url"] == "https://example.com/story"
    assert (body["outlet"]["name"], body["outlet"]["current_grade"]) == ("example.com", None)
    assert body["created_by"] == "vera_viewer"
    assert Source.objects.get(pk=body["id"]).outlet.domains.get().domain == "example.com"


def test_source_attaches_to_the_outlet_owning_its_domain(viewer):
    outlet = OutletFactory()
    OutletDomainFactory(outlet=outlet, domain="example.com")

    response = api(viewer).post(
        SOURCES, {"kind": "article", "url": "https://news.example.com/a"}, format="json"
    )

    assert response.json()["outlet"]["id"] == outlet.pk


def test_source_without_a_url_is_logged_without_an_outlet(viewer):
    response = api(viewer).post(
        SOURCES, {"kind": "correspondence", "title": "Letter from the ministry"}, format="json"
    )

    assert response.status_code == 201
    assert (response.json()["canonical_url"], response.json()["outlet"]) == (None, None)


def test_source_with_an_explicit_outlet_keeps_it(viewer):
    outlet = OutletFactory()

    response = api(viewer).post(
        SOURCES,
        {"kind": "article", "url": "https://elsewhere.example/a", "outlet": outlet.pk},
        format="json",
    )

    assert response.json()["outlet"]["id"] == outlet.pk


def test_source_logged_sensitive_is_visible_to_its_author(viewer):
    response = api(viewer).post(SOURCES, {"kind": "interview", "is_sensitive": True}, format="json")

    assert response.status_code == 201
    assert api(viewer).get(f"{SOURCES}{response.json()['id']}/").status_code == 200


def test_the_same_page_in_another_spelling_is_400_duplicate_naming_the_source(viewer, public):
    response = api(viewer).post(
        SOURCES,
        {"kind": "article", "url": public.url.replace("https://", "http://www.")},
        format="json",
    )

    assert_error(response, 400, "url")
    error = response.json()["fields"]["url"][0]
    assert (error["code"], f"#{public.pk}" in error["message"]) == ("duplicate", True)
    assert Source.objects.count() == 1


def test_a_duplicate_of_a_hidden_source_is_restricted_without_naming_it(viewer, hidden):
    response = api(viewer).post(
        SOURCES, {"kind": "article", "url": "http://www.informant.example/leak"}, format="json"
    )

    assert_error(response, 400, "url")
    error = response.json()["fields"]["url"][0]
    assert error == {
        "code": "restricted",
        "message": "This address cannot be added. An editor has been told.",
    }
    assert str(hidden.pk) not in response.content.decode()
    assert Source.objects.count() == 1


def test_source_create_by_the_anonymous_is_401_and_writes_nothing():
    assert_error(api().post(SOURCES, {"kind": "article"}, format="json"), 401)
    assert not Source.objects.exists()


def test_source_create_without_a_newsroom_role_is_403_and_writes_nothing(outsider):
    response = api(outsider).post(
        SOURCES, {"kind": "article", "url": "https://example.com/a"}, format="json"
    )

    assert_error(response, 403)
    assert (Source.objects.count(), Outlet.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": None}, "kind"),
        ({"kind": "blog"}, "kind"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://example.com/file"}, "url"),
        ({"url": "https://example.com/\u0000"}, "url"),
        ({"url": "https://example.com/" + "a" * 2000}, "url"),
        ({"url": ["https://example.com/"]}, "url"),
        ({"title": "t" * 501}, "title"),
        ({"title": "nul\u0000"}, "title"),
        ({"summary": "s" * 10001}, "summary"),
        ({"author": {"name": "x"}}, "author"),
        ({"language": "english!"}, "language"),
        ({"published_at": "yesterday"}, "published_at"),
        ({"sourcing": "hearsay"}, "sourcing"),
        ({"is_sensitive": "maybe"}, "is_sensitive"),
        ({"outlet": 999999}, "outlet"),
        ({"outlet": "abc"}, "outlet"),
        ({"outlet": True}, "outlet"),
    ],
)
def test_source_create_with_bad_input_is_400_on_the_field_and_writes_nothing(viewer, body, field):
    response = api(viewer).post(
        SOURCES, {"kind": "article", "url": "https://example.com/a", **body}, format="json"
    )

    assert_error(response, 400, field)
    assert (Source.objects.count(), Outlet.objects.count()) == (0, 0)


def test_source_create_with_malformed_json_is_400_and_writes_nothing(viewer):
    response = api(viewer).generic(
        "POST", SOURCES, b'{"kind": "article", ', content_type="application/json"
    )

    assert_error(response, 400)
    assert not Source.objects.exists()


# --- GET /sources/{id}/ ------------------------------------------------------------------------


def test_source_detail_shows_the_source(viewer, public):
    response = api(viewer).get(f"{SOURCES}{public.pk}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["title"]) == (public.pk, "Report")


def test_a_hidden_source_is_404_exactly_like_a_missing_one(viewer, hidden):
    hidden_response = api(viewer).get(f"{SOURCES}{hidden.pk}/")
    missing_response = api(viewer).get(f"{SOURCES}999999/")

    assert_error(hidden_response, 404)
    assert hidden_response.json() == missing_response.json()


def test_a_sensitive_source_is_404_to_the_claims_fact_checker_without_a_grant(fact_checker, hidden):
    EvidenceFactory(claim=ClaimFactory(assignee=fact_checker), source=hidden, added_by=fact_checker)

    assert_error(api(fact_checker).get(f"{SOURCES}{hidden.pk}/"), 404)


def test_a_sensitive_source_is_shown_to_a_fact_checker_an_editor_assigned_to_its_claim(
    fact_checker, editor, hidden
):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source=hidden, added_by=editor)
    assign(claim, editor, fact_checker)

    assert api(fact_checker).get(f"{SOURCES}{hidden.pk}/").status_code == 200


def test_a_sensitive_source_is_shown_to_an_editor(other_editor, hidden):
    assert api(other_editor).get(f"{SOURCES}{hidden.pk}/").json()["is_sensitive"] is True


# --- PATCH /sources/{id}/ ----------------------------------------------------------------------


def _another_viewer() -> User:
    user = UserFactory(username="val_viewer")
    user.groups.add(Group.objects.get(name=Role.VIEWER.group_name))
    return user


def test_author_edits_their_source(viewer):
    source = SourceFactory(created_by=viewer, title="Old")

    response = api(viewer).patch(
        f"{SOURCES}{source.pk}/", {"title": "New", "sourcing": "original"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["sourcing"]) == ("New", "original")


def test_edit_of_the_url_recanonicalizes_it_and_reattaches_the_outlet(viewer):
    source = SourceFactory(created_by=viewer)

    response = api(viewer).patch(
        f"{SOURCES}{source.pk}/", {"url": "https://www.moved.example/a?fbclid=1"}, format="json"
    )

    assert response.json()["canonical_url"] == "https://moved.example/a"
    assert response.json()["outlet"]["name"] == "moved.example"


def test_fact_checker_edits_someone_elses_source(fact_checker, viewer):
    source = SourceFactory(created_by=viewer, title="Old")

    response = api(fact_checker).patch(f"{SOURCES}{source.pk}/", {"title": "New"}, format="json")

    assert response.status_code == 200
    source.refresh_from_db()
    assert source.title == "New"


def test_viewer_edit_of_someone_elses_source_is_403_and_changes_nothing(viewer):
    source = SourceFactory(created_by=_another_viewer(), title="Old")
    before = snapshot(source)

    response = api(viewer).patch(f"{SOURCES}{source.pk}/", {"title": "New"}, format="json")

    assert_error(response, 403)
    assert snapshot(source) == before


def test_viewer_lifting_the_sensitive_mark_is_403_and_changes_nothing(viewer):
    source = SourceFactory(created_by=viewer, is_sensitive=True)
    before = snapshot(source)

    response = api(viewer).patch(f"{SOURCES}{source.pk}/", {"is_sensitive": False}, format="json")

    assert_error(response, 403)
    assert snapshot(source) == before


def test_editor_lifts_the_sensitive_mark(other_editor, hidden):
    response = api(other_editor).patch(
        f"{SOURCES}{hidden.pk}/", {"is_sensitive": False}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["is_sensitive"] is False


def test_edit_of_a_hidden_source_is_404_and_changes_nothing(fact_checker, hidden):
    before = snapshot(hidden)

    response = api(fact_checker).patch(f"{SOURCES}{hidden.pk}/", {"title": "X"}, format="json")

    assert_error(response, 404)
    assert snapshot(hidden) == before


def test_edit_of_an_unknown_source_is_404(fact_checker):
    assert_error(api(fact_checker).patch(f"{SOURCES}999999/", {"title": "X"}, format="json"), 404)


def test_edit_to_another_sources_page_is_400_duplicate(viewer, public):
    source = SourceFactory(created_by=viewer)
    before = snapshot(source)

    response = api(viewer).patch(
        f"{SOURCES}{source.pk}/", {"url": public.url + "?utm_campaign=x"}, format="json"
    )

    assert_error(response, 400, "url")
    assert response.json()["fields"]["url"][0]["code"] == "duplicate"
    assert snapshot(source) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "blog"}, "kind"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"title": "nul\u0000"}, "title"),
        ({"summary": "s" * 10001}, "summary"),
        ({"language": 7}, "language"),
        ({"published_at": "2024-02-30"}, "published_at"),
        ({"outlet": 999999}, "outlet"),
        ({"is_sensitive": None}, "is_sensitive"),
    ],
)
def test_source_edit_with_bad_input_is_400_and_changes_nothing(viewer, body, field):
    source = SourceFactory(created_by=viewer)
    before = snapshot(source)

    response = api(viewer).patch(f"{SOURCES}{source.pk}/", body, format="json")

    assert_error(response, 400, field)
    assert snapshot(source) == before
