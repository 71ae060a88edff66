"""Re-check cited URLs now, in this process: link health on demand for an operator.

    manage.py linkcheck --due [--limit N]        the checks that are due (as the scheduler would)
    manage.py linkcheck --source 12 14           these sources, due or not
    manage.py linkcheck --all [--limit N]        every source with a URL

One line per source (id, health, URL, why), then a summary; a progress bar on stderr when there
are many and stderr is a terminal.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F, Q
from django.utils import timezone
from tqdm import tqdm

from sources.archiving.linkcheck import source_link_check
from sources.management.commands.capture import PROGRESS_FROM, _positive
from sources.models import Source


class Command(BaseCommand):
    help = "Re-check cited URLs now: alive, changed (archived again), gone or error."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--source", dest="source_ids", metavar="ID", type=int, nargs="+")
        which.add_argument("--due", action="store_true", help="The checks that are due.")
        which.add_argument("--all", action="store_true", help="Every source with a URL.")
        parser.add_argument("--limit", type=_positive, metavar="N", help="At most N sources.")

    def handle(self, *args: Any, **options: Any) -> None:
        sources = Source.objects.exclude(url="")
        if options["source_ids"]:
            sources = sources.filter(pk__in=options["source_ids"])
            missing = set(options["source_ids"]) - set(sources.values_list("pk", flat=True))
            if missing:
                names = ", ".join(f"#{pk}" for pk in sorted(missing))
                raise CommandError(f"No source with a URL: {names}.")
        elif options["due"]:
            sources = sources.filter(
                Q(link_next_check_at__lte=timezone.now()) | Q(link_next_check_at__isnull=True)
            )
        ids = list(
            sources.order_by(F("link_next_check_at").asc(nulls_first=True), "pk").values_list(
                "pk", flat=True
            )[: options["limit"]]
        )
        if not ids:
            self.stdout.write("No links to check.")
            return
        out = getattr(self.stdout, "_out", sys.stdout)
        err = getattr(self.stderr, "_out", sys.stderr)
        outcomes: Counter[str] = Counter()
        bar = tqdm(ids, file=err, unit="link", disable=True if len(ids) < PROGRESS_FROM else None)
        for source_id in bar:
            check = source_link_check(source_id=source_id)
            if check is None:
                continue
            outcomes[check.status] += 1
            extra = f", new snapshot #{check.snapshot_id}" if check.snapshot_id else ""
            with tqdm.external_write_mode(file=out):
                self.stdout.write(
                    f"#{source_id}  {check.status:<7}  {check.url}  {check.message}{extra}"
                )
        bar.close()
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        self.stdout.write(f"{sum(outcomes.values())} checked: {summary}.")
