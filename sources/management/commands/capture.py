"""Run pending captures now, in this process, without waiting for the capture worker: for an
operator (no worker running, a backlog to clear, a capture to watch). A capture the worker has
claimed meanwhile is reported as fetching and left to it.

    manage.py capture --all-pending [--limit N]
    manage.py capture --source 12 --source 14 15

One line per snapshot (id, status, URL, reason), then a summary. With many captures to run, a
progress bar goes to stderr when it is a terminal.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sources.archiving.services import snapshots_capture_now, snapshots_pending
from sources.models import Snapshot, Source

PROGRESS_FROM = 10  # fewer captures than this need no progress bar
OUTCOMES = (
    Snapshot.Status.ARCHIVED,
    Snapshot.Status.FAILED,
    Snapshot.Status.BLOCKED,
    Snapshot.Status.PENDING,
    Snapshot.Status.FETCHING,
)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def describe(snapshot: Snapshot) -> str:
    """One line: what became of a capture, and why."""
    if snapshot.status == Snapshot.Status.ARCHIVED:
        reason = f"sha256 {snapshot.sha256[:12]}"
        if snapshot.duplicate_of_id:
            reason += f", same document as #{snapshot.duplicate_of_id}"
        if snapshot.title:
            reason += f", {snapshot.title!r}"
    elif snapshot.status == Snapshot.Status.FETCHING:
        reason = "being captured by another process"
    else:
        reason = f"{snapshot.error_code}: {snapshot.error_message}"
    return f"#{snapshot.pk}  {snapshot.status:<8}  {snapshot.url}  {reason}"


class Command(BaseCommand):
    help = "Run pending captures of sources now, one after the other."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--source",
            dest="source_ids",
            metavar="ID",
            type=int,
            nargs="+",
            action="extend",
            help="The pending captures of these sources.",
        )
        which.add_argument(
            "--all-pending",
            action="store_true",
            help="Every pending capture that is due (not waiting out a retry).",
        )
        parser.add_argument(
            "--limit", type=_positive, metavar="N", help="At most N captures, oldest first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source_ids = options["source_ids"]
        if source_ids is not None:
            missing = sorted(
                set(source_ids)
                - set(Source.objects.filter(pk__in=source_ids).values_list("pk", flat=True))
            )
            if missing:
                raise CommandError("No source " + ", ".join(f"#{pk}" for pk in missing) + ".")
        todo = snapshots_pending(source_ids=source_ids).values_list("pk", flat=True)
        ids = list(todo[: options["limit"]] if options["limit"] else todo)
        if not ids:
            self.stdout.write("No pending captures.")
            return

        out = getattr(self.stdout, "_out", sys.stdout)
        err = getattr(self.stderr, "_out", sys.stderr)
        outcomes: Counter[str] = Counter()
        # disable=None: a bar only on a terminal, never in a log file.
        bar = tqdm(
            ids, file=err, unit="capture", disable=True if len(ids) < PROGRESS_FROM else None
        )
        for snapshot in snapshots_capture_now(bar):
            outcomes[snapshot.status] += 1
            with tqdm.external_write_mode(file=out):
                self.stdout.write(describe(snapshot))
        bar.close()
        counts = ", ".join(
            f"{outcomes[status]} {status}" for status in OUTCOMES if outcomes[status]
        )
        plural = "capture" if len(ids) == 1 else "captures"
        self.stdout.write(f"{len(ids)} {plural}: {counts}.")
