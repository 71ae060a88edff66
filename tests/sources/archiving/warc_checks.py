"""What every archived WARC in the suite must pass: ``warcio check`` and a digest-checked read."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

PathOrBytes = str | os.PathLike[str] | bytes


def assert_warc_valid(warc: PathOrBytes) -> list[str]:
    """Run ``warcio check`` on the WARC (a path or its bytes), then read every record with digest
    checking. Returns the WARC-Type of each record, in order."""
    if isinstance(warc, bytes):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "check.warc.gz"
            path.write_bytes(warc)
            return _check(path, warc)
    path = Path(warc)
    return _check(path, path.read_bytes())


def _check(path: Path, data: bytes) -> list[str]:
    checked = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, f"warcio check failed:\n{checked.stdout}\n{checked.stderr}"
    assert "digest pass" in checked.stdout, checked.stdout

    types = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
        record.content_stream().read()
        problems = list(record.digest_checker.problems)
        assert record.digest_checker.passed is not False, problems
        rec_type = record.rec_headers.get_header("WARC-Type")
        types.append(rec_type)
        if rec_type in ("request", "response"):
            assert record.digest_checker.passed is True, f"{rec_type} digest not checked"
            for name in ("WARC-Block-Digest", "WARC-Payload-Digest"):
                digest = record.rec_headers.get_header(name)
                assert digest is None or digest.startswith("sha256:"), (name, digest)
    assert types, "the WARC holds no records"
    return types


@dataclass
class Record:
    type: str
    headers: StatusAndHeaders
    http_headers: StatusAndHeaders | None
    payload: bytes  # as stored: content encoding kept


def warc_records(warc: PathOrBytes) -> list[Record]:
    """The records of a WARC, payloads read out (not decoded)."""
    data = warc if isinstance(warc, bytes) else Path(warc).read_bytes()
    records = []
    for record in ArchiveIterator(io.BytesIO(data)):
        records.append(
            Record(
                type=record.rec_type,
                headers=record.rec_headers,
                http_headers=record.http_headers,
                payload=record.raw_stream.read(),
            )
        )
    return records
