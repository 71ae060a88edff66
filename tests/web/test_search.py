"""Search: one box across claims and sources; URLs in any spelling, domains and handles list the
claims citing them; sensitive sources stay hidden."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claims.models import Claim
from demo.newsroom import MERCENARIES, demo_claim, demo_load
from sources.models import Outlet, Source
from tests.factories import (
    ClaimantFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletDomainFactory,
    OutletHandleFactory,
    PublicationFactory,
    SourceFactory,
    assign,
)
from verification.search import Kind, search_terms

SEARCH = reverse("web:search")
HTMX = {"HTTP_HX_REQUEST": "true"}
MERCENARIES_TEXT = "Two Chinese 'mercenaries' nicknamed 'Sprite' and 'Cola'"


def _claims(response) -> list[str]:
    html = response.content.decode()
    found = re.findall(r'<td data-label="Claim">\s*<a href="[^"]*">([^<]*)</a>', html)
    return [unescape(text) for text in found]


def _sources(response) -> list[str]:
    html = response.content.decode()
    found = re.findall(r'<td data-label="Source">\s*<a href="[^"]*">([^<]*)</a>', html)
    return [unescape(text) for text in found]


@pytest.fixture
def demo(db):
    demo_load()
    return demo_claim(MERCENARIES)


@pytest.fixture
def checker(client, demo):
    client.force_login(User.objects.get(username="checker"))
    return client


# --- Reading the box ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("https://t.me/s/ZOVNovoshakhtinsk/1520", Kind.URL, "https://t.me/zovnovoshakhtinsk/1520"),
        ("t.me/ZOVNovoshakhtinsk/1520", Kind.URL, "https://t.me/zovnovoshakhtinsk/1520"),
        (
            "http://www.twitter.com/PS01_delta/status/1831920577410285568?s=20&utm_source=x",
            Kind.URL,
            "https://x.com/ps01_delta/status/1831920577410285568",
        ),
        ("newsweek.com/story?utm_medium=social", Kind.URL, "https://newsweek.com/story"),
        ("www.newsweek.com", Kind.DOMAIN, "newsweek.com"),
        ("https://NEWSWEEK.com/", Kind.DOMAIN, "newsweek.com"),
        ("@ZOVNovoshakhtinsk", Kind.HANDLE, "zovnovoshakhtinsk"),
        ("t.me/ZOVNovoshakhtinsk", Kind.HANDLE, "zovnovoshakhtinsk"),
        ("https://t.me/s/ZOVNovoshakhtinsk", Kind.HANDLE, "zovnovoshakhtinsk"),
        ("x.com/PS01_delta", Kind.HANDLE, "ps01_delta"),
        ("ZOV", Kind.TEXT, "ZOV"),
        ("3.5 million", Kind.TEXT, "3.5 million"),
        ("3.5", Kind.TEXT, "3.5"),
        ("e.g", Kind.TEXT, "e.g"),
        ("  two   mercenaries ", Kind.TEXT, "two mercenaries"),
    ],
)
def test_the_search_box_tells_urls_domains_handles_and_words_apart(text, kind, value):
    terms = search_terms(text)
    assert terms.kind == kind
    got = {
        Kind.URL: terms.canonical_url,
        Kind.DOMAIN: terms.domain,
        Kind.HANDLE: terms.handle,
        Kind.TEXT: terms.text,
    }[kind]
    assert got == value


def test_a_channel_url_knows_its_platform():
    terms = search_terms("https://telegram.me/ZOVNovoshakhtinsk")
    assert (terms.platform, terms.platform_label) == ("telegram", "Telegram")
    assert search_terms("@ZOVNovoshakhtinsk").platform == ""


def test_a_subdomain_offers_its_registrable_domain():
    assert search_terms("news.bbc.co.uk").wider_domain == "bbc.co.uk"
    assert search_terms("bbc.co.uk").wider_domain == ""


# --- The demo: the Telegram channel, its post, and the claims resting on it ---------------------


@pytest.mark.parametrize(
    "query",
    [
        "ZOV",
        "zovnovoshakhtinsk",
        "ZOVNovoshakhtinsk",
        "@ZOVNovoshakhtinsk",
        "t.me/ZOVNovoshakhtinsk",
        "https://t.me/s/ZOVNovoshakhtinsk",
        "https://t.me/s/ZOVNovoshakhtinsk/1520",
        "t.me/zovnovoshakhtinsk/1520?utm_source=share",
        "https://telegram.me/ZOVNovoshakhtinsk/1520",
    ],
)
def test_the_telegram_channel_in_any_spelling_finds_its_post_and_the_claims_on_it(checker, query):
    response = checker.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert any(text.startswith(MERCENARIES_TEXT) for text in _claims(response))
    assert "ZOVNovoshakhtinsk on Telegram: eulogy for 'Sprite' and 'Cola'" in _sources(response)


def test_the_x_post_in_another_spelling_lists_the_claims_citing_it(checker, demo):
    response = checker.get(
        SEARCH, {"q": "https://x.com/PS01_delta/status/1831920577410285568/photo/1"}
    )
    assert _sources(response) == ["PS01△ on X: two Chinese mercenaries reported killed"]
    claims = _claims(response)
    assert any(text.startswith(MERCENARIES_TEXT) for text in claims)
    html = response.content.decode()
    assert "https://x.com/ps01_delta/status/1831920577410285568" in html  # what was understood


def test_a_domain_lists_the_sources_on_it_and_their_claims(checker):
    response = checker.get(SEARCH, {"q": "www.newsweek.com"})
    assert _sources(response) == [
        "Newsweek: Chinese 'mercenaries' reported killed fighting for Russia"
    ]
    assert any(text.startswith(MERCENARIES_TEXT) for text in _claims(response))
    assert b"Sources on <code>newsweek.com</code>" in response.content


def test_a_url_nobody_cited_finds_nothing(checker):
    response = checker.get(SEARCH, {"q": "https://example.org/nothing"})
    assert response.status_code == 200
    assert _claims(response) == [] and _sources(response) == []
    assert b"No claims found." in response.content and b"No sources found." in response.content


def test_words_find_claims_by_text_and_claimant(checker):
    response = checker.get(SEARCH, {"q": "Sprite Cola", "show": "claims"})
    assert any(text.startswith(MERCENARIES_TEXT) for text in _claims(response))
    assert b'id="sources-heading"' not in response.content


# --- Domains and handles owned by outlets -----------------------------------------------------


def test_a_domain_finds_sources_of_the_outlet_owning_it_and_of_its_subdomains(client, viewer):
    domain = OutletDomainFactory(domain="daily.example")
    on_sub = SourceFactory(title="On a subdomain", url="https://live.daily.example/x")
    owned = SourceFactory(title="Owned elsewhere", url="https://cdn.other.example/x")
    owned.outlet = domain.outlet
    owned.save()
    SourceFactory(title="Unrelated", url="https://notdaily.example/x")
    EvidenceFactory(source=on_sub, claim=ClaimFactory(text="Cites the subdomain."))
    client.force_login(viewer)
    response = client.get(SEARCH, {"q": "daily.example"})
    assert sorted(_sources(response)) == ["On a subdomain", "Owned elsewhere"]
    assert _claims(response) == ["Cites the subdomain."]


def test_a_subdomain_search_links_to_the_whole_domain(client, viewer):
    client.force_login(viewer)
    html = client.get(SEARCH, {"q": "news.bbc.co.uk", "show": "sources"}).content.decode()
    assert f'href="{SEARCH}?q=bbc.co.uk&amp;show=sources"' in html


def test_a_handle_finds_the_outlets_sources_on_any_platform(client, viewer):
    handle = OutletHandleFactory(handle="deltanews", platform="x")
    post = SourceFactory(
        title="A post", url="https://x.com/deltanews/status/1", outlet=handle.outlet
    )
    EvidenceFactory(source=post, claim=ClaimFactory(text="Rests on the post."))
    SourceFactory(title="Someone else", url="https://x.com/deltanewsfan/status/2")
    client.force_login(viewer)
    for query in ("@DeltaNews", "https://twitter.com/deltanews"):
        response = client.get(SEARCH, {"q": query})
        assert _sources(response) == ["A post"], query
        assert _claims(response) == ["Rests on the post."], query
    # As a word it is also a part of other URLs.
    words = client.get(SEARCH, {"q": "deltanews"})
    assert sorted(_sources(words)) == ["A post", "Someone else"]


# --- Visibility of sensitive sources ----------------------------------------------------------


@pytest.fixture
def hidden_on_claim(hidden):
    """The shared informant, with a claim resting on it."""
    claim = ClaimFactory(text="The informant said he was recruited online.")
    EvidenceFactory(source=hidden, claim=claim)
    return hidden


@pytest.mark.parametrize("query", ["https://informant.example/leak", "informant.example", "leak"])
def test_a_sensitive_source_is_never_found_by_those_who_may_not_see_it(
    client, viewer, fact_checker, hidden_on_claim, query
):
    for user in (viewer, fact_checker):
        client.force_login(user)
        response = client.get(SEARCH, {"q": query})
        assert _sources(response) == []
        assert _claims(response) == []
        assert b"Informant" not in response.content


def test_editors_find_the_sensitive_source_marked_as_such(client, editor, hidden_on_claim):
    client.force_login(editor)
    response = client.get(SEARCH, {"q": "https://www.informant.example/leak#t=3"})
    assert _sources(response) == ["Informant"]
    assert _claims(response) == ["The informant said he was recruited online."]
    assert b'<span class="badge sensitive">Sensitive</span>' in response.content


def test_the_claims_own_assignee_does_not_find_the_sensitive_source(
    client, fact_checker, hidden_on_claim
):
    Claim.objects.filter(evidence__source=hidden_on_claim).update(assignee=fact_checker)
    client.force_login(fact_checker)
    assert _sources(client.get(SEARCH, {"q": "informant.example"})) == []


def test_a_fact_checker_an_editor_assigned_finds_the_sensitive_source(
    client, fact_checker, editor, hidden_on_claim
):
    assign(Claim.objects.get(evidence__source=hidden_on_claim), editor, fact_checker)
    client.force_login(fact_checker)
    assert _sources(client.get(SEARCH, {"q": "informant.example"})) == ["Informant"]


# --- Filters ------------------------------------------------------------------------------------


def test_the_status_filter_narrows_the_claims(checker, demo):
    response = checker.get(SEARCH, {"q": "ZOV", "status": "verified"})
    assert not any(text.startswith(MERCENARIES_TEXT) for text in _claims(response))
    response = checker.get(SEARCH, {"q": "ZOV", "status": demo.status})
    assert any(text.startswith(MERCENARIES_TEXT) for text in _claims(response))


def test_the_outlet_filter_alone_lists_its_sources_and_the_claims_on_them(checker, demo):
    zov = Outlet.objects.get(name="ZOVNovoshakhtinsk")
    response = checker.get(SEARCH, {"outlet": str(zov.pk)})
    assert _sources(response) == ["ZOVNovoshakhtinsk on Telegram: eulogy for 'Sprite' and 'Cola'"]
    assert any(text.startswith(MERCENARIES_TEXT) for text in _claims(response))


def test_the_source_kind_filter_and_show_sources_only(checker):
    response = checker.get(
        SEARCH, {"q": "mercenaries", "source_kind": "article", "show": "sources"}
    )
    assert _sources(response) == [
        "Newsweek: Chinese 'mercenaries' reported killed fighting for Russia"
    ]
    assert b'id="claims-heading"' not in response.content


def test_an_empty_search_shows_what_can_be_searched(client, viewer):
    client.force_login(viewer)
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert b"What you can search for" in response.content
    assert b'aria-current="page">Search</a>' in response.content
    assert b'<label for="id_q">Search claims and sources</label>' in response.content


def test_an_unknown_outlet_is_a_400_with_the_field_error(client, viewer):
    client.force_login(viewer)
    response = client.get(SEARCH, {"q": "x", "outlet": "999999"})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert b"<h1>Search</h1>" in response.content


def test_a_bad_filter_in_an_htmx_request_is_a_400_fragment(client, viewer):
    client.force_login(viewer)
    response = client.get(SEARCH, {"q": "x", "show": "everything"}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert "Select a valid choice" in html and "<html" not in html


def test_an_htmx_search_gets_only_the_results(checker):
    response = checker.get(SEARCH, {"q": "ZOV"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert "<form" not in html and "<html" not in html
    assert any(text.startswith(MERCENARIES_TEXT) for text in _claims(response))


def test_the_search_form_works_without_javascript(client, viewer):
    client.force_login(viewer)
    html = client.get(SEARCH).content.decode()
    form = re.search(r'<form method="get" action="([^"]*)"[^>]*>', html, re.S)
    assert form[1] == SEARCH
    assert 'hx-target="#search-results"' in form[0]
    for name in ("q", "show", "status", "source_kind", "outlet"):
        assert f'<label for="id_{name}">' in html


def test_search_is_read_only(client, viewer):
    client.force_login(viewer)
    assert client.post(SEARCH, {"q": "x"}).status_code == 405


def test_a_user_without_a_newsroom_role_cannot_search(client, outsider):
    client.force_login(outsider)
    assert client.get(SEARCH, {"q": "x"}).status_code == 403


# --- Pages and query counts ---------------------------------------------------------------------


def _many(n: int) -> None:
    outlet = OutletDomainFactory(domain="wire.example").outlet
    claimant = ClaimantFactory()
    for i in range(n):
        source = SourceFactory(
            title=f"Wire story {i}", url=f"https://wire.example/{i}", outlet=outlet
        )
        claim = ClaimFactory(text=f"Wire claim {i}.", claimant=claimant)
        EvidenceFactory(source=source, claim=claim)
        EvidenceFactory(source=SourceFactory(is_sensitive=True), claim=claim)
        PublicationFactory(claim=claim)


def test_each_half_has_its_own_pages(client, viewer):
    _many(25)
    client.force_login(viewer)
    first = client.get(SEARCH, {"q": "wire.example"})
    assert len(_claims(first)) == 20 and len(_sources(first)) == 20
    html = first.content.decode()
    claims_next = re.search(r'id="cpage-next" rel="next" href="([^"]*)"', html)[1]
    assert claims_next == f"{SEARCH}?q=wire.example&amp;cpage=2"
    second = client.get(claims_next.replace("&amp;", "&"))
    assert len(_claims(second)) == 5 and len(_sources(second)) == 20


@pytest.mark.parametrize("query", ["wire.example", "Wire", "https://wire.example/3", "@nobody"])
def test_search_runs_a_fixed_number_of_queries(
    client, viewer, django_assert_max_num_queries, query
):
    _many(25)
    client.force_login(viewer)
    # session, user, role, outlet choices; claims: count, rows, tags; sources: count, rows
    with django_assert_max_num_queries(9):
        response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200


def test_a_source_row_shows_kind_outlet_link_health_and_claims_citing_it(client, viewer):
    source = SourceFactory(
        title="Checked story", url="https://checked.example/a", link_status=Source.LinkStatus.GONE
    )
    EvidenceFactory.create_batch(2, source=source)
    EvidenceFactory(source=source, claim=source.evidence.first().claim, stance="context")
    client.force_login(viewer)
    html = client.get(SEARCH, {"q": "checked.example"}).content.decode()
    assert '<td data-label="Kind">Article</td>' in html
    outlet_url = reverse("web:outlet-detail", args=[source.outlet_id])
    assert f'<td data-label="Outlet"><a href="{outlet_url}">{source.outlet.name}</a></td>' in html
    assert '<span class="badge link-gone">Gone</span>' in html
    assert '<td data-label="Claims citing it">2</td>' in html
    assert f'href="{reverse("web:source-detail", args=[source.pk])}"' in html


def test_the_search_page_and_its_fragment_are_cached_apart(client, viewer):
    client.force_login(viewer)
    assert "HX-Request" in client.get(SEARCH, {"q": "x"}, **HTMX)["Vary"]
