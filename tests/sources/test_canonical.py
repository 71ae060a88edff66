"""Canonical URLs: every spelling of one page folds to one form; different pages stay apart."""

import pytest

from sources.canonical import (
    InvalidURL,
    SocialHandle,
    canonicalize,
    host_of,
    normalize_domain,
    normalize_handle,
    parent_domains,
    registrable_domain,
    social_handle,
)

# Each group: the canonical form, then spellings of the same page that must fold to it.
SAME_PAGE = {
    "https://example.com/news/story": [
        "https://example.com/news/story",
        "http://example.com/news/story",
        "https://www.example.com/news/story",
        "https://EXAMPLE.com/news/story",
        "HTTPS://Www.Example.COM/news/story",
        "https://example.com:443/news/story",
        "http://example.com:80/news/story",
        "https://example.com/news/story#comments",
        "https://example.com/news/story/",
        "https://example.com./news/story",
        "  https://example.com/news/story  ",
        "https://example.com/news/./story",
        "https://example.com/news/extra/../story",
        "https://example.com/news/story?utm_source=tw&utm_medium=social&utm_campaign=x",
        "https://example.com/news/story?UTM_Source=tw",
        "https://example.com/news/story?fbclid=IwAR0abc",
        "https://example.com/news/story?gclid=abc&msclkid=def&yclid=1",
        "https://example.com/news/story?mc_cid=1&mc_eid=2&_ga=3&igshid=4",
        "https://example.com/news/story?pk_campaign=a&mtm_source=b&hsa_acc=c",
        "https://user:secret@example.com/news/story",
    ],
    "https://example.com/search?page=2&q=mercenaries": [
        "https://example.com/search?q=mercenaries&page=2",
        "https://example.com/search?page=2&q=mercenaries",
        "https://example.com/search?utm_source=x&q=mercenaries&fbclid=y&page=2",
        "https://www.example.com/search/?q=mercenaries&page=2#top",
    ],
    "https://example.com/": [
        "https://example.com",
        "https://example.com/",
        "http://www.example.com",
        "https://example.com/?utm_source=newsletter",
    ],
    "https://x.com/someacct/status/1700000000000000000": [
        "https://twitter.com/SomeAcct/status/1700000000000000000",
        "https://twitter.com/SomeAcct/status/1700000000000000000?s=20&t=Ab12Cd34",
        "https://mobile.twitter.com/someacct/status/1700000000000000000",
        "https://m.twitter.com/someacct/status/1700000000000000000",
        "https://www.twitter.com/SomeAcct/status/1700000000000000000",
        "https://x.com/SOMEACCT/status/1700000000000000000",
        "https://x.com/someacct/status/1700000000000000000/photo/1",
        "https://x.com/someacct/status/1700000000000000000/video/1",
        "https://mobile.x.com/SomeAcct/status/1700000000000000000?lang=en",
        "http://x.com/someacct/status/1700000000000000000/",
    ],
    "https://x.com/someacct": [
        "https://twitter.com/SomeAcct",
        "https://x.com/someacct/",
        "https://x.com/SomeAcct?ref_src=twsrc",
    ],
    "https://t.me/somechannel/1234": [
        "https://t.me/somechannel/1234",
        "https://t.me/s/somechannel/1234",
        "https://t.me/SomeChannel/1234",
        "https://t.me/s/SomeChannel/1234",
        "https://telegram.me/somechannel/1234",
        "https://telegram.dog/SomeChannel/1234",
        "https://www.t.me/s/somechannel/1234?single",
        "https://t.me/somechannel/1234?embed=1&mode=tme",
    ],
    "https://xn--bcher-kva.example/katalog": [
        "https://bücher.example/katalog",
        "https://BÜCHER.example/katalog",
        "https://www.bücher.example/katalog",
        "https://xn--bcher-kva.example/katalog",
    ],
    "https://youtube.com/watch?v=dQw4w9WgXcQ": [
        "https://youtube.com/watch?v=dQw4w9WgXcQ",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&utm_source=share",
    ],
    "https://example.com/%E4%B8%AD%E5%9B%BD": [
        "https://example.com/中国",
        "https://example.com/%E4%B8%AD%E5%9B%BD",
        "https://example.com/%e4%b8%ad%e5%9b%bd",
    ],
}
SAME_PAGE_CASES = [
    pytest.param(variant, canonical, id=variant.strip())
    for canonical, variants in SAME_PAGE.items()
    for variant in variants
]


