"""A capture (``snapshot_capture``: fetch + WARC + SHA-256 + extraction + rows) vs a plain fetch.

Pages of about 1 MiB and 10 MiB, each a news article (title, author and date in the markup; a nav,
a sidebar, comments and a footer around many paragraphs of varied text, so that trafilatura does
real work), are served by a ``ThreadingHTTPServer`` on 127.0.0.1, as they are and gzip-encoded.
The baseline is a plain urllib3 GET of the same URL, reading (and decoding) the whole body. Both
sides open one connection per request (the server speaks HTTP/1.0). Every capture is of a new
source with a unique query string, so the "same payload as last time" shortcut never skips the
WARC. The capture's parts are also timed on their own, on the same page, in the same rounds:
the SSRF-checked fetch, ``build_warc``, SHA-256 and ``extract``; what remains is the rows and the
storage write.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DATABASE = "claimtrail_bench_capture"
MIB = 1024 * 1024
SIZES = {"1 MiB": (1 * MIB, 15), "10 MiB": (10 * MIB, 7)}  # target bytes, timed rounds
MIN_ROUNDS = 3
BUDGET_S = 60.0  # per size and encoding: fewer rounds (never under MIN_ROUNDS) past this
HEADLINE = "Regional grid operator admits outage figures were revised twice before publication"
AUTHOR = "Maria Okafor"
PUBLISHED = "2025-03-14T09:30:00+00:00"


# --- Pages ----------------------------------------------------------------------------------------

_COMMON_WORDS = (
    "the of and to in a is that for on was with as by at from it his her said have has not be are "
    "this which but were they their an or had been would after more than its who will also about "
    "over when into last year two three new people could some other government officials report "
    "between during under while since against according minister city police court company "
    "percent million figures data week month agency statement spokesperson ministry council "
    "residents region election vote budget energy prices supply network outage hospital school "
    "water contract investigation documents records public later earlier many several most"
)
_SYLLABLE_LIST = (
    "ba be bi bo ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta te "
    "ti to va ve vi vo der ter mon pol gra stra tion ment ing al en ar ic ous ly ur"
)
_NAME_LIST = (
    "Okafor Lindqvist Haddad Novak Petrenko Alvarez Chen Moreau Kowalski Banerjee Sato Mensah "
    "Rossi Fischer Duarte Ivanova Osei Tanaka Brennan Yilmaz"
)
_COMMON, _SYLLABLES, _NAMES = _COMMON_WORDS.split(), _SYLLABLE_LIST.split(), _NAME_LIST.split()
_SECTIONS = ("World", "Politics", "Business", "Science", "Health", "Sport", "Culture", "Opinion")


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Common words plus a long tail of invented ones, weighted like a language (Zipf)."""
    invented = {"".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))) for _ in range(6000)} - set(
        _COMMON
    )
    tail = sorted(invented)
    rng.shuffle(tail)  # so that the frequent invented words are not the alphabetically first
    words = _COMMON + tail
    weights = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(words))))
    return words, weights


class _Writer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words, self.weights = _vocabulary(self.rng)

    def sentence(self) -> str:
        rng = self.rng
        words = rng.choices(self.words, cum_weights=self.weights, k=rng.randint(8, 30))
        for i in range(len(words)):
            roll = rng.random()
            if roll < 0.04:
                words[i] = rng.choice(_NAMES)
            elif roll < 0.06:
                words[i] = f"{rng.randint(2, 98_000):,}"
            elif roll < 0.08:
                words[i] += ","
        text = " ".join(words).rstrip(",")
        text = text[0].upper() + text[1:]
        if rng.random() < 0.1:
            return f"“{text},” said {rng.choice(_NAMES)}."
        return text + "."

    def paragraph(self) -> str:
        rng = self.rng
        parts = [self.sentence() for _ in range(rng.randint(2, 7))]
        if rng.random() < 0.3:
            i = rng.randrange(len(parts))
            parts[i] = f'<a href="/news/{rng.randint(1000, 99999)}">{parts[i]}</a>'
        if rng.random() < 0.15:
            i = rng.randrange(len(parts))
            parts[i] = f"<em>{parts[i]}</em>"
        return "<p>" + " ".join(parts) + "</p>"

    def links(self, n: int) -> str:
        return "".join(
            f'<li><a href="/news/{self.rng.randint(1000, 99999)}">{self.sentence()[:70]}</a></li>'
            for _ in range(n)
        )


