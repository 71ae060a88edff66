"""What a captured document says: title, author, publication date and main text.

News pages go through trafilatura (boilerplate removal and metadata, htmldate for dates); PDFs
through pypdf; social posts through the structure of their embed view or oEmbed answer. Nothing
here touches the network.
"""

from __future__ import annotations

import codecs
import email.policy
import io
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.parser import BytesParser

import lxml.html
import trafilatura
from dateutil import parser as date_parser
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from sources.models import SnapshotForm

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 1_000_000
MAX_PDF_PAGES = 500
FAST_EXTRACTION_BYTES = 1 << 20
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/markdown", "application/json"})
MAIL_TYPES = frozenset({"message/rfc822"})
# What config.validation.reject_control_characters refuses in a Source field (tab and newlines
# stay), and lone surrogates, which neither PostgreSQL nor UTF-8 can hold.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


@dataclass
class Extracted:
    title: str = ""
    author: str = ""
    published_at: datetime | None = None
    text: str = ""

    def clipped(self) -> Extracted:
        # Title and author go into Source fields by a queryset update: they must pass the
        # fields' validators (no control characters) although no full_clean() runs.
        return Extracted(
            title=" ".join(_clean_text(self.title).split())[:500],
            author=" ".join(_clean_text(self.author).split())[:300],
            published_at=self.published_at,
            text=_clean_text(self.text[: MAX_TEXT_CHARS * 2])[:MAX_TEXT_CHARS],
        )


def _clean_text(text: str) -> str:
    return _UNSTORABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def charset_of(content_type: str) -> str:
    """The ``charset`` parameter of a Content-Type, if it names an encoding Python knows."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return _codec(value.strip().strip("'\""))
    return ""


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name if name else ""
    except LookupError:
        return ""


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


def extract(
    *, form: str, mime_type: str, body: bytes, url: str = "", charset: str = ""
) -> Extracted:
    """Best effort: a document we cannot read yields empty fields, never an exception.

    ``charset`` is the one the HTTP Content-Type declared; it wins over what the document says
    about itself, as it does in browsers.
    """
    if not body:
        return Extracted()
    try:
        if form == SnapshotForm.TELEGRAM_EMBED:
            found = _telegram_embed(body)
        elif form == SnapshotForm.X_OEMBED:
            found = _x_oembed(body)
        elif mime_type in HTML_TYPES or (not mime_type and body.lstrip()[:1] == b"<"):
            found = _html(body, url, charset)
        elif mime_type == "application/pdf" or body[:5] == b"%PDF-":
            found = _pdf(body)
        elif mime_type in MAIL_TYPES:
            found = _mail(body)
        elif mime_type in TEXT_TYPES:
            found = Extracted(text=_decode(body, charset))
        else:
            found = Extracted()
        return found.clipped()
    except Exception:
        logger.warning("extraction failed for %s (%s)", url, mime_type, exc_info=True)
        return Extracted()


def _decode(body: bytes, charset: str) -> str:
    return body.decode(_codec(charset) or "utf-8", errors="replace")


def _html(body: bytes, url: str, charset: str = "") -> Extracted:
    known = _codec(charset)
    document = trafilatura.bare_extraction(
        body.decode(known, errors="replace") if known else body,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
        # Past a megabyte, skip the fallback extractors: they double the time (2.4 s -> 1.4 s
        # on a 10 MiB page in bench/capture.py) and found the same text there.
        fast=len(body) > FAST_EXTRACTION_BYTES,
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


def _mail(body: bytes) -> Extracted:
    """An e-mail (.eml): subject, sender, date and the plain-text body (or the HTML one's text)."""
    message = BytesParser(policy=email.policy.default).parsebytes(body)
    part = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if part is not None:
        content = part.get_content()
        if part.get_content_subtype() == "html":
            content = lxml.html.fromstring(content).text_content() if content.strip() else ""
        text = content if isinstance(content, str) else ""
    return Extracted(
        title=str(message.get("Subject") or ""),
        author=str(message.get("From") or ""),
        published_at=_as_datetime(message.get("Date")),
        text=text,
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
