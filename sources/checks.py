"""System checks of the archive's settings: a mistake here should stop the process at start-up,
not surface as a failed capture hours later."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_archive_settings(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    allowed = settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES
    for entry in allowed:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            problems.append(
                Error(
                    f"CLAIMTRAIL_FETCH_ALLOW_ADDRESSES: {entry!r} is not an address or network.",
                    id="claimtrail.E001",
                )
            )
    if allowed:
        problems.append(
            Warning(
                "CLAIMTRAIL_FETCH_ALLOW_ADDRESSES lets captures reach "
                f"{', '.join(map(str, allowed))}: for tests and local demos only.",
                id="claimtrail.W001",
            )
        )
    if settings.CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT < settings.CLAIMTRAIL_FETCH_DEADLINE:
        problems.append(
            Warning(
                "CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT is shorter than CLAIMTRAIL_FETCH_DEADLINE: "
                "slow pages will be cut by the task limit, not the fetch deadline.",
                id="claimtrail.W002",
            )
        )
    if settings.CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT >= settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT:
        problems.append(
            Error(
                "CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT must be below CLAIMTRAIL_CAPTURE_TIME_LIMIT: "
                "Celery refuses to send a task whose soft limit is not below its hard one.",
                id="claimtrail.E003",
            )
        )
    visibility: Any = (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).get("visibility_timeout")
    longest = settings.CLAIMTRAIL_CAPTURE_TIME_LIMIT + settings.CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY
    if visibility is not None and float(visibility) <= longest:
        problems.append(
            Error(
                f"The broker's visibility timeout ({visibility} s) must exceed the longest a "
                f"task holds a message ({longest:g} s: hard time limit + longest retry delay), "
                "or running tasks are delivered twice.",
                id="claimtrail.E002",
            )
        )
    return problems
