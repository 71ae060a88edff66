"""New claim and new source: what each role is offered, duplicates flagged with a link, a first
source attached in the same transaction, uploads, bad input, forged POSTs, query counts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import Claim, Claimant, ClaimRelation
from sources.models import RestrictedSourceAttempt, Snapshot, Source
from sources.services import RESTRICTED_MESSAGE
from tests.api.test_snapshots import PDF, stored_files
from tests.factories import ClaimantFactory, ClaimFactory, SourceFactory
from verification.models import Evidence

pytestmark = pytest.mark.django_db

NEW_CLAIM = reverse("web:claim-new")
NEW_SOURCE = reverse("web:source-new")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def signed_in(client, user):
    client.force_login(user)
    return client


def claim_data(**changes) -> dict:
    return {
        "text": "At least 155 Chinese citizens are fighting in the Russian army.",
        "kind": "fact",
        "claimant": "",
        "new_claimant": "",
        "new_claimant_kind": "person",
        "made_on": "",
        "language": "en",
        "tags": "",
        "source_url": "",
        "source_kind": "article",
        "stance": "asserts",
        **changes,
    }


def written() -> tuple[int, int, int, int, int]:
    return (
        Claim.objects.count(),
        Claimant.objects.count(),
        Source.objects.count(),
        Evidence.objects.count(),
        Snapshot.objects.count(),
    )


# --- New claim: the form ---------------------------------------------------------------------


def test_a_viewer_is_not_offered_a_first_source(client, viewer):
    body = text(signed_in(client, viewer).get(NEW_CLAIM))
    assert '<label for="id_text">Claim</label>' in body
    assert 'name="source_url"' not in body
    assert 'name="allow_duplicate"' not in body


@pytest.mark.parametrize("role", ["fact_checker", "editor"])
def test_fact_checkers_are_offered_a_first_source(client, users_by_role, role):
    body = text(signed_in(client, users_by_role[role]).get(NEW_CLAIM))
    for field in ("source_url", "source_kind", "stance"):
        assert f'<label for="id_{field}">' in body


def test_roleless_users_get_403_and_anonymous_users_sign_in(client, outsider):
    assert client.get(NEW_CLAIM).status_code == 302
    assert client.get(NEW_SOURCE).status_code == 302
    assert signed_in(client, outsider).get(NEW_CLAIM).status_code == 403
    assert client.post(NEW_CLAIM, claim_data()).status_code == 403
    assert not Claim.objects.exists()


# --- New claim: writes -----------------------------------------------------------------------


def test_a_viewer_logs_a_claim_and_lands_on_its_page(client, viewer):
    claimant = ClaimantFactory(name="Volodymyr Zelenskyy")
    response = signed_in(client, viewer).post(
        NEW_CLAIM,
        claim_data(
            kind="attribution",
            claimant=claimant.pk,
            made_on="2025-04",
            tags="Russia, foreign fighters",
        ),
    )

    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:claim-detail", args=[claim.pk])
    assert (claim.kind, claim.claimant, claim.created_by) == ("attribution", claimant, viewer)
    assert (claim.made_on, claim.made_on_precision) == (date(2025, 4, 1), "month")
    assert sorted(tag.name for tag in claim.tags.all()) == ["foreign-fighters", "russia"]


def test_a_new_claimant_by_name_is_created_or_reused(client, viewer):
    client = signed_in(client, viewer)
    client.post(NEW_CLAIM, claim_data(new_claimant="  Lin   Jian ", new_claimant_kind="person"))
    client.post(NEW_CLAIM, claim_data(text="Another claim.", new_claimant="Lin Jian"))
    assert Claimant.objects.get().name == "Lin Jian"
    assert {claim.claimant.name for claim in Claim.objects.all()} == {"Lin Jian"}


def test_an_exact_duplicate_is_flagged_with_a_link_and_can_be_logged_anyway(client, viewer):
    existing = ClaimFactory(text="Two Chinese mercenaries were killed.")
    client = signed_in(client, viewer)

    response = client.post(NEW_CLAIM, claim_data(text="two chinese   mercenaries were killed"))

    assert response.status_code == 400
    body = text(response)
    assert f'href="{reverse("web:claim-detail", args=[existing.pk])}"' in body
    assert f"already recorded as claim #{existing.pk}" in body
    assert 'name="allow_duplicate"' in body
    assert Claim.objects.count() == 1

    anyway = client.post(
        NEW_CLAIM, claim_data(text="two chinese mercenaries were killed", allow_duplicate="on")
    )
    assert anyway.status_code == 302
    duplicate = Claim.objects.exclude(pk=existing.pk).get()
    relation = ClaimRelation.objects.get()
    assert (relation.from_claim, relation.to_claim, relation.kind) == (
        duplicate,
        existing,
        "duplicates",
    )


def test_a_fact_checker_logs_a_claim_with_a_new_first_source(client, fact_checker):
    response = signed_in(client, fact_checker).post(
        NEW_CLAIM,
        claim_data(
            source_url="https://t.me/s/frontline/123?utm_source=share",
            source_kind="social_post",
            stance="asserts",
        ),
        follow=True,
    )

    claim = Claim.objects.get()
    source = Source.objects.get()
    evidence = Evidence.objects.get()
    assert (evidence.claim, evidence.source, evidence.stance) == (claim, source, "asserts")
    assert source.kind == "social_post" and source.canonical_url == "https://t.me/frontline/123"
    assert Snapshot.objects.get(source=source).status == Snapshot.Status.PENDING
    assert response.redirect_chain[-1][0] == reverse("web:claim-detail", args=[claim.pk])
    assert "capture is pending" in text(response)


def test_a_first_source_already_recorded_is_attached_not_duplicated(client, fact_checker):
    source = SourceFactory(url="https://news.example/story")
    response = signed_in(client, fact_checker).post(
        NEW_CLAIM, claim_data(source_url="http://www.news.example/story#top", stance="contradicts")
    )
    assert response.status_code == 302
    assert Source.objects.count() == 1
    evidence = Evidence.objects.get()
    assert (evidence.source, evidence.stance) == (source, "contradicts")


def test_a_bad_first_source_writes_nothing_at_all(client, fact_checker):
    before = written()
    response = signed_in(client, fact_checker).post(
        NEW_CLAIM, claim_data(new_claimant="New Person", source_url="ftp://files.example/a")
    )
    assert response.status_code == 400
    assert 'id="id_source_url_error"' in response.content.decode()
    assert written() == before


def test_a_first_source_recorded_as_a_hidden_source_is_not_named(client, fact_checker, editor):
    hidden = SourceFactory(is_sensitive=True, created_by=editor, url="https://leak.example/a")
    response = signed_in(client, fact_checker).post(NEW_CLAIM, claim_data(source_url=hidden.url))
    assert response.status_code == 400
    assert RESTRICTED_MESSAGE in text(response)
    assert reverse("web:source-detail", args=[hidden.pk]) not in text(response)
    assert not Claim.objects.exists()
    assert RestrictedSourceAttempt.objects.get().attempted_by == fact_checker


def test_a_forged_first_source_by_a_viewer_is_refused_and_writes_nothing(client, viewer):
    before = written()
    response = signed_in(client, viewer).post(
        NEW_CLAIM, claim_data(source_url="https://news.example/new")
    )
    assert response.status_code == 403
    assert written() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"made_on": "2025-13"}, "made_on"),
        ({"made_on": "2025-02-30"}, "made_on"),
        ({"made_on": "April 2025"}, "made_on"),
        ({"language": "English"}, "language"),
        ({"kind": "attribution"}, "claimant"),
        ({"kind": "opinion"}, "kind"),
        ({"claimant": "999999"}, "claimant"),
        ({"new_claimant": "Someone", "claimant": "__claimant__"}, "new_claimant"),
        ({"tags": "!!!"}, "tags"),
        ({"text": "bad\x00byte"}, "text"),
    ],
)
def test_bad_claims_are_400_with_field_errors(client, viewer, changes, field):
    claimant = ClaimantFactory()
    changes = {k: (claimant.pk if v == "__claimant__" else v) for k, v in changes.items()}
    before = written()
    response = signed_in(client, viewer).post(NEW_CLAIM, claim_data(**changes))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert written() == before


# --- New source ----------------------------------------------------------------------------------


def source_data(**changes) -> dict:
    return {
        "kind": "article",
        "url": "",
        "title": "",
        "author": "",
        "published_on": "",
        "language": "",
        "sourcing": "unknown",
        "summary": "",
        **changes,
    }


def test_every_field_of_the_new_source_form_is_labelled(client, viewer):
    body = signed_in(client, viewer).get(NEW_SOURCE).content.decode()
    for field in ("kind", "url", "file", "title", "author", "published_on", "language"):
        assert f'<label for="id_{field}">' in body
    assert 'enctype="multipart/form-data"' in body


def test_a_viewer_logs_a_source_by_url_and_sees_its_capture_pending(client, viewer):
    response = signed_in(client, viewer).post(
        NEW_SOURCE,
        source_data(url="https://www.news.example/story", title="Story", published_on="2025-04-09"),
        follow=True,
    )

    source = Source.objects.get()
    assert response.redirect_chain[-1][0] == reverse("web:source-detail", args=[source.pk])
    assert source.created_by == viewer and source.outlet is not None
    assert source.published_at.date() == date(2025, 4, 9)
    body = text(response)
    assert "Its capture is pending" in body
    assert 'class="badge capture-pending">Pending</span>' in body


def test_a_url_already_recorded_links_to_the_existing_source(client, viewer):
    existing = SourceFactory(url="https://news.example/story")
    response = signed_in(client, viewer).post(
        NEW_SOURCE, source_data(url="https://news.example/story?utm_medium=social")
    )
    assert response.status_code == 400
    link = reverse("web:source-detail", args=[existing.pk])
    assert f'already recorded as <a href="{link}">source #{existing.pk}</a>' in text(response)
    assert Source.objects.count() == 1


def test_a_url_recorded_as_a_hidden_source_is_refused_without_naming_it(client, viewer, editor):
    hidden = SourceFactory(is_sensitive=True, created_by=editor, url="https://leak.example/a")
    response = signed_in(client, viewer).post(NEW_SOURCE, source_data(url=hidden.url))
    assert response.status_code == 400
    body = text(response)
    assert RESTRICTED_MESSAGE in body
    assert reverse("web:source-detail", args=[hidden.pk]) not in body
    assert RestrictedSourceAttempt.objects.get().attempted_by == viewer


def test_a_document_without_url_is_logged_with_its_upload_archived(client, viewer):
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = signed_in(client, viewer).post(
        NEW_SOURCE, source_data(kind="correspondence", file=upload)
    )
    source = Source.objects.get()
    assert response.status_code == 302
    snapshot = Snapshot.objects.get(source=source)
    assert (snapshot.form, snapshot.status) == ("upload", "archived")
    assert source.url == "" and source.title  # filled in from the document


def test_correspondence_with_neither_url_nor_file_is_fine(client, viewer):
    response = signed_in(client, viewer).post(
        NEW_SOURCE, source_data(kind="correspondence", title="Reply from the ministry")
    )
    assert response.status_code == 302
    assert not Snapshot.objects.exists()


def test_a_refused_file_writes_no_source(client, viewer):
    before = (written(), stored_files())
    bad = SimpleUploadedFile("page.html", b"<html><script>x</script></html>")
    response = signed_in(client, viewer).post(
        NEW_SOURCE, source_data(url="https://news.example/a", file=bad)
    )
    assert response.status_code == 400
    assert 'id="id_file_error"' in response.content.decode()
    assert (written(), stored_files()) == before


def test_a_sensitive_source_logged_by_a_viewer_is_theirs_to_see(client, viewer, fact_checker):
    signed_in(client, viewer).post(
        NEW_SOURCE, source_data(url="https://informant.example/x", is_sensitive="on")
    )
    source = Source.objects.get()
    assert source.is_sensitive and source.outlet is None  # names no new outlet
    page = reverse("web:source-detail", args=[source.pk])
    assert client.get(page).status_code == 200
    assert signed_in(client, fact_checker).get(page).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "https://"}, "url"),
        ({"kind": "blog"}, "kind"),
        ({"language": "English"}, "language"),
        ({"published_on": "2025-02-30"}, "published_on"),
        ({"sourcing": "rumour"}, "sourcing"),
        ({"title": "x" * 501}, "title"),
    ],
)
def test_bad_sources_are_400_with_field_errors(client, viewer, changes, field):
    response = signed_in(client, viewer).post(NEW_SOURCE, source_data(**changes))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Source.objects.exists()


def test_a_new_source_far_over_the_upload_limit_is_refused_before_it_is_read(
    client, viewer, settings
):
    settings.CLAIMTRAIL_UPLOAD_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 512
    upload = SimpleUploadedFile("big.pdf", PDF * 4, content_type="application/pdf")
    response = signed_in(client, viewer).post(NEW_SOURCE, source_data(file=upload))
    assert response.status_code == 413
    assert not Source.objects.exists()


# --- Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [NEW_CLAIM, NEW_SOURCE])
def test_the_forms_query_count_does_not_grow_with_claimants(
    client, fact_checker, url, django_assert_max_num_queries
):
    client = signed_in(client, fact_checker)
    ClaimantFactory.create_batch(30)
    with django_assert_max_num_queries(4):
        assert client.get(url).status_code == 200
