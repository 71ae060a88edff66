"""A fact-checker on no claim cannot reach a sensitive source from the desk; editors grant and
revoke on the source page, where every grant and every refused attempt is shown to them."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from claims.models import Claim
from sources.models import RestrictedSourceAttempt, Source, SourceGrant
from sources.services import RESTRICTED_MESSAGE
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    SourceFactory,
    grant,
    row_counts,
    signed_in,
)

pytestmark = pytest.mark.django_db

SPELLINGS = [
    "http://informant.example/leak",
    "https://www.informant.example/leak?utm_source=newsletter",
    "HTTPS://INFORMANT.EXAMPLE/leak#top",
]


def page(source: Source | int) -> str:
    return reverse("web:source-detail", args=[getattr(source, "pk", source)])


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def claim(editor, hidden) -> Claim:
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source=hidden, added_by=editor)
    EvidenceFactory(claim=claim, source=SourceFactory(title="Open article"), added_by=editor)
    return claim


def _hidden_from(client, claim: Claim, hidden: Source) -> None:
    claim_page = text(client.get(reverse("web:claim-detail", args=[claim.pk])))
    assert "Open article" in claim_page
    assert "Informant" not in claim_page and page(hidden) not in claim_page
    assert client.get(page(hidden)).status_code == 404
    outlet = client.get(reverse("web:outlet-detail", args=[hidden.outlet_id]))
    assert "Informant" not in text(outlet)
    search = client.get(reverse("web:search"), {"q": "informant.example"})
    assert "Informant" not in text(search)


def test_assigning_themself_on_the_desk_reaches_nothing(client, fact_checker, claim, hidden):
    client = signed_in(client, fact_checker)
    response = client.post(
        reverse("web:claim-assign", args=[claim.pk]),
        {"version": claim.version, "assignee": fact_checker.pk},
    )
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).assignee == fact_checker

    _hidden_from(client, claim, hidden)
    assert not SourceGrant.objects.exists()


def test_taking_the_claim_into_review_on_the_desk_reaches_nothing(
    client, fact_checker, claim, hidden
):
    client = signed_in(client, fact_checker)
    response = client.post(
        reverse("web:claim-status", args=[claim.pk]),
        {"version": claim.version, "to_status": "in_review", "rationale": "Picking it up."},
    )
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).assignee == fact_checker

    _hidden_from(client, claim, hidden)


@pytest.mark.parametrize("url", SPELLINGS)
def test_the_new_source_form_refuses_the_url_in_any_spelling(client, fact_checker, hidden, url):
    before = row_counts()

    response = signed_in(client, fact_checker).post(
        reverse("web:source-new"), {"kind": "article", "url": url, "sourcing": "unknown"}
    )

    assert response.status_code == 400
    assert RESTRICTED_MESSAGE in text(response) and page(hidden) not in text(response)
    assert row_counts() == {**before, "sources.RestrictedSourceAttempt": 1}


@pytest.mark.parametrize("url", SPELLINGS)
def test_evidence_by_url_on_the_claim_page_is_refused_in_any_spelling(
    client, fact_checker, hidden, url
):
    claim = ClaimFactory()
    before = row_counts()

    response = signed_in(client, fact_checker).post(
        reverse("web:claim-evidence", args=[claim.pk]),
        {"version": claim.version, "url": url, "stance": "asserts", "credibility": 6},
    )

    assert response.status_code == 400
    assert RESTRICTED_MESSAGE in text(response) and page(hidden) not in text(response)
    assert row_counts() == {**before, "sources.RestrictedSourceAttempt": 1}


def test_a_fact_checker_cannot_grant_on_the_desk(client, fact_checker, editor, hidden):
    grant(hidden, fact_checker, by=editor)
    client = signed_in(client, fact_checker)

    response = client.post(
        reverse("web:source-grant", args=[hidden.pk]),
        {"grantee": fact_checker.pk, "reason": "Again."},
    )

    assert response.status_code == 403
    assert SourceGrant.objects.count() == 1


def test_a_fact_checker_cannot_revoke_on_the_desk(client, fact_checker, viewer, editor, hidden):
    access = grant(hidden, viewer, by=editor)

    response = signed_in(client, fact_checker).post(
        reverse("web:source-grant-revoke", args=[hidden.pk, access.pk]), {"reason": "Mine."}
    )

    assert response.status_code == 403
    assert SourceGrant.objects.get().is_active


def test_an_editor_grants_on_the_desk_and_the_colleague_sees_it_at_once(
    client, fact_checker, editor, hidden
):
    response = signed_in(client, editor).post(
        reverse("web:source-grant", args=[hidden.pk]),
        {"grantee": fact_checker.pk, "reason": "Verifies the leak."},
    )
    assert response.status_code == 302
    row = SourceGrant.objects.get()
    assert (row.grantee, row.granted_by, row.reason) == (fact_checker, editor, "Verifies the leak.")

    assert signed_in(client, fact_checker).get(page(hidden)).status_code == 200


def test_an_editor_revokes_on_the_desk_and_the_colleague_loses_it_at_once(
    client, fact_checker, editor, hidden
):
    access = grant(hidden, fact_checker, by=editor)

    response = signed_in(client, editor).post(
        reverse("web:source-grant-revoke", args=[hidden.pk, access.pk]), {"reason": "Done."}
    )

    assert response.status_code == 302
    assert SourceGrant.objects.get().revoked_by == editor
    assert signed_in(client, fact_checker).get(page(hidden)).status_code == 404


def test_the_source_page_shows_editors_every_grant_and_refused_attempt(
    client, viewer, fact_checker, other_fact_checker, editor, hidden
):
    grant(hidden, viewer, by=editor, reason="Translates the leak.")
    ended = grant(hidden, other_fact_checker, by=editor, reason="Checked the dates.")
    signed_in(client, editor).post(
        reverse("web:source-grant-revoke", args=[hidden.pk, ended.pk]), {"reason": "Story out."}
    )
    signed_in(client, fact_checker).post(
        reverse("web:source-new"), {"kind": "article", "url": SPELLINGS[1], "sourcing": "unknown"}
    )

    body = text(signed_in(client, editor).get(page(hidden)))

    assert 'id="access"' in body
    assert "Translates the leak." in body and "Story out." in body
    assert viewer.username in body and other_fact_checker.username in body
    assert SPELLINGS[1] in body and fact_checker.username in body
    assert RestrictedSourceAttempt.objects.count() == 1


def test_a_granted_fact_checker_does_not_see_who_else_may(
    client, fact_checker, viewer, editor, hidden
):
    grant(hidden, fact_checker, by=editor)
    grant(hidden, viewer, by=editor, reason="Translates the leak.")

    body = text(signed_in(client, fact_checker).get(page(hidden)))

    assert 'id="access"' not in body
    assert "Translates the leak." not in body


def _assign(client, claim: Claim, assignee) -> object:
    claim.refresh_from_db()
    return client.post(
        reverse("web:claim-assign", args=[claim.pk]),
        {"version": claim.version, "assignee": assignee.pk},
    )


def test_an_editors_assignment_on_the_desk_grants_and_says_so(
    client, editor, fact_checker, claim, hidden
):
    response = _assign(signed_in(client, editor), claim, fact_checker)

    assert response.status_code == 302
    notice = text(client.get(response["Location"]))
    assert "may see 1 sensitive source of this claim" in notice
    grant_row = SourceGrant.objects.get(grantee=fact_checker, source=hidden)
    assert grant_row.claim_id == claim.pk and grant_row.granted_by == editor


def test_a_sensitive_source_added_later_is_offered_to_editors_to_grant(
    client, editor, fact_checker, claim, hidden
):
    _assign(signed_in(client, editor), claim, fact_checker)
    later = SourceFactory(title="Second informant", is_sensitive=True, created_by=editor)
    EvidenceFactory(claim=claim, source=later, added_by=editor)
    url = reverse("web:claim-detail", args=[claim.pk])

    offered = text(client.get(url))
    assert "cannot see 1 sensitive source this claim rests on" in offered
    assert not SourceGrant.objects.filter(grantee=fact_checker, source=later).exists()

    _assign(client, claim, fact_checker)

    assert SourceGrant.objects.active().filter(grantee=fact_checker, claim_id=claim.pk).count() == 2
    assert "cannot see" not in text(client.get(url))


def test_the_offer_is_never_shown_to_a_fact_checker(client, editor, fact_checker, claim, hidden):
    _assign(signed_in(client, editor), claim, fact_checker)
    later = SourceFactory(title="Second informant", is_sensitive=True, created_by=editor)
    EvidenceFactory(claim=claim, source=later, added_by=editor)

    body = text(signed_in(client, fact_checker).get(reverse("web:claim-detail", args=[claim.pk])))

    assert "cannot see" not in body and "Second informant" not in body


def test_a_fact_checker_reassigning_the_same_colleague_is_told_no_count(
    client, editor, fact_checker, other_fact_checker, claim, hidden
):
    first = _assign(signed_in(client, editor), claim, other_fact_checker)
    client.get(first["Location"])  # the editor reads their notice (with the count)

    response = _assign(signed_in(client, fact_checker), claim, other_fact_checker)

    notice = text(client.get(response["Location"]))
    assert "Assigned to" in notice and "sensitive source" not in notice
    assert SourceGrant.objects.active().filter(grantee=other_fact_checker).count() == 1
