"""Writes of the archive: pending snapshots, captures, uploads.

A capture claims its row with a conditional update (pending -> fetching), does the slow work with
no transaction open (fetch, WARC, hash, extraction, storage), then locks the row, checks that it is
still the claim it made (a sweeper may have handed the row to another worker meanwhile) and writes
the outcome. Running a capture twice therefore finishes one snapshot once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from config.roles import Role, require_role
from sources.models import Snapshot, Source
from sources.selectors import source_visible_check
from sources.tasks import snapshot_capture as capture_task

from .extract import Extracted, charset_of, extract
from .fetch import Exchange, FetchError, FetchPolicy, fetch
from .policy import CaptureRetry, max_attempts, may_retry, retry_delay
from .social import capture_plan
from .uploads import sniff_upload
from .warc import build_warc

logger = logging.getLogger(__name__)

# HTTP answers worth asking again later; every other 4xx/5xx is final.
TRANSIENT_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})


# --- Queue ------------------------------------------------------------------------------------


def capture_enqueue(snapshot_id: int) -> bool:
    """Send the capture job for a snapshot. Never raises and never blocks for long: with the
    broker down the row simply stays pending (``enqueued_at`` empty) for the sweeper."""
    sent_at = timezone.now()  # before publishing: a worker may start it before we write this
    try:
        capture_task.apply_async((snapshot_id,), retry=False)
    except Exception:
        logger.warning("could not enqueue snapshot %s; the sweeper will", snapshot_id)
        return False
    Snapshot.objects.filter(pk=snapshot_id).update(enqueued_at=sent_at)
    return True


def captures_waiting() -> int | None:
    """Messages waiting in the captures queue, or None if the broker cannot say."""
    from config.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1)
            declared = connection.default_channel.queue_declare(queue="captures", passive=True)
            return int(declared.message_count)
    except Exception:
        return None


def _enqueue_on_commit(snapshot: Snapshot) -> None:
    transaction.on_commit(partial(capture_enqueue, snapshot.pk))


# --- Pending snapshots ----------------------------------------------------------------------------


def snapshot_request(*, source: Source, actor: AbstractBaseUser | None = None) -> Snapshot:
    """A pending capture of the source's URL, or the one already waiting.

    Called inside the transaction that creates or changes the source, so the row and the source
    commit together; the background pipeline enqueues it on commit.
    """
    if not source.url:
        raise ValidationError({"url": ValidationError("This source has no URL to capture.")})
    waiting = (
        source.snapshots.filter(status__in=[Snapshot.Status.PENDING, Snapshot.Status.FETCHING])
        .filter(url=source.url)
        .first()
    )
    if waiting is not None:
        return waiting
    plan = capture_plan(source.url)
    snapshot = Snapshot.objects.create(
        source=source, url=source.url, form=plan.form, fetch_url=plan.fetch_url, created_by=actor
    )
    _enqueue_on_commit(snapshot)
    return snapshot


def snapshot_recapture(*, source: Source, actor: AbstractBaseUser) -> Snapshot:
    """A fact-checker asks for a fresh capture of a source (the page may have changed)."""
    require_role(actor, Role.FACT_CHECKER, action="Capturing a source again")
    source_visible_check(source=source, user=actor)
    with transaction.atomic():
        return snapshot_request(source=source, actor=actor)


# --- Capture --------------------------------------------------------------------------------------


def _claim(snapshot_id: int) -> bool:
    return bool(
        Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.PENDING)
        .exclude(form=Snapshot.Form.UPLOAD)
        .update(
            status=Snapshot.Status.FETCHING,
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
            retry_at=None,
        )
    )


def _still_ours(snapshot: Snapshot) -> Snapshot | None:
    """The row, locked, if it is still the claim this capture made; else None."""
    current = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
    if current.status != Snapshot.Status.FETCHING or current.attempts != snapshot.attempts:
        logger.info("snapshot %s was reclaimed meanwhile; discarding this capture", snapshot.pk)
        return None
    return current


def snapshot_capture(*, snapshot_id: int, policy: FetchPolicy | None = None) -> Snapshot:
    """Capture one pending snapshot. Safe to run twice: a row that is not pending is returned as
    it is. Raises CaptureRetry (after writing) when a transient failure leaves it pending."""
    if not _claim(snapshot_id):
        return Snapshot.objects.get(pk=snapshot_id)
    snapshot = Snapshot.objects.select_related("source").get(pk=snapshot_id)
    plan = capture_plan(snapshot.url)
    try:
        result = fetch(plan.fetch_url, policy)
    except FetchError as exc:
        return _finish_failure(
            snapshot,
            code=exc.code,
            message=exc.message,
            blocked=exc.blocked,
            transient=exc.transient,
            fetch_url=plan.fetch_url,
            exchanges=exc.exchanges,
        )
    final = result.final
    if not 200 <= final.status < 300:
        reason = f"{final.status} {final.reason}".strip()
        return _finish_failure(
            snapshot,
            code=f"http_{final.status}",
            message=f"The site answered {reason}.",
            blocked=False,
            transient=final.status in TRANSIENT_HTTP,
            fetch_url=plan.fetch_url,
            exchanges=result.exchanges,
        )
    return _finish_archived(snapshot, plan.form, plan.fetch_url, result.exchanges)


def _warc_name(snapshot: Snapshot, digest: str) -> str:
    folder = f"warc/{timezone.now():%Y/%m}/source-{snapshot.source_id}"
    return f"{folder}/snapshot-{snapshot.pk}-{digest[:12]}.warc.gz"


def _store_warc(snapshot: Snapshot, exchanges: list[Exchange], digest: str) -> str:
    payload = build_warc(
        exchanges,
        info={
            "snapshot": str(snapshot.pk),
            "source": str(snapshot.source_id),
            "cited-url": snapshot.url,
            "form": snapshot.form,
        },
    )
    storage = Snapshot._meta.get_field("warc").storage
    return storage.save(_warc_name(snapshot, digest), ContentFile(payload))


def _record_exchange(snapshot: Snapshot, fetch_url: str, exchanges: list[Exchange]) -> None:
    if not exchanges:
        snapshot.fetch_url = fetch_url[:2000]
        return
    final = exchanges[-1]
    snapshot.fetch_url = fetch_url[:2000]
    snapshot.final_url = final.url[:2000]
    snapshot.redirects = [
        {
            "url": hop.url[:2000],
            "status": hop.status,
            "location": (hop.header("Location") or "")[:2000],
        }
        for hop in exchanges[:-1]
    ]
    snapshot.remote_address = final.remote_address
    snapshot.http_status = final.status or None
    snapshot.content_type = final.content_type[:200]


def extract_exchange(form: str, exchange: Exchange) -> Extracted:
    return extract(
        form=form,
        mime_type=exchange.mime_type,
        body=exchange.body,
        url=exchange.url,
        charset=charset_of(exchange.content_type),
    )


def _finish_archived(
    snapshot: Snapshot,
    form: str,
    fetch_url: str,
    exchanges: list[Exchange],
    found: Extracted | None = None,
) -> Snapshot:
    final = exchanges[-1]
    digest = hashlib.sha256(final.body).hexdigest()
    found = found or extract_exchange(form, final)
    previous = (
        Snapshot.objects.filter(
            source_id=snapshot.source_id, status=Snapshot.Status.ARCHIVED, sha256=digest
        )
        .exclude(warc="")
        .order_by("-created_at", "-pk")
        .first()
    )
    stored = None if previous is not None else _store_warc(snapshot, exchanges, digest)
    with transaction.atomic():
        current = _still_ours(snapshot)
        if current is None:
            if stored:
                Snapshot._meta.get_field("warc").storage.delete(stored)
            return Snapshot.objects.get(pk=snapshot.pk)
        _record_exchange(current, fetch_url, exchanges)
        current.form = form
        current.size = len(final.body)
        current.sha256 = digest
        current.warc.name = previous.warc.name if previous is not None else stored
        current.duplicate_of = (previous.duplicate_of or previous) if previous else None
        current.title = found.title
        current.author = found.author
        current.published_at = found.published_at
        current.text = found.text
        current.error_code = current.error_message = ""
        current.status = Snapshot.Status.ARCHIVED
        current.finished_at = timezone.now()
        current.save()
        _fill_source(current.source_id, found)
    return current


def _fill_source(source_id: int, found: Extracted) -> None:
    """What the capture found fills the source's blank fields; nothing a person typed is touched."""
    for field, value in (
        ("title", found.title),
        ("author", found.author),
        ("published_at", found.published_at),
    ):
        if not value:
            continue
        blank = {f"{field}__isnull": True} if field == "published_at" else {field: ""}
        Source.objects.filter(pk=source_id, **blank).update(
            **{field: value, "updated_at": timezone.now()}
        )


