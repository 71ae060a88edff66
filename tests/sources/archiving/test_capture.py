"""Captures through the real ``snapshot_capture`` service against real servers on loopback."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import F

from config.append_only import AppendOnlyError
from sources.archiving.services import (
    CaptureRetry,
    snapshot_capture,
    snapshot_request,
    snapshots_capture_pending,
)
from sources.models import Snapshot, Source
from sources.services import source_create
from tests import netlab
from tests.netlab import LabServer
from tests.sources.archiving.warc_checks import assert_warc_valid, warc_records

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "capture"
MIB = 1 << 20
_CHECKED: set[str] = set()


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def _every_warc_passes_warcio_check(settings) -> Iterator[None]:
    """Whatever a test asserted, every WARC it left in storage must pass ``warcio check``."""
    yield
    location = Path(settings.STORAGES["archives"]["OPTIONS"]["location"])
    for path in sorted(location.rglob("*.warc.gz")):
        if str(path) not in _CHECKED:
            assert_warc_valid(path)


def news_url(lab: LabServer, path: str) -> str:
    return f"http://news.example:{lab.port}{path}"


def run_capture(snapshot_id: int) -> Snapshot:
    """Run the service; a transient failure (CaptureRetry) hands back the row it wrote."""
    try:
        return snapshot_capture(snapshot_id=snapshot_id)
    except CaptureRetry as retry:
        assert retry.snapshot.status == Snapshot.Status.PENDING
        return retry.snapshot


def capture(actor, url: str, kind: str = "article") -> Snapshot:
    source = source_create(actor=actor, kind=kind, url=url)
    return run_capture(source.snapshots.get().pk)


def checked_warc(snapshot: Snapshot) -> list:
    """The snapshot's WARC, checked with ``warcio check``; its records."""
    assert snapshot.warc.name
    path = snapshot.warc.path
    assert_warc_valid(path)
    _CHECKED.add(path)
    return warc_records(path)


def archive_files(suffix: str = ".warc.gz") -> list[Path]:
    storage = Snapshot._meta.get_field("warc").storage
    return sorted(Path(storage.location).rglob(f"*{suffix}"))


def assert_archived(snapshot: Snapshot, served: bytes) -> list:
    assert snapshot.status == Snapshot.Status.ARCHIVED, (
        snapshot.error_code,
        snapshot.error_message,
    )
    assert snapshot.sha256 == hashlib.sha256(served).hexdigest()
    assert snapshot.size == len(served)
    assert snapshot.remote_address == "127.0.0.1"
    return checked_warc(snapshot)


