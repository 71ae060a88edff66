"""Social posts: a plain GET of an X or Telegram post returns a script shell with no text in it.

We capture the form that carries the text instead, and the snapshot records which: Telegram's
server-rendered embed view of the post, or X's oEmbed response for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from sources.canonical import canonicalize
from sources.models import SnapshotForm

_TELEGRAM_POST = re.compile(r"^/(?P<channel>[A-Za-z0-9_]{3,64})/(?P<post>[0-9]{1,12})/?$")
_X_POST = re.compile(r"^/(?P<user>[A-Za-z0-9_]{1,30})/status(?:es)?/(?P<id>[0-9]{1,25})(?:/.*)?$")


@dataclass(frozen=True)
class CapturePlan:
    form: str
    fetch_url: str


def capture_plan(url: str) -> CapturePlan:
    """What to fetch to capture ``url``, and in which form."""
    try:
        canonical = canonicalize(url)
    except ValueError:  # InvalidURL, or urlsplit refusing a malformed host
        return CapturePlan(SnapshotForm.PAGE, url)
    parts = urlsplit(canonical)
    host = parts.hostname or ""
    if host == "t.me" and (match := _TELEGRAM_POST.match(parts.path)):
        origin = settings.CLAIMTRAIL_TELEGRAM_EMBED_ORIGIN.rstrip("/")
        return CapturePlan(
            SnapshotForm.TELEGRAM_EMBED,
            f"{origin}/{match['channel']}/{match['post']}?embed=1&mode=tme",
        )
    if host == "x.com" and (match := _X_POST.match(parts.path)):
        post_url = f"https://twitter.com/{match['user']}/status/{match['id']}"
        query = urlencode({"url": post_url, "omit_script": "1", "dnt": "true"})
        return CapturePlan(
            SnapshotForm.X_OEMBED, f"{settings.CLAIMTRAIL_X_OEMBED_ENDPOINT}?{query}"
        )
    return CapturePlan(SnapshotForm.PAGE, url)
