"""Link health: every cited URL is fetched again now and then.

- alive: it answers as before;
- changed: the *extracted text* differs from the last snapshot's (rotating ads and timestamps in
  the markup do not count), so a new snapshot is archived from this very fetch; the old one is
  untouched;
- gone: 404 or 410, or a redirect to the site's home page (the usual way a removed article goes);
- error: anything else (timeout, 5xx, DNS, a refused address): we could not tell.

Checks are spread over time (each source's next check is the interval, jittered) and polite per
host (one host's checks are spaced out, at most a few per scheduling round).
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import defaultdict
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.roles import Role, require_role
from sources.models import LinkCheck, Snapshot, Source
from sources.selectors import source_visible_check
from sources.tasks import link_check as link_check_task

from .fetch import FetchError, FetchPolicy, FetchResult, fetch
from .services import _finish_archived, extract_exchange
from .social import capture_plan

logger = logging.getLogger(__name__)

GONE_HTTP = frozenset({404, 410})


def _next_check(now: datetime) -> datetime:
    interval = settings.CLAIMTRAIL_LINK_CHECK_INTERVAL
    return now + timedelta(seconds=interval * random.uniform(0.9, 1.1))  # noqa: S311


def _root_path(url: str) -> bool:
    return urlsplit(url).path in ("", "/")


def _redirected_home(requested: str, result: FetchResult) -> bool:
    return len(result.exchanges) > 1 and _root_path(result.final.url) and not _root_path(requested)


def _same_text(before: Snapshot, text: str, body: bytes) -> bool:
    if before.text or text:
        return " ".join(before.text.split()) == " ".join(text.split())
    return before.sha256 == hashlib.sha256(body).hexdigest()


def source_link_check(*, source_id: int, policy: FetchPolicy | None = None) -> LinkCheck | None:
    """Re-check one source's URL and record the outcome. None if the source is gone or has no
    URL."""
    source = Source.objects.filter(pk=source_id).exclude(url="").first()
    if source is None:
        return None
    plan = capture_plan(source.url)
    last = (
        source.snapshots.filter(status=Snapshot.Status.ARCHIVED)
        .exclude(form=Snapshot.Form.UPLOAD)
        .order_by("-created_at", "-pk")
        .first()
    )
    http_status: int | None = None
    final_url = ""
    code = ""
    take_snapshot = False
    result: FetchResult | None = None
    try:
        result = fetch(plan.fetch_url, policy)
    except FetchError as exc:
        status, code, message = Source.LinkStatus.ERROR, exc.code, exc.message
    else:
        final = result.final
        http_status, final_url = final.status, final.url
        reason = f"{final.status} {final.reason}".strip()
        if final.status in GONE_HTTP:
            status, code = Source.LinkStatus.GONE, f"http_{final.status}"
            message = f"The site answers {reason}."
        elif _redirected_home(plan.fetch_url, result):
            status, code = Source.LinkStatus.GONE, "redirect_home"
            message = f"The page now redirects to the site's home page ({final.url[:300]})."
        elif not 200 <= final.status < 300:
            status, code = Source.LinkStatus.ERROR, f"http_{final.status}"
            message = f"The site answered {reason}."
        else:
            found = extract_exchange(plan.form, final)
            if last is None:
                status, message = Source.LinkStatus.ALIVE, "The page answers; it had no archive."
                take_snapshot = not source.snapshots.filter(
                    status__in=[Snapshot.Status.PENDING, Snapshot.Status.FETCHING]
                ).exists()
            elif _same_text(last, found.text, final.body):
                status, message = Source.LinkStatus.ALIVE, "The page answers, unchanged."
            else:
                status, take_snapshot = Source.LinkStatus.CHANGED, True
                message = "The page's text differs from the last snapshot; archived again."
    snapshot = None
    if take_snapshot and result is not None:
        now = timezone.now()
        snapshot = Snapshot.objects.create(
            source=source,
            url=source.url,
            form=plan.form,
            fetch_url=plan.fetch_url,
            status=Snapshot.Status.FETCHING,
            attempts=1,
            started_at=now,
        )
        snapshot = _finish_archived(snapshot, plan.form, plan.fetch_url, result.exchanges, found)
    now = timezone.now()
    with transaction.atomic():
        check = LinkCheck.objects.create(
            source=source,
            url=source.url[:2000],
            status=status,
            http_status=http_status,
            final_url=final_url[:2000],
            error_code=code[:32],
            message=message[:1000],
            snapshot=snapshot,
        )
        Source.objects.filter(pk=source.pk).update(
            link_status=status, link_checked_at=now, link_next_check_at=_next_check(now)
        )
    return check


def source_link_recheck(*, source: Source, actor: AbstractBaseUser) -> LinkCheck:
    """A fact-checker re-checks a source's link now (the API, the desk, the admin)."""
    require_role(actor, Role.FACT_CHECKER, action="Re-checking a source's link")
    source_visible_check(source=source, user=actor)
    check = source_link_check(source_id=source.pk) if source.url else None
    if check is None:  # no URL (or it lost it while we looked)
        raise ValidationError(
            {"url": ValidationError("This source has no URL to check.", code="no_url")}
        )
    return check


def link_checks_schedule(*, now: datetime | None = None) -> int:
    """Enqueue the re-checks that are due, spaced per host. Returns how many were enqueued."""

    now = now or timezone.now()
    interval = timedelta(seconds=settings.CLAIMTRAIL_LINK_CHECK_INTERVAL)
    per_host = settings.CLAIMTRAIL_LINK_CHECK_PER_HOST
    spacing = settings.CLAIMTRAIL_LINK_CHECK_HOST_SPACING
    due = (
        Source.objects.exclude(url="")
        .filter(
            Q(link_next_check_at__lte=now)
            | Q(link_next_check_at__isnull=True, created_at__lte=now - interval)
        )
        .order_by(F("link_next_check_at").asc(nulls_first=True), "pk")
        .values_list("pk", "canonical_url")[: settings.CLAIMTRAIL_LINK_CHECK_BATCH]
    )
    by_host: dict[str, int] = defaultdict(int)
    enqueued = 0
    for source_id, canonical_url in due:
        host = urlsplit(canonical_url or "").hostname or ""
        position = by_host[host]
        if position >= per_host:
            continue  # this host has had its share of this round; the next round takes it
        try:
            link_check_task.apply_async((source_id,), countdown=position * spacing, retry=False)
        except Exception:
            logger.warning("could not enqueue the link check of source %s", source_id)
            break
        by_host[host] += 1
        enqueued += 1
        # Not due again before its check has run: the check itself sets the real next time.
        Source.objects.filter(pk=source_id).update(link_next_check_at=_next_check(now))
    return enqueued