def _finish_failure(
    snapshot: Snapshot,
    *,
    code: str,
    message: str,
    blocked: bool,
    transient: bool,
    fetch_url: str,
    exchanges: list[Exchange],
) -> Snapshot:
    retry = may_retry(attempts=snapshot.attempts, transient=transient)
    # A final HTTP answer (a 404, a 410) is evidence too: keep its exchange.
    keep = bool(exchanges) and not blocked and not retry and exchanges[-1].status >= 400
    stored = None
    if keep:
        digest = hashlib.sha256(exchanges[-1].body).hexdigest()
        stored = _store_warc(snapshot, exchanges, digest)
    with transaction.atomic():
        current = _still_ours(snapshot)
        if current is None:
            if stored:
                Snapshot._meta.get_field("warc").storage.delete(stored)
            return Snapshot.objects.get(pk=snapshot.pk)
        _record_exchange(current, fetch_url, exchanges if not blocked else [])
        if stored:
            current.warc.name = stored
            current.size = len(exchanges[-1].body)
            current.sha256 = hashlib.sha256(exchanges[-1].body).hexdigest()
        current.error_code = code[:32]
        if retry:
            delay = retry_delay(current.attempts)
            current.status = Snapshot.Status.PENDING
            current.retry_at = timezone.now() + timedelta(seconds=delay)
            current.error_message = (
                f"{message} Attempt {current.attempts} of {max_attempts()}; will try again."
            )[:1000]
        else:
            current.status = Snapshot.Status.BLOCKED if blocked else Snapshot.Status.FAILED
            tries = f"{current.attempts} attempt{'s' if current.attempts != 1 else ''}"
            suffix = f" Gave up after {tries}." if transient else ""
            current.error_message = (message + suffix)[:1000]
            current.finished_at = timezone.now()
        current.save()
    if retry:
        raise CaptureRetry(current)
    return current


