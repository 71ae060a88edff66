"""The admin for outlets, ratings, sources and citations: service writes, hidden sensitive sources.

The Source and Citation admins are defined and registered by sources.admin with the access rule of
sources.selectors; these tests go through the registered admin.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from sources.models import Citation, Outlet, OutletDomain, OutletHandle, ReliabilityRating, Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletDomainFactory,
    OutletFactory,
    ReliabilityRatingFactory,
    SourceFactory,
    grant,
)


def url(model: Any, view: str = "changelist", *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def shown_form_data(response: Any) -> dict[str, Any]:
    """What a browser posts back for an admin form page as shown (see tests/verification)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for field in form:
            value = field.value()
            if field.field.disabled or value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def outlet_inlines(**totals: int) -> dict[str, int]:
    """Management forms of the Outlet add page's inlines, with ``totals`` new rows."""
    data = {}
    for prefix in ("domains", "handles", "ratings"):
        data[f"{prefix}-TOTAL_FORMS"] = totals.get(prefix, 0)
        data[f"{prefix}-INITIAL_FORMS"] = 0
    return data


SOURCE_FORM = {
    "kind": "article",
    "title": "",
    "url": "",
    "author": "",
    "language": "",
    "sourcing": "unknown",
    "summary": "",
}


# --- Sensitive sources ---------------------------------------------------------------------------


@pytest.fixture
def informant(editor) -> Source:
    return SourceFactory(title="Informant statement", is_sensitive=True, created_by=editor)


@pytest.fixture
def open_report(editor) -> Source:
    return SourceFactory(title="Open report", created_by=editor)


def test_viewer_does_not_see_a_sensitive_source_in_the_list(client, viewer, informant, open_report):
    client.force_login(viewer)
    response = client.get(url(Source))
    assert list(response.context["cl"].result_list) == [open_report]
    assert b"Informant" not in response.content


def test_viewer_cannot_open_a_sensitive_source_by_url(client, viewer, informant):
    client.force_login(viewer)
    response = client.get(url(Source, "change", informant.pk), follow=True)
    assert response.redirect_chain[0][0] == reverse("admin:index")
    assert b"Informant" not in response.content


def test_viewer_is_not_offered_a_sensitive_source_by_autocomplete(
    client, viewer, informant, open_report
):
    client.force_login(viewer)
    query = {"app_label": "sources", "model_name": "citation", "field_name": "citing", "term": ""}
    response = client.get(reverse("admin:autocomplete"), query)
    assert [row["text"] for row in response.json()["results"]] == ["Open report"]


def test_editor_sees_sensitive_sources(client, editor, informant, open_report):
    client.force_login(editor)
    assert response_rows(client.get(url(Source))) == {informant, open_report}
    assert client.get(url(Source, "change", informant.pk)).status_code == 200


def test_fact_checker_granted_the_source_sees_it(
    client, fact_checker, editor, informant, open_report
):
    """The rule is sources.selectors' (source_access), not an admin-only approximation."""
    grant(informant, fact_checker, by=editor)
    client.force_login(fact_checker)
    assert response_rows(client.get(url(Source))) == {informant, open_report}


def test_fact_checker_on_its_claim_without_a_grant_does_not_see_it(
    client, fact_checker, informant, open_report
):
    EvidenceFactory(claim=ClaimFactory(assignee=fact_checker), source=informant)
    client.force_login(fact_checker)
    assert response_rows(client.get(url(Source))) == {open_report}


def test_viewer_does_not_see_a_citation_of_a_sensitive_source(
    client, viewer, informant, open_report
):
    CitationFactory(citing=open_report, cited=informant)
    client.force_login(viewer)
    assert response_rows(client.get(url(Citation))) == set()


def response_rows(response: Any) -> set[Any]:
    return set(response.context["cl"].result_list)


# --- Sources -------------------------------------------------------------------------------------


def test_source_created_in_admin_is_canonicalized_and_attached_to_its_outlet(client, viewer):
    bbc = OutletDomainFactory(domain="bbc.co.uk").outlet
    client.force_login(viewer)
    data = {**SOURCE_FORM, "url": "https://www.News.BBC.co.uk/story?utm_source=x#top"}

    response = client.post(url(Source, "add"), data)

    assert response.status_code == 302
    source = Source.objects.get()
    assert (source.canonical_url, source.outlet, source.created_by) == (
        "https://news.bbc.co.uk/story",
        bbc,
        viewer,
    )


def test_source_from_an_unknown_domain_gets_a_new_outlet(client, viewer):
    client.force_login(viewer)
    data = {**SOURCE_FORM, "url": "https://blog.example.org/post"}

    assert client.post(url(Source, "add"), data).status_code == 302
    outlet = Source.objects.get().outlet
    assert outlet is not None
    assert list(outlet.domains.values_list("domain", flat=True)) == ["example.org"]


