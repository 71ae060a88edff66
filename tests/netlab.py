"""A loopback HTTP/1.1 server for capture tests: real sockets, hand-written framing, bounded waits.

Stdlib only. Every response says ``Connection: close`` and closes. Every wait inside a handler
gives up after ``MAX_WAIT`` seconds, when the client goes away, or when the server stops, so a
test that forgets to read (or a client that hangs up early) cannot wedge the suite.

    with LabServer() as lab:
        url = lab.route("/article", html("<h1>Hello</h1>"))
        ...
        assert lab.hits == 1

A handler is any callable taking an ``Exchange``; the factories below build the usual ones.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import itertools
import select
import socket
import socketserver
import struct
import sys
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Iterable, Mapping
from email.message import Message
from http import HTTPStatus
from typing import Any

__all__ = [
    "MAX_WAIT",
    "Exchange",
    "Handler",
    "LabServer",
    "body",
    "chunked",
    "deflated",
    "drip",
    "gzip_bomb",
    "gzipped",
    "hang_after_headers",
    "html",
    "lying_length",
    "oversized",
    "redirect",
    "sequence",
    "slow_headers",
    "status",
    "with_delay",
]

MAX_WAIT = 30.0  # the longest any handler ever waits, whatever it was asked
_POLL = 0.05  # how often waits look at the stop flag and the client socket
_STOP_GRACE = 1.5  # how long stop() lets in-flight handlers wind down
_MAX_REQUEST_BODY = 1 << 20
_HTML = "text/html; charset=utf-8"
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
Handler = Callable[["Exchange"], None]
RecordedRequest = tuple[str, str, dict[str, str]]


class Exchange:
    """One request as a handler sees it, and the means to answer it."""

    def __init__(self, request: _RequestHandler, body: bytes) -> None:
        self._request = request
        self._lab: LabServer = request.server.lab
        self.method: str = request.command
        self.target: str = request.path  # as sent, query included
        self.path, _, self.query = request.path.partition("?")
        self.headers: Message = request.headers
        self.body = body
        self.started = False

    @property
    def lab(self) -> LabServer:
        return self._lab

    @property
    def stopping(self) -> bool:
        return self._lab._stopping.is_set()

    def start(self, code: int, headers: Headers = ()) -> None:
        """Send the status line and headers; ``Date``, ``Server`` and ``Connection`` are added."""
        request = self._request
        request.send_response_only(code)
        request.send_header("Date", request.date_time_string())
        request.send_header("Server", "netlab")
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in pairs:
            if name.lower() != "connection":
                request.send_header(name, value)
        request.send_header("Connection", "close")
        request.end_headers()
        self.started = True

    def write(self, data: bytes) -> None:
        """Send body bytes as they are (no framing added); dropped for HEAD."""
        if data and self.method != "HEAD":
            self._request.wfile.write(data)

    def sleep(self, seconds: float) -> bool:
        """Wait up to ``seconds`` (capped at MAX_WAIT). False if the server is stopping or the
        client hung up meanwhile: the handler should give up."""
        deadline = time.monotonic() + min(max(seconds, 0.0), MAX_WAIT)
        while not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            if self._client_gone(min(remaining, _POLL)):
                return False
        return False

    def _client_gone(self, timeout: float) -> bool:
        sock = self._request.connection
        try:
            readable, _, _ = select.select([sock], [], [], timeout)
            if not readable:
                return False
            if sock.recv(1, socket.MSG_PEEK) == b"":
                return True
        except (OSError, ValueError):  # reset, or closed under us by stop()
            return True
        # Unread bytes from the client (a pipelined request): not a hang-up, but select would
        # keep firing, so wait out the slice instead.
        self._lab._stopping.wait(timeout)
        return False


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "netlab"
    timeout = MAX_WAIT  # socket timeout: bounds reads of the request and blocked writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        self.close_connection = True
        lab = self.server.lab
        request_body = self._read_body()
        lab._record(self.command, self.path, dict(self.headers.items()))
        exchange = Exchange(self, request_body)
        # A client going away mid-response is what several tests are about: not an error.
        with contextlib.suppress(*_DISCONNECTS):
            lab._handler_for(self.path)(exchange)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def _read_body(self) -> bytes:
        # Read what the client sent, so closing does not turn into a reset that eats the answer.
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return b""
        if length <= 0:
            return b""
        try:
            return self.rfile.read(min(length, _MAX_REQUEST_BODY))
        except _DISCONNECTS:
            return b""


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    block_on_close = False  # stop() does its own bounded wait

    def __init__(self, lab: LabServer, address: tuple[str, int], family: int) -> None:
        self.lab = lab
        self.address_family = family
        # TCPServer rather than HTTPServer: HTTPServer's bind does a reverse DNS lookup.
        super().__init__(address, _RequestHandler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        self.lab._accepted(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        self.lab._released(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return  # disconnects, resets, sockets shut by stop()
        self.lab._error(repr(error))
        traceback.print_exc()


class LabServer:
    """A threaded HTTP/1.1 server on a loopback address, with routes and counters.

    ``host`` is an IPv4 address (any of 127.0.0.0/8) or "::1". The port is chosen by the kernel.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._host = host
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._routes: dict[str, Handler] = {}
        self._open: set[socket.socket] = set()
        self._hits = 0
        self._connections = 0
        self._requests: list[RecordedRequest] = []
        self._errors: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> LabServer:
        if self._server is not None:
            raise RuntimeError("LabServer already started")
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._server = _Server(self, (self._host, 0), family)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL},
            name=f"netlab-{self._host}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, cut open connections, and wait (briefly) for handlers to return."""
        server, thread = self._server, self._thread
        if server is None or thread is None or self._stopping.is_set():
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._idle.wait_for(lambda: not self._open, timeout=_STOP_GRACE)
        thread.join(timeout=_STOP_GRACE)

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("LabServer not started")
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + (path if path.startswith("/") else "/" + path)

    # -- routes -------------------------------------------------------------------------------

    def route(self, path: str, handler: Handler) -> str:
        """Answer ``path`` with ``handler``; returns the full URL.

        A path without "?" matches whatever the query; "path?query" matches only that query and
        wins over the bare path.
        """
        if not path.startswith("/"):
            raise ValueError(f"route path must start with '/': {path!r}")
        with self._lock:
            self._routes[path] = handler
        return self.url(path)

    def _handler_for(self, target: str) -> Handler:
        with self._lock:
            handler = self._routes.get(target) if "?" in target else None
            return handler or self._routes.get(target.partition("?")[0], _not_found)

    # -- counters -----------------------------------------------------------------------------

    @property
    def hits(self) -> int:
        """HTTP requests received (parsed request lines)."""
        with self._lock:
            return self._hits

    @property
    def connections(self) -> int:
        """TCP connections accepted, whether or not a request followed."""
        with self._lock:
            return self._connections

    @property
    def active(self) -> int:
        """Connections still open (being handled)."""
        with self._lock:
            return len(self._open)

    @property
    def requests(self) -> list[RecordedRequest]:
        """(method, target with query, headers) of every request, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[str]:
        """Exceptions raised by handlers (other than client disconnects)."""
        with self._lock:
            return list(self._errors)

    def wait_idle(self, timeout: float = 2.0) -> bool:
        """Wait until no connection is open; False if some still are after ``timeout``."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._open, timeout=min(timeout, MAX_WAIT))

    def _accepted(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections += 1
            self._open.add(sock)

    def _released(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
            self._idle.notify_all()

    def _error(self, description: str) -> None:
        with self._lock:
            self._errors.append(description)

    def _record(self, method: str, target: str, headers: dict[str, str]) -> None:
        with self._lock:
            self._hits += 1
            self._requests.append((method, target, headers))


# -- handler factories --------------------------------------------------------------------------


def _reason(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


def _fixed(code: int, data: bytes, content_type: str, headers: Headers | None) -> Handler:
    extra = list((headers or {}).items() if isinstance(headers, Mapping) else headers or ())

    def handler(ex: Exchange) -> None:
        ex.start(code, [("Content-Type", content_type), ("Content-Length", str(len(data))), *extra])
        ex.write(data)

    return handler


def html(
    body: str | bytes,
    *,
    status: int = 200,
    headers: Headers | None = None,
    content_type: str = _HTML,
) -> Handler:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return _fixed(status, data, content_type, headers)


def body(
    data: bytes, content_type: str, *, status: int = 200, headers: Headers | None = None
) -> Handler:
    return _fixed(status, data, content_type, headers)


def status(code: int, body: bytes | None = None, *, content_type: str = _HTML) -> Handler:
    if body is None:
        body = f"<!doctype html><title>{code}</title><h1>{code} {_reason(code)}</h1>\n".encode()
    return _fixed(code, body, content_type, None)


def redirect(location: str, code: int = 302) -> Handler:
    """``location`` is sent as given: absolute (another server or address) or relative."""
    page = f'<!doctype html><p>Moved to <a href="{location}">{location}</a></p>\n'.encode()
    return _fixed(code, page, _HTML, [("Location", location)])


_not_found = status(404, b"<!doctype html><title>Not Found</title><h1>404 Not Found</h1>\n")


def _send_chunks(ex: Exchange, parts: Iterable[bytes], delay: float = 0.0) -> None:
    for index, part in enumerate(p for p in parts if p):  # an empty chunk would end the body
        if index and delay and not ex.sleep(delay):
            return  # give up without the last-chunk: the client sees a truncated body
        ex.write(b"%x\r\n%s\r\n" % (len(part), part))
    ex.write(b"0\r\n\r\n")


def chunked(parts: list[bytes], content_type: str = _HTML, delay: float = 0.0) -> Handler:
    """``Transfer-Encoding: chunked`` framed by hand, one chunk per part, ``delay`` between."""

    def handler(ex: Exchange) -> None:
        ex.start(200, [("Content-Type", content_type), ("Transfer-Encoding", "chunked")])
        _send_chunks(ex, parts, delay)

    return handler


def gzipped(data: bytes, content_type: str = _HTML, chunked: bool = False) -> Handler:
    encoded = gzip.compress(data, mtime=0)
    if not chunked:
        return _fixed(200, encoded, content_type, [("Content-Encoding", "gzip")])
    step = max(1, len(encoded) // 3)  # a few chunks that split the gzip stream anywhere
    parts = [encoded[i : i + step] for i in range(0, len(encoded), step)]

    def handler(ex: Exchange) -> None:
        ex.start(
            200,
            [
                ("Content-Type", content_type),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
            ],
        )
        _send_chunks(ex, parts)

    return handler


def deflated(data: bytes, content_type: str = _HTML, *, raw: bool = False) -> Handler:
    """``Content-Encoding: deflate`` as a zlib stream (RFC 9110), or raw deflate as some
    servers wrongly send it."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 15)
    encoded = compressor.compress(data) + compressor.flush()
    return _fixed(200, encoded, content_type, [("Content-Encoding", "deflate")])


_BOMB_BLOCK = 1 << 20


def _deflate_segment(data: bytes) -> bytes:
    # A fresh compressor ended with a full flush: non-final blocks, byte-aligned, no references
    # outside itself. Such segments can be concatenated into one valid deflate stream.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def gzip_bomb(decoded_size: int, content_type: str = "text/html", *, fill: bytes = b" ") -> Handler:
    """A single valid gzip member that decodes to ``decoded_size`` bytes of ``fill``.

    One 1 MiB block is compressed once (about 1 KiB) and repeated, so 2 GiB decoded costs about
    2 MiB on the wire and nothing in memory. The CRC is computed while sending, so it costs time
    only if a client actually reads to the end.
    """
    if len(fill) != 1:
        raise ValueError("fill must be a single byte")
    full_blocks, rest = divmod(decoded_size, _BOMB_BLOCK)
    block = fill * _BOMB_BLOCK
    segment = _deflate_segment(block)
    tail = _deflate_segment(fill * rest) if rest else b""
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty last block
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, mtime 0
    length = len(header) + full_blocks * len(segment) + len(tail) + len(final) + 8
    batch = 16

    def handler(ex: Exchange) -> None:
        ex.start(
            200,
            [
                ("Content-Type", content_type),
                ("Content-Encoding", "gzip"),
                ("Content-Length", str(length)),
            ],
        )
        ex.write(header)
        crc = 0
        for done in range(0, full_blocks, batch):
            if ex.stopping:
                return
            count = min(batch, full_blocks - done)
            ex.write(segment * count)
            for _ in range(count):
                crc = zlib.crc32(block, crc)
        crc = zlib.crc32(fill * rest, crc)
        ex.write(tail + final + struct.pack("<II", crc, decoded_size & 0xFFFFFFFF))

    return handler


def drip(
    data: bytes,
    *,
    interval: float = 1.0,
    content_length: bool = True,
    content_type: str = _HTML,
) -> Handler:
    """Headers at once, then one byte every ``interval`` seconds: every read succeeds, the whole
    takes ``len(data) * interval``. Stops when the client hangs up or the server stops."""

    def handler(ex: Exchange) -> None:
        headers = [("Content-Type", content_type)]
        if content_length:
            headers.append(("Content-Length", str(len(data))))
        ex.start(200, headers)
        for index in range(len(data)):
            if not ex.sleep(interval):
                return
            ex.write(data[index : index + 1])

    return handler


def hang_after_headers(
    *, content_type: str = _HTML, content_length: int | None = None, limit: float = MAX_WAIT
) -> Handler:
    """Headers, then silence until the client leaves, the server stops, or ``limit`` passes."""

    def handler(ex: Exchange) -> None:
        headers = [("Content-Type", content_type)]
        if content_length is not None:
            headers.append(("Content-Length", str(content_length)))
        ex.start(200, headers)
        ex.sleep(limit)

    return handler


def slow_headers(delay: float, then: Handler | None = None) -> Handler:
    """Silence for ``delay`` seconds (at most MAX_WAIT), then answer with ``then`` (a small page
    by default). With a long delay this is a server that accepts and never answers."""
    answer = then or html("<!doctype html><p>finally</p>\n")

    def handler(ex: Exchange) -> None:
        if ex.sleep(delay):
            answer(ex)

    return handler


_FILLER = b"lorem ipsum dolor sit amet, consectetur adipiscing elit. "


def oversized(
    size: int,
    chunk: int = 64 * 1024,
    *,
    content_length: bool = True,
    content_type: str = "text/plain; charset=utf-8",
) -> Handler:
    """``size`` bytes of text streamed ``chunk`` at a time; only one chunk is ever in memory.
    Without ``content_length`` the body is delimited by the close."""
    piece = (_FILLER * (chunk // len(_FILLER) + 1))[:chunk]

    def handler(ex: Exchange) -> None:
        headers = [("Content-Type", content_type)]
        if content_length:
            headers.append(("Content-Length", str(size)))
        ex.start(200, headers)
        remaining = size
        while remaining > 0 and not ex.stopping:
            ex.write(piece[: min(chunk, remaining)])
            remaining -= chunk

    return handler


def lying_length(declared: int, actual: bytes, content_type: str = _HTML) -> Handler:
    """Declares ``declared`` bytes, sends ``actual``, closes."""

    def handler(ex: Exchange) -> None:
        ex.start(200, [("Content-Type", content_type), ("Content-Length", str(declared))])
        ex.write(actual)

    return handler


def sequence(*handlers: Handler) -> Handler:
    """The first hit gets the first handler, the next hit the next; the last one repeats."""
    if not handlers:
        raise ValueError("sequence() needs at least one handler")
    lock = threading.Lock()
    turns = itertools.chain(handlers, itertools.repeat(handlers[-1]))

    def handler(ex: Exchange) -> None:
        with lock:
            current = next(turns)
        current(ex)

    return handler


def with_delay(handler: Handler, seconds: float) -> Handler:
    """Wait ``seconds`` (at most MAX_WAIT) before ``handler`` answers."""

    def delayed(ex: Exchange) -> None:
        if ex.sleep(seconds):
            handler(ex)

    return delayed