def snapshots_pending(*, source_ids: Iterable[int] | None = None) -> QuerySet[Snapshot]:
    """Pending captures, oldest first: those that are due, or, for named sources, all of theirs
    (even one waiting out a retry: an operator asked for them)."""
    pending = Snapshot.objects.filter(status=Snapshot.Status.PENDING).exclude(
        form=Snapshot.Form.UPLOAD
    )
    if source_ids is not None:
        pending = pending.filter(source_id__in=list(source_ids))
    else:
        pending = pending.exclude(retry_at__gt=timezone.now())
    return pending.order_by("created_at", "pk")


def snapshots_capture_now(snapshot_ids: Iterable[int]) -> Iterator[Snapshot]:
    """Capture these snapshots here and now, one after the other (the command, the admin's
    action, ``make``-less demos): each as it ended, a transient failure as the pending row it
    left. A row deleted meanwhile (with its source) is skipped."""
    for snapshot_id in snapshot_ids:
        try:
            yield snapshot_capture(snapshot_id=snapshot_id)
        except CaptureRetry as retry:
            yield retry.snapshot
        except Snapshot.DoesNotExist:
            continue


def snapshots_capture_pending(*, limit: int | None = None) -> list[Snapshot]:
    """Run the pending captures that are due, oldest first (the synchronous path)."""
    due = snapshots_pending().values_list("pk", flat=True)
    return list(snapshots_capture_now(list(due[:limit] if limit else due)))


# --- Recovery ------------------------------------------------------------------------------


def snapshot_abandon(*, snapshot_id: int, code: str, message: str) -> Snapshot | None:
    """A capture stopped from outside (its soft time limit): the row goes back to pending for
    another attempt after a backoff, or fails after the last one."""
    snapshot = Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.FETCHING).first()
    if snapshot is None:
        return None
    try:
        return _finish_failure(
            snapshot,
            code=code,
            message=message,
            blocked=False,
            transient=True,
            fetch_url=snapshot.fetch_url,
            exchanges=[],
        )
    except CaptureRetry as retry:
        return retry.snapshot


