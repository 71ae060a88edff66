"""Background jobs of the archive. Thin: each takes ids and calls a service.

A task is only a nudge: the snapshot row says what is to be done, so a task delivered twice, or
late, or never, changes nothing that the row and the sweeper do not already account for.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT,
    time_limit=settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT,
    max_retries=None,  # the service counts attempts on the row and fails it after the last
)
def snapshot_capture(self, snapshot_id: int) -> str:  # type: ignore[no-untyped-def]
    """Capture one snapshot; idempotent (a finished row is left alone). A transient failure comes
    back after the backoff ``sources.archiving.policy`` chose; anything else is final."""
    from sources.archiving.policy import CaptureRetry, retry_countdown
    from sources.archiving.services import snapshot_abandon
    from sources.archiving.services import snapshot_capture as capture
    from sources.models import Snapshot

    try:
        return capture(snapshot_id=snapshot_id).status
    except Snapshot.DoesNotExist:
        return "deleted"
    except CaptureRetry as retry:
        waiting = retry.snapshot
    except SoftTimeLimitExceeded:
        waiting = snapshot_abandon(
            snapshot_id=snapshot_id,
            code="time_limit",
            message="The capture took longer than the time allowed and was stopped.",
        )
        # Pending again after a backoff: it needs its retry message like any transient failure
        # (without one, only the sweeper would bring it back, a minute after it was due).
        if waiting is None or waiting.status != Snapshot.Status.PENDING:
            return "time_limit"
    try:
        raise self.retry(countdown=retry_countdown(waiting))
    except Retry:
        raise
    except Exception:
        logger.warning("could not schedule the retry of snapshot %s", snapshot_id)
        return "pending"


@shared_task(acks_late=True)
def snapshots_sweep() -> dict[str, int]:
    """Periodic: enqueue pending rows nobody enqueued (or whose message was lost) and hand rows
    a dead worker left in ``fetching`` back to pending, or fail them after the last attempt."""
    from sources.archiving.services import snapshots_sweep as sweep

    return sweep()


@shared_task(
    acks_late=True,
    soft_time_limit=settings.CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT,
    time_limit=settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT,
)
def link_check(source_id: int) -> str:
    """Re-check one cited URL: alive, changed (a new snapshot is taken), gone or error."""
    from sources.archiving.linkcheck import source_link_check

    try:
        check = source_link_check(source_id=source_id)
    except SoftTimeLimitExceeded:
        return "time_limit"  # checked again at its next scheduled time
    return check.status if check is not None else "no-url"


@shared_task(acks_late=True)
def link_checks_schedule() -> int:
    """Periodic: enqueue the link checks that are due, politely spaced per host."""
    from sources.archiving.linkcheck import link_checks_schedule as schedule

    return schedule()