def article_page(size: int, seed: int) -> tuple[bytes, int]:
    """An HTML news article of about ``size`` bytes, and its number of paragraphs."""
    w = _Writer(seed)
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{HEADLINE} | The Harbour Ledger</title>"
        f'<meta name="author" content="{AUTHOR}">'
        f'<meta property="article:published_time" content="{PUBLISHED}">'
        f'<meta property="og:title" content="{HEADLINE}">'
        '<meta property="og:type" content="article">'
        f'<meta name="description" content="{w.sentence()}">'
        '<link rel="stylesheet" href="/static/site.css">'
        "<style>body{font-family:Georgia,serif}.byline{color:#555}.related li{margin:4px}</style>"
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":'
        f'"NewsArticle","headline":"{HEADLINE}","datePublished":"{PUBLISHED}",'
        f'"author":{{"@type":"Person","name":"{AUTHOR}"}}}}</script>'
        '<script>window.dataLayer=window.dataLayer||[];dataLayer.push({"section":"business"});'
        "</script></head><body>"
        '<header class="site-header"><a class="logo" href="/">The Harbour Ledger</a><nav><ul>'
        + "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in _SECTIONS)
        + "</ul></nav></header><main><article>"
        f"<h1>{HEADLINE}</h1>"
        f'<p class="byline">By <span class="author">{AUTHOR}</span> · '
        f'<time datetime="{PUBLISHED}">14 March 2025</time></p>'
    )
    tail = (
        "</article>"
        f'<aside class="sidebar"><h3>Most read</h3><ol>{w.links(10)}</ol></aside></main>'
        '<section class="comments"><h3>Comments</h3>'
        + "".join(
            f'<div class="comment"><b>{w.rng.choice(_NAMES)}</b><p>{w.sentence()}</p></div>'
            for _ in range(8)
        )
        + '</section><footer><ul class="footer-links">'
        + "".join(f'<li><a href="/{s}">{s.title()}</a></li>' for s in ("about", "privacy"))
        + "</ul><p>© 2025 The Harbour Ledger</p></footer></body></html>\n"
    )
    budget = size - len(head.encode()) - len(tail.encode())
    parts: list[str] = []
    used = paragraphs = 0
    while used < budget:
        if paragraphs and paragraphs % 9 == 0:
            piece = f"<h2>{w.sentence()[:80].rstrip('.')}</h2>"
        elif paragraphs and paragraphs % 31 == 0:
            piece = f"<blockquote><p>{w.sentence()}</p></blockquote>"
        elif paragraphs and paragraphs % 47 == 0:
            n = w.rng.randint(1, 9999)
            piece = (
                f'<figure><img src="/img/{n}.jpg" alt="{w.sentence()[:60]}" width="800">'
                f"<figcaption>{w.sentence()}</figcaption></figure>"
            )
        elif paragraphs and paragraphs % 60 == 0:
            piece = f'<aside class="related"><h3>Related</h3><ul>{w.links(4)}</ul></aside>'
        else:
            piece = w.paragraph()
        paragraphs += 1
        parts.append(piece)
        used += len(piece.encode())
    return (head + "".join(parts) + tail).encode(), paragraphs


# --- The server -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    body: bytes  # as sent
    encoding: str  # Content-Encoding, "" for none