def snapshots_sweep(*, now: datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """The periodic safety net (DESIGN: "the row is the truth, a message only a nudge").

    - Rows stuck in ``fetching`` past the hard time limit lost their worker: back to pending
      (the interrupted try counts as an attempt), or failed after the last attempt.
    - Pending rows that are due and were never enqueued (broker down), or were enqueued long
      enough ago that the message must be lost, are enqueued again.
    """
    now = now or timezone.now()
    attempts = max_attempts()
    stuck_before = now - timedelta(seconds=settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT + 5)
    stuck = Snapshot.objects.filter(status=Snapshot.Status.FETCHING, started_at__lt=stuck_before)
    interrupted = "The capture was interrupted (its worker stopped or was killed)"
    failed = stuck.filter(attempts__gte=attempts).update(
        status=Snapshot.Status.FAILED,
        error_code="interrupted",
        error_message=f"{interrupted} on each of its {attempts} attempts; gave up.",
        finished_at=now,
    )
    requeued = stuck.filter(attempts__lt=attempts).update(
        status=Snapshot.Status.PENDING,
        error_code="interrupted",
        error_message=f"{interrupted}; it will be tried again.",
        retry_at=None,
        enqueued_at=None,
    )
    pending_after = now - timedelta(seconds=settings.CLAIMTRAIL_SWEEP_PENDING_AFTER)
    lost_after = now - timedelta(seconds=settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT * 2 + 60)
    lost = Q(pk__in=[])
    # Enqueued long ago and never claimed: lost (Redis restarted empty, say) only if nothing is
    # waiting in the queue; behind a long backlog its message is simply still in line.
    if captures_waiting() == 0:
        lost = Q(retry_at__isnull=True, enqueued_at__lt=lost_after)
    due = (
        Snapshot.objects.filter(status=Snapshot.Status.PENDING)
        .exclude(form=Snapshot.Form.UPLOAD)
        .filter(
            # waiting out a backoff whose retry message may be lost
            Q(retry_at__isnull=False, retry_at__lte=now - timedelta(seconds=60))
            # never enqueued (the broker was down), past the moment its on-commit message went
            | Q(retry_at__isnull=True, enqueued_at__isnull=True, created_at__lt=pending_after)
            | lost
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    enqueued = sum(capture_enqueue(snapshot_id) for snapshot_id in list(due))
    if failed or requeued or enqueued:
        logger.info("sweep: %s enqueued, %s back to pending, %s failed", enqueued, requeued, failed)
    return {"enqueued": enqueued, "requeued": requeued, "failed": failed}


# --- Uploads --------------------------------------------------------------------------------------


def _hash_file(upload: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    while chunk := upload.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


@transaction.atomic
def snapshot_upload(
    *, source: Source, upload: File, actor: AbstractBaseUser, filename: str = ""
) -> Snapshot:
    """Store an uploaded document (a PDF, a screenshot, a letter) as an archived snapshot."""
    require_role(actor, Role.VIEWER, action="Uploading a document")
    source_visible_check(source=source, user=actor)
    name = filename or upload.name or "upload"
    kind = sniff_upload(upload, name=name)
    digest, size = _hash_file(upload)
    storage = Snapshot._meta.get_field("file").storage
    stored_name = f"uploads/{digest[:2]}/{digest}{kind.extension}"
    if not storage.exists(stored_name):
        upload.seek(0)
        stored_name = storage.save(stored_name, upload)
    upload.seek(0)
    found = extract(form=Snapshot.Form.UPLOAD, mime_type=kind.mime_type, body=upload.read(), url="")
    if not found.title:
        found.title = kind.clean_name(name)
    now = timezone.now()
    snapshot = Snapshot(
        source=source,
        form=Snapshot.Form.UPLOAD,
        status=Snapshot.Status.ARCHIVED,
        content_type=kind.mime_type,
        size=size,
        sha256=digest,
        filename=kind.clean_name(name),
        title=found.title,
        author=found.author,
        published_at=found.published_at,
        text=found.text,
        created_by=actor,
        attempts=1,
        started_at=now,
        finished_at=now,
    )
    snapshot.file.name = stored_name
    snapshot.save()
    _fill_source(source.pk, found)
    return snapshot
