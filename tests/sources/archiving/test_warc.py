"""The WARC of a capture: request and response records, SHA-256 digests ``warcio check`` accepts,
chunked and gzip-encoded responses stored consistently, the decoded document recoverable."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import zlib
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator

from sources.archiving.fetch import Exchange
from sources.archiving.services import snapshot_capture
from sources.archiving.warc import build_warc
from sources.models import Snapshot
from sources.services import source_create
from tests import netlab
from tests.sources.archiving.warc_checks import assert_warc_valid, warc_records

DOCUMENT = (
    b"<!doctype html><html><head><title>Stored twice over</title></head><body><article>"
    + b"<p>The archive keeps the body as it travelled and as it reads.</p>" * 50
    + b"</article></body></html>"
)


def sha256_label(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()


def exchange(
    headers: list[tuple[str, str]],
    raw_body: bytes,
    *,
    status: int = 200,
    url: str = "http://news.example/story",
    body: bytes | None = None,
) -> Exchange:
    return Exchange(
        url=url,
        method="GET",
        target="/" + url.split("/", 3)[3],
        request_headers=[("Host", "news.example"), ("User-Agent", "Claimtrail-test")],
        remote_address="203.0.113.7",
        remote_port=80,
        started_at=datetime(2025, 4, 10, 9, 30, 0, 123456, tzinfo=UTC),
        status=status,
        reason="OK" if status == 200 else "Found",
        headers=headers,
        raw_body=raw_body,
        body=raw_body if body is None else body,
    )


def response_of(warc: bytes, index: int = 0):
    return [r for r in warc_records(warc) if r.type == "response"][index]


def decoded_payloads(warc: bytes) -> list[bytes]:
    """What a WARC reader makes of each response: content encoding undone."""
    return [
        record.content_stream().read()
        for record in ArchiveIterator(io.BytesIO(warc))
        if record.rec_type == "response"
    ]


# --- build_warc on exchanges ----------------------------------------------------------------------


def test_each_exchange_is_a_request_and_a_response_with_sha256_digests():
    warc = build_warc(
        [exchange([("Content-Length", str(len(DOCUMENT)))], DOCUMENT)],
        info={"snapshot": "7"},
    )

    assert assert_warc_valid(warc) == ["warcinfo", "response", "request"]
    info, response, request = warc_records(warc)
    assert b"snapshot: 7" in info.payload
    assert b"software: Claimtrail" in info.payload
    assert response.headers.get_header("WARC-Payload-Digest") == sha256_label(DOCUMENT)
    assert response.headers.get_header("WARC-Block-Digest").startswith("sha256:")
    assert request.headers.get_header("WARC-Block-Digest").startswith("sha256:")
    assert request.headers.get_header("WARC-Concurrent-To") == response.headers.get_header(
        "WARC-Record-ID"
    )
    for record in (response, request):
        assert record.headers.get_header("WARC-IP-Address") == "203.0.113.7"
        assert record.headers.get_header("WARC-Date") == "2025-04-10T09:30:00.123456Z"
        assert record.headers.get_header("WARC-Target-URI") == "http://news.example/story"
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.get_header("User-Agent") == "Claimtrail-test"
    assert warc.startswith(b"\x1f\x8b")  # gzipped, record by record


def test_a_chunked_gzip_response_is_stored_encoded_with_consistent_headers():
    encoded = gzip.compress(DOCUMENT, mtime=0)
    headers = [
        ("Content-Type", "text/html"),
        ("Content-Encoding", "gzip"),
        ("Transfer-Encoding", "chunked"),
    ]

    warc = build_warc([exchange(headers, encoded, body=DOCUMENT)], info={})

    assert_warc_valid(warc)
    response = response_of(warc)
    assert response.payload == encoded
    http = response.http_headers
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert http.get_header("Content-Length") == str(len(encoded))
    assert http.get_header("Content-Encoding") == "gzip"
    assert response.headers.get_header("WARC-Payload-Digest") == sha256_label(encoded)
    assert decoded_payloads(warc) == [DOCUMENT]


@pytest.mark.parametrize("first", ["Transfer-Encoding", "Content-Length"])
def test_a_content_length_sent_beside_chunked_is_kept_as_the_original(first):
    pair = {"Transfer-Encoding": "chunked", "Content-Length": "99999"}
    second = "Content-Length" if first == "Transfer-Encoding" else "Transfer-Encoding"
    headers = [("Content-Type", "text/plain"), (first, pair[first]), (second, pair[second])]

    warc = build_warc([exchange(headers, b"hello")], info={})

    assert_warc_valid(warc)
    http = response_of(warc).http_headers
    assert http.get_header("X-Archive-Orig-Content-Length") == "99999"
    assert [v for k, v in http.headers if k.lower() == "content-length"] == ["5"]


def test_header_names_are_matched_whatever_their_case():
    headers = [("content-type", "text/plain"), ("transfer-encoding", "Chunked")]

    warc = build_warc([exchange(headers, b"hello world")], info={})

    assert_warc_valid(warc)
    http = response_of(warc).http_headers
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("Content-Length") == "11"
    assert decoded_payloads(warc) == [b"hello world"]


def test_a_body_delimited_by_the_close_gets_a_content_length():
    warc = build_warc([exchange([("Content-Type", "text/plain")], b"until close")], info={})

    assert_warc_valid(warc)
    assert response_of(warc).http_headers.get_header("Content-Length") == "11"


def test_a_redirect_whose_body_was_not_kept_says_so_consistently():
    hop = exchange(
        [("Location", "/next"), ("Content-Length", "73"), ("Content-Type", "text/html")],
        b"",
        status=302,
    )
    final = exchange([("Content-Length", "5")], b"hello", url="http://news.example/next")

    warc = build_warc([hop, final], info={})

    assert assert_warc_valid(warc) == ["warcinfo", "response", "request", "response", "request"]
    http = response_of(warc, 0).http_headers
    assert http.get_statuscode() == "302"
    assert http.get_header("Location") == "/next"
    assert http.get_header("Content-Length") == "0"
    assert http.get_header("X-Archive-Orig-Content-Length") == "73"
    assert response_of(warc, 1).http_headers.get_header("Content-Length") == "5"
    assert "X-Archive-Orig-Content-Length" not in dict(response_of(warc, 1).http_headers.headers)


@pytest.mark.parametrize(
    "encode",
    [
        lambda data: zlib.compress(data),
        lambda data: gzip.compress(data, mtime=0) + gzip.compress(b"", mtime=0),
    ],
    ids=["deflate", "gzip-members"],
)
def test_other_encodings_read_back_decoded(encode):
    encoded = encode(DOCUMENT)
    name = "deflate" if encoded[:1] == b"x" else "gzip"
    warc = build_warc([exchange([("Content-Encoding", name)], encoded, body=DOCUMENT)], info={})

    assert_warc_valid(warc)
    assert decoded_payloads(warc) == [DOCUMENT]


def test_an_empty_body_is_a_valid_record():
    warc = build_warc([exchange([("Content-Length", "0")], b"", status=204)], info={})

    assert_warc_valid(warc)
    assert response_of(warc).payload == b""


def test_http_1_0_answers_keep_their_protocol():
    ex = exchange([("Content-Length", "2")], b"ok")
    ex.http_version = "HTTP/1.0"

    warc = build_warc([ex], info={})

    assert_warc_valid(warc)
    assert response_of(warc).http_headers.protocol == "HTTP/1.0"


# --- Through a capture ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("handler", "encoded"),
    [
        (netlab.gzipped(DOCUMENT, chunked=True), gzip.compress(DOCUMENT, mtime=0)),
        (netlab.gzipped(DOCUMENT), gzip.compress(DOCUMENT, mtime=0)),
        (netlab.chunked([DOCUMENT[:100], DOCUMENT[100:]]), DOCUMENT),
        (netlab.deflated(DOCUMENT, raw=True), None),
    ],
    ids=["gzip+chunked", "gzip", "chunked", "raw-deflate"],
)
def test_a_captured_response_is_stored_as_transferred_and_reads_back_decoded(
    viewer, lab, handler, encoded
):
    lab.route("/story", handler)
    source = source_create(
        actor=viewer, kind="article", url=f"http://news.example:{lab.port}/story"
    )

    snapshot = snapshot_capture(snapshot_id=source.snapshots.get().pk)

    assert snapshot.status == Snapshot.Status.ARCHIVED
    assert snapshot.sha256 == hashlib.sha256(DOCUMENT).hexdigest()
    warc = snapshot.warc.read()
    assert assert_warc_valid(warc) == ["warcinfo", "response", "request"]
    response = response_of(warc)
    if encoded is not None:
        assert response.payload == encoded
    assert response.http_headers.get_header("Transfer-Encoding") is None
    assert response.http_headers.get_header("Content-Length") == str(len(response.payload))
    assert response.headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response.headers.get_header("WARC-Payload-Digest") == sha256_label(response.payload)
    assert decoded_payloads(warc) == [DOCUMENT]
