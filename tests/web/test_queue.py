"""The queue page: filters, sorting, counts per status, pages, htmx fragments, query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from demo.newsroom import MERCENARIES, demo_claim, demo_load
from tests.factories import (
    ClaimantFactory,
    ClaimFactory,
    EvidenceFactory,
    PublicationFactory,
    SourceFactory,
    TagFactory,
)

QUEUE = reverse("web:queue")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _texts(response) -> list[str]:
    """The claims listed, in order (the link text of each row's claim)."""
    html = response.content.decode()
    found = re.findall(r'<td data-label="Claim">\s*<a href="[^"]*">([^<]*)</a>', html)
    return [unescape(text) for text in found]


def _claim(text: str, **kwargs) -> Claim:
    return ClaimFactory(text=text, **kwargs)


@pytest.fixture
def signed_in(client, fact_checker):
    client.force_login(fact_checker)
    return client


# --- Who may see it ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_every_newsroom_role_sees_the_queue(client, users_by_role, role):
    _claim("The bridge was closed on Monday.")
    client.force_login(users_by_role[role])
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert _texts(response) == ["The bridge was closed on Monday."]
    assert b'aria-current="page">Queue</a>' in response.content


def test_a_user_without_a_newsroom_role_is_refused(client, outsider):
    client.force_login(outsider)
    response = client.get(QUEUE)
    assert response.status_code == 403
    assert b"needs the viewer role" in response.content


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(QUEUE + "?status=in_review")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:signin") + "?next=")


def test_the_queue_is_read_only(signed_in):
    assert signed_in.post(QUEUE).status_code == 405


# --- Rows ---------------------------------------------------------------------------------------


def test_a_row_shows_claimant_status_verdict_assignee_flag_evidence_and_time(
    signed_in, fact_checker
):
    claim = _claim(
        "Exports fell by a third.",
        claimant=ClaimantFactory(name="Trade minister"),
        status=Claim.Status.VERIFIED,
        needs_review=True,
        assignee=fact_checker,
    )
    EvidenceFactory.create_batch(2, claim=claim)
    PublicationFactory(claim=claim, verdict=Claim.Status.VERIFIED)
    claim.tags.add(TagFactory(name="trade"))
    html = signed_in.get(QUEUE).content.decode()
    assert f'href="{reverse("web:claim-detail", args=[claim.pk])}"' in html
    assert "Trade minister" in html
    assert '<span class="badge status-verified">Verified</span>' in html
    assert html.count("status-verified") >= 2  # the working status and the published verdict
    assert '<td data-label="Assignee">fiona_checker</td>' in html
    assert "Flagged for review</span>" in html
    assert '<td data-label="Evidence">2</td>' in html
    assert '<span class="tag">trade</span>' in html
    assert f'datetime="{claim.updated_at.isoformat()}"' in html.replace("+00:00", "+00:00")


def test_a_claim_without_publication_claimant_or_assignee_says_so(signed_in):
    _claim("Nobody has looked at this.")
    html = signed_in.get(QUEUE).content.decode()
    assert "Not published" in html
    assert "Unassigned" in html
    assert '<td data-label="Claimant"><span class="muted">None</span></td>' in html


def test_an_unpublished_verdict_is_not_shown_as_published(signed_in):
    claim = _claim("Withdrawn verdict.", status=Claim.Status.FALSE)
    PublicationFactory(claim=claim, verdict=Claim.Status.FALSE)
    PublicationFactory(
        claim=claim, action="unpublish", verdict="", status_change=None, reason="Corrected."
    )
    html = signed_in.get(QUEUE).content.decode()
    assert "Not published" in html


def test_the_evidence_count_leaves_out_sources_the_user_may_not_see(client, viewer, editor):
    claim = _claim("Two prisoners were filmed.")
    EvidenceFactory(claim=claim)
    EvidenceFactory(claim=claim, source=SourceFactory(is_sensitive=True))
    client.force_login(viewer)
    assert '<td data-label="Evidence">1</td>' in client.get(QUEUE).content.decode()
    client.force_login(editor)
    assert '<td data-label="Evidence">2</td>' in client.get(QUEUE).content.decode()


def test_an_empty_queue_says_nothing_matches(signed_in):
    assert b"No claims match these filters." in signed_in.get(QUEUE).content


# --- Filters ------------------------------------------------------------------------------------


def test_filter_by_status(signed_in):
    _claim("In review one.", status=Claim.Status.IN_REVIEW)
    _claim("Unverified one.")
    assert _texts(signed_in.get(QUEUE, {"status": "in_review"})) == ["In review one."]


def test_filter_assigned_to_me(signed_in, fact_checker, other_fact_checker):
    _claim("Mine.", assignee=fact_checker)
    _claim("Theirs.", assignee=other_fact_checker)
    _claim("Nobody's.")
    assert _texts(signed_in.get(QUEUE, {"assignee": "me"})) == ["Mine."]


def test_filter_by_a_named_assignee(signed_in, other_fact_checker):
    _claim("Theirs.", assignee=other_fact_checker)
    _claim("Nobody's.")
    response = signed_in.get(QUEUE, {"assignee": str(other_fact_checker.pk)})
    assert _texts(response) == ["Theirs."]


def test_filter_unassigned(signed_in, fact_checker):
    _claim("Mine.", assignee=fact_checker)
    _claim("Nobody's.")
    assert _texts(signed_in.get(QUEUE, {"assignee": "none"})) == ["Nobody's."]


def test_filter_flagged_for_review(signed_in):
    _claim("Flagged.", status=Claim.Status.VERIFIED, needs_review=True)
    _claim("Settled.", status=Claim.Status.VERIFIED)
    assert _texts(signed_in.get(QUEUE, {"needs_review": "true"})) == ["Flagged."]
    assert _texts(signed_in.get(QUEUE, {"needs_review": "false"})) == ["Settled."]


def test_filter_by_tag_as_typed(signed_in):
    tagged = _claim("Tagged.")
    tagged.tags.add(TagFactory(name="prisoners-of-war"))
    _claim("Untagged.")
    assert _texts(signed_in.get(QUEUE, {"tag": "Prisoners of war"})) == ["Tagged."]


def test_filter_by_words_in_the_text(signed_in):
    _claim("At least 155 Chinese citizens are fighting.")
    _claim("The ministry denied it.")
    assert _texts(signed_in.get(QUEUE, {"q": "chinese 155"})) == [
        "At least 155 Chinese citizens are fighting."
    ]


def test_an_assignee_who_is_not_a_fact_checker_is_a_field_error(signed_in, viewer):
    response = signed_in.get(QUEUE, {"assignee": str(viewer.pk)})
    assert response.status_code == 400
    assert b'class="errorlist"' in response.content
    assert b"Select a valid choice" in response.content


def test_an_unknown_status_is_a_400_with_the_field_error(signed_in):
    response = signed_in.get(QUEUE, {"status": "done"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice. done is not one of the available choices." in html
    assert "<h1>Queue</h1>" in html  # the whole page, with the form to correct


def test_an_unknown_status_in_an_htmx_request_is_a_400_fragment(signed_in):
    response = signed_in.get(QUEUE, {"sort": "sideways"}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue-panel"')
    assert "Select a valid choice" in html
    assert "<html" not in html


# --- Sorting ------------------------------------------------------------------------------------


def test_sorting_newest_oldest_and_recently_changed(signed_in):
    first = _claim("First logged.")
    second = _claim("Second logged.")
    Claim.objects.filter(pk=first.pk).update(updated_at=timezone.now() + timedelta(hours=1))
    assert _texts(signed_in.get(QUEUE)) == ["Second logged.", "First logged."]
    assert _texts(signed_in.get(QUEUE, {"sort": "oldest"})) == ["First logged.", "Second logged."]
    assert _texts(signed_in.get(QUEUE, {"sort": "updated"})) == [
        "First logged.",
        "Second logged.",
    ]
    assert second.pk > first.pk


# --- Counts per status and quick views ------------------------------------------------------


def _count(html: str, status: str) -> int:
    match = re.search(rf'id="count-{status}"[^>]*>[^<]*<span class="count">(\d+)</span>', html)
    assert match, status
    return int(match[1])


def test_counts_per_status_ignore_the_status_filter_but_keep_the_others(signed_in, fact_checker):
    _claim("Mine in review.", status=Claim.Status.IN_REVIEW, assignee=fact_checker)
    _claim("Mine unverified.", assignee=fact_checker)
    _claim("Another in review.", status=Claim.Status.IN_REVIEW)
    html = signed_in.get(QUEUE, {"status": "in_review", "assignee": "me"}).content.decode()
    assert _count(html, "in_review") == 1
    assert _count(html, "unverified") == 1
    assert _count(html, "verified") == 0
    assert _count(html, "all") == 2
    assert re.search(r'id="count-in_review"[^>]*aria-current="true"', html, re.S)


def test_count_links_filter_by_their_status_and_keep_the_other_filters(signed_in):
    html = signed_in.get(QUEUE, {"assignee": "me", "page": "1"}).content.decode()
    link = re.search(r'id="count-disputed"[^>]*?href="([^"]*)"', html, re.S)[1]
    assert link == f"{QUEUE}?assignee=me&amp;status=disputed"
    assert f'hx-get="{link}"' in html


def test_quick_views_are_marked_current(signed_in):
    html = signed_in.get(QUEUE, {"assignee": "me"}).content.decode()
    assert re.search(r'id="view-mine"[^>]*aria-current="page"', html, re.S)
    html = signed_in.get(QUEUE, {"needs_review": "true"}).content.decode()
    assert re.search(r'id="view-review"[^>]*aria-current="page"', html, re.S)
    html = signed_in.get(QUEUE, {"sort": "updated"}).content.decode()
    assert re.search(r'id="view-updated"[^>]*aria-current="page"', html, re.S)
    html = signed_in.get(QUEUE, {"sort": "updated", "tag": "x"}).content.decode()
    assert 'aria-current="page">Recently changed' not in html


# --- Pages --------------------------------------------------------------------------------------


def test_pages_of_25_with_links_that_keep_the_filters(signed_in):
    for n in range(30):
        _claim(f"Claim number {n}.", status=Claim.Status.IN_REVIEW)
    first = signed_in.get(QUEUE, {"status": "in_review"})
    assert len(_texts(first)) == 25
    html = first.content.decode()
    assert "30 claims, page 1 of 2." in html
    next_link = re.search(r'rel="next" href="([^"]*)"', html)[1]
    assert next_link == f"{QUEUE}?status=in_review&amp;page=2"
    second = signed_in.get(next_link.replace("&amp;", "&"))
    assert len(_texts(second)) == 5
    assert 'rel="prev"' in second.content.decode()


def test_a_page_number_out_of_range_shows_the_last_page(signed_in):
    _claim("Only one.")
    response = signed_in.get(QUEUE, {"page": "99"})
    assert response.status_code == 200
    assert _texts(response) == ["Only one."]


# --- htmx ---------------------------------------------------------------------------------------


def test_an_htmx_request_gets_only_the_panel(signed_in):
    _claim("Only one.")
    response = signed_in.get(QUEUE, {"status": "unverified"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="queue-panel"')
    assert "<html" not in html and "<h1>" not in html
    assert _texts(response) == ["Only one."]


def test_the_filter_form_works_without_javascript_and_enhances_with_htmx(signed_in):
    html = signed_in.get(QUEUE).content.decode()
    form = re.search(r"<form method=\"get\" action=\"([^\"]*)\"[^>]*>", html, re.S)
    assert form[1] == QUEUE
    assert 'hx-target="#queue-panel"' in form[0] and 'hx-push-url="true"' in form[0]
    for name in ("q", "status", "assignee", "needs_review", "tag", "sort"):
        assert f'<label for="id_{name}">' in html
    assert '<button type="submit" class="button primary">Apply filters</button>' in html


# --- The demo newsroom, and query counts -------------------------------------------------------


def test_the_demo_queue_lists_the_mercenaries_claim(client, db):
    demo_load()
    claim = demo_claim(MERCENARIES)
    client.force_login(claim.created_by)
    html = client.get(QUEUE, {"q": "Sprite Cola"}).content.decode()
    assert "Sprite" in html and "ZOVNovoshakhtinsk" in html
    assert f'href="{reverse("web:claim-detail", args=[claim.pk])}"' in html


def _busy_claims(n: int, users) -> None:
    tag = TagFactory(name="war")
    for i in range(n):
        claim = _claim(
            f"Busy claim {i}.",
            claimant=ClaimantFactory(),
            status=Claim.Status.VERIFIED,
            assignee=users[i % len(users)],
        )
        claim.tags.add(tag)
        EvidenceFactory(claim=claim)
        EvidenceFactory(claim=claim, source=SourceFactory(is_sensitive=True))
        PublicationFactory(claim=claim)


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_the_queue_runs_a_fixed_number_of_queries(
    client, users_by_role, fact_checker, editor, django_assert_max_num_queries, role
):
    _busy_claims(30, [fact_checker, editor])
    client.force_login(users_by_role[role])
    # session, user, role, assignee choices, counts per status (also the pages' count), rows, tags;
    # and for a non-editor the sensitive sources they may see, read once.
    with django_assert_max_num_queries(7 if role == "editor" else 8):
        response = client.get(QUEUE, {"tag": "war", "sort": "updated"})
    assert len(_texts(response)) == 25


def test_the_page_and_its_fragment_are_cached_apart(signed_in):
    assert "HX-Request" in signed_in.get(QUEUE)["Vary"]
