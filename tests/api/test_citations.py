"""Citations over the API: list and filters, create, delete; both ends must be visible."""

from __future__ import annotations

import pytest

from sources.models import Citation, Source
from tests.api.helpers import api, assert_error, ids
from tests.factories import CitationFactory, ClaimFactory, EvidenceFactory, SourceFactory, grant

pytestmark = pytest.mark.django_db

CITATIONS = "/api/v1/citations/"


@pytest.fixture
def article() -> Source:
    return SourceFactory(title="Article")


@pytest.fixture
def post() -> Source:
    return SourceFactory(title="Telegram post", kind=Source.Kind.SOCIAL_POST)


# --- GET /citations/ ---------------------------------------------------------------------------


def test_citation_list_shows_both_ends(viewer, article, post):
    citation = CitationFactory(citing=article, cited=post, kind="quotes", note="Quotes the post.")

    response = api(viewer).get(CITATIONS)

    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["id"] == citation.pk
    assert (row["citing"]["id"], row["citing"]["title"]) == (article.pk, "Article")
    assert (row["cited"]["id"], row["cited"]["url"]) == (post.pk, post.url)
    assert (row["kind"], row["note"]) == ("quotes", "Quotes the post.")


def test_citation_list_hides_citations_to_a_hidden_source_and_counts_them_not(
    viewer, article, post, hidden
):
    shown = CitationFactory(citing=article, cited=post)
    CitationFactory(citing=article, cited=hidden)
    CitationFactory(citing=hidden, cited=post)

    response = api(viewer).get(CITATIONS)

    assert (response.json()["count"], ids(response)) == (1, {shown.pk})


def test_citation_list_shows_citations_of_a_sensitive_source_to_a_fact_checker_granted_it(
    fact_checker, editor, article, hidden
):
    grant(hidden, fact_checker, by=editor)
    citation = CitationFactory(citing=article, cited=hidden)

    assert ids(api(fact_checker).get(CITATIONS)) == {citation.pk}


def test_citation_list_hides_citations_of_a_sensitive_source_from_the_claims_fact_checker(
    fact_checker, article, hidden
):
    EvidenceFactory(claim=ClaimFactory(assignee=fact_checker), source=hidden, added_by=fact_checker)
    CitationFactory(citing=article, cited=hidden)

    assert ids(api(fact_checker).get(CITATIONS)) == set()


def test_citation_list_shows_every_citation_to_an_editor(other_editor, article, post, hidden):
    citations = {CitationFactory(citing=article, cited=hidden).pk, CitationFactory().pk}

    assert ids(api(other_editor).get(CITATIONS)) == citations


def test_citation_list_is_401_for_the_anonymous():
    assert_error(api().get(CITATIONS), 401)


def test_citation_list_is_403_without_a_newsroom_role(outsider):
    assert_error(api(outsider).get(CITATIONS), 403)


def test_citation_filter_citing(viewer, article, post):
    citation = CitationFactory(citing=article, cited=post)
    CitationFactory(citing=post, cited=article)

    assert ids(api(viewer).get(CITATIONS, {"citing": article.pk})) == {citation.pk}


def test_citation_filter_cited(viewer, article, post):
    citation = CitationFactory(citing=article, cited=post)
    CitationFactory(citing=post, cited=article)

    assert ids(api(viewer).get(CITATIONS, {"cited": post.pk})) == {citation.pk}


def test_citation_filter_kind(viewer, article, post):
    citation = CitationFactory(citing=article, cited=post, kind="republishes")
    CitationFactory(citing=post, cited=article, kind="cites")

    assert ids(api(viewer).get(CITATIONS, {"kind": "republishes"})) == {citation.pk}


def test_citation_filter_by_a_hidden_source_finds_nothing(viewer, article, hidden):
    CitationFactory(citing=article, cited=hidden)

    assert api(viewer).get(CITATIONS, {"cited": hidden.pk}).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"source": "1"}, "source"),
        ({"citing": "abc"}, "citing"),
        ({"cited": "1.5"}, "cited"),
        ({"cited": "-3"}, "cited"),
        ({"kind": "mentions"}, "kind"),
    ],
)
def test_citation_list_with_a_bad_filter_is_400_naming_it(viewer, params, parameter):
    assert_error(api(viewer).get(CITATIONS, params), 400, parameter)


@pytest.mark.parametrize("rows", [5, 50])
def test_citation_list_query_count_does_not_grow_with_page_size(
    fact_checker, django_assert_max_num_queries, rows
):
    for n in range(rows):
        CitationFactory(cited=SourceFactory(is_sensitive=n % 2 == 0))
    client = api(fact_checker)

    # The role, the sensitive sources they may see (once), the count, the page.
    with django_assert_max_num_queries(4):
        response = client.get(CITATIONS, {"page_size": 50})
    assert response.json()["count"] == rows - (rows + 1) // 2