@contextmanager
def serve(pages: dict[str, Page]) -> Iterator[int]:
    """A loopback HTTP/1.0 server for ``pages`` (by path; the query string is ignored)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path.split("?", 1)[0])
            if page is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page.body)))
            if page.encoding:
                self.send_header("Content-Encoding", page.encoding)
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- Measuring ------------------------------------------------------------------------------------


@dataclass
class Case:
    label: str
    size_label: str
    path: str
    document: bytes  # decoded
    sent: int  # bytes on the wire
    rounds: int
    samples: dict[str, list[float]] = field(default_factory=dict)
    text_chars: int = 0  # of the text the capture kept

    def add(self, name: str, seconds: float) -> None:
        self.samples.setdefault(name, []).append(seconds)

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name]) * 1000

    def p90(self, name: str) -> float:
        values = self.samples[name]
        if len(values) < 2:
            return values[0] * 1000
        return statistics.quantiles(values, n=10, method="inclusive")[8] * 1000


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def run_case(case: Case, base_url: str, actor: object, counter: Iterator[int]) -> dict[str, str]:
    """One warm-up round, then up to ``case.rounds`` timed ones; returns what the capture found."""
    import urllib3
    from django.core.files.storage import storages

    from sources.archiving.services import snapshot_capture
    from sources.models import Snapshot, Source

    plain_pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(10, 60))
    expected_sha = hashlib.sha256(case.document).hexdigest()

    def plain() -> bytes:
        response = plain_pool.request(
            "GET", f"{base_url}{case.path}?i={next(counter)}", headers={"Accept-Encoding": "gzip"}
        )
        assert response.status == 200, response.status
        return response.data  # decoded, as urllib3 does by default

    def capture() -> Snapshot:
        url = f"{base_url}{case.path}?i={next(counter)}"
        source = Source.objects.create(kind="article", url=url, canonical_url=url, created_by=actor)
        snapshot = Snapshot.objects.create(source=source, url=url, fetch_url=url, created_by=actor)
        return snapshot_capture(snapshot_id=snapshot.pk)

    found: dict[str, str] = {}
    budget_end = time.perf_counter() + BUDGET_S
    for round_ in range(case.rounds + 1):
        timed = round_ > 0  # the first round warms up
        if timed and round_ > MIN_ROUNDS and time.perf_counter() > budget_end:
            break
        # Alternate which side goes first, so that drift hits both alike.
        for side in ("plain", "capture") if round_ % 2 else ("capture", "plain"):
            seconds, result = _timed(plain if side == "plain" else capture)
            if side == "plain":
                assert result == case.document
            else:
                snapshot = result
                assert snapshot.status == Snapshot.Status.ARCHIVED, snapshot.error_message
                assert snapshot.sha256 == expected_sha
                assert snapshot.warc and storages["archives"].exists(snapshot.warc.name)
                case.text_chars = len(snapshot.text)
                found = {
                    "title": snapshot.title,
                    "author": snapshot.author,
                    "date": f"{snapshot.published_at:%Y-%m-%d}" if snapshot.published_at else "",
                }
            if timed:
                case.add(side, seconds)
        # The parts, on their own, of the same page.
        parts = time_parts(f"{base_url}{case.path}?i={next(counter)}", case.document)
        if timed:
            for name, value in parts.items():
                case.add(name, value)
    plain_pool.clear()
    return found


def time_parts(url: str, document: bytes) -> dict[str, float]:
    """The capture's parts, each timed on its own (seconds)."""
    from sources.archiving.extract import charset_of, extract
    from sources.archiving.fetch import fetch
    from sources.archiving.warc import build_warc

    seconds, fetched = _timed(lambda: fetch(url))
    exchange = fetched.final
    assert exchange.body == document
    info = {"snapshot": "0", "source": "0", "cited-url": url, "form": "page"}
    body, mime_type, charset = exchange.body, exchange.mime_type, charset_of(exchange.content_type)

    def extraction() -> object:  # as the service calls it
        return extract(form="page", mime_type=mime_type, body=body, url=url, charset=charset)

    return {
        "fetch": seconds,
        "WARC": _timed(lambda: build_warc(fetched.exchanges, info=info))[0],
        "SHA-256": _timed(lambda: hashlib.sha256(body).hexdigest())[0],
        "extraction": _timed(extraction)[0],
    }