def page(title: str, text: str) -> bytes:
    paragraphs = "".join(
        f"<p>{text} Paragraph {n} adds detail to the report.</p>" for n in range(6)
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


# --- The done-when case ---------------------------------------------------------------------------


def test_capture_of_a_news_article_archives_a_valid_warc_and_fills_the_source(viewer, lab):
    served = fixture_bytes("article.html")
    expected = json.loads(fixture_bytes("article.expected.json"))
    url = lab.route("/world/2025/04/10/two-fighters", netlab.html(served))
    url = news_url(lab, "/world/2025/04/10/two-fighters")

    source = source_create(actor=viewer, kind="article", url=url)
    snapshot = snapshot_capture(snapshot_id=source.snapshots.get().pk)

    records = assert_archived(snapshot, served)
    assert snapshot.final_url == url
    assert snapshot.fetch_url == url
    assert snapshot.http_status == 200
    assert snapshot.content_type == "text/html; charset=utf-8"
    assert snapshot.redirects == []
    assert snapshot.attempts == 1
    assert snapshot.form == Snapshot.Form.PAGE
    assert snapshot.finished_at is not None
    assert snapshot.error_code == ""
    source.refresh_from_db()
    assert source.title == expected["title"]
    assert source.author == expected["author"]
    assert source.published_at.date() == date.fromisoformat(expected["date"])
    assert (snapshot.title, snapshot.author) == (expected["title"], expected["author"])
    for phrase in expected["must_contain"]:
        assert phrase in snapshot.text
    for phrase in expected["must_not_contain"]:
        assert phrase not in snapshot.text

    assert [r.type for r in records] == ["warcinfo", "response", "request"]
    response, request = records[1], records[2]
    assert response.headers.get_header("WARC-Target-URI") == url
    assert response.headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert request.headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response.http_headers.get_statuscode() == "200"
    assert response.payload == served
    assert request.http_headers.get_header("Host") == f"news.example:{lab.port}"
    assert "Claimtrail" in request.http_headers.get_header("User-Agent")
    assert lab.hits == 1


def test_a_title_a_person_typed_is_not_overwritten_by_the_capture(viewer, lab):
    lab.route("/story", netlab.html(fixture_bytes("article.html")))
    source = source_create(
        actor=viewer, kind="article", url=news_url(lab, "/story"), title="Our own headline"
    )

    snapshot = run_capture(source.snapshots.get().pk)

    source.refresh_from_db()
    assert snapshot.status == Snapshot.Status.ARCHIVED
    assert source.title == "Our own headline"
    assert source.author == "Clara Whitfield"


# --- Redirects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_relative_redirect_is_followed_and_recorded(viewer, lab, code):
    served = page("Moved story", "The story moved to a new address.")
    lab.route("/old", netlab.redirect("/new?x=1", code))
    lab.route("/new", netlab.html(served))

    snapshot = capture(viewer, news_url(lab, "/old"))

    records = assert_archived(snapshot, served)
    assert snapshot.final_url == news_url(lab, "/new?x=1")
    assert snapshot.http_status == 200
    assert snapshot.redirects == [
        {"url": news_url(lab, "/old"), "status": code, "location": "/new?x=1"}
    ]
    assert [r.type for r in records] == ["warcinfo", "response", "request", "response", "request"]
    assert records[1].http_headers.get_statuscode() == str(code)
    assert records[3].headers.get_header("WARC-Target-URI") == news_url(lab, "/new?x=1")


def test_a_chain_of_five_redirects_across_hosts_is_archived(viewer, lab, dns):
    dns["other.example"] = ["127.0.0.1"]
    served = page("End of the chain", "Five hops later the page is here.")
    lab.route("/hop0", netlab.redirect("/hop1", 301))
    lab.route("/hop1", netlab.redirect(f"http://other.example:{lab.port}/hop2", 302))
    lab.route("/hop2", netlab.redirect("hop3", 303))
    lab.route("/hop3", netlab.redirect(f"//news.example:{lab.port}/hop4", 307))
    lab.route("/hop4", netlab.redirect("/end", 308))
    lab.route("/end", netlab.html(served))

    snapshot = capture(viewer, news_url(lab, "/hop0"))

    records = assert_archived(snapshot, served)
    assert [hop["status"] for hop in snapshot.redirects] == [301, 302, 303, 307, 308]
    assert snapshot.redirects[2]["url"] == f"http://other.example:{lab.port}/hop2"
    assert snapshot.final_url == news_url(lab, "/end")
    assert [r.type for r in records].count("response") == 6
    assert lab.hits == 6


def test_a_redirect_whose_body_never_ends_is_followed_at_once(viewer, lab, settings):
    settings.CLAIMTRAIL_FETCH_DEADLINE = 1.0
    served = page("Arrived", "The redirect's body never came.")

    def endless_redirect(ex: netlab.Exchange) -> None:
        ex.start(302, [("Location", "/arrived"), ("Content-Length", "100000")])
        ex.write(b"<p>moved")
        ex.sleep(5.0)

    lab.route("/moved", endless_redirect)
    lab.route("/arrived", netlab.html(served))

    snapshot = capture(viewer, news_url(lab, "/moved"))

    records = assert_archived(snapshot, served)
    hop = records[1].http_headers
    assert hop.get_statuscode() == "302"
    assert hop.get_header("Content-Length") == "0"  # the body was not kept, and the WARC says so
    assert hop.get_header("X-Archive-Orig-Content-Length") == "100000"


def test_six_redirects_fail_as_too_many(viewer, lab):
    for n in range(6):
        lab.route(f"/hop{n}", netlab.redirect(f"/hop{n + 1}", 302))
    lab.route("/hop6", netlab.html(page("Never reached", "Too far.")))

    snapshot = capture(viewer, news_url(lab, "/hop0"))

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "too_many_redirects"
    assert "more than 5" in snapshot.error_message
    assert lab.hits == 6
    assert not snapshot.warc


def test_a_redirect_loop_fails_without_going_round_again(viewer, lab):
    lab.route("/a", netlab.redirect("/b", 302))
    lab.route("/b", netlab.redirect("/a", 302))

    snapshot = capture(viewer, news_url(lab, "/a"))

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "redirect_loop"
    assert lab.hits == 2


# --- Transfer and content encodings ---------------------------------------------------------------


def test_a_chunked_response_is_archived_de_chunked(viewer, lab):
    served = page("Chunked story", "This page arrives in chunks.")
    parts = [served[:50], served[50:51], served[51:400], served[400:]]
    lab.route("/chunked", netlab.chunked(parts))

    snapshot = capture(viewer, news_url(lab, "/chunked"))

    records = assert_archived(snapshot, served)
    assert records[1].payload == served
    assert snapshot.title == "Chunked story"


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_a_gzip_response_is_hashed_and_extracted_decoded(viewer, lab, chunked):
    served = page("Compressed story", "This page travels gzip-compressed. " * 40)
    lab.route("/gz", netlab.gzipped(served, chunked=chunked))

    snapshot = capture(viewer, news_url(lab, "/gz"))

    records = assert_archived(snapshot, served)
    assert records[1].payload[:2] == b"\x1f\x8b"  # stored as transferred
    assert snapshot.title == "Compressed story"
    assert "travels gzip-compressed" in snapshot.text


@pytest.mark.parametrize("raw", [False, True], ids=["zlib", "raw"])
def test_a_deflate_response_is_decoded_in_either_framing(viewer, lab, raw):
    served = page("Deflated story", "This page travels deflated.")
    lab.route("/deflate", netlab.deflated(served, raw=raw))

    snapshot = capture(viewer, news_url(lab, "/deflate"))

    assert_archived(snapshot, served)
    assert snapshot.title == "Deflated story"


def test_a_gzip_bomb_stops_at_the_decoded_cap(viewer, lab, settings):
    settings.CLAIMTRAIL_FETCH_MAX_BYTES = 5 * MIB
    finished = threading.Event()
    bomb = netlab.gzip_bomb(8 << 30)  # 8 GiB decoded, about 8 MiB on the wire

    def handler(ex: netlab.Exchange) -> None:
        bomb(ex)
        finished.set()

    lab.route("/bomb", handler)
    tracemalloc.start()
    try:
        snapshot = capture(viewer, news_url(lab, "/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "too_large"
    assert "5 MiB" in snapshot.error_message
    assert peak < 64 * MIB
    assert lab.wait_idle(5.0)
    assert not finished.is_set()  # the client hung up long before the end of the bomb
    assert not snapshot.warc


@pytest.mark.parametrize(
    ("encoding", "data", "code"),
    [
        ("br", b"\x0b\x02\x80hello\x03", "unsupported_encoding"),
        ("gzip", b"\x1f\x8b\x08\x00" + b"not really gzip" * 10, "bad_encoding"),
        ("deflate", b"\x78\x9c" + b"\xff" * 64, "bad_encoding"),
    ],
)
def test_a_body_we_cannot_decode_fails_at_once(viewer, lab, encoding, data, code):
    lab.route("/enc", netlab.body(data, "text/html", headers={"Content-Encoding": encoding}))

    snapshot = capture(viewer, news_url(lab, "/enc"))

    assert (snapshot.status, snapshot.error_code) == (Snapshot.Status.FAILED, code)
    assert snapshot.http_status == 200
    assert not snapshot.warc


# --- Slow and broken servers ----------------------------------------------------------------------


def test_a_slow_drip_is_abandoned_at_the_deadline_and_retried_later(viewer, lab, settings):
    settings.CLAIMTRAIL_FETCH_DEADLINE = 1.0
    lab.route("/drip", netlab.drip(b"x" * 200, interval=0.1))
    source = source_create(actor=viewer, kind="article", url=news_url(lab, "/drip"))

    with pytest.raises(CaptureRetry) as caught:
        snapshot_capture(snapshot_id=source.snapshots.get().pk)

    snapshot = Snapshot.objects.get(pk=caught.value.snapshot.pk)
    assert snapshot.status == Snapshot.Status.PENDING
    assert snapshot.error_code == "timeout"
    assert snapshot.attempts == 1
    assert snapshot.retry_at is not None
    assert "within 1 second." in snapshot.error_message
    assert not snapshot.warc


def test_a_slow_drip_at_the_last_attempt_fails(viewer, lab, settings):
    settings.CLAIMTRAIL_FETCH_DEADLINE = 1.0
    settings.CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS = 1
    lab.route("/drip", netlab.drip(b"x" * 200, interval=0.1, content_length=False))

    snapshot = capture(viewer, news_url(lab, "/drip"))

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "timeout"
    assert snapshot.retry_at is None
    assert "Gave up after 1 attempt." in snapshot.error_message


def test_a_server_that_hangs_after_the_headers_times_out_at_the_deadline(viewer, lab, settings):
    settings.CLAIMTRAIL_FETCH_DEADLINE = 1.0
    lab.route("/hang", netlab.hang_after_headers(content_length=5000, limit=5.0))

    snapshot = capture(viewer, news_url(lab, "/hang"))

    assert snapshot.status == Snapshot.Status.PENDING
    assert snapshot.error_code == "timeout"


def test_a_server_that_hangs_after_the_headers_times_out_at_the_read_timeout(viewer, lab, settings):
    # The read timeout (0.3 s) is shorter than both the connect timeout (2 s) and the deadline.
    settings.CLAIMTRAIL_FETCH_READ_TIMEOUT = 0.3
    settings.CLAIMTRAIL_FETCH_DEADLINE = 1.5
    settings.CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS = 1
    lab.route("/hang", netlab.hang_after_headers(limit=5.0))

    snapshot = capture(viewer, news_url(lab, "/hang"))

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "timeout"
    assert snapshot.error_message.startswith("news.example did not answer in time.")


def test_headers_slower_than_the_deadline_time_out(viewer, lab, settings):
    settings.CLAIMTRAIL_FETCH_DEADLINE = 1.0
    lab.route("/slow", netlab.slow_headers(5.0))

    snapshot = capture(viewer, news_url(lab, "/slow"))

    assert snapshot.status == Snapshot.Status.PENDING
    assert snapshot.error_code == "timeout"


def test_headers_slower_than_the_read_timeout_time_out(viewer, lab, settings):
    settings.CLAIMTRAIL_FETCH_READ_TIMEOUT = 0.3
    settings.CLAIMTRAIL_FETCH_DEADLINE = 1.5
    lab.route("/slow", netlab.slow_headers(5.0))

    snapshot = capture(viewer, news_url(lab, "/slow"))

    assert snapshot.status == Snapshot.Status.PENDING
    assert snapshot.error_code == "timeout"
    assert snapshot.error_message.startswith("news.example did not answer in time.")


@pytest.mark.parametrize("content_length", [True, False], ids=["declared", "undeclared"])
def test_an_oversized_body_fails_as_too_large(viewer, lab, settings, content_length):
    settings.CLAIMTRAIL_FETCH_MAX_BYTES = 1 * MIB
    lab.route("/big", netlab.oversized(4 * MIB, content_length=content_length))

    snapshot = capture(viewer, news_url(lab, "/big"))

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "too_large"
    assert "1 MiB" in snapshot.error_message
    assert snapshot.http_status == 200
    assert not snapshot.warc


def test_a_body_shorter_than_its_content_length_is_incomplete(viewer, lab, settings):
    settings.CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS = 1
    lab.route("/short", netlab.lying_length(10_000, b"<html><p>only this much</p>"))

    snapshot = capture(viewer, news_url(lab, "/short"))

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "incomplete"
    assert not snapshot.warc


def test_an_incomplete_body_is_transient(viewer, lab):
    lab.route("/short", netlab.lying_length(10_000, b"<html><p>only this much</p>"))

    snapshot = capture(viewer, news_url(lab, "/short"))

    assert snapshot.status == Snapshot.Status.PENDING
    assert snapshot.error_code == "incomplete"


# --- HTTP errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [404, 410])
def test_a_gone_page_fails_at_once_and_keeps_its_warc(viewer, lab, code):
    lab.route("/gone", netlab.status(code))

    snapshot = capture(viewer, news_url(lab, "/gone"))

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == f"http_{code}"
    assert str(code) in snapshot.error_message
    assert snapshot.http_status == code
    assert snapshot.attempts == 1
    assert snapshot.sha256
    records = checked_warc(snapshot)
    assert records[1].http_headers.get_statuscode() == str(code)
    assert lab.hits == 1


@pytest.mark.parametrize("code", [500, 503])
def test_a_server_error_is_retried_then_fails_after_the_last_attempt(viewer, lab, settings, code):
    settings.CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS = 2
    lab.route("/err", netlab.status(code))
    source = source_create(actor=viewer, kind="article", url=news_url(lab, "/err"))
    snapshot_id = source.snapshots.get().pk

    with pytest.raises(CaptureRetry):
        snapshot_capture(snapshot_id=snapshot_id)
    first = Snapshot.objects.get(pk=snapshot_id)
    assert (first.status, first.error_code, first.attempts) == ("pending", f"http_{code}", 1)
    assert first.retry_at is not None
    assert not first.warc  # nothing kept while it may still succeed

    last = snapshot_capture(snapshot_id=snapshot_id)

    assert (last.status, last.error_code, last.attempts) == ("failed", f"http_{code}", 2)
    assert "Gave up after 2 attempts." in last.error_message
    assert last.retry_at is None
    checked_warc(last)
    assert lab.hits == 2


def test_a_refused_connection_is_transient(viewer, dns, fetch_allowed, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dns["news.example"] = ["127.0.0.1"]

    snapshot = capture(viewer, f"http://news.example:{port}/closed")

    assert snapshot.status == Snapshot.Status.PENDING
    assert snapshot.error_code == "connection_refused"
    assert snapshot.retry_at is not None

    settings.CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS = 2
    last = run_capture(snapshot.pk)
    assert (last.status, last.error_code, last.attempts) == ("failed", "connection_refused", 2)


def test_an_unknown_name_fails_at_once(viewer, lab):
    snapshot = capture(viewer, f"http://nowhere.example:{lab.port}/")

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "dns_not_found"
    assert "nowhere.example" in snapshot.error_message
    assert snapshot.remote_address is None
    assert lab.connections == 0


# --- Document types -------------------------------------------------------------------------------


def test_a_pdf_response_keeps_its_text_and_metadata(viewer, lab):
    served = fixture_bytes("report.pdf")
    lab.route("/report.pdf", netlab.body(served, "application/pdf"))

    snapshot = capture(viewer, news_url(lab, "/report.pdf"), kind="document")

    assert_archived(snapshot, served)
    assert snapshot.content_type == "application/pdf"
    assert snapshot.title == "Verification note: reported deaths of two Chinese volunteers"
    assert snapshot.author == "Claimtrail Verification Desk"
    assert snapshot.published_at.date() == date(2025, 4, 10)
    assert "call signs" in snapshot.text
    source = Source.objects.get(pk=snapshot.source_id)
    assert source.title == snapshot.title


def test_a_json_response_is_archived_with_its_text(viewer, lab):
    served = fixture_bytes("data.json")
    lab.route("/data.json", netlab.body(served, "application/json"))

    snapshot = capture(viewer, news_url(lab, "/data.json"), kind="dataset")

    assert_archived(snapshot, served)
    assert snapshot.content_type == "application/json"
    assert "at least 155" in snapshot.text or "155" in snapshot.text
    assert snapshot.title == ""


def test_an_image_response_is_archived_without_text(viewer, lab):
    served = fixture_bytes("pixel.png")
    lab.route("/pixel.png", netlab.body(served, "image/png"))

    snapshot = capture(viewer, news_url(lab, "/pixel.png"), kind="document")

    records = assert_archived(snapshot, served)
    assert records[1].payload == served
    assert (snapshot.title, snapshot.author, snapshot.text) == ("", "", "")
    assert snapshot.published_at is None


def test_a_page_in_a_legacy_cyrillic_charset_is_extracted_by_its_header_charset(viewer, lab):
    # Short, and with no <meta charset>: too little for charset detection to get right alone.
    text = "Канал сообщил, что двое иностранных бойцов погибли в регионе."
    served = (
        f"<html><head><title>Сообщение</title></head>"
        f"<body><article><p>{text}</p></article></body></html>"
    ).encode("windows-1251")
    lab.route("/ru", netlab.html(served, content_type="text/html; charset=windows-1251"))

    snapshot = capture(viewer, news_url(lab, "/ru"))

    assert_archived(snapshot, served)
    assert snapshot.title == "Сообщение"
    assert text in snapshot.text


def test_a_page_whose_header_charset_contradicts_nothing_is_read_by_its_meta(viewer, lab):
    text = "Заявление повторили в сети без независимого подтверждения."
    served = page("Заявление", text).replace(b"charset='utf-8'", b"charset='windows-1251'")
    served = served.decode().encode("windows-1251")
    lab.route("/ru", netlab.html(served, content_type="text/html"))

    snapshot = capture(viewer, news_url(lab, "/ru"))

    assert_archived(snapshot, served)
    assert text in snapshot.text


def test_a_page_with_no_metadata_is_archived_with_blank_fields(viewer, lab):
    served = b"<html><body><p>" + b"Nothing but a paragraph of plain words here. " * 10 + b"</p>"
    lab.route("/bare", netlab.html(served))

    snapshot = capture(viewer, news_url(lab, "/bare"))

    assert_archived(snapshot, served)
    assert "plain words" in snapshot.text
    assert snapshot.author == ""
    assert snapshot.published_at is None
    source = Source.objects.get(pk=snapshot.source_id)
    assert (source.author, source.published_at) == ("", None)


# --- Idempotency and immutability -----------------------------------------------------------------


def test_capturing_twice_finishes_once_and_fetches_once(viewer, lab):
    served = page("Once", "Captured a single time.")
    lab.route("/once", netlab.html(served))
    source = source_create(actor=viewer, kind="article", url=news_url(lab, "/once"))
    snapshot_id = source.snapshots.get().pk

    first = snapshot_capture(snapshot_id=snapshot_id)
    second = snapshot_capture(snapshot_id=snapshot_id)

    assert_archived(first, served)
    assert source.snapshots.count() == 1
    assert second.pk == first.pk
    assert (second.status, second.warc.name, second.sha256, second.attempts) == (
        first.status,
        first.warc.name,
        first.sha256,
        1,
    )
    assert second.finished_at == first.finished_at
    assert lab.hits == 1
    assert len(archive_files()) == 1


def test_an_unchanged_page_captured_again_shares_the_first_warc(viewer, lab):
    served = page("Unchanged", "The same words on both visits.")
    lab.route("/same", netlab.html(served))
    source = source_create(actor=viewer, kind="article", url=news_url(lab, "/same"))
    first = run_capture(source.snapshots.get().pk)

    again = snapshot_request(source=source, actor=viewer)
    second = run_capture(again.pk)

    assert_archived(second, served)
    assert second.pk != first.pk
    assert second.duplicate_of_id == first.pk
    assert second.warc.name == first.warc.name
    assert second.sha256 == first.sha256
    assert len(archive_files()) == 1
    assert lab.hits == 2

    third = run_capture(snapshot_request(source=source, actor=viewer).pk)
    assert third.duplicate_of_id == first.pk  # the original, not the copy of it
    assert len(archive_files()) == 1


def test_a_changed_page_captured_again_gets_its_own_warc(viewer, lab):
    before = page("Developing story", "The first version of the report.")
    after = page("Developing story", "An updated version with a correction.")
    lab.route("/story", netlab.sequence(netlab.html(before), netlab.html(after)))
    source = source_create(actor=viewer, kind="article", url=news_url(lab, "/story"))
    first = run_capture(source.snapshots.get().pk)

    second = run_capture(snapshot_request(source=source, actor=viewer).pk)

    assert_archived(first, before)
    assert_archived(second, after)
    assert second.duplicate_of is None
    assert second.warc.name != first.warc.name
    assert len(archive_files()) == 2
    assert "correction" in second.text


def test_an_archived_snapshot_refuses_to_be_saved(viewer, lab):
    lab.route("/fixed", netlab.html(page("Fixed", "Archived and immutable.")))
    snapshot = capture(viewer, news_url(lab, "/fixed"))

    snapshot.title = "Rewritten"
    with pytest.raises(AppendOnlyError):
        snapshot.save()
    reloaded = Snapshot.objects.get(pk=snapshot.pk)
    with pytest.raises(AppendOnlyError):
        reloaded.save(update_fields=["title"])
    assert Snapshot.objects.get(pk=snapshot.pk).title == "Fixed"


def test_a_pending_snapshot_waiting_for_the_same_url_is_reused(viewer, lab):
    lab.route("/p", netlab.html(page("Pending", "Waiting for capture.")))
    source = source_create(actor=viewer, kind="article", url=news_url(lab, "/p"))

    again = snapshot_request(source=source, actor=viewer)

    assert again.pk == source.snapshots.get().pk


@pytest.mark.django_db(transaction=True)
def test_a_capture_whose_row_was_reclaimed_meanwhile_is_discarded(viewer, lab):
    served = page("Reclaimed", "A sweeper handed this row to another worker.")
    source = source_create(actor=viewer, kind="article", url=news_url(lab, "/slow-worker"))
    snapshot_id = source.snapshots.get().pk
    answer = netlab.html(served)

    def reclaim_then_answer(ex: netlab.Exchange) -> None:
        # What the sweeper does to a row stuck in fetching: pending again, one attempt more.
        try:
            Snapshot.objects.filter(pk=snapshot_id).update(
                status=Snapshot.Status.PENDING, attempts=F("attempts") + 1
            )
        finally:
            connection.close()
        answer(ex)

    lab.route("/slow-worker", reclaim_then_answer)

    result = snapshot_capture(snapshot_id=snapshot_id)

    assert (result.status, result.attempts) == (Snapshot.Status.PENDING, 2)
    assert not result.warc
    assert result.sha256 == ""
    assert archive_files() == []  # the discarded capture's WARC was deleted
    assert lab.hits == 1

    # Control: the worker that holds the claim now finishes it.
    lab.route("/slow-worker", answer)
    finished = snapshot_capture(snapshot_id=snapshot_id)
    assert_archived(finished, served)
    assert finished.attempts == 3


@pytest.mark.django_db(transaction=True)
def test_a_failure_whose_row_was_reclaimed_meanwhile_is_discarded(viewer, lab):
    source = source_create(actor=viewer, kind="article", url=news_url(lab, "/gone"))
    snapshot_id = source.snapshots.get().pk
    gone = netlab.status(404)

    def reclaim_then_answer(ex: netlab.Exchange) -> None:
        try:
            Snapshot.objects.filter(pk=snapshot_id).update(
                status=Snapshot.Status.PENDING, attempts=F("attempts") + 1
            )
        finally:
            connection.close()
        gone(ex)

    lab.route("/gone", reclaim_then_answer)

    result = snapshot_capture(snapshot_id=snapshot_id)

    assert (result.status, result.error_code) == (Snapshot.Status.PENDING, "")
    assert archive_files() == []


def test_a_missing_snapshot_id_raises_does_not_exist(db):
    with pytest.raises(Snapshot.DoesNotExist):
        snapshot_capture(snapshot_id=999_999)


def test_a_pdf_with_control_characters_in_its_info_is_archived_with_clean_fields(viewer, lab):
    served = (
        fixture_bytes("report.pdf")
        .replace(b"(Claimtrail Verification Desk)", b"(Desk\\007\\177 )")
        .replace(b"(Verification note: reported deaths of two Chinese volunteers)", b"(\\000)")
    )
    lab.route("/odd.pdf", netlab.body(served, "application/pdf"))

    snapshot = capture(viewer, news_url(lab, "/odd.pdf"), kind="document")

    assert_archived(snapshot, served)
    source = Source.objects.get(pk=snapshot.source_id)
    assert snapshot.author == source.author == "Desk"
    assert snapshot.title == source.title == ""
    source.full_clean()  # what the capture filled passes the fields' own validators


# --- The synchronous runner -----------------------------------------------------------------------


def test_pending_captures_run_oldest_first_and_skip_rows_waiting_out_a_retry(viewer, lab):
    lab.route("/ok", netlab.html(page("Fine", "This one works.")))
    lab.route("/busy", netlab.status(503))
    ok = source_create(actor=viewer, kind="article", url=news_url(lab, "/ok"))
    busy = source_create(actor=viewer, kind="article", url=news_url(lab, "/busy"))

    done = snapshots_capture_pending()

    assert [(s.source_id, s.status) for s in done] == [
        (ok.pk, Snapshot.Status.ARCHIVED),
        (busy.pk, Snapshot.Status.PENDING),
    ]
    checked_warc(done[0])
    assert snapshots_capture_pending() == []  # the 503 waits for its retry_at
    assert lab.hits == 2