@pytest.mark.parametrize(("variant", "canonical"), SAME_PAGE_CASES)
def test_spelling_of_the_same_page_folds_to_one_canonical_form(variant, canonical):
    assert canonicalize(variant) == canonical


@pytest.mark.parametrize(("variant", "canonical"), SAME_PAGE_CASES)
def test_canonical_form_is_a_fixed_point(variant, canonical):
    assert canonicalize(canonicalize(variant)) == canonicalize(variant)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://example.com/news/story", "https://example.com/news/other-story"),
        ("https://example.com/news/story", "https://example.com/News/Story"),
        ("https://example.com/news/story", "https://news.example.com/news/story"),
        ("https://example.com/news/story", "https://example.org/news/story"),
        ("https://example.com/news/story", "https://example.com:8080/news/story"),
        ("https://example.com/article?id=1", "https://example.com/article?id=2"),
        ("https://example.com/article?id=1", "https://example.com/article"),
        ("https://example.com/article?id=1", "https://example.com/article?id=1&page=2"),
        ("https://example.com/article?ref=home", "https://example.com/article"),
        ("https://x.com/someacct/status/1", "https://x.com/someacct/status/2"),
        ("https://x.com/someacct/status/1", "https://x.com/otheracct/status/1"),
        ("https://t.me/somechannel/1", "https://t.me/somechannel/2"),
        ("https://t.me/somechannel/1", "https://t.me/otherchannel/1"),
        ("https://youtube.com/watch?v=abc", "https://youtube.com/watch?v=ABC"),
    ],
)
def test_different_pages_keep_different_canonical_forms(one, other):
    assert canonicalize(one) != canonicalize(other)


def test_real_query_parameters_are_kept_and_sorted_while_tracking_ones_go():
    url = "https://example.com/a?z=last&utm_source=x&a=first&fbclid=1&m=middle&gclid=2"
    assert canonicalize(url) == "https://example.com/a?a=first&m=middle&z=last"


def test_blank_query_values_are_kept():
    assert canonicalize("https://example.com/a?preview=") == "https://example.com/a?preview="


def test_non_default_port_is_kept():
    assert canonicalize("https://EXAMPLE.com:8443/a") == "https://example.com:8443/a"


def test_only_a_leading_www_label_is_dropped():
    assert canonicalize("https://www2.example.com/a") == "https://www2.example.com/a"
    assert canonicalize("https://news.www.example.com/a") == "https://news.www.example.com/a"


def test_ipv6_literal_keeps_its_brackets():
    assert canonicalize("https://[2001:db8::1]/a") == "https://[2001:db8::1]/a"
    assert canonicalize("http://[2001:DB8::1]:8080/a") == "https://[2001:db8::1]:8080/a"
    assert host_of(canonicalize("https://[2001:db8::1]/a")) == "2001:db8::1"


def test_non_account_paths_on_x_are_not_lower_cased_or_trimmed():
    assert canonicalize("https://x.com/hashtag/Wagner") == "https://x.com/hashtag/Wagner"
    assert canonicalize("https://twitter.com/i/status/123") == "https://x.com/i/status/123"


