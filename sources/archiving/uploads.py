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
# Text has no signature: a .txt or .eml whose bytes are UTF-8 text is accepted as text.
TEXT_EXTENSIONS = {".txt": "text/plain", ".eml": "message/rfc822", ".csv": "text/csv"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


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
        raise _refuse(
            f"The file is larger than the {limit // (1024 * 1024)} MiB limit.", "too_large"
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    if guessed is not None and guessed.mime in ALLOWED_BINARY:
        return UploadKind(guessed.mime, ALLOWED_BINARY[guessed.mime])
    extension = os.path.splitext(name)[1].lower()
    if guessed is None and extension in TEXT_EXTENSIONS and _is_text(upload):
        return UploadKind(TEXT_EXTENSIONS[extension], extension)
    raise _refuse(
        "Upload a PDF, a PNG, JPEG, GIF or WebP image, or a plain-text or e-mail (.txt, .eml, "
        ".csv) file.",
        "unsupported_type",
    )


def _is_text(upload: IO[bytes]) -> bool:
    upload.seek(0)
    try:
        data = upload.read()
        if b"\x00" in data:
            return False
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