# --- Main -----------------------------------------------------------------------------------------


PART_NAMES = ("fetch", "WARC", "SHA-256", "extraction")


def main() -> None:
    from bench.setup import bench_database

    documents = {}
    for seed, (label, (size, _)) in enumerate(SIZES.items()):
        document, paragraphs = article_page(size, seed=seed + 1)
        documents[label] = (document, paragraphs, gzip.compress(document, compresslevel=6))

    pages: dict[str, Page] = {}
    cases: list[Case] = []
    for label, (document, _, gzipped) in documents.items():
        slug = label.replace(" ", "").lower()
        for encoding, body in (("", document), ("gzip", gzipped)):
            path = f"/article/{slug}{'-gz' if encoding else ''}"
            pages[path] = Page(body=body, encoding=encoding)
            cases.append(
                Case(
                    label=encoding or "identity",
                    size_label=label,
                    path=path,
                    document=document,
                    sent=len(body),
                    rounds=SIZES[label][1],
                )
            )

    found: dict[str, dict[str, str]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="claimtrail-bench-archives-") as archive_root,
        bench_database(name=DATABASE),
        serve(pages) as port,
    ):
        from django.conf import settings
        from django.contrib.auth.models import User
        from django.test.utils import override_settings

        storages = {
            **settings.STORAGES,
            "archives": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": archive_root, "base_url": None},
            },
        }
        with override_settings(
            CLAIMTRAIL_FETCH_ALLOW_ADDRESSES=["127.0.0.1"],
            CLAIMTRAIL_FETCH_MAX_BYTES=64 * MIB,
            STORAGES=storages,
        ):
            actor = User.objects.create(username="bench-capturer")
            counter = itertools.count()
            base_url = f"http://127.0.0.1:{port}"
            for case in cases:
                found[f"{case.size_label} {case.label}"] = run_case(case, base_url, actor, counter)

    print(
        "capture: snapshot_capture (SSRF-checked fetch, WARC, SHA-256, trafilatura, rows) vs a "
        "plain urllib3 GET of the same page; PostgreSQL"
    )
    print(
        "  ThreadingHTTPServer on 127.0.0.1, a new connection per request; a new source per "
        "capture (no dedupe); WARCs to a temp dir"
    )
    for label, (document, paragraphs, gzipped) in documents.items():
        print(
            f"  {label} article: {len(document):,} bytes ({len(gzipped):,} gzipped), "
            f"{paragraphs:,} blocks"
        )
    for case in cases:
        mb = len(case.document) / 1e6
        plain, capture = case.median("plain"), case.median("capture")
        print(
            f"  {case.size_label} {case.label} ({case.sent:,} bytes on the wire), "
            f"{len(case.samples['capture'])} rounds, {case.text_chars:,} chars of text kept"
        )
        for name, title in (("plain", "plain GET"), ("capture", "capture")):
            median = case.median(name)
            print(
                f"    {title:<22} median {median:8.1f} ms   p90 {case.p90(name):8.1f} ms"
                f"   {mb / median * 1000:7.1f} MB/s"
            )
        print(f"    ratio capture / plain  {capture / plain:8.1f}x")
        parts = {name: case.median(name) for name in PART_NAMES}
        parts["rest (rows, storage; by difference)"] = capture - sum(parts.values())
        shown = ", ".join(f"{name} {value:.1f}" for name, value in parts.items())
        print(f"    parts, median ms: {shown}")
    distinct = {tuple(values.items()) for values in found.values()}
    assert len(distinct) == 1, found
    shown = ", ".join(f"{key} {value!r}" for key, value in distinct.pop())
    print(f"  every capture found: {shown}")
