"""Every write to outlets, ratings, sources and citations, through the services, on the real DB."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from sources.models import Citation, Outlet, OutletDomain, OutletHandle, ReliabilityRating, Source
from sources.services import (
    citation_create,
    citation_delete,
    outlet_create,
    outlet_domain_add,
    outlet_handle_add,
    outlet_rate,
    outlet_update,
    source_create,
    source_update,
)
from tests.factories import (
    CitationFactory,
    OutletDomainFactory,
    OutletFactory,
    OutletHandleFactory,
    SourceFactory,
    row_counts,
)

pytestmark = pytest.mark.django_db


def error_code(exc: ValidationError, field: str) -> str | None:
    return exc.error_dict[field][0].code


# --- outlet_create ---------------------------------------------------------------------------


def test_outlet_create_stores_the_outlet_with_its_normalized_domains_and_handles(fact_checker):
    outlet = outlet_create(
        actor=fact_checker,
        name="  Example News ",
        kind=Outlet.Kind.NEWS_SITE,
        country="ua",
        affiliation=Outlet.Affiliation.INDEPENDENT,
        domains=["WWW.Example.com", "https://news.example.org/some/page"],
        handles=[("x", "@ExampleNews"), ("telegram", "ExampleChannel")],
    )
    outlet.refresh_from_db()
    assert outlet.name == "Example News"
    assert outlet.country == "UA"
    assert sorted(outlet.domains.values_list("domain", flat=True)) == [
        "example.com",
        "news.example.org",
    ]
    assert sorted(outlet.handles.values_list("platform", "handle")) == [
        ("telegram", "examplechannel"),
        ("x", "examplenews"),
    ]


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_outlet_create_below_fact_checker_is_refused_and_writes_nothing(request, role):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        outlet_create(actor=request.getfixturevalue(role), name="X", domains=["example.com"])
    assert row_counts() == before


def test_outlet_create_by_anonymous_user_is_refused():
    with pytest.raises(PermissionDenied):
        outlet_create(actor=AnonymousUser(), name="X")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Bad\x00Name"}, "name"),
        ({"name": "Bell\x07"}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"kind": "blog"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"affiliation": "friendly"}, "affiliation"),
        ({"country": "Ukraine"}, "country"),
        ({"country": "1!"}, "country"),
        ({"owner": "o" * 201}, "owner"),
        ({"party_to": "p" * 121}, "party_to"),
        ({"description": "d" * 5001}, "description"),
        ({"description": "line\x00break"}, "description"),
        ({"domains": ["not a domain"]}, "domain"),
        ({"domains": ["javascript:alert(1)"]}, "domain"),
        ({"domains": ["www."]}, "domain"),
        ({"handles": [("myspace", "someone")]}, "platform"),
        ({"handles": [("x", "@")]}, "handle"),
        ({"handles": [("x", "h" * 101)]}, "handle"),
    ],
)
def test_outlet_create_with_bad_input_is_refused_per_field_and_writes_nothing(
    fact_checker, kwargs, field
):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        outlet_create(actor=fact_checker, **{"name": "Example News", **kwargs})
    assert field in exc.value.message_dict
    assert row_counts() == before


def test_outlet_create_with_a_domain_another_outlet_owns_is_refused_and_writes_nothing(
    fact_checker,
):
    OutletDomainFactory(domain="example.com")
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        outlet_create(actor=fact_checker, name="Copycat", domains=["www.example.com"])
    assert "domain" in exc.value.message_dict
    assert row_counts() == before


# --- outlet_update ---------------------------------------------------------------------------


def test_outlet_update_changes_the_given_fields(fact_checker):
    outlet = OutletFactory(name="Old name")
    outlet_update(
        outlet=outlet,
        actor=fact_checker,
        name="New name",
        affiliation=Outlet.Affiliation.STATE,
        party_to="Russia",
    )
    outlet.refresh_from_db()
    assert (outlet.name, outlet.affiliation, outlet.party_to) == ("New name", "state", "Russia")


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_outlet_update_below_fact_checker_is_refused_and_writes_nothing(request, role):
    outlet = OutletFactory(name="Old name")
    with pytest.raises(PermissionDenied):
        outlet_update(outlet=outlet, actor=request.getfixturevalue(role), name="New name")
    outlet.refresh_from_db()
    assert outlet.name == "Old name"


def test_outlet_update_of_fields_it_does_not_edit_is_refused_per_field(fact_checker):
    outlet = OutletFactory(name="Old name")
    with pytest.raises(ValidationError) as exc:
        outlet_update(outlet=outlet, actor=fact_checker, name="New", id=99, created_at=None)
    assert set(exc.value.message_dict) == {"id", "created_at"}
    assert error_code(exc.value, "id") == "not_editable"
    outlet.refresh_from_db()
    assert outlet.name == "Old name"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"kind": "blog"}, "kind"),
        ({"affiliation": "friendly"}, "affiliation"),
        ({"country": "XYZ"}, "country"),
        ({"description": "d" * 5001}, "description"),
    ],
)
def test_outlet_update_with_bad_input_is_refused_per_field_and_writes_nothing(
    fact_checker, changes, field
):
    outlet = OutletFactory(name="Old name", kind=Outlet.Kind.NEWS_SITE)
    with pytest.raises(ValidationError) as exc:
        outlet_update(outlet=outlet, actor=fact_checker, **changes)
    assert field in exc.value.message_dict
    fresh = Outlet.objects.get(pk=outlet.pk)
    assert (fresh.name, fresh.kind, fresh.description) == ("Old name", "news_site", "")


# --- outlet_domain_add / outlet_handle_add ---------------------------------------------------


def test_outlet_domain_add_stores_the_bare_lower_case_host(fact_checker):
    outlet = OutletFactory()
    row = outlet_domain_add(outlet=outlet, actor=fact_checker, domain="https://WWW.Example.COM/a")
    assert row.domain == "example.com"
    assert row.outlet == outlet


def test_outlet_domain_add_stores_an_idn_domain_in_its_punycode_form(fact_checker):
    outlet = OutletFactory()
    row = outlet_domain_add(outlet=outlet, actor=fact_checker, domain="Bücher.example")
    assert row.domain == "xn--bcher-kva.example"


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_outlet_domain_add_below_fact_checker_is_refused_and_writes_nothing(request, role):
    outlet = OutletFactory()
    with pytest.raises(PermissionDenied):
        outlet_domain_add(outlet=outlet, actor=request.getfixturevalue(role), domain="a.com")
    assert not OutletDomain.objects.exists()


@pytest.mark.parametrize(
    "domain",
    [
        "",
        "   ",
        "www.",
        "not a domain",
        "javascript:alert(1)",
        "example",
        "exa\x00mple.com",
        "-bad-.com",
        "a..b.com",
        "a" * 254 + ".com",
    ],
)
def test_outlet_domain_add_with_a_bad_domain_is_refused_on_domain(fact_checker, domain):
    outlet = OutletFactory()
    with pytest.raises(ValidationError) as exc:
        outlet_domain_add(outlet=outlet, actor=fact_checker, domain=domain)
    assert "domain" in exc.value.message_dict
    assert not OutletDomain.objects.exists()


def test_outlet_domain_add_of_a_domain_another_outlet_owns_is_refused(fact_checker):
    OutletDomainFactory(domain="example.com")
    with pytest.raises(ValidationError) as exc:
        outlet_domain_add(outlet=OutletFactory(), actor=fact_checker, domain="WWW.example.com")
    assert "domain" in exc.value.message_dict
    assert OutletDomain.objects.count() == 1


def test_outlet_handle_add_stores_the_handle_lower_case_without_at_sign(fact_checker):
    outlet = OutletFactory()
    row = outlet_handle_add(outlet=outlet, actor=fact_checker, platform="x", handle="@SomeAcct")
    assert (row.platform, row.handle, row.outlet) == ("x", "someacct", outlet)


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_outlet_handle_add_below_fact_checker_is_refused_and_writes_nothing(request, role):
    with pytest.raises(PermissionDenied):
        outlet_handle_add(
            outlet=OutletFactory(), actor=request.getfixturevalue(role), platform="x", handle="a"
        )
    assert not OutletHandle.objects.exists()


@pytest.mark.parametrize(
    ("platform", "handle", "field"),
    [
        ("myspace", "someone", "platform"),
        ("", "someone", "platform"),
        ("X", "someone", "platform"),
        ("x", "", "handle"),
        ("x", "@", "handle"),
        ("x", "some\x00one", "handle"),
        ("x", "h" * 101, "handle"),
    ],
)
def test_outlet_handle_add_with_bad_input_is_refused_per_field(
    fact_checker, platform, handle, field
):
    with pytest.raises(ValidationError) as exc:
        outlet_handle_add(
            outlet=OutletFactory(), actor=fact_checker, platform=platform, handle=handle
        )
    assert field in exc.value.message_dict
    assert not OutletHandle.objects.exists()


def test_outlet_handle_add_of_a_handle_another_outlet_owns_is_refused(fact_checker):
    OutletHandleFactory(platform="telegram", handle="somechannel")
    with pytest.raises(ValidationError):
        outlet_handle_add(
            outlet=OutletFactory(), actor=fact_checker, platform="telegram", handle="SomeChannel"
        )
    assert OutletHandle.objects.count() == 1


# --- outlet_rate -----------------------------------------------------------------------------


def test_outlet_rate_appends_and_the_latest_grade_is_current(editor, other_editor):
    outlet = OutletFactory()
    first = outlet_rate(outlet=outlet, actor=editor, grade="E", rationale="Fabricated a quote.")
    second = outlet_rate(
        outlet=outlet,
        actor=other_editor,
        grade="B",
        rationale="  Years of corrections since.  ",
        external_reference=" https://ratings.example/outlet ",
    )
    assert list(outlet.ratings.all()) == [second, first]
    assert (second.rated_by, second.rationale, second.external_reference) == (
        other_editor,
        "Years of corrections since.",
        "https://ratings.example/outlet",
    )
    assert Outlet.objects.with_current_grade().get(pk=outlet.pk).current_grade == "B"
    first.refresh_from_db()
    assert first.grade == "E"


def test_unrated_outlet_has_no_current_grade(editor):
    rated, unrated = OutletFactory(), OutletFactory()
    outlet_rate(outlet=rated, actor=editor, grade="F", rationale="No track record.")
    grades = dict(Outlet.objects.with_current_grade().values_list("pk", "current_grade"))
    assert grades == {rated.pk: "F", unrated.pk: None}


@pytest.mark.parametrize("role", ["fact_checker", "viewer", "outsider"])
def test_outlet_rate_below_editor_is_refused_and_writes_nothing(request, role):
    with pytest.raises(PermissionDenied):
        outlet_rate(
            outlet=OutletFactory(), actor=request.getfixturevalue(role), grade="A", rationale="r"
        )
    assert not ReliabilityRating.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"grade": "G"}, "grade"),
        ({"grade": ""}, "grade"),
        ({"grade": "a"}, "grade"),
        ({"grade": "AB"}, "grade"),
        ({"grade": "1"}, "grade"),
        ({"rationale": ""}, "rationale"),
        ({"rationale": "  \n\t "}, "rationale"),
        ({"rationale": "Because\x00"}, "rationale"),
        ({"rationale": "r" * 5001}, "rationale"),
        ({"external_reference": "e" * 501}, "external_reference"),
        ({"external_reference": "ref\x1b[0m"}, "external_reference"),
    ],
)
def test_outlet_rate_with_bad_input_is_refused_per_field_and_writes_nothing(editor, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        outlet_rate(
            outlet=OutletFactory(),
            actor=editor,
            **{"grade": "B", "rationale": "Corrects errors.", **kwargs},
        )
    assert field in exc.value.message_dict
    assert not ReliabilityRating.objects.exists()


# --- source_create: the outlet a URL belongs to ----------------------------------------------


def test_source_create_stores_the_url_as_given_and_its_canonical_form(viewer):
    source = source_create(
        actor=viewer,
        kind=Source.Kind.ARTICLE,
        url="  https://WWW.Example.com/news/story/?utm_source=tw#top ",
        title="  Two killed  ",
        language="en",
    )
    source.refresh_from_db()
    assert source.url == "https://WWW.Example.com/news/story/?utm_source=tw#top"
    assert source.canonical_url == "https://example.com/news/story"
    assert (source.title, source.created_by, source.is_sensitive) == ("Two killed", viewer, False)
    assert source.sourcing == Source.Sourcing.UNKNOWN


def test_source_create_without_url_has_no_canonical_url_and_no_outlet(viewer):
    first = source_create(actor=viewer, kind=Source.Kind.CORRESPONDENCE, title="Letter")
    second = source_create(actor=viewer, kind=Source.Kind.DATASET, title="Crossings")
    assert (first.canonical_url, first.outlet) == (None, None)
    assert second.canonical_url is None
    assert Outlet.objects.count() == 0


def test_source_on_a_subdomain_of_an_owned_domain_attaches_to_its_owner(viewer):
    cnn = OutletDomainFactory(domain="cnn.com").outlet
    source = source_create(actor=viewer, kind="article", url="https://edition.cnn.com/2024/a")
    assert source.outlet == cnn
    assert Outlet.objects.count() == 1


def test_source_attaches_to_the_outlet_owning_the_longest_matching_domain(viewer):
    parent = OutletDomainFactory(domain="example.com").outlet
    desk = OutletDomainFactory(domain="news.example.com").outlet
    deep = source_create(actor=viewer, kind="article", url="https://live.news.example.com/1")
    exact = source_create(actor=viewer, kind="article", url="https://news.example.com/2")
    other = source_create(actor=viewer, kind="article", url="https://sport.example.com/3")
    bare = source_create(actor=viewer, kind="article", url="https://www.example.com/4")
    assert (deep.outlet, exact.outlet, other.outlet, bare.outlet) == (desk, desk, parent, parent)


def test_source_on_an_unknown_domain_gets_a_new_unrated_outlet_for_its_registrable_domain(viewer):
    source = source_create(actor=viewer, kind="article", url="https://edition.cnn.com/2024/a")
    outlet = source.outlet
    assert (outlet.name, outlet.kind) == ("cnn.com", Outlet.Kind.WEBSITE)
    assert list(outlet.domains.values_list("domain", flat=True)) == ["cnn.com"]
    assert Outlet.objects.with_current_grade().get(pk=outlet.pk).current_grade is None

    again = source_create(actor=viewer, kind="article", url="https://www.cnn.com/2024/b")
    assert again.outlet == outlet
    assert Outlet.objects.count() == 1


def test_sites_under_a_private_public_suffix_get_separate_outlets(viewer):
    one = source_create(actor=viewer, kind="article", url="https://alice.github.io/post")
    two = source_create(actor=viewer, kind="article", url="https://bob.github.io/post")
    assert one.outlet != two.outlet
    assert one.outlet.name == "alice.github.io"


def test_source_url_on_an_owned_idn_domain_attaches_to_its_owner(fact_checker, viewer):
    owner = outlet_create(actor=fact_checker, name="Bücher", domains=["bücher.example"])
    source = source_create(actor=viewer, kind="article", url="https://www.BÜCHER.example/a")
    assert source.outlet == owner


@pytest.mark.parametrize(
    ("platform", "handle", "url"),
    [
        ("x", "someacct", "https://x.com/someacct/status/1"),
        ("x", "someacct", "https://twitter.com/SomeAcct/status/1?s=20&t=abc"),
        ("x", "someacct", "https://mobile.twitter.com/someacct/status/1/photo/1"),
        ("telegram", "somechannel", "https://t.me/SomeChannel/10"),
        ("telegram", "somechannel", "https://t.me/s/somechannel/10"),
        ("telegram", "somechannel", "https://telegram.me/somechannel/10"),
    ],
)
def test_social_post_attaches_to_the_outlet_owning_its_handle(viewer, platform, handle, url):
    owner = OutletHandleFactory(platform=platform, handle=handle).outlet
    source = source_create(actor=viewer, kind="social_post", url=url)
    assert source.outlet == owner
    assert Outlet.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "platform", "handle", "name", "kind"),
    [
        (
            "https://twitter.com/NewAcct/status/5?s=20",
            "x",
            "newacct",
            "newacct (X (Twitter))",
            Outlet.Kind.SOCIAL_ACCOUNT,
        ),
        (
            "https://t.me/s/NewChannel/7",
            "telegram",
            "newchannel",
            "newchannel (Telegram)",
            Outlet.Kind.MESSAGING_CHANNEL,
        ),
    ],
)
def test_social_post_with_an_unknown_handle_gets_a_new_outlet_owning_that_handle(
    viewer, url, platform, handle, name, kind
):
    source = source_create(actor=viewer, kind="social_post", url=url)
    assert (source.outlet.name, source.outlet.kind) == (name, kind)
    assert list(source.outlet.handles.values_list("platform", "handle")) == [(platform, handle)]
    assert not source.outlet.domains.exists()


def test_second_post_of_a_new_handle_reuses_the_outlet_created_for_the_first(viewer):
    first = source_create(actor=viewer, kind="social_post", url="https://t.me/chan_one/1")
    second = source_create(actor=viewer, kind="social_post", url="https://t.me/s/Chan_One/2")
    assert first.outlet == second.outlet
    assert OutletHandle.objects.count() == 1


def test_post_on_a_platform_page_without_an_account_attaches_by_domain(viewer):
    source = source_create(actor=viewer, kind="social_post", url="https://x.com/i/status/123")
    assert source.outlet.name == "x.com"
    assert not OutletHandle.objects.exists()


def test_post_with_an_impossibly_long_account_name_attaches_by_domain(viewer):
    url = "https://www.facebook.com/" + "a" * 150 + "/posts/1"
    source = source_create(actor=viewer, kind="social_post", url=url)
    assert source.outlet.name == "facebook.com"
    assert not OutletHandle.objects.exists()


def test_source_create_with_an_explicit_outlet_keeps_it(viewer):
    chosen = OutletFactory()
    source = source_create(
        actor=viewer, kind="article", url="https://unknown.example.org/a", outlet=chosen
    )
    assert source.outlet == chosen
    assert Outlet.objects.count() == 1


# --- source_create: duplicates, roles, bad input ---------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "https://www.example.com/story?utm_source=tw",
            "http://EXAMPLE.com/story/?fbclid=abc#comments",
        ),
        ("https://example.com/a?b=2&a=1", "https://example.com:443/a?a=1&b=2&gclid=x"),
        ("https://twitter.com/SomeAcct/status/1?s=20", "https://x.com/someacct/status/1/photo/1"),
        ("https://t.me/s/SomeChannel/10", "https://telegram.me/somechannel/10"),
    ],
)
def test_same_page_logged_twice_in_two_spellings_is_refused_as_duplicate(viewer, first, second):
    existing = source_create(actor=viewer, kind="article", url=first)
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        source_create(actor=viewer, kind="article", url=second)
    assert error_code(exc.value, "url") == "duplicate"
    assert f"#{existing.pk}" in exc.value.message_dict["url"][0]
    assert row_counts() == before


def test_different_pages_of_one_site_are_two_sources(viewer):
    source_create(actor=viewer, kind="article", url="https://example.com/article?id=1")
    source_create(actor=viewer, kind="article", url="https://example.com/article?id=2")
    assert Source.objects.count() == 2


@pytest.mark.parametrize("role", ["outsider", "anonymous"])
def test_source_create_without_a_newsroom_role_is_refused_and_writes_nothing(request, role):
    actor = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        source_create(actor=actor, kind="article", url="https://unknown.example.org/a")
    assert row_counts() == before


BAD_SOURCE_INPUT = [
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "JAVASCRIPT:alert(document.cookie)"}, "url"),
    ({"url": "file:///etc/passwd"}, "url"),
    ({"url": "data:text/html,<script>alert(1)</script>"}, "url"),
    ({"url": "ftp://example.org/file"}, "url"),
    ({"url": "example.org/no-scheme"}, "url"),
    ({"url": "https://"}, "url"),
    ({"url": "https://exa mple.org/"}, "url"),
    ({"url": "https://example.org/\x00"}, "url"),
    ({"url": "https://example.org/" + "a" * 2000}, "url"),
    # Short enough as typed; its percent-encoded canonical form is not.
    ({"url": "https://example.org/" + "中" * 700}, "url"),
    ({"kind": "blog_post"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"sourcing": "hearsay"}, "sourcing"),
    ({"title": "t" * 501}, "title"),
    ({"title": "Nul\x00byte"}, "title"),
    ({"title": "Bell\x07"}, "title"),
    ({"author": "a" * 301}, "author"),
    ({"author": "Esc\x1b"}, "author"),
    ({"summary": "s" * 10001}, "summary"),
    ({"summary": "\x00"}, "summary"),
    ({"language": "english"}, "language"),
    ({"language": "e\x00"}, "language"),
]


@pytest.mark.parametrize(("kwargs", "field"), BAD_SOURCE_INPUT)
def test_source_create_with_bad_input_is_refused_per_field_and_writes_nothing(
    viewer, kwargs, field
):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        source_create(
            actor=viewer, **{"kind": "article", "url": "https://unknown.example.org/a", **kwargs}
        )
    assert field in exc.value.message_dict
    assert row_counts() == before


# --- source_update ---------------------------------------------------------------------------


def test_source_update_recanonicalizes_the_url_and_reattaches_the_outlet(viewer):
    source = source_create(actor=viewer, kind="article", url="https://example.com/a")
    old_outlet = source.outlet
    desk = OutletDomainFactory(domain="news.example.org").outlet
    source_update(source=source, actor=viewer, url=" https://www.News.Example.org/b/?utm_source=x ")
    source.refresh_from_db()
    assert source.url == "https://www.News.Example.org/b/?utm_source=x"
    assert source.canonical_url == "https://news.example.org/b"
    assert source.outlet == desk != old_outlet


def test_source_update_with_url_and_outlet_keeps_the_outlet_given(viewer):
    source = source_create(actor=viewer, kind="article", url="https://example.com/a")
    chosen = OutletFactory()
    source_update(source=source, actor=viewer, url="https://example.org/b", outlet=chosen)
    source.refresh_from_db()
    assert (source.canonical_url, source.outlet) == ("https://example.org/b", chosen)


def test_source_update_clearing_the_url_clears_its_canonical_form(viewer):
    source = source_create(actor=viewer, kind="document", url="https://example.com/a")
    source_update(source=source, actor=viewer, url="")
    source.refresh_from_db()
    assert (source.url, source.canonical_url) == ("", None)


def test_source_update_respelling_its_own_url_is_not_a_duplicate(viewer):
    source = source_create(actor=viewer, kind="article", url="https://example.com/a")
    source_update(source=source, actor=viewer, url="http://www.example.com/a/#x")
    source.refresh_from_db()
    assert source.canonical_url == "https://example.com/a"


def test_source_update_to_another_sources_page_is_refused_as_duplicate(viewer):
    source_create(actor=viewer, kind="article", url="https://example.com/taken")
    source = source_create(actor=viewer, kind="article", url="https://example.com/mine")
    with pytest.raises(ValidationError) as exc:
        source_update(source=source, actor=viewer, url="https://www.example.com/taken?utm_id=1")
    assert error_code(exc.value, "url") == "duplicate"
    source.refresh_from_db()
    assert source.canonical_url == "https://example.com/mine"


def test_source_update_changes_plain_fields(viewer):
    source = SourceFactory(created_by=viewer, title="Old")
    source_update(source=source, actor=viewer, title="  New  ", sourcing="original")
    source.refresh_from_db()
    assert (source.title, source.sourcing) == ("New", "original")


def test_author_may_edit_own_source_but_a_viewer_may_not_edit_someone_elses(viewer, editor):
    others = SourceFactory(created_by=editor, title="Old")
    with pytest.raises(PermissionDenied):
        source_update(source=others, actor=viewer, title="New")
    others.refresh_from_db()
    assert others.title == "Old"


def test_fact_checker_may_edit_someone_elses_source(fact_checker, viewer):
    source = SourceFactory(created_by=viewer, title="Old")
    source_update(source=source, actor=fact_checker, title="New")
    source.refresh_from_db()
    assert source.title == "New"


def test_source_update_by_an_author_without_a_role_is_refused(outsider):
    source = SourceFactory(created_by=outsider, title="Old")
    with pytest.raises(PermissionDenied):
        source_update(source=source, actor=outsider, title="New")
    source.refresh_from_db()
    assert source.title == "Old"


def test_fact_checker_may_mark_a_source_sensitive(fact_checker, viewer):
    source = SourceFactory(created_by=viewer)
    source_update(source=source, actor=fact_checker, is_sensitive=True)
    source.refresh_from_db()
    assert source.is_sensitive


@pytest.mark.parametrize("lifted", [False, 0, "False"])
@pytest.mark.parametrize("role", ["fact_checker", "viewer"])
def test_only_an_editor_may_lift_the_sensitive_mark(request, role, lifted):
    actor = request.getfixturevalue(role)
    source = SourceFactory(created_by=actor, is_sensitive=True)
    with pytest.raises(PermissionDenied):
        source_update(source=source, actor=actor, is_sensitive=lifted)
    source.refresh_from_db()
    assert source.is_sensitive


def test_lifting_the_sensitive_mark_is_judged_on_the_stored_row_not_the_callers_copy(
    fact_checker,
):
    source = SourceFactory(created_by=fact_checker, is_sensitive=False)
    stale_copy = Source.objects.get(pk=source.pk)
    Source.objects.filter(pk=source.pk).update(is_sensitive=True)
    with pytest.raises(PermissionDenied):
        source_update(source=stale_copy, actor=fact_checker, is_sensitive=False)
    source.refresh_from_db()
    assert source.is_sensitive


def test_editor_may_lift_the_sensitive_mark(editor, fact_checker):
    source = SourceFactory(created_by=fact_checker, is_sensitive=True)
    source_update(source=source, actor=editor, is_sensitive=False)
    source.refresh_from_db()
    assert not source.is_sensitive


def test_source_update_of_fields_it_does_not_edit_is_refused_per_field(viewer):
    source = SourceFactory(created_by=viewer)
    with pytest.raises(ValidationError) as exc:
        source_update(
            source=source,
            actor=viewer,
            canonical_url="https://evil.example/",
            created_by=None,
            title="New",
        )
    assert set(exc.value.message_dict) == {"canonical_url", "created_by"}
    assert Source.objects.get(pk=source.pk).canonical_url == source.canonical_url


@pytest.mark.parametrize(("changes", "field"), BAD_SOURCE_INPUT)
def test_source_update_with_bad_input_is_refused_per_field_and_writes_nothing(
    viewer, changes, field
):
    source = source_create(actor=viewer, kind="article", url="https://example.com/a", title="T")
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        source_update(source=source, actor=viewer, **changes)
    assert field in exc.value.message_dict
    assert row_counts() == before
    fresh = Source.objects.get(pk=source.pk)
    assert (fresh.url, fresh.canonical_url, fresh.kind, fresh.title) == (
        "https://example.com/a",
        "https://example.com/a",
        "article",
        "T",
    )


# --- citations -------------------------------------------------------------------------------


def test_citation_create_records_the_edge(fact_checker):
    mag, post = SourceFactory(), SourceFactory()
    citation = citation_create(
        actor=fact_checker, citing=mag, cited=post, kind=Citation.Kind.QUOTES, note="Quotes it."
    )
    assert (citation.citing, citation.cited, citation.kind) == (mag, post, "quotes")
    assert citation.created_by == fact_checker


def test_citation_create_of_a_source_citing_itself_is_refused(fact_checker):
    source = SourceFactory()
    with pytest.raises(ValidationError) as exc:
        citation_create(actor=fact_checker, citing=source, cited=source)
    assert error_code(exc.value, "cited") == "self_citation"
    assert not Citation.objects.exists()


def test_citation_create_of_a_recorded_citation_is_refused_as_duplicate(fact_checker):
    existing = CitationFactory()
    with pytest.raises(ValidationError) as exc:
        citation_create(
            actor=fact_checker, citing=existing.citing, cited=existing.cited, kind="quotes"
        )
    assert error_code(exc.value, "cited") == "duplicate"
    assert Citation.objects.count() == 1


def test_citation_create_in_the_opposite_direction_is_allowed(fact_checker):
    existing = CitationFactory()
    citation_create(actor=fact_checker, citing=existing.cited, cited=existing.citing)
    assert Citation.objects.count() == 2


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_citation_create_below_fact_checker_is_refused_and_writes_nothing(request, role):
    with pytest.raises(PermissionDenied):
        citation_create(
            actor=request.getfixturevalue(role), citing=SourceFactory(), cited=SourceFactory()
        )
    assert not Citation.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "paraphrases"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"note": "n" * 2001}, "note"),
        ({"note": "a\x00b"}, "note"),
        ({"note": "\x08"}, "note"),
    ],
)
def test_citation_create_with_bad_input_is_refused_per_field(fact_checker, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        citation_create(actor=fact_checker, citing=SourceFactory(), cited=SourceFactory(), **kwargs)
    assert field in exc.value.message_dict
    assert not Citation.objects.exists()


def test_citation_delete_removes_the_edge(fact_checker):
    citation = CitationFactory()
    citation_delete(citation=citation, actor=fact_checker)
    assert not Citation.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_citation_delete_below_fact_checker_is_refused(request, role):
    citation = CitationFactory()
    with pytest.raises(PermissionDenied):
        citation_delete(citation=citation, actor=request.getfixturevalue(role))
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_a_sensitive_source_on_an_unowned_domain_creates_no_outlet(viewer):
    before = Outlet.objects.count()

    source = source_create(
        actor=viewer, kind="document", url="https://informant-blog.example/post", is_sensitive=True
    )

    assert source.outlet is None
    assert Outlet.objects.count() == before


def test_a_sensitive_source_joins_an_outlet_that_already_owns_its_url(viewer, fact_checker):
    owner = outlet_create(actor=fact_checker, name="Known", domains=["known.example"])

    source = source_create(
        actor=viewer, kind="document", url="https://known.example/leak", is_sensitive=True
    )

    assert source.outlet == owner
