"""What a captured document says: title, author, publication date and main text.

News pages go through trafilatura (boilerplate removal and metadata, htmldate for dates); PDFs
through pypdf; social posts through the structure of their embed view or oEmbed answer. Nothing
here touches the network.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import lxml.html
import trafilatura
from dateutil import parser as date_parser
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from sources.models import SnapshotForm

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 1_000_000
MAX_PDF_PAGES = 500
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/markdown"})


@dataclass
class Extracted:
    title: str = ""
    author: str = ""
    published_at: datetime | None = None
    text: str = ""

    def clipped(self) -> Extracted:
        return Extracted(
            title=" ".join(self.title.split())[:500],
            author=" ".join(self.author.split())[:300],
            published_at=self.published_at,
            text=_clean_text(self.text)[:MAX_TEXT_CHARS],
        )


def _clean_text(text: str) -> str:
    text = text.replace("\x00", "")
    return "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 0x20).strip()


def _as_datetime(value: object) -> datetime | None:
    """An aware datetime from what an extractor found (a date alone means midnight UTC)."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, date):
            parsed = datetime.combine(value, time.min)
        else:
            parsed = date_parser.parse(str(value))
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1900 <= parsed.year <= 2200:
        return None
    return parsed


def extract(*, form: str, mime_type: str, body: bytes, url: str = "") -> Extracted:
    """Best effort: a document we cannot read yields empty fields, never an exception."""
    try:
        if form == SnapshotForm.TELEGRAM_EMBED:
            found = _telegram_embed(body)
        elif form == SnapshotForm.X_OEMBED:
            found = _x_oembed(body)
        elif mime_type in HTML_TYPES or (not mime_type and body.lstrip()[:1] == b"<"):
            found = _html(body, url)
        elif mime_type == "application/pdf" or body[:5] == b"%PDF-":
            found = _pdf(body)
        elif mime_type in TEXT_TYPES:
            found = Extracted(text=body.decode("utf-8", errors="replace"))
        else:
            found = Extracted()
    except Exception:
        logger.warning("extraction failed for %s (%s)", url, mime_type, exc_info=True)
        found = Extracted()
    return found.clipped()


def _html(body: bytes, url: str) -> Extracted:
    document = trafilatura.bare_extraction(
        body,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None:
        return Extracted()
    as_dict = document if isinstance(document, dict) else document.as_dict()
    return Extracted(
        title=as_dict.get("title") or "",
        author=as_dict.get("author") or "",
        published_at=_as_datetime(as_dict.get("date")),
        text=as_dict.get("text") or "",
    )


def _pdf(body: bytes) -> Extracted:
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        pages = []
        for page in reader.pages[:MAX_PDF_PAGES]:
            pages.append(page.extract_text() or "")
            if sum(map(len, pages)) > MAX_TEXT_CHARS:
                break
        meta = reader.metadata
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        logger.info("unreadable PDF: %s", exc)
        return Extracted()
    return Extracted(
        title=str(meta.title or "") if meta else "",
        author=str(meta.author or "") if meta else "",
        published_at=_as_datetime(meta.creation_date) if meta else None,
        text="\n\n".join(pages),
    )


def _element_text(element: lxml.html.HtmlElement) -> str:
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return element.text_content()


def _telegram_embed(body: bytes) -> Extracted:
    tree = lxml.html.fromstring(body)
    texts = tree.find_class("tgme_widget_message_text")
    owners = tree.find_class("tgme_widget_message_owner_name")
    times = tree.xpath("//*[contains(@class,'tgme_widget_message_date')]//time/@datetime")
    text = _element_text(texts[0]) if texts else ""
    author = owners[0].text_content() if owners else ""
    first_line = " ".join(text.split("\n", 1)[0].split())
    return Extracted(
        title=f"{author}: {first_line[:200]}" if author and first_line else first_line,
        author=author,
        published_at=_as_datetime(times[0]) if times else None,
        text=text,
    )


def _x_oembed(body: bytes) -> Extracted:
    data = json.loads(body)
    if not isinstance(data, dict):
        return Extracted()
    author = str(data.get("author_name") or "")
    html = str(data.get("html") or "")
    text = ""
    published = None
    if html.strip():
        tree = lxml.html.fromstring(html)
        paragraphs = tree.xpath("//blockquote//p")
        text = "\n".join(_element_text(p) for p in paragraphs)
        links = tree.xpath("//blockquote/a")
        if links:
            published = _as_datetime(links[-1].text_content())
    first_line = " ".join(text.split())
    return Extracted(
        title=f"{author}: {first_line[:200]}" if author and first_line else first_line,
        author=author,
        published_at=published,
        text=text,
    )
