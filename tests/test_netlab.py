"""The loopback web lab answers as advertised, on the wire, within bounded time."""

from __future__ import annotations

import gzip
import http.client
import socket
import time
import zlib
from collections.abc import Iterator

import pytest

from tests import netlab
from tests.netlab import LabServer

MIB = 1 << 20


@pytest.fixture
def lab() -> Iterator[LabServer]:
    with LabServer() as server:
        yield server


def _get(
    lab: LabServer, target: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection(lab.host, lab.port, timeout=5)
    try:
        conn.request(method, target, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def _raw(lab: LabServer, target: str) -> bytes:
    """Everything the server put on the wire for a GET, framing included."""
    with socket.create_connection((lab.host, lab.port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: lab\r\n\r\n".encode())
        received = b""
        while data := sock.recv(65536):
            received += data
    return received


def test_html_route_returns_body_with_length_and_close(lab):
    url = lab.route("/article", netlab.html("<h1>Zdravo</h1>"))

    response, data = _get(lab, "/article")

    assert url == f"http://127.0.0.1:{lab.port}/article"
    assert response.status == 200
    assert data == b"<h1>Zdravo</h1>"
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert response.getheader("Content-Length") == str(len(data))
    assert response.getheader("Connection") == "close"


def test_unknown_path_is_a_404_page(lab):
    response, data = _get(lab, "/nowhere")

    assert response.status == 404
    assert b"Not Found" in data


def test_route_matches_any_query_unless_the_query_has_its_own_route(lab):
    lab.route("/post", netlab.html("plain"))
    lab.route("/post?embed=1", netlab.html("embed"))

    assert _get(lab, "/post?utm_source=x")[1] == b"plain"
    assert _get(lab, "/post?embed=1")[1] == b"embed"


def test_head_sends_headers_without_body(lab):
    lab.route("/a", netlab.html("<p>body</p>"))

    response, data = _get(lab, "/a", method="HEAD")

    assert response.getheader("Content-Length") == "11"
    assert data == b""


def test_body_and_status_factories_set_type_and_code(lab):
    lab.route("/doc.pdf", netlab.body(b"%PDF-1.4 fake", "application/pdf"))
    lab.route("/gone", netlab.status(410))

    pdf, pdf_data = _get(lab, "/doc.pdf")
    gone, _ = _get(lab, "/gone")

    assert (pdf.status, pdf.getheader("Content-Type"), pdf_data) == (
        200,
        "application/pdf",
        b"%PDF-1.4 fake",
    )
    assert gone.status == 410


def test_chunked_framing_is_on_the_wire(lab):
    lab.route("/c", netlab.chunked([b"hello ", b"", b"chunked world"]))

    raw = _raw(lab, "/c")

    head, _, framed = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    assert framed == b"6\r\nhello \r\nd\r\nchunked world\r\n0\r\n\r\n"


def test_chunked_body_decodes_with_a_real_client(lab):
    lab.route("/c", netlab.chunked([b"a" * 300, b"b" * 5], delay=0.01))

    assert _get(lab, "/c")[1] == b"a" * 300 + b"b" * 5


def test_gzipped_body_decodes(lab):
    page = b"<p>" + b"compressible " * 200 + b"</p>"
    lab.route("/gz", netlab.gzipped(page))
    lab.route("/gz-chunked", netlab.gzipped(page, chunked=True))

    plain, plain_data = _get(lab, "/gz")
    framed, framed_data = _get(lab, "/gz-chunked")

    assert plain.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(plain_data) == page
    assert framed.getheader("Transfer-Encoding") == "chunked"
    assert gzip.decompress(framed_data) == page


def test_deflated_body_decodes_as_zlib_or_raw(lab):
    page = b"<p>deflate me</p>" * 20
    lab.route("/zlib", netlab.deflated(page))
    lab.route("/raw", netlab.deflated(page, raw=True))

    assert zlib.decompress(_get(lab, "/zlib")[1]) == page
    assert zlib.decompress(_get(lab, "/raw")[1], -15) == page


def test_gzip_bomb_is_small_on_the_wire_and_decodes_to_the_fill(lab):
    lab.route("/bomb", netlab.gzip_bomb(2 * 1024 * MIB))
    decoder = zlib.decompressobj(wbits=31)
    decoded = b""

    conn = http.client.HTTPConnection(lab.host, lab.port, timeout=5)
    try:
        conn.request("GET", "/bomb")
        response = conn.getresponse()
        wire_size = int(response.getheader("Content-Length"))
        while len(decoded) < MIB:
            decoded += decoder.decompress(response.read(4096), MIB - len(decoded))
    finally:
        conn.close()

    assert response.getheader("Content-Encoding") == "gzip"
    assert wire_size < 5_000_000
    assert decoded == b" " * MIB


def test_small_gzip_bomb_is_one_valid_gzip_member(lab):
    size = 3 * MIB + 123
    lab.route("/bomb", netlab.gzip_bomb(size, fill=b"\0"))

    data = _get(lab, "/bomb")[1]
    decoder = zlib.decompressobj(wbits=31)  # checks CRC and length, stops at the member's end

    assert decoder.decompress(data) == b"\0" * size
    assert decoder.eof
    assert decoder.unused_data == b""


def test_drip_sends_headers_then_bytes_slowly(lab):
    lab.route("/drip", netlab.drip(b"abc", interval=0.05))
    started = time.monotonic()

    response, data = _get(lab, "/drip")

    assert data == b"abc"
    assert response.getheader("Content-Length") == "3"
    assert time.monotonic() - started >= 0.15


def test_drip_gives_up_when_the_client_disconnects(lab):
    lab.route("/drip", netlab.drip(b"x" * 1000, interval=0.1))

    conn = http.client.HTTPConnection(lab.host, lab.port, timeout=5)
    conn.request("GET", "/drip")
    response = conn.getresponse()
    assert response.read(1) == b"x"
    response.close()  # the response holds the socket; closing only the connection would not
    conn.close()

    assert lab.wait_idle(timeout=2.0)


def test_stop_returns_promptly_while_a_drip_is_in_progress():
    lab = LabServer().start()
    lab.route("/drip", netlab.drip(b"x" * 1000, interval=0.2))
    conn = http.client.HTTPConnection(lab.host, lab.port, timeout=5)
    try:
        conn.request("GET", "/drip")
        response = conn.getresponse()
        assert response.read(1) == b"x"

        started = time.monotonic()
        lab.stop()
        elapsed = time.monotonic() - started

        with pytest.raises(http.client.IncompleteRead):
            response.read()
    finally:
        conn.close()
    assert elapsed < 2.0
    assert lab.active == 0


def test_hang_after_headers_outlasts_a_read_timeout_and_frees_on_hang_up(lab):
    lab.route("/hang", netlab.hang_after_headers())

    with socket.create_connection((lab.host, lab.port), timeout=5) as sock:
        sock.sendall(b"GET /hang HTTP/1.1\r\nHost: lab\r\n\r\n")
        head = sock.recv(4096)
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(1)

    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert head.endswith(b"\r\n\r\n")
    assert lab.wait_idle(timeout=2.0)


def test_slow_headers_and_with_delay_answer_after_the_delay(lab):
    lab.route("/slow", netlab.slow_headers(0.2))
    lab.route("/late", netlab.with_delay(netlab.html("late"), 0.2))

    started = time.monotonic()
    slow = _get(lab, "/slow")[0].status
    late = _get(lab, "/late")[1]

    assert (slow, late) == (200, b"late")
    assert time.monotonic() - started >= 0.4


def test_oversized_streams_the_declared_size(lab):
    size = MIB + 5
    lab.route("/big", netlab.oversized(size))
    lab.route("/big-unsized", netlab.oversized(size, chunk=1000, content_length=False))

    sized, sized_data = _get(lab, "/big")
    unsized, unsized_data = _get(lab, "/big-unsized")

    assert sized.getheader("Content-Length") == str(size)
    assert len(sized_data) == size
    assert sized_data.startswith(b"lorem ipsum")
    assert unsized.getheader("Content-Length") is None
    assert len(unsized_data) == size


def test_lying_length_ends_short(lab):
    lab.route("/liar", netlab.lying_length(1000, b"only this"))

    with pytest.raises(http.client.IncompleteRead) as caught:
        _get(lab, "/liar")

    assert caught.value.partial == b"only this"


def test_redirect_sends_location_as_given(lab):
    lab.route("/rel", netlab.redirect("/target"))
    lab.route("/abs", netlab.redirect("http://127.0.0.1:9/elsewhere", code=301))

    relative, _ = _get(lab, "/rel")
    absolute, _ = _get(lab, "/abs")

    assert (relative.status, relative.getheader("Location")) == (302, "/target")
    assert (absolute.status, absolute.getheader("Location")) == (
        301,
        "http://127.0.0.1:9/elsewhere",
    )


def test_sequence_advances_then_repeats_the_last(lab):
    lab.route("/page", netlab.sequence(netlab.html("first"), netlab.status(503), netlab.html("n")))

    answers = [_get(lab, "/page") for _ in range(4)]

    assert [(response.status, data) for response, data in answers] == [
        (200, b"first"),
        (503, b"<!doctype html><title>503</title><h1>503 Service Unavailable</h1>\n"),
        (200, b"n"),
        (200, b"n"),
    ]


def test_hits_and_requests_record_every_request(lab):
    lab.route("/a", netlab.html("a"))

    _get(lab, "/a?x=1", headers={"User-Agent": "claimtrail-test"})
    _get(lab, "/missing", method="POST")

    assert lab.hits == 2
    (method, target, headers), (second_method, second_target, _) = lab.requests
    assert (method, target, headers["User-Agent"]) == ("GET", "/a?x=1", "claimtrail-test")
    assert (second_method, second_target) == ("POST", "/missing")


def test_connections_count_sockets_even_without_a_request(lab):
    assert lab.connections == 0

    socket.create_connection((lab.host, lab.port), timeout=5).close()
    _get(lab, "/")

    assert lab.wait_idle(timeout=2.0)
    assert (lab.connections, lab.hits) == (2, 1)


def test_ipv6_loopback_server_answers():
    with LabServer(host="::1") as lab:
        lab.route("/v6", netlab.html("six"))

        response, data = _get(lab, "/v6")

        assert lab.origin == f"http://[::1]:{lab.port}"
        assert lab.url("v6") == f"http://[::1]:{lab.port}/v6"
    assert (response.status, data) == (200, b"six")


def test_second_loopback_address_is_a_separate_server():
    with LabServer() as first, LabServer(host="127.0.0.2") as second:
        second.route("/", netlab.html("second"))

        data = _get(second, "/")[1]

    assert data == b"second"
    assert first.connections == 0


def test_handler_errors_are_recorded(lab):
    def broken(exchange: netlab.Exchange) -> None:
        raise RuntimeError("handler bug")

    lab.route("/broken", broken)

    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        _get(lab, "/broken")

    assert lab.wait_idle(timeout=2.0)
    assert lab.errors == ["RuntimeError('handler bug')"]