def test_telegram_invite_and_private_links_are_left_alone():
    assert canonicalize("https://t.me/+AbCdEf") == "https://t.me/+AbCdEf"
    assert canonicalize("https://t.me/c/1234/56") == "https://t.me/c/1234/56"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.com/file.txt",
        "mailto:desk@example.com",
        "ws://example.com/socket",
        "https://",
        "https:///no-host",
        "http://:80/",
        "//example.com/protocol-relative",
        "example.com/no-scheme",
        "not a url",
        "",
        "   ",
        "https://example.com:99999/bad-port",
    ],
)
def test_url_that_is_not_http_with_a_host_is_refused(url):
    with pytest.raises(InvalidURL):
        canonicalize(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.com/someacct/status/1", SocialHandle("x", "someacct")),
        ("https://twitter.com/SomeAcct/status/1?s=20", SocialHandle("x", "someacct")),
        ("https://x.com/SomeAcct", SocialHandle("x", "someacct")),
        ("https://t.me/SomeChannel/10", SocialHandle("telegram", "somechannel")),
        ("https://t.me/s/SomeChannel/10", SocialHandle("telegram", "somechannel")),
        ("https://telegram.me/somechannel", SocialHandle("telegram", "somechannel")),
        ("https://www.facebook.com/SomePage/posts/1", SocialHandle("facebook", "somepage")),
        ("https://m.facebook.com/SomePage/posts/1", SocialHandle("facebook", "somepage")),
        ("https://instagram.com/someone/", SocialHandle("instagram", "someone")),
        ("https://www.youtube.com/@SomeChannel/videos", SocialHandle("youtube", "somechannel")),
        ("https://www.tiktok.com/@someone/video/1", SocialHandle("tiktok", "someone")),
        ("https://vk.com/somegroup", SocialHandle("vk", "somegroup")),
    ],
)
def test_social_handle_names_the_account_a_post_belongs_to(url, expected):
    assert social_handle(canonicalize(url)) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/someacct/status/1",
        "https://x.com/",
        "https://x.com/home",
        "https://x.com/i/status/1",
        "https://x.com/search?q=x",
        "https://x.com/hashtag/Wagner",
        "https://t.me/+AbCdEf",
        "https://t.me/joinchat/AbCdEf",
        "https://t.me/c/1234/56",
        "https://youtube.com/watch?v=abc",
        "https://youtube.com/channel/UC123",
        "https://tiktok.com/someone",
        "https://facebook.com/groups/123",
    ],
)
def test_social_handle_is_none_for_pages_that_are_no_account(url):
    assert social_handle(canonicalize(url)) is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("edition.cnn.com", "cnn.com"),
        ("cnn.com", "cnn.com"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("a.b.c.example.com", "example.com"),
        ("someone.github.io", "someone.github.io"),
        ("www.gov.uk", "www.gov.uk"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("localhost", "localhost"),
    ],
)
def test_registrable_domain_is_the_domain_under_the_public_suffix(host, expected):
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("a.b.example.com", ["a.b.example.com", "b.example.com", "example.com"]),
        ("example.com", ["example.com"]),
        ("localhost", ["localhost"]),
    ],
)
def test_parent_domains_are_listed_longest_first(host, expected):
    assert parent_domains(host) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("example.com", "example.com"),
        ("  WWW.Example.COM. ", "example.com"),
        ("https://www.example.com/some/page", "example.com"),
        ("twitter.com", "x.com"),
        ("telegram.me", "t.me"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("www.BÜCHER.example", "xn--bcher-kva.example"),
    ],
)
def test_normalize_domain_gives_the_host_form_canonical_urls_use(typed, expected):
    assert normalize_domain(typed) == expected


def test_normalized_idn_domain_matches_the_host_of_a_canonical_url():
    assert normalize_domain("bücher.example") == host_of(canonicalize("https://bücher.example/a"))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("@SomeAcct", "someacct"), ("  SomeChannel ", "somechannel"), ("plain", "plain")],
)
def test_normalize_handle_drops_the_at_sign_and_case(typed, expected):
    assert normalize_handle(typed) == expected
