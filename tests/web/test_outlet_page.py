"""The outlet page: grade and its history, affiliation, sources and the claims resting on them
(hidden sources left out of lists and counts); rating by editors, editing by fact-checkers;
forged POSTs refused; htmx fragments; query counts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sources.models import Outlet, OutletDomain, OutletHandle, ReliabilityRating
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    OutletDomainFactory,
    OutletFactory,
    OutletHandleFactory,
    ReliabilityRatingFactory,
    SourceFactory,
    signed_in,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(outlet: Outlet | int) -> str:
    return reverse("web:outlet-detail", args=[getattr(outlet, "pk", outlet)])


def action(name: str, outlet: Outlet) -> str:
    return reverse(f"web:outlet-{name}", args=[outlet.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def outlet(editor) -> Outlet:
    outlet = OutletFactory(
        name="Frontline Channel",
        kind=Outlet.Kind.MESSAGING_CHANNEL,
        country="RU",
        affiliation=Outlet.Affiliation.PARTISAN,
        owner="Volunteer group",
        party_to="Russia",
        description="A pro-war channel.",
    )
    OutletDomainFactory(outlet=outlet, domain="frontline.example")
    OutletHandleFactory(outlet=outlet, platform="telegram", handle="frontline")
    ReliabilityRatingFactory(outlet=outlet, grade="C", rationale="Mixed record.", rated_by=editor)
    ReliabilityRatingFactory(
        outlet=outlet,
        grade="E",
        rationale="Relays staged videos.",
        external_reference="https://ratings.example/frontline",
        rated_by=editor,
    )
    return outlet


# --- What it shows -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_every_role_sees_who_it_is_and_its_grade_history(client, users_by_role, role, outlet):
    response = signed_in(client, users_by_role[role]).get(page(outlet))

    assert response.status_code == 200
    body = text(response)
    assert body.count("<h1") == 1 and "Frontline Channel" in body
    for shown in (
        "Messaging channel (e.g. Telegram)",
        "RU",
        "Partisan (aligned with a side)",
        "Volunteer group",
        "Russia",
        "A pro-war channel.",
        "frontline.example",
        'Telegram: <span class="url">frontline</span>',
    ):
        assert shown in body
    assert 'Reliability grade: <span class="badge grade grade-E">E - Unreliable</span>' in body
    assert body.index("Relays staged videos.") < body.index("Mixed record.")  # newest first
    assert 'href="https://ratings.example/frontline"' in body
    assert "edith_editor" in body


def test_its_sources_and_claims_are_listed_with_link_health(client, viewer, outlet):
    post = SourceFactory(outlet=outlet, title="Post about two men", link_status="gone")
    other = SourceFactory(outlet=outlet, title="Another post")
    claim = ClaimFactory(text="Two men were killed.")
    EvidenceFactory(claim=claim, source=post)
    EvidenceFactory(claim=claim, source=other, stance="supports")
    elsewhere = ClaimFactory(text="Unrelated claim.")
    EvidenceFactory(claim=elsewhere, source=SourceFactory())

    body = text(signed_in(client, viewer).get(page(outlet)))

    assert reverse("web:source-detail", args=[post.pk]) in body
    assert 'class="badge link-gone">Gone</span>' in body and "Never checked" in body
    assert "2 sources." in body
    assert body.count(reverse("web:claim-detail", args=[claim.pk])) == 1  # distinct
    assert '<td data-label="Evidence from this outlet">2</td>' in body
    assert "Unrelated claim." not in body and "1 claim with evidence" in body


def test_hidden_sources_are_absent_from_lists_and_counts(client, viewer, editor, outlet):
    visible = SourceFactory(outlet=outlet, title="Public post")
    secret = SourceFactory(outlet=outlet, title="Informant's message", is_sensitive=True)
    EvidenceFactory(claim=ClaimFactory(text="Claim on the public post."), source=visible)
    EvidenceFactory(claim=ClaimFactory(text="Claim only the informant backs."), source=secret)

    body = text(signed_in(client, viewer).get(page(outlet)))
    assert "Informant" not in body and "Claim only the informant backs." not in body
    assert "1 source." in body and "1 claim with evidence" in body

    body = text(signed_in(client, editor).get(page(outlet)))
    assert "Informant&#x27;s message" in body and "Claim only the informant backs." in body
    assert "2 sources." in body and "2 claims with evidence" in body


def test_missing_outlet_is_404_and_roleless_users_403(client, viewer, outsider, outlet):
    assert signed_in(client, viewer).get(page(999999)).status_code == 404
    assert signed_in(client, outsider).get(page(outlet)).status_code == 403


def test_lists_are_paginated_and_htmx_gets_one_list(client, viewer, outlet):
    for n in range(30):
        SourceFactory(outlet=outlet, title=f"Post {n:02d}")
    client = signed_in(client, viewer)

    first = text(client.get(page(outlet)))
    assert "Post 29" in first and "Post 04" not in first
    assert 'href="' + page(outlet) + '?sources_page=2"' in first

    second = client.get(page(outlet), {"sources_page": 2}, HTTP_HX_TARGET="outlet-sources", **HTMX)
    body = text(second)
    assert body.startswith('<section id="outlet-sources"') and "<html" not in body
    assert "Post 04" in body and "Post 29" not in body
    assert "HX-Target" in second["Vary"]


# --- Who sees which controls ---------------------------------------------------------------------


def test_a_viewer_sees_no_controls(client, viewer, outlet):
    body = text(signed_in(client, viewer).get(page(outlet)))
    for control in ('id="rate-outlet"', 'id="edit-outlet"', 'id="add-domain"', 'id="add-handle"'):
        assert control not in body


def test_a_fact_checker_may_edit_but_not_rate(client, fact_checker, outlet):
    body = text(signed_in(client, fact_checker).get(page(outlet)))
    assert 'id="edit-outlet"' in body and 'id="add-domain"' in body and 'id="add-handle"' in body
    assert 'id="rate-outlet"' not in body


def test_an_editor_may_rate_and_edit(client, editor, outlet):
    body = text(signed_in(client, editor).get(page(outlet)))
    assert 'id="rate-outlet"' in body and 'id="edit-outlet"' in body
    for field in ("grade", "rationale", "external_reference"):
        assert f'<label for="rating_{field}">' in body


# --- Rating --------------------------------------------------------------------------------------

RATING = {"grade": "D", "rationale": "Two fabricated stories in 2025.", "external_reference": ""}


def test_an_editor_rates_the_outlet_and_it_becomes_the_current_grade(client, editor, outlet):
    response = signed_in(client, editor).post(action("rate", outlet), RATING, follow=True)

    rating = ReliabilityRating.objects.filter(outlet=outlet).order_by("-pk").first()
    assert (rating.grade, rating.rated_by) == ("D", editor)
    assert response.redirect_chain[-1][0] == page(outlet)
    assert "D - Not usually reliable" in text(response).split("<h2")[0]


def test_rating_with_htmx_answers_with_the_reliability_section(client, editor, outlet):
    response = signed_in(client, editor).post(action("rate", outlet), RATING, **HTMX)
    body = text(response)
    assert response.status_code == 200 and body.startswith('<section id="reliability"')
    assert "Rated D: D - Not usually reliable." in body


@pytest.mark.parametrize("role", ["viewer", "fact_checker"])
def test_a_forged_rating_is_refused_and_writes_nothing(client, users_by_role, role, outlet):
    before = ReliabilityRating.objects.count()
    response = signed_in(client, users_by_role[role]).post(action("rate", outlet), RATING)
    assert response.status_code == 403
    assert ReliabilityRating.objects.count() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**RATING, "grade": "Z"}, "grade"),
        ({**RATING, "rationale": "   "}, "rationale"),
        ({**RATING, "rationale": "bad\x00byte"}, "rationale"),
    ],
)
def test_bad_ratings_are_400_with_field_errors(client, editor, outlet, data, field):
    before = ReliabilityRating.objects.count()
    response = signed_in(client, editor).post(action("rate", outlet), data)
    assert response.status_code == 400
    assert f'id="rating_{field}_error"' in response.content.decode()
    assert ReliabilityRating.objects.count() == before


def test_a_bad_rating_with_htmx_is_a_400_fragment(client, editor, outlet):
    response = signed_in(client, editor).post(action("rate", outlet), {"grade": "A"}, **HTMX)
    assert response.status_code == 400
    body = text(response)
    assert body.startswith('<section id="reliability"') and 'aria-invalid="true"' in body


# --- Editing, domains, handles -------------------------------------------------------------------


def edit_data(outlet: Outlet, **changes) -> dict:
    fields = ("name", "kind", "country", "affiliation", "owner", "party_to", "description")
    return {**{name: getattr(outlet, name) for name in fields}, **changes}


def test_a_fact_checker_edits_the_affiliation(client, fact_checker, outlet):
    response = signed_in(client, fact_checker).post(
        action("edit", outlet), edit_data(outlet, affiliation="state_affiliated", country="ru")
    )
    assert response.status_code == 302
    outlet.refresh_from_db()
    assert (outlet.affiliation, outlet.country) == ("state_affiliated", "RU")


def test_a_viewer_may_not_edit_an_outlet(client, viewer, outlet):
    client = signed_in(client, viewer)
    assert client.get(action("edit", outlet)).status_code == 403
    response = client.post(action("edit", outlet), edit_data(outlet, name="Forged"))
    assert response.status_code == 403
    outlet.refresh_from_db()
    assert outlet.name == "Frontline Channel"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"country": "R1"}, "country"), ({"name": ""}, "name"), ({"kind": "blog"}, "kind")],
)
def test_a_bad_edit_is_400_with_field_errors(client, fact_checker, outlet, changes, field):
    response = signed_in(client, fact_checker).post(
        action("edit", outlet), edit_data(outlet, **changes)
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    outlet.refresh_from_db()
    assert (outlet.country, outlet.name) == ("RU", "Frontline Channel")


def test_a_fact_checker_adds_a_domain_and_a_handle(client, fact_checker, outlet):
    client = signed_in(client, fact_checker)
    assert (
        client.post(action("domain-add", outlet), {"domain": "WWW.Front.example"}).status_code
        == 302
    )
    assert (
        client.post(
            action("handle-add", outlet), {"platform": "x", "handle": "@FrontX"}
        ).status_code
        == 302
    )
    assert OutletDomain.objects.filter(outlet=outlet, domain="front.example").exists()
    assert OutletHandle.objects.filter(outlet=outlet, platform="x", handle="frontx").exists()


def test_a_domain_another_outlet_owns_is_a_field_error(client, fact_checker, outlet):
    OutletDomainFactory(domain="taken.example")
    response = signed_in(client, fact_checker).post(
        action("domain-add", outlet), {"domain": "taken.example"}
    )
    assert response.status_code == 400
    assert 'id="domain_domain_error"' in response.content.decode()


def test_forged_domain_and_handle_adds_by_a_viewer_are_refused(client, viewer, outlet):
    client = signed_in(client, viewer)
    assert client.post(action("domain-add", outlet), {"domain": "x.example"}).status_code == 403
    assert (
        client.post(action("handle-add", outlet), {"platform": "x", "handle": "h"}).status_code
        == 403
    )
    assert OutletDomain.objects.filter(outlet=outlet).count() == 1
    assert OutletHandle.objects.filter(outlet=outlet).count() == 1


# --- Query counts --------------------------------------------------------------------------------


def _fill(outlet: Outlet, rows: int, editor) -> None:
    for n in range(rows):
        source = SourceFactory(outlet=outlet, title=f"Post {n}")
        EvidenceFactory(source=source, claim=ClaimFactory(text=f"Outlet claim {n}."))
        ReliabilityRatingFactory(outlet=outlet, rated_by=editor)
        OutletDomainFactory(outlet=outlet)


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_the_page_query_count_does_not_grow_with_its_rows(
    client, users_by_role, role, outlet, editor, django_assert_max_num_queries
):
    client = signed_in(client, users_by_role[role])
    _fill(outlet, 2, editor)
    with django_assert_max_num_queries(12) as few:
        assert client.get(page(outlet)).status_code == 200
    _fill(outlet, 20, editor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(page(outlet)).status_code == 200