def test_duplicate_url_is_a_form_error_on_url(client, viewer, open_report):
    client.force_login(viewer)
    data = {**SOURCE_FORM, "url": open_report.url.replace("https://", "http://www.") + "/"}

    response = client.post(url(Source, "add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["url"]
    assert f"already recorded as source #{open_report.pk}" in str(errors)
    assert Source.objects.count() == 1


def test_javascript_url_is_a_form_error_on_url(client, viewer):
    client.force_login(viewer)
    response = client.post(url(Source, "add"), {**SOURCE_FORM, "url": "javascript:alert(1)"})
    assert "url" in response.context["adminform"].form.errors
    assert not Source.objects.exists()


def test_source_edit_goes_through_source_update(client, viewer):
    source = SourceFactory(created_by=viewer)
    client.force_login(viewer)
    page = client.get(url(Source, "change", source.pk))
    data = {**shown_form_data(page), "url": "https://twitter.com/Acct/status/5?s=20"}

    assert client.post(url(Source, "change", source.pk), data).status_code == 302
    source.refresh_from_db()
    assert source.canonical_url == "https://x.com/acct/status/5"
    assert source.outlet.handles.get().handle == "acct"


def test_viewer_editing_someone_elses_source_is_a_form_error(client, viewer, open_report):
    client.force_login(viewer)
    page = client.get(url(Source, "change", open_report.pk))
    data = {**shown_form_data(page), "title": "Mine now"}

    response = client.post(url(Source, "change", open_report.pk), data)

    assert response.status_code == 200
    assert "fact-checker role" in " ".join(response.context["adminform"].form.non_field_errors())
    open_report.refresh_from_db()
    assert open_report.title == "Open report"


def test_sources_cannot_be_deleted_in_admin(client, editor, open_report):
    client.force_login(editor)
    assert client.post(url(Source, "delete", open_report.pk), {"post": "yes"}).status_code == 403
    assert Source.objects.filter(pk=open_report.pk).exists()


# --- Citations -----------------------------------------------------------------------------------


def test_citation_added_in_admin_goes_through_citation_create(client, fact_checker):
    citing, cited = SourceFactory(), SourceFactory()
    client.force_login(fact_checker)
    data = {"citing": citing.pk, "cited": cited.pk, "kind": "quotes", "note": ""}

    assert client.post(url(Citation, "add"), data).status_code == 302
    assert Citation.objects.get().created_by == fact_checker


def test_self_citation_is_a_form_error(client, fact_checker):
    source = SourceFactory()
    client.force_login(fact_checker)
    data = {"citing": source.pk, "cited": source.pk, "kind": "cites", "note": ""}

    response = client.post(url(Citation, "add"), data)

    assert "cannot cite itself" in str(response.context["adminform"].form.errors["cited"])
    assert not Citation.objects.exists()


def test_citation_deleted_in_admin(client, fact_checker):
    citation = CitationFactory()
    client.force_login(fact_checker)
    assert client.post(url(Citation, "delete", citation.pk), {"post": "yes"}).status_code == 302
    assert not Citation.objects.exists()


def test_viewer_cannot_record_citations(client, viewer):
    client.force_login(viewer)
    assert client.get(url(Citation, "add")).status_code == 403


# --- Outlets -------------------------------------------------------------------------------------


def test_outlet_added_with_its_domain_and_handle(client, fact_checker):
    client.force_login(fact_checker)
    data = {
        "name": "Sample News",
        "kind": "news_site",
        "country": "gb",
        "affiliation": "independent",
        **outlet_inlines(domains=1, handles=1),
        "domains-0-domain": "WWW.Sample-News.example",
        "handles-0-platform": "x",
        "handles-0-handle": "@SampleNews",
    }

    response = client.post(url(Outlet, "add"), data)

    assert response.status_code == 302
    outlet = Outlet.objects.get()
    assert outlet.country == "GB"  # outlet_create upper-cases it
    assert list(outlet.domains.values_list("domain", flat=True)) == ["sample-news.example"]
    assert list(outlet.handles.values_list("handle", flat=True)) == ["samplenews"]


def test_outlet_with_a_taken_domain_is_refused_whole(client, fact_checker):
    OutletDomainFactory(domain="taken.example")
    client.force_login(fact_checker)
    data = {
        "name": "Copycat",
        "kind": "website",
        "affiliation": "unknown",
        **outlet_inlines(domains=1),
        "domains-0-domain": "taken.example",
    }

    response = client.post(url(Outlet, "add"), data)

    assert response.status_code == 200
    assert "domain" in response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert not Outlet.objects.filter(name="Copycat").exists()


def test_outlet_edit_goes_through_outlet_update(client, fact_checker):
    outlet = OutletDomainFactory().outlet
    client.force_login(fact_checker)
    page = client.get(url(Outlet, "change", outlet.pk))
    data = {**shown_form_data(page), "owner": "Big Media Group"}

    assert client.post(url(Outlet, "change", outlet.pk), data).status_code == 302
    outlet.refresh_from_db()
    assert outlet.owner == "Big Media Group"


def test_outlet_list_shows_and_filters_by_the_current_grade(client, editor):
    rated = OutletFactory(name="Rated")
    unrated = OutletFactory(name="Unrated")
    ReliabilityRatingFactory(outlet=rated, grade="B")
    ReliabilityRatingFactory(outlet=rated, grade="D")
    client.force_login(editor)

    response = client.get(url(Outlet))

    assert b"D - Not usually reliable" in response.content
    assert response_rows(client.get(url(Outlet), {"grade": "D"})) == {rated}
    assert response_rows(client.get(url(Outlet), {"grade": "B"})) == set()
    assert response_rows(client.get(url(Outlet), {"grade": "none"})) == {unrated}


def test_domain_added_in_its_own_admin_is_normalized(client, fact_checker):
    outlet = OutletFactory()
    client.force_login(fact_checker)

    response = client.post(
        url(OutletDomain, "add"), {"outlet": outlet.pk, "domain": "WWW.A.example"}
    )

    assert response.status_code == 302
    assert OutletDomain.objects.get().domain == "a.example"


def test_handles_are_added_not_edited(client, fact_checker):
    outlet = OutletFactory()
    client.force_login(fact_checker)
    data = {"outlet": outlet.pk, "platform": "telegram", "handle": "@Chan"}
    assert client.post(url(OutletHandle, "add"), data).status_code == 302
    handle = OutletHandle.objects.get()
    assert handle.handle == "chan"
    assert client.post(url(OutletHandle, "change", handle.pk), data).status_code == 403


# --- Reliability ratings -------------------------------------------------------------------------


def rating_form(outlet: Outlet) -> dict[str, Any]:
    return {
        "outlet": outlet.pk,
        "grade": "C",
        "rationale": "Mixed record.",
        "external_reference": "",
    }


def test_editor_adds_a_reliability_rating(client, editor):
    outlet = OutletFactory()
    client.force_login(editor)

    assert client.post(url(ReliabilityRating, "add"), rating_form(outlet)).status_code == 302

    rating = ReliabilityRating.objects.get()
    assert (rating.outlet, rating.grade, rating.rated_by) == (outlet, "C", editor)
    assert Outlet.objects.with_current_grade().get().current_grade == "C"


def test_fact_checker_cannot_add_a_reliability_rating(client, fact_checker):
    outlet = OutletFactory()
    client.force_login(fact_checker)

    assert client.get(url(ReliabilityRating, "add")).status_code == 403
    assert client.post(url(ReliabilityRating, "add"), rating_form(outlet)).status_code == 403
    assert not ReliabilityRating.objects.exists()


def test_editor_rates_an_outlet_on_its_page(client, editor):
    outlet = OutletFactory()
    ReliabilityRatingFactory(outlet=outlet, grade="B")
    client.force_login(editor)
    page = client.get(url(Outlet, "change", outlet.pk))
    data = shown_form_data(page)
    data.update(
        {
            "ratings-TOTAL_FORMS": 2,
            "ratings-1-grade": "E",
            "ratings-1-rationale": "Fabricated quotes.",
            "ratings-1-external_reference": "",
        }
    )

    assert client.post(url(Outlet, "change", outlet.pk), data).status_code == 302

    assert list(outlet.ratings.values_list("grade", flat=True)) == ["E", "B"]  # latest first
    assert outlet.ratings.first().rated_by == editor


def test_fact_checker_sees_ratings_on_the_outlet_page_but_cannot_add_one(client, fact_checker):
    outlet = OutletFactory()
    ReliabilityRatingFactory(outlet=outlet, grade="B")
    client.force_login(fact_checker)
    page = client.get(url(Outlet, "change", outlet.pk))
    ratings = next(
        i for i in page.context["inline_admin_formsets"] if i.opts.model is ReliabilityRating
    )
    assert not ratings.has_add_permission
    data = shown_form_data(page)
    data.update({"ratings-TOTAL_FORMS": 2, "ratings-1-grade": "A", "ratings-1-rationale": "x"})

    client.post(url(Outlet, "change", outlet.pk), data)

    assert outlet.ratings.count() == 1


@pytest.mark.parametrize("view", ["change", "delete"])
def test_ratings_cannot_be_changed_or_deleted(client, editor, view):
    rating = ReliabilityRatingFactory(grade="B")
    client.force_login(editor)
    data = {"post": "yes", "grade": "A", "rationale": "Changed."}

    assert client.post(url(ReliabilityRating, view, rating.pk), data).status_code == 403
    rating.refresh_from_db()
    assert rating.grade == "B"