# --- POST /citations/ --------------------------------------------------------------------------


def test_fact_checker_records_a_citation(fact_checker, article, post):
    response = api(fact_checker).post(
        CITATIONS,
        {"citing": article.pk, "cited": post.pk, "kind": "primary_source", "note": "Relies on it."},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["citing"]["id"], body["cited"]["id"]) == (article.pk, post.pk)
    assert (body["kind"], body["created_by"]) == ("primary_source", "fiona_checker")
    assert Citation.objects.filter(citing=article, cited=post).exists()


def test_citation_kind_defaults_to_cites(editor, article, post):
    response = api(editor).post(CITATIONS, {"citing": article.pk, "cited": post.pk}, format="json")

    assert response.json()["kind"] == "cites"


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_citation_create_below_fact_checker_is_403_and_writes_nothing(request, role, article, post):
    response = api(request.getfixturevalue(role)).post(
        CITATIONS, {"citing": article.pk, "cited": post.pk}, format="json"
    )

    assert_error(response, 403)
    assert not Citation.objects.exists()


def test_citation_create_by_the_anonymous_is_401_and_writes_nothing(article, post):
    response = api().post(CITATIONS, {"citing": article.pk, "cited": post.pk}, format="json")

    assert_error(response, 401)
    assert not Citation.objects.exists()


def test_citation_to_a_hidden_source_is_400_like_an_unknown_id(fact_checker, article, hidden):
    hidden_response = api(fact_checker).post(
        CITATIONS, {"citing": article.pk, "cited": hidden.pk}, format="json"
    )

    assert_error(hidden_response, 400, "cited")
    assert hidden_response.json()["fields"]["cited"][0]["code"] == "does_not_exist"
    assert not Citation.objects.exists()


def test_citation_of_a_source_citing_itself_is_400(fact_checker, article):
    response = api(fact_checker).post(
        CITATIONS, {"citing": article.pk, "cited": article.pk}, format="json"
    )

    assert_error(response, 400, "cited")
    assert not Citation.objects.exists()


def test_a_recorded_citation_recorded_again_is_400_duplicate(fact_checker, article, post):
    CitationFactory(citing=article, cited=post)

    response = api(fact_checker).post(
        CITATIONS, {"citing": article.pk, "cited": post.pk}, format="json"
    )

    assert_error(response, 400, "cited")
    assert response.json()["fields"]["cited"][0]["code"] == "duplicate"
    assert Citation.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"citing": 999999}, "citing"),
        ({"citing": 2**70}, "citing"),
        ({"citing": "abc"}, "citing"),
        ({"citing": None}, "citing"),
        ({"citing": True}, "citing"),
        ({"cited": [1]}, "cited"),
        ({"kind": "mentions"}, "kind"),
        ({"note": "nul\u0000"}, "note"),
        ({"note": "n" * 2001}, "note"),
    ],
)
def test_citation_create_with_bad_input_is_400_and_writes_nothing(
    fact_checker, article, post, body, field
):
    response = api(fact_checker).post(
        CITATIONS, {"citing": article.pk, "cited": post.pk, **body}, format="json"
    )

    assert_error(response, 400, field)
    assert not Citation.objects.exists()


def test_citation_create_with_malformed_json_is_400_and_writes_nothing(fact_checker):
    response = api(fact_checker).generic(
        "POST", CITATIONS, b'{"citing": 1,,}', content_type="application/json"
    )

    assert_error(response, 400)
    assert not Citation.objects.exists()


# --- DELETE /citations/{id}/ -------------------------------------------------------------------


def test_fact_checker_removes_a_citation(fact_checker):
    citation = CitationFactory()

    response = api(fact_checker).delete(f"{CITATIONS}{citation.pk}/")

    assert response.status_code == 204
    assert not Citation.objects.exists()


def test_citation_delete_by_a_viewer_is_403_and_keeps_it(viewer):
    citation = CitationFactory()

    assert_error(api(viewer).delete(f"{CITATIONS}{citation.pk}/"), 403)
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_citation_delete_of_an_unknown_id_is_404(fact_checker):
    assert_error(api(fact_checker).delete(f"{CITATIONS}999999/"), 404)


def test_citation_delete_of_a_citation_to_a_hidden_source_is_404_and_keeps_it(
    fact_checker, article, hidden
):
    citation = CitationFactory(citing=article, cited=hidden)

    assert_error(api(fact_checker).delete(f"{CITATIONS}{citation.pk}/"), 404)
    assert Citation.objects.filter(pk=citation.pk).exists()
