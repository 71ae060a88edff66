"""What may be uploaded as a source: checked by size and by content, never by name alone.

The type comes from the file's leading bytes (the ``filetype`` library's signatures), so a script
renamed ``letter.pdf`` is refused. SVG and HTML are refused outright: both can carry script, and
uploaded files are served back to newsroom users.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError

ALLOWED_BINARY = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
}
# Text has no signature: a .txt or .csv whose bytes are UTF-8 text is accepted as text, an .eml
# that starts with a mail header as mail (its parts declare their own charsets).
TEXT_EXTENSIONS = {".txt": "text/plain", ".eml": "message/rfc822", ".csv": "text/csv"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")
_MAIL_HEADER = re.compile(rb"^(?:From [^\n]*\n)?[!-9;-~]+:")  # an mbox "From " line may lead
# Markup a browser might render despite the name (HTML or SVG renamed .txt): refused as text.
_MARKUP = re.compile(rb"^\s*<(?:!doctype|html|head|body|svg|script|iframe|\?xml)\b", re.IGNORECASE)


@dataclass(frozen=True)
class UploadKind:
    mime_type: str
    extension: str

    @staticmethod
    def clean_name(name: str) -> str:
        name = _UNSAFE_NAME.sub("_", os.path.basename(name.replace("\\", "/"))).strip()
        return name[:255] or "upload"


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def sniff_upload(upload: IO[bytes], *, name: str) -> UploadKind:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    limit = settings.CLAIMTRAIL_UPLOAD_MAX_BYTES
    if size == 0:
        raise _refuse("The file is empty.", "empty")
    if size > limit:
        raise _refuse(f"The file is larger than the {_human(limit)} limit.", "too_large")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    if guessed is not None and guessed.mime in ALLOWED_BINARY:
        return UploadKind(guessed.mime, ALLOWED_BINARY[guessed.mime])
    extension = os.path.splitext(name)[1].lower()
    if guessed is None and extension in TEXT_EXTENSIONS:
        checks = _is_mail if extension == ".eml" else _is_text
        if checks(upload):
            return UploadKind(TEXT_EXTENSIONS[extension], extension)
    raise _refuse(
        "Upload a PDF, a PNG, JPEG, GIF or WebP image, or a plain-text or e-mail (.txt, .eml, "
        ".csv) file.",
        "unsupported_type",
    )


def _human(size: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.2f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} bytes"


def _read_all(upload: IO[bytes]) -> bytes:
    upload.seek(0)
    try:
        return upload.read()
    finally:
        upload.seek(0)


def _is_text(upload: IO[bytes]) -> bool:
    data = _read_all(upload)
    if b"\x00" in data or _MARKUP.match(data.removeprefix(b"\xef\xbb\xbf")):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_mail(upload: IO[bytes]) -> bool:
    data = _read_all(upload)
    return b"\x00" not in data and bool(_MAIL_HEADER.match(data))
