"""The capture retry policy, in one place: which failures come back, how often, and when.

A transient failure (a timeout, a refused connection, DNS trouble, 408/425/429/5xx, the soft time
limit, a worker that died mid-capture) sends the row back to ``pending`` with one attempt more
and a ``retry_at`` after an exponential, jittered backoff; after ``max_attempts()`` it fails with
a reason a person can read. Everything else fails at once. The row carries the count, so neither
Celery's retry counter nor the message matters: the sweeper brings back a row whose retry
message was lost. ``config.checks`` makes sure the broker's visibility timeout outlasts the
longest wait here.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from sources.models import Snapshot


class CaptureRetry(Exception):
    """A transient failure: the snapshot is pending again and should be retried after a backoff.

    Raised after the row is written, so a caller that ignores it loses nothing.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(snapshot.error_message)
        self.snapshot = snapshot


def max_attempts() -> int:
    return int(settings.CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS)


def may_retry(*, attempts: int, transient: bool) -> bool:
    """Whether a failure after ``attempts`` tries comes back for another."""
    return transient and attempts < max_attempts()


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: after attempt n, between half and all of base * 2^(n-1)
    seconds, capped; the jitter keeps a burst of failures from coming back all at once."""
    ceiling = min(
        settings.CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY,
        settings.CLAIMTRAIL_CAPTURE_RETRY_BASE * 2 ** max(attempt - 1, 0),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311


def retry_countdown(snapshot: Snapshot, *, now: datetime | None = None) -> float:
    """Seconds until a pending snapshot's retry is due (0 when it is due now)."""
    now = now or timezone.now()
    due = snapshot.retry_at or now
    return max((due - now).total_seconds(), 0.0)
