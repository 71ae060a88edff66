"""Filtering the claims list: each filter with one assertion, source URLs in any spelling, bad
filters refused naming the parameter, sensitive sources never matched or counted for a viewer,
and a query count that does not grow with the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import User

from claims.models import Claim, Tag
from sources.models import Outlet, OutletHandle, Source
from tests.api.helpers import api as _api
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletDomainFactory,
    OutletFactory,
    OutletHandleFactory,
    PublicationFactory,
    SourceFactory,
    assign,
)
from verification.models import Evidence

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
ORIGINAL = Source.Sourcing.ORIGINAL
DERIVED = Source.Sourcing.DERIVED


def _ids(user: User, params) -> set[int]:
    response = _api(user).get(CLAIMS, params)
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


# --- Filters by source -------------------------------------------------------------------------


@dataclass
class Corpus:
    claims: dict[str, Claim]
    sources: dict[str, Source]
    outlets: dict[str, Outlet]


@pytest.fixture
def corpus(db) -> Corpus:
    """One claim per source: an article on a news site, a page on its subdomain, a look-alike
    domain, an X post, a Telegram post, and a sensitive document on the news site; and a claim
    with no evidence at all."""
    news = OutletFactory(name="Example News")
    OutletDomainFactory(outlet=news, domain="example-news.com")
    account = OutletFactory(name="Some Account", kind=Outlet.Kind.SOCIAL_ACCOUNT)
    OutletHandleFactory(outlet=account, platform=OutletHandle.Platform.X, handle="someaccount")
    channel = OutletFactory(name="Some Channel", kind=Outlet.Kind.MESSAGING_CHANNEL)
    OutletHandleFactory(
        outlet=channel, platform=OutletHandle.Platform.TELEGRAM, handle="somechannel"
    )
    sources = {
        "article": SourceFactory(url="https://www.example-news.com/story?id=1", outlet=news),
        "live": SourceFactory(url="https://live.example-news.com/feed", outlet=news),
        "lookalike": SourceFactory(url="https://badexample-news.com/story"),
        "post": SourceFactory(
            url="https://twitter.com/SomeAccount/status/123?s=20", outlet=account
        ),
        "telegram": SourceFactory(url="https://t.me/s/SomeChannel/55", outlet=channel),
        "secret": SourceFactory(
            url="https://example-news.com/leaked-memo", outlet=news, is_sensitive=True
        ),
    }
    claims = {}
    for key, source in sources.items():
        claims[key] = ClaimFactory(text=f"Claim resting on the {key}.")
        EvidenceFactory(claim=claims[key], source=source)
    claims["bare"] = ClaimFactory(text="Claim with no evidence.")
    return Corpus(claims, sources, {"news": news, "account": account, "channel": channel})


def _pks(corpus: Corpus, *keys: str) -> set[int]:
    return {corpus.claims[key].pk for key in keys}


def test_filter_source(corpus, viewer):
    assert _ids(viewer, {"source": corpus.sources["article"].pk}) == _pks(corpus, "article")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example-news.com/story?id=1",
        "http://www.example-news.com/story?id=1",
        "https://example-news.com/story?id=1",
        "HTTP://WWW.Example-News.com/story?id=1#comments",
        "https://www.example-news.com/story?id=1&utm_source=twitter&utm_medium=social",
        "https://example-news.com/story/?fbclid=abc&id=1",
    ],
)
def test_filter_source_url_finds_the_article_in_any_spelling(corpus, viewer, url):
    assert _ids(viewer, {"source_url": url}) == _pks(corpus, "article")


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/SomeAccount/status/123",
        "https://twitter.com/someaccount/status/123",
        "http://mobile.twitter.com/SomeAccount/status/123?s=46&t=xyz",
        "https://www.x.com/SomeAccount/status/123/photo/1",
    ],
)
def test_filter_source_url_folds_twitter_and_x(corpus, viewer, url):
    assert _ids(viewer, {"source_url": url}) == _pks(corpus, "post")


@pytest.mark.parametrize(
    "url",
    [
        "https://t.me/SomeChannel/55",
        "https://t.me/s/somechannel/55",
        "http://telegram.me/s/SomeChannel/55?utm_source=x",
    ],
)
def test_filter_source_url_folds_telegram_preview_links(corpus, viewer, url):
    assert _ids(viewer, {"source_url": url}) == _pks(corpus, "telegram")


def test_filter_source_url_of_an_unknown_page_matches_nothing(corpus, viewer):
    assert _ids(viewer, {"source_url": "https://example-news.com/other"}) == set()


def test_filter_domain_includes_subdomains(corpus, viewer):
    assert _ids(viewer, {"domain": "example-news.com"}) == _pks(corpus, "article", "live")


def test_filter_domain_in_any_spelling(corpus, viewer):
    assert _ids(viewer, {"domain": "WWW.Example-News.com"}) == _pks(corpus, "article", "live")


def test_filter_domain_subdomain_only(corpus, viewer):
    assert _ids(viewer, {"domain": "live.example-news.com"}) == _pks(corpus, "live")


def test_filter_domain_twitter_is_x(corpus, viewer):
    assert _ids(viewer, {"domain": "twitter.com"}) == _pks(corpus, "post")


def test_filter_outlet(corpus, viewer):
    assert _ids(viewer, {"outlet": corpus.outlets["news"].pk}) == _pks(corpus, "article", "live")


def test_filter_handle_with_at_sign(corpus, viewer):
    assert _ids(viewer, {"handle": "@SomeAccount"}) == _pks(corpus, "post")


def test_filter_handle_with_platform(corpus, viewer):
    assert _ids(viewer, {"handle": "telegram:somechannel"}) == _pks(corpus, "telegram")


def test_filter_handle_on_another_platform_matches_nothing(corpus, viewer):
    assert _ids(viewer, {"handle": "telegram:someaccount"}) == set()


# --- Sensitive sources are never matched or counted for those who may not see them -------------


def test_viewer_filtering_by_a_sensitive_sources_url_gets_no_claims(corpus, viewer):
    response = _api(viewer).get(CLAIMS, {"source_url": corpus.sources["secret"].url})

    assert response.json()["count"] == 0


def test_viewer_filtering_by_a_sensitive_source_id_gets_no_claims(corpus, viewer):
    response = _api(viewer).get(CLAIMS, {"source": corpus.sources["secret"].pk})

    assert response.json()["count"] == 0


def test_fact_checker_off_the_claim_filtering_by_a_sensitive_url_gets_no_claims(
    corpus, fact_checker
):
    response = _api(fact_checker).get(CLAIMS, {"source_url": corpus.sources["secret"].url})

    assert response.json()["count"] == 0


def test_editor_filtering_by_a_sensitive_sources_url_finds_its_claim(corpus, editor):
    assert _ids(editor, {"source_url": corpus.sources["secret"].url}) == _pks(corpus, "secret")


def test_editor_filtering_by_domain_includes_the_sensitive_source(corpus, editor):
    assert _ids(editor, {"domain": "example-news.com"}) == _pks(corpus, "article", "live", "secret")


@pytest.fixture
def mixed_claim(db) -> Claim:
    """A claim resting on a public origin and a sensitive origin from another outlet."""
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source=SourceFactory(sourcing=ORIGINAL))
    EvidenceFactory(claim=claim, source=SourceFactory(sourcing=ORIGINAL, is_sensitive=True))
    return claim


def _row(user: User, claim: Claim) -> dict:
    return next(r for r in _api(user).get(CLAIMS).json()["results"] if r["id"] == claim.pk)


def test_evidence_count_excludes_sensitive_sources_for_a_viewer(mixed_claim, viewer):
    assert _row(viewer, mixed_claim)["evidence_count"] == 1


def test_independent_origins_exclude_sensitive_sources_for_a_viewer(mixed_claim, viewer):
    assert _row(viewer, mixed_claim)["independent_origins"]["asserts"] == 1


def test_evidence_count_includes_sensitive_sources_for_an_editor(mixed_claim, editor):
    assert _row(editor, mixed_claim)["evidence_count"] == 2


def test_independent_origins_include_sensitive_sources_for_an_editor(mixed_claim, editor):
    assert _row(editor, mixed_claim)["independent_origins"]["asserts"] == 2


def test_independent_origins_exclude_a_sensitive_origin_up_the_chain_for_a_viewer(viewer):
    claim = ClaimFactory()
    article = SourceFactory(sourcing=DERIVED)
    CitationFactory(citing=article, cited=SourceFactory(sourcing=ORIGINAL, is_sensitive=True))
    EvidenceFactory(claim=claim, source=article)

    assert _row(viewer, claim)["independent_origins"]["asserts"] == 0


# --- Filter by the health of the evidence's links ----------------------------------------------


@pytest.fixture
def links(db) -> dict[str, Claim]:
    """A claim per link status, each resting on one source last found so; a claim resting on a
    source never checked; one on two gone sources (listed once); one on an alive and a gone
    source; one whose only gone source is sensitive."""

    def source(status: str, **kwargs) -> Source:
        return SourceFactory(link_status=status, **kwargs)

    claims = {}
    for status in [*Source.LinkStatus.values, "unchecked"]:
        claims[status] = ClaimFactory(text=f"Claim on a link {status}.")
        EvidenceFactory(
            claim=claims[status], source=source("" if status == "unchecked" else status)
        )
    claims["twice_gone"] = ClaimFactory()
    for stance in (Evidence.Stance.ASSERTS, Evidence.Stance.SUPPORTS):
        EvidenceFactory(claim=claims["twice_gone"], source=source("gone"), stance=stance)
    claims["mixed"] = ClaimFactory()
    EvidenceFactory(claim=claims["mixed"], source=source("alive"))
    EvidenceFactory(claim=claims["mixed"], source=source("gone"), stance=Evidence.Stance.SUPPORTS)
    claims["hidden_gone"] = ClaimFactory()
    EvidenceFactory(claim=claims["hidden_gone"], source=source("alive"))
    EvidenceFactory(
        claim=claims["hidden_gone"],
        source=source("gone", is_sensitive=True),
        stance=Evidence.Stance.CONTRADICTS,
    )
    return claims


def _link_pks(links: dict[str, Claim], *keys: str) -> set[int]:
    return {links[key].pk for key in keys}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gone", ("gone", "twice_gone", "mixed")),
        ("changed", ("changed",)),
        ("error", ("error",)),
        ("alive", ("alive", "mixed", "hidden_gone")),
    ],
)
def test_filter_evidence_link(links, viewer, value, expected):
    assert _ids(viewer, {"evidence_link": value}) == _link_pks(links, *expected)


def test_filter_evidence_link_comma_separated(links, viewer):
    assert _ids(viewer, {"evidence_link": "gone,changed"}) == _link_pks(
        links, "gone", "changed", "twice_gone", "mixed"
    )


def test_filter_evidence_link_repeated(links, viewer):
    assert _ids(viewer, [("evidence_link", "changed"), ("evidence_link", "error")]) == _link_pks(
        links, "changed", "error"
    )


def test_filter_evidence_link_lists_a_claim_once_however_many_rows_match(links, viewer):
    response = _api(viewer).get(CLAIMS, {"evidence_link": "gone,alive"})
    listed = [row["id"] for row in response.json()["results"]]

    assert (response.json()["count"], len(listed), len(set(listed))) == (5, 5, 5)


def test_filter_evidence_link_combines_with_other_filters(links, viewer):
    Claim.objects.filter(pk=links["mixed"].pk).update(status=Claim.Status.IN_REVIEW)

    assert _ids(viewer, {"evidence_link": "gone", "status": "in_review"}) == _link_pks(
        links, "mixed"
    )


def test_filter_evidence_link_ignores_a_sensitive_source_a_viewer_may_not_see(links, viewer):
    assert links["hidden_gone"].pk not in _ids(viewer, {"evidence_link": "gone"})


def test_filter_evidence_link_ignores_a_sensitive_source_for_a_fact_checker_off_the_claim(
    links, fact_checker
):
    assert links["hidden_gone"].pk not in _ids(fact_checker, {"evidence_link": "gone"})


def test_filter_evidence_link_ignores_a_sensitive_source_for_the_claims_own_assignee(
    links, fact_checker
):
    assign(links["hidden_gone"], fact_checker, fact_checker)

    assert links["hidden_gone"].pk not in _ids(fact_checker, {"evidence_link": "gone"})


def test_filter_evidence_link_counts_a_sensitive_source_for_a_checker_an_editor_assigned(
    links, fact_checker, editor
):
    assign(links["hidden_gone"], editor, fact_checker)

    assert links["hidden_gone"].pk in _ids(fact_checker, {"evidence_link": "gone"})


def test_filter_evidence_link_counts_a_sensitive_source_for_an_editor(links, editor):
    assert _ids(editor, {"evidence_link": "gone"}) == _link_pks(
        links, "gone", "twice_gone", "mixed", "hidden_gone"
    )


# --- Filters on the claim itself ---------------------------------------------------------------


def test_filter_status_single(viewer):
    match = ClaimFactory(status=Claim.Status.IN_REVIEW)
    ClaimFactory(status=Claim.Status.VERIFIED)

    assert _ids(viewer, {"status": "in_review"}) == {match.pk}


def test_filter_status_multiple(viewer):
    in_review = ClaimFactory(status=Claim.Status.IN_REVIEW)
    verified = ClaimFactory(status=Claim.Status.VERIFIED)
    ClaimFactory(status=Claim.Status.FALSE)

    assert _ids(viewer, [("status", "in_review"), ("status", "verified")]) == {
        in_review.pk,
        verified.pk,
    }


def test_filter_kind(viewer):
    match = ClaimFactory(kind=Claim.Kind.ATTRIBUTION, claimant=ClaimantFactory())
    ClaimFactory(kind=Claim.Kind.FACT)

    assert _ids(viewer, {"kind": "attribution"}) == {match.pk}


def test_filter_claimant(viewer):
    claimant = ClaimantFactory()
    match = ClaimFactory(claimant=claimant)
    ClaimFactory(claimant=ClaimantFactory())

    assert _ids(viewer, {"claimant": claimant.pk}) == {match.pk}


def test_filter_tag(viewer):
    match = ClaimFactory()
    match.tags.add(Tag.objects.create(name="casualties"))
    ClaimFactory().tags.add(Tag.objects.create(name="recruitment"))

    assert _ids(viewer, {"tag": "casualties"}) == {match.pk}


def test_filter_tag_as_typed(viewer):
    match = ClaimFactory()
    match.tags.add(Tag.objects.create(name="prisoners-of-war"))
    ClaimFactory()

    assert _ids(viewer, {"tag": "Prisoners of war"}) == {match.pk}


def test_filter_language(viewer):
    match = ClaimFactory(language="ru")
    ClaimFactory(language="en")

    assert _ids(viewer, {"language": "ru"}) == {match.pk}


def test_filter_assignee(viewer, fact_checker, other_fact_checker):
    match = ClaimFactory(assignee=fact_checker)
    ClaimFactory(assignee=other_fact_checker)
    ClaimFactory()

    assert _ids(viewer, {"assignee": fact_checker.pk}) == {match.pk}


def test_filter_needs_review(viewer):
    match = ClaimFactory(status=Claim.Status.VERIFIED, needs_review=True)
    ClaimFactory(status=Claim.Status.VERIFIED)

    assert _ids(viewer, {"needs_review": "true"}) == {match.pk}


def _created(claim: Claim, when: datetime) -> Claim:
    Claim.objects.filter(pk=claim.pk).update(created_at=when)
    return claim


def test_filter_created_after(viewer):
    match = _created(ClaimFactory(), datetime(2025, 4, 10, tzinfo=UTC))
    _created(ClaimFactory(), datetime(2025, 4, 1, tzinfo=UTC))

    assert _ids(viewer, {"created_after": "2025-04-05T00:00:00Z"}) == {match.pk}


def test_filter_created_before(viewer):
    match = _created(ClaimFactory(), datetime(2025, 4, 1, tzinfo=UTC))
    _created(ClaimFactory(), datetime(2025, 4, 10, tzinfo=UTC))

    assert _ids(viewer, {"created_before": "2025-04-05T00:00:00Z"}) == {match.pk}


def test_filter_made_after(viewer):
    match = ClaimFactory(made_on=date(2025, 4, 9))
    ClaimFactory(made_on=date(2024, 12, 1))
    ClaimFactory(made_on=None)

    assert _ids(viewer, {"made_after": "2025-01-01"}) == {match.pk}


def test_filter_made_before(viewer):
    match = ClaimFactory(made_on=date(2024, 12, 1))
    ClaimFactory(made_on=date(2025, 4, 9))
    ClaimFactory(made_on=None)

    assert _ids(viewer, {"made_before": "2025-01-01"}) == {match.pk}


def test_filter_q_matches_every_word_in_any_case(viewer):
    match = ClaimFactory(text="Two Chinese mercenaries were killed near Bakhmut.")
    ClaimFactory(text="Two Chinese citizens were captured.")

    assert _ids(viewer, {"q": "chinese KILLED"}) == {match.pk}


def test_filters_combine(corpus, viewer):
    Claim.objects.filter(pk=corpus.claims["live"].pk).update(status=Claim.Status.IN_REVIEW)

    assert _ids(viewer, {"domain": "example-news.com", "status": "in_review"}) == _pks(
        corpus, "live"
    )


# --- Bad filters are refused, naming the parameter ---------------------------------------------


def test_unknown_filter_is_400_naming_it(viewer):
    response = _api(viewer).get(CLAIMS, {"colour": "red"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["colour"]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("source", "abc"),
        ("source", "1.5"),
        ("source", "0"),
        ("source", "99999999999999999999999"),
        ("outlet", "1.5x"),
        ("claimant", "someone"),
        ("assignee", "me"),
        ("created_after", "notadate"),
        ("created_before", "2025-13-45"),
        ("made_after", "yesterday"),
        ("made_before", "2025/01/01"),
        ("status", "bogus"),
        ("kind", "opinion"),
        ("needs_review", "maybe"),
        ("handle", "mastodon:x"),
        ("source_url", "javascript:alert(1)"),
        ("source_url", "not a url"),
        ("domain", "example.com/path"),
        ("evidence_link", "bogus"),
        ("evidence_link", "gone,bogus"),
        ("evidence_link", "Gone"),
    ],
)
def test_malformed_filter_value_is_400_naming_the_parameter(viewer, param, value):
    response = _api(viewer).get(CLAIMS, {param: value})

    assert response.status_code == 400
    assert param in response.json()["fields"]


# --- Query count -------------------------------------------------------------------------------


def _claim_with_a_chain(index: int, fact_checker: User) -> Claim:
    """Evidence from a magazine citing a post citing an original, with tags, claimant, assignee
    and a publication: everything a list row shows."""
    claim = ClaimFactory(
        claimant=ClaimantFactory(), assignee=fact_checker, status=Claim.Status.VERIFIED
    )
    claim.tags.add(Tag.objects.get_or_create(name=f"tag-{index % 3}")[0])
    origin = SourceFactory(sourcing=ORIGINAL)
    post = SourceFactory(sourcing=DERIVED)
    magazine = SourceFactory(sourcing=DERIVED)
    CitationFactory(citing=magazine, cited=post)
    CitationFactory(citing=post, cited=origin)
    EvidenceFactory(claim=claim, source=magazine)
    EvidenceFactory(claim=claim, source=post, stance=Evidence.Stance.SUPPORTS)
    EvidenceFactory(
        claim=claim, source=SourceFactory(sourcing=ORIGINAL), stance=Evidence.Stance.CONTRADICTS
    )
    PublicationFactory(claim=claim)
    return claim


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_claims_list_query_count_does_not_grow_with_page_size(
    request, role, fact_checker, django_assert_max_num_queries
):
    user = request.getfixturevalue(role)
    client = _api(user)
    for index in range(3):
        _claim_with_a_chain(index, fact_checker)
    client.get(CLAIMS)  # the user's role is looked up once and cached for the request's user

    # count, page, tags, evidence, via, one citation level, origins' outlets

    with django_assert_max_num_queries(7) as three:
        assert len(client.get(CLAIMS).json()["results"]) == 3
    for index in range(3, 30):
        _claim_with_a_chain(index, fact_checker)
    with django_assert_max_num_queries(7) as thirty:
        assert len(client.get(CLAIMS).json()["results"]) == 30

    assert len(thirty.captured_queries) == len(three.captured_queries)


def test_claims_list_filtered_by_evidence_link_query_count_does_not_grow_with_page_size(
    viewer, fact_checker, django_assert_max_num_queries
):
    client = _api(viewer)
    for index in range(3):
        _claim_with_a_chain(index, fact_checker)
    Source.objects.update(link_status=Source.LinkStatus.GONE)
    params = {"evidence_link": "gone,changed"}
    client.get(CLAIMS, params)

    with django_assert_max_num_queries(7) as three:
        assert len(client.get(CLAIMS, params).json()["results"]) == 3
    for index in range(3, 30):
        _claim_with_a_chain(index, fact_checker)
    Source.objects.update(link_status=Source.LinkStatus.GONE)
    with django_assert_max_num_queries(7) as thirty:
        assert len(client.get(CLAIMS, params).json()["results"]) == 30

    assert len(thirty.captured_queries) == len(three.captured_queries)
