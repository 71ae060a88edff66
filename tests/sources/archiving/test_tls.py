"""HTTPS through the pinned address: the certificate is checked for the host name, and SNI names
it, although the connection goes to the address that was checked."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from sources.archiving.fetch import FetchError, FetchPolicy, fetch


class _Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen_sni: list[str | None] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b"<html><title>secure</title><p>over TLS</p></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA, tmp_path) -> Iterator[tuple[int, list[str | None], str]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("news.example").configure_cert(context)
    seen: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: seen.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    try:
        yield server.server_address[1], seen, str(bundle)
    finally:
        server.shutdown()
        server.server_close()


def _policy(bundle: str) -> FetchPolicy:
    return FetchPolicy.from_settings(ca_bundle=bundle, deadline=5.0)


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(
    tls_server, dns, fetch_allowed
):
    port, seen_sni, bundle = tls_server
    dns["news.example"] = ["127.0.0.1"]
    result = fetch(f"https://news.example:{port}/story", _policy(bundle))
    assert result.final.status == 200
    assert result.final.remote_address == "127.0.0.1"
    assert seen_sni == ["news.example"]
    assert ("Host", f"news.example:{port}") in result.final.request_headers


def test_https_refuses_a_certificate_for_another_name(tls_server, dns, fetch_allowed):
    port, _, bundle = tls_server
    dns["other.example"] = ["127.0.0.1"]
    with pytest.raises(FetchError) as caught:
        fetch(f"https://other.example:{port}/story", _policy(bundle))
    assert caught.value.code == "tls_error"
    assert not caught.value.transient


def test_https_refuses_an_untrusted_certificate(tls_server, dns, fetch_allowed):
    port, _, _ = tls_server
    dns["news.example"] = ["127.0.0.1"]
    with pytest.raises(FetchError) as caught:
        fetch(f"https://news.example:{port}/story", FetchPolicy.from_settings(deadline=5.0))
    assert caught.value.code == "tls_error"


def test_proxy_environment_is_ignored(tls_server, dns, fetch_allowed, monkeypatch):
    port, _, bundle = tls_server
    dns["news.example"] = ["127.0.0.1"]
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://10.0.0.1:3128")
    assert fetch(f"https://news.example:{port}/", _policy(bundle)).final.status == 200
