"""The source page: what it shows each role, its actions (capture again, check the link, record a
citation, upload a document, edit), forged POSTs refused, htmx fragments, query counts."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sources.models import Citation, LinkCheck, RestrictedSourceAttempt, Snapshot, Source
from sources.services import RESTRICTED_MESSAGE
from tests.api.test_snapshots import (  # noqa: F401 - site_fixture is the ``site`` fixture
    PDF,
    archived_snapshot,
    site_fixture,
    stored_files,
    uploaded_snapshot,
)
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletFactory,
    ReliabilityRatingFactory,
    SourceFactory,
    assign,
)
from verification.models import Evidence

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(source: Source | int) -> str:
    return reverse("web:source-detail", args=[getattr(source, "pk", source)])


def action(name: str, source: Source) -> str:
    return reverse(f"web:source-{name}", args=[source.pk])


@pytest.fixture
def outlet():
    outlet = OutletFactory(name="Daily Courier", owner="Courier Media Group")
    ReliabilityRatingFactory(outlet=outlet, grade="B")
    return outlet


@pytest.fixture
def source(editor, outlet) -> Source:
    return SourceFactory(
        created_by=editor,
        outlet=outlet,
        url="https://www.news.example/story?utm_source=x",
        title="Two fighters killed, channel says",
        author="A. Reporter",
        language="en",
        summary="Relays a Telegram post.",
        sourcing=Source.Sourcing.DERIVED,
    )


@pytest.fixture
def hidden(editor) -> Source:
    """A sensitive source on no claim of the viewer's or the fact-checker's."""
    return SourceFactory(
        is_sensitive=True, created_by=editor, url="https://informant.example/leak", title="Leak"
    )


def signed_in(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- What it shows -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_every_role_sees_metadata_outlet_and_grade(client, users_by_role, role, source, outlet):
    response = signed_in(client, users_by_role[role]).get(page(source))

    assert response.status_code == 200
    body = text(response)
    assert "<h1" in body and body.count("<h1") == 1
    assert "Two fighters killed, channel says" in body
    assert "https://www.news.example/story?utm_source=x" in body  # as cited
    assert "https://news.example/story" in body  # canonical
    assert "A. Reporter" in body and "Relays a Telegram post." in body
    assert "Derived: relies on the sources it cites" in body
    assert reverse("web:outlet-detail", args=[outlet.pk]) in body
    assert "B - Usually reliable" in body
    assert "Courier Media Group" in body


def test_the_live_link_leaks_no_referrer(client, viewer, source):
    body = text(signed_in(client, viewer).get(page(source)))
    assert 'rel="noopener noreferrer nofollow"' in body


def test_snapshots_show_status_reason_hash_and_safe_links_only(client, viewer, editor, source):
    archived = archived_snapshot(source)
    failed = Snapshot.objects.create(
        source=source,
        url=source.url,
        status=Snapshot.Status.FAILED,
        error_code="dns",
        error_message="The name news.example does not exist.",
    )
    upload = uploaded_snapshot(source, editor)

    body = text(signed_in(client, viewer).get(page(source)))

    assert archived.sha256 in body
    assert "The name news.example does not exist." in body and "(dns)" in body
    assert "Failed" in body and "Archived" in body
    assert "Web page, as served" in body and "Uploaded file" in body
    assert reverse("sources:snapshot-warc", args=[archived.pk]) in body
    assert reverse("sources:snapshot-text", args=[archived.pk]) in body
    assert reverse("sources:snapshot-file", args=[upload.pk]) in body
    assert reverse("sources:snapshot-text", args=[failed.pk]) not in body
    # Captured HTML is never inlined into the page.
    assert "<script>alert(document.cookie)</script>" not in response_text_raw(client, source)


def response_text_raw(client, source) -> str:
    return client.get(page(source)).content.decode()


def test_link_health_now_and_its_history(client, viewer, source):
    LinkCheck.objects.create(
        source=source,
        url=source.url,
        status="gone",
        http_status=404,
        message="The site answers 404",
    )
    Source.objects.filter(pk=source.pk).update(link_status="gone")

    body = text(signed_in(client, viewer).get(page(source)))

    assert 'class="badge link-gone">Gone</span>' in body
    assert "The site answers 404" in body and ">404<" in body


def test_citations_in_and_out_link_to_visible_sources_only(client, viewer, source, hidden):
    origin = SourceFactory(title="Telegram post")
    relay = SourceFactory(title="Magazine piece")
    CitationFactory(citing=source, cited=origin, kind=Citation.Kind.QUOTES)
    CitationFactory(citing=relay, cited=source, kind=Citation.Kind.REPUBLISHES)
    CitationFactory(citing=source, cited=hidden)
    CitationFactory(citing=hidden, cited=source)

    body = text(signed_in(client, viewer).get(page(source)))

    assert f'It quotes <a href="{page(origin)}">Telegram post</a>' in body
    assert f'<a href="{page(relay)}">Magazine piece</a>' in body and "republishes it" in body
    assert page(hidden) not in body and "Leak" not in body


def test_every_claim_resting_on_it_is_listed_with_its_stance(client, viewer, source):
    one = ClaimFactory(text="Two men were killed.")
    two = ClaimFactory(text="The men were volunteers.")
    EvidenceFactory(claim=one, source=source, stance=Evidence.Stance.ASSERTS)
    EvidenceFactory(claim=two, source=source, stance=Evidence.Stance.CONTRADICTS)

    body = text(signed_in(client, viewer).get(page(source)))

    assert reverse("web:claim-detail", args=[one.pk]) in body
    assert reverse("web:claim-detail", args=[two.pk]) in body
    assert "Asserts (makes or repeats the claim)" in body and "Contradicts" in body


# --- Who sees what -------------------------------------------------------------------------------

FACT_CHECKER_CONTROLS = ('id="capture-again"', 'id="check-link"', 'id="record-citation"')


def test_a_viewer_sees_no_fact_checker_controls_and_no_edit_of_others_sources(
    client, viewer, source
):
    body = text(signed_in(client, viewer).get(page(source)))
    for control in FACT_CHECKER_CONTROLS:
        assert control not in body
    assert 'id="edit-source"' not in body
    assert 'id="upload-document"' in body  # any role may upload a document


def test_a_viewer_may_edit_a_source_they_logged(client, viewer):
    mine = SourceFactory(created_by=viewer)
    body = text(signed_in(client, viewer).get(page(mine)))
    assert 'id="edit-source"' in body


@pytest.mark.parametrize("role", ["fact_checker", "editor"])
def test_fact_checkers_and_editors_see_every_control(client, users_by_role, role, source):
    body = text(signed_in(client, users_by_role[role]).get(page(source)))
    for control in (*FACT_CHECKER_CONTROLS, 'id="edit-source"', 'id="upload-document"'):
        assert control in body


def test_a_source_without_url_offers_no_capture_or_link_check(client, fact_checker):
    letter = SourceFactory(url="", kind=Source.Kind.CORRESPONDENCE, title="Letter")
    body = text(signed_in(client, fact_checker).get(page(letter)))
    assert 'id="capture-again"' not in body and 'id="check-link"' not in body
    assert "no link to check" in body


def test_a_sensitive_source_is_404_to_a_viewer_and_an_uninvolved_fact_checker(
    client, viewer, fact_checker, hidden
):
    assert signed_in(client, viewer).get(page(hidden)).status_code == 404
    assert signed_in(client, fact_checker).get(page(hidden)).status_code == 404


def test_a_sensitive_source_is_shown_to_editors_the_assigned_fact_checker_and_its_creator(
    client, editor, fact_checker, viewer
):
    claim = ClaimFactory()
    secret = SourceFactory(is_sensitive=True, created_by=viewer)
    EvidenceFactory(claim=claim, source=secret)
    assign(claim, editor, fact_checker)
    for user in (editor, fact_checker, viewer):
        response = signed_in(client, user).get(page(secret))
        assert response.status_code == 200
        assert "Sensitive</span>" in text(response)


def test_missing_source_is_404(client, viewer):
    assert signed_in(client, viewer).get(page(999999)).status_code == 404


def test_roleless_users_get_403_and_anonymous_users_sign_in(client, outsider, source):
    assert client.get(page(source)).status_code == 302
    assert signed_in(client, outsider).get(page(source)).status_code == 403


# --- Capture again -------------------------------------------------------------------------------


def test_a_fact_checker_asks_for_a_capture_and_sees_it_pending(client, fact_checker, source):
    response = signed_in(client, fact_checker).post(action("capture", source), follow=True)

    snapshot = Snapshot.objects.get(source=source)
    assert snapshot.status == Snapshot.Status.PENDING
    assert response.redirect_chain[-1][0] == page(source)
    assert f"Capture #{snapshot.pk} is pending" in text(response)


def test_capture_again_with_htmx_answers_with_the_archive_section(client, fact_checker, source):
    response = signed_in(client, fact_checker).post(action("capture", source), **HTMX)
    body = text(response)
    assert response.status_code == 200
    assert body.startswith('<section id="archive"') and "<html" not in body
    assert "is pending" in body and "Pending" in body


def test_a_forged_capture_by_a_viewer_is_refused_and_writes_nothing(client, viewer, source):
    response = signed_in(client, viewer).post(action("capture", source))
    assert response.status_code == 403
    assert not Snapshot.objects.exists()


def test_capturing_a_hidden_source_is_404(client, fact_checker, hidden):
    assert signed_in(client, fact_checker).post(action("capture", hidden)).status_code == 404
    assert not Snapshot.objects.exists()


def test_capture_page_refuses_get(client, fact_checker, source):
    assert signed_in(client, fact_checker).get(action("capture", source)).status_code == 405


# --- Check link now ------------------------------------------------------------------------------


def test_a_fact_checker_checks_a_link_now(client, fact_checker, site, fetch_allowed):
    live = SourceFactory(url=site.url("/article"))

    response = signed_in(client, fact_checker).post(action("link-check", live), **HTMX)

    check = LinkCheck.objects.get(source=live)
    assert check.status == "alive"
    body = text(response)
    assert response.status_code == 200 and body.startswith('<section id="link-health"')
    assert "Link checked: alive." in body and 'class="badge link-alive">Alive</span>' in body


def test_a_link_that_cannot_be_fetched_is_recorded_as_an_error(client, fact_checker, source):
    response = signed_in(client, fact_checker).post(action("link-check", source), follow=True)
    assert LinkCheck.objects.get(source=source).status == "error"
    assert "Link checked: could not be checked." in text(response)


def test_a_forged_link_check_by_a_viewer_is_refused_and_writes_nothing(client, viewer, source):
    assert signed_in(client, viewer).post(action("link-check", source)).status_code == 403
    assert not LinkCheck.objects.exists()


# --- Citations -----------------------------------------------------------------------------------


def cite(client, source, **data):
    return client.post(action("citation-add", source), {"kind": "cites", **data})


def test_a_fact_checker_cites_a_recorded_source_by_any_spelling_of_its_url(
    client, fact_checker, source
):
    origin = SourceFactory(url="https://t.me/channel/42")

    response = cite(
        signed_in(client, fact_checker),
        source,
        kind="quotes",
        target="https://t.me/s/channel/42",
        note="The post with the video.",
    )

    assert response.status_code == 302
    citation = Citation.objects.get()
    assert (citation.citing, citation.cited, citation.kind) == (source, origin, "quotes")
    assert citation.note == "The post with the video."


def test_a_url_new_to_us_is_logged_as_a_source_and_cited(client, fact_checker, source):
    response = cite(
        signed_in(client, fact_checker),
        source,
        target="https://x.com/someone/status/1",
        new_kind="social_post",
    )

    assert response.status_code == 302
    new = Source.objects.get(canonical_url="https://x.com/someone/status/1")
    assert new.kind == "social_post" and new.created_by == fact_checker
    assert Citation.objects.get().cited == new
    assert Snapshot.objects.get(source=new).status == Snapshot.Status.PENDING


def test_a_source_is_cited_by_its_id(client, fact_checker, source):
    other = SourceFactory()
    assert cite(signed_in(client, fact_checker), source, target=f"#{other.pk}").status_code == 302
    assert Citation.objects.get().cited == other


def test_words_matching_one_source_cite_it(client, fact_checker, source):
    other = SourceFactory(title="Border-crossing records for 2024")
    response = cite(signed_in(client, fact_checker), source, target="border crossing")
    assert response.status_code == 302
    assert Citation.objects.get().cited == other


def test_words_matching_several_sources_offer_them_to_pick(client, fact_checker, source):
    first = SourceFactory(title="Ministry statement, March")
    second = SourceFactory(title="Ministry statement, April")

    response = cite(signed_in(client, fact_checker), source, target="ministry statement")

    assert response.status_code == 400
    body = text(response)
    assert "Several sources match: pick one below." in body
    for candidate in (first, second):
        assert f'name="cited_id" value="{candidate.pk}"' in body
    assert not Citation.objects.exists()

    picked = cite(client, source, target="ministry statement", cited_id=second.pk)
    assert picked.status_code == 302
    assert Citation.objects.get().cited == second


def test_a_citation_form_with_errors_is_a_400_fragment_for_htmx(client, fact_checker, source):
    response = signed_in(client, fact_checker).post(
        action("citation-add", source), {"kind": "cites", "target": "no such words"}, **HTMX
    )
    body = text(response)
    assert response.status_code == 400
    assert body.startswith('<section id="citations"')
    assert "No source matches these words." in body
    assert 'aria-invalid="true"' in body


def test_a_citation_with_htmx_answers_with_the_updated_citations(client, fact_checker, source):
    other = SourceFactory(title="Original post")
    response = signed_in(client, fact_checker).post(
        action("citation-add", source), {"kind": "cites", "target": f"#{other.pk}"}, **HTMX
    )
    assert response.status_code == 200
    assert "Recorded: this source cites Original post." in text(response)
    assert f'<a href="{page(other)}">Original post</a>' in text(response)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("", "This field is required."),
        ("javascript:alert(1)", "No source matches"),
        ("ftp://files.example/x", "Enter a web address starting with http:// or https://."),
        ("#99999999999999999999999", "No source matches"),
    ],
)
def test_bad_citation_targets_are_field_errors(client, fact_checker, source, target, message):
    response = cite(signed_in(client, fact_checker), source, target=target)
    assert response.status_code == 400
    assert message in text(response)
    assert not Citation.objects.exists()


def test_a_source_cannot_cite_itself_or_twice(client, fact_checker, source):
    other = SourceFactory()
    client = signed_in(client, fact_checker)
    assert "A source cannot cite itself." in text(cite(client, source, target=source.url))
    assert cite(client, source, target=f"#{other.pk}").status_code == 302
    again = cite(client, source, target=f"#{other.pk}")
    assert again.status_code == 400 and "This citation is already recorded." in text(again)
    assert Citation.objects.count() == 1


def test_a_hidden_source_cannot_be_cited_or_found(client, fact_checker, source, hidden):
    client = signed_in(client, fact_checker)
    by_id = cite(client, source, target=f"#{hidden.pk}")
    assert by_id.status_code == 400 and f"No source #{hidden.pk}." in text(by_id)
    by_url = cite(client, source, target=hidden.url)
    assert by_url.status_code == 400 and RESTRICTED_MESSAGE in text(by_url)
    assert RestrictedSourceAttempt.objects.get().attempted_by == fact_checker
    picked = cite(client, source, target="leak", cited_id=hidden.pk)
    assert picked.status_code == 400
    assert not Citation.objects.exists()


def test_a_forged_citation_by_a_viewer_is_refused_and_writes_nothing(client, viewer, source):
    response = cite(signed_in(client, viewer), source, target="https://new.example/a")
    assert response.status_code == 403
    assert not Citation.objects.exists()
    assert not Source.objects.filter(url="https://new.example/a").exists()


def test_citation_candidates_list_visible_matches_to_pick(client, fact_checker, source, hidden):
    match = SourceFactory(title="Leaked ministry memo")
    url = reverse("web:source-citation-candidates", args=[source.pk])

    response = signed_in(client, fact_checker).get(url, {"target": "leak"}, **HTMX)

    body = text(response)
    assert response.status_code == 200
    assert f'value="{match.pk}"' in body
    assert f'value="{hidden.pk}"' not in body and f'value="{source.pk}"' not in body
    assert "<legend>" in body


# --- Uploads -------------------------------------------------------------------------------------


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_a_viewer_uploads_a_document(client, viewer, source):
    response = signed_in(client, viewer).post(action("upload", source), {"file": pdf()})

    assert response.status_code == 302
    snapshot = Snapshot.objects.get(source=source)
    assert snapshot.form == Snapshot.Form.UPLOAD and snapshot.status == "archived"
    assert snapshot.filename == "report.pdf"


def test_an_upload_with_htmx_answers_with_the_archive_section(client, viewer, source):
    response = signed_in(client, viewer).post(action("upload", source), {"file": pdf()}, **HTMX)
    assert response.status_code == 200
    assert "Uploaded report.pdf" in text(response)
    assert reverse("sources:snapshot-file", args=[Snapshot.objects.get().pk]) in (text(response))


def test_a_refused_file_is_a_field_error_and_writes_nothing(client, viewer, source):
    page_html = SimpleUploadedFile("page.html", b"<html><script>x</script></html>")
    before = stored_files()

    response = signed_in(client, viewer).post(action("upload", source), {"file": page_html})

    assert response.status_code == 400
    assert "Upload a PDF, a PNG, JPEG, GIF or WebP image" in text(response)
    assert 'id="upload_file_error"' in response.content.decode()
    assert not Snapshot.objects.exists() and stored_files() == before


def test_a_refused_file_with_htmx_is_a_400_fragment(client, viewer, source):
    empty = SimpleUploadedFile("empty.txt", b"")
    response = signed_in(client, viewer).post(action("upload", source), {"file": empty}, **HTMX)
    assert response.status_code == 400
    assert text(response).startswith('<section id="archive"')


def test_an_upload_far_over_the_limit_is_refused_before_it_is_read(
    client, viewer, source, settings
):
    settings.CLAIMTRAIL_UPLOAD_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 512
    response = signed_in(client, viewer).post(action("upload", source), {"file": pdf()})
    assert response.status_code == 413
    assert "File too large" in text(response)
    assert not Snapshot.objects.exists()


def test_uploads_are_size_checked_before_and_csrf_checked_after_reading(viewer, source, settings):
    settings.CLAIMTRAIL_UPLOAD_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 512
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(viewer)

    assert strict.post(action("upload", source), {"file": pdf()}).status_code == 413
    small = SimpleUploadedFile("note.txt", b"A short letter.")
    assert strict.post(action("upload", source), {"file": small}).status_code == 403
    assert not Snapshot.objects.exists()

    strict.get(page(source))
    token = strict.cookies["csrftoken"].value
    small.seek(0)
    with_token = {"file": small, "csrfmiddlewaretoken": token}
    assert strict.post(action("upload", source), with_token).status_code == 302
    assert Snapshot.objects.count() == 1


def test_uploading_to_a_hidden_source_is_404(client, viewer, hidden):
    response = signed_in(client, viewer).post(action("upload", hidden), {"file": pdf()})
    assert response.status_code == 404
    assert not Snapshot.objects.exists()


# --- Editing -------------------------------------------------------------------------------------


def edit_data(source: Source, **changes) -> dict:
    data = {
        "kind": source.kind,
        "url": source.url,
        "title": source.title,
        "author": source.author,
        "published_on": "",
        "language": source.language,
        "sourcing": source.sourcing,
        "summary": source.summary,
    }
    if source.is_sensitive:
        data["is_sensitive"] = "on"
    return {**data, **changes}


def test_a_fact_checker_edits_a_source(client, fact_checker, source):
    response = signed_in(client, fact_checker).post(
        action("edit", source),
        edit_data(source, title="Two men killed, says channel", published_on="2025-04-09"),
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.title == "Two men killed, says channel"
    assert source.published_at.date().isoformat() == "2025-04-09"


def test_the_edit_form_labels_every_field(client, fact_checker, source):
    body = signed_in(client, fact_checker).get(action("edit", source)).content.decode()
    for field in ("kind", "url", "title", "author", "published_on", "language", "sourcing"):
        assert f'<label for="id_{field}">' in body


def test_a_viewer_may_not_edit_someone_elses_source(client, viewer, source):
    client = signed_in(client, viewer)
    assert client.get(action("edit", source)).status_code == 403
    response = client.post(action("edit", source), edit_data(source, title="Forged"))
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.title == "Two fighters killed, channel says"


def test_a_url_already_recorded_links_to_that_source(client, fact_checker, source):
    other = SourceFactory(url="https://other.example/a")
    response = signed_in(client, fact_checker).post(
        action("edit", other), edit_data(other, url="https://news.example/story")
    )
    assert response.status_code == 400
    assert f'recorded as <a href="{page(source)}">source #{source.pk}</a>' in text(response)


def test_a_url_recorded_as_a_hidden_source_is_not_named(client, fact_checker, hidden):
    other = SourceFactory(url="https://other.example/a")
    response = signed_in(client, fact_checker).post(
        action("edit", other), edit_data(other, url=hidden.url)
    )
    assert response.status_code == 400
    body = text(response)
    assert RESTRICTED_MESSAGE in body and page(hidden) not in body
    assert RestrictedSourceAttempt.objects.get().attempted_by == fact_checker


def test_a_non_editor_cannot_lift_the_sensitive_mark(client, viewer):
    mine = SourceFactory(created_by=viewer, is_sensitive=True)
    client = signed_in(client, viewer)
    form = client.get(action("edit", mine)).content.decode()
    assert re.search(r'<input type="checkbox" name="is_sensitive"[^>]*disabled', form)
    data = edit_data(mine, title="Renamed")
    data.pop("is_sensitive")  # unticked: ignored, the box is disabled

    assert client.post(action("edit", mine), data).status_code == 302
    mine.refresh_from_db()
    assert mine.is_sensitive and mine.title == "Renamed"


def test_an_editor_lifts_the_sensitive_mark(client, editor, hidden):
    data = edit_data(hidden)
    data.pop("is_sensitive")
    assert signed_in(client, editor).post(action("edit", hidden), data).status_code == 302
    hidden.refresh_from_db()
    assert not hidden.is_sensitive


def test_bad_edits_are_400_with_field_errors(client, fact_checker, source):
    response = signed_in(client, fact_checker).post(
        action("edit", source),
        edit_data(source, url="javascript:alert(1)", language="not a language"),
    )
    assert response.status_code == 400
    body = text(response)
    assert "Enter a web address starting with http:// or https://." in body
    source.refresh_from_db()
    assert source.url == "https://www.news.example/story?utm_source=x"


def test_an_edit_changing_nothing_writes_nothing(client, fact_checker, source):
    before = source.updated_at
    response = signed_in(client, fact_checker).post(action("edit", source), edit_data(source))
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.updated_at == before


# --- Query counts --------------------------------------------------------------------------------


def _fill(source: Source, rows: int, editor) -> None:
    for n in range(rows):
        archived_snapshot(source)
        LinkCheck.objects.create(source=source, url=source.url, status="alive")
        CitationFactory(citing=source, cited=SourceFactory(outlet=OutletFactory()))
        CitationFactory(citing=SourceFactory(outlet=OutletFactory()), cited=source)
        EvidenceFactory(source=source, claim=ClaimFactory(text=f"Claim number {n} holds."))


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_the_page_query_count_does_not_grow_with_its_rows(
    client, users_by_role, role, source, editor, django_assert_max_num_queries
):
    client = signed_in(client, users_by_role[role])
    _fill(source, 2, editor)
    with django_assert_max_num_queries(10) as few:
        assert client.get(page(source)).status_code == 200
    _fill(source, 12, editor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(page(source)).status_code == 200
