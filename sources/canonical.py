"""Canonical URLs: the same page cited twice, in any of its common spellings, is one source.

w3lib (Scrapy's URL toolkit) does the generic normalization: percent-encoding, dot segments,
IDNA hosts, sorted query. On top of it: one scheme, no ``www.``, no default port, no fragment,
no tracking parameters, and the aliases of the social platforms newsrooms cite most.
"""

from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url", "cmpid",
        "ocid", "smid", "sref", "mkt_tok", "oly_enc_id", "oly_anon_id", "vero_id", "spm",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

HOST_ALIASES = {
    "twitter.com": "x.com",
    "mobile.twitter.com": "x.com",
    "m.twitter.com": "x.com",
    "mobile.x.com": "x.com",
    "telegram.me": "t.me",
    "telegram.dog": "t.me",
    "m.facebook.com": "facebook.com",
    "mobile.facebook.com": "facebook.com",
    "m.youtube.com": "youtube.com",
    "m.vk.com": "vk.com",
}
# Platforms whose post URLs carry no meaningful query string (share and tracking noise only).
QUERYLESS_HOSTS = frozenset({"x.com", "t.me"})

SOCIAL_HOSTS = {
    "x.com": "x",
    "t.me": "telegram",
    "facebook.com": "facebook",
    "instagram.com": "instagram",
    "youtube.com": "youtube",
    "tiktok.com": "tiktok",
    "vk.com": "vk",
}
# First path segments on those platforms that are not account names.
RESERVED_SEGMENTS = frozenset(
    {
        "i", "home", "search", "intent", "share", "hashtag", "explore", "settings", "messages",
        "s", "joinchat", "addstickers", "c", "iv", "proxy", "watch", "embed", "shorts", "channel",
        "user", "results", "playlist", "p", "reel", "reels", "stories", "tv", "groups", "pages",
        "events", "photo", "video", "story.php", "permalink.php", "profile.php", "login", "signup",
        "wall", "feed", "tag", "music",
    }
)  # fmt: skip


class InvalidURL(ValueError):
    """The text is not an http(s) URL with a host."""


@dataclass(frozen=True)
class SocialHandle:
    platform: str
    handle: str


def canonicalize(url: str) -> str:
    """The canonical form of an http(s) URL. Raises InvalidURL for anything else."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise InvalidURL("Only http and https URLs with a host name can be canonicalized.")
    try:
        normalized = urlsplit(canonicalize_url(url, keep_fragments=False))
        port = normalized.port
    except ValueError as exc:
        raise InvalidURL(str(exc)) from exc
    host = (normalized.hostname or "").rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    host = HOST_ALIASES.get(host, host)
    # urlsplit drops an IPv6 literal's brackets; the netloc needs them back.
    bracketed = f"[{host}]" if ":" in host else host
    netloc = bracketed if port in (None, 80, 443) else f"{bracketed}:{port}"

    path = normalized.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"

    if host in QUERYLESS_HOSTS:
        query = ""
        path = _fold_social_path(host, path)
    else:
        kept = [
            (key, value)
            for key, value in parse_qsl(normalized.query, keep_blank_values=True)
            if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
        ]
        query = urlencode(sorted(kept))
    return urlunsplit(("https", netloc, path, query, ""))


def _fold_social_path(host: str, path: str) -> str:
    segments = [s for s in path.split("/") if s]
    if host == "t.me":
        # t.me/s/<channel>/<post> is the web preview of t.me/<channel>/<post>.
        if len(segments) >= 2 and segments[0] == "s":
            segments = segments[1:]
        # An invite link's hash (t.me/+AbC...) is case-sensitive; a channel name is not.
        if segments and segments[0] not in RESERVED_SEGMENTS and not segments[0].startswith("+"):
            segments[0] = segments[0].lower()
    elif host == "x.com" and segments and segments[0].lower() not in RESERVED_SEGMENTS:
        segments[0] = segments[0].lower()
        # x.com/<user>/status/<id>/photo/1 shows the same post.
        if len(segments) >= 3 and segments[1] == "status":
            segments = segments[:3]
    return "/" + "/".join(segments) if segments else "/"


def host_of(canonical_url: str) -> str:
    return urlsplit(canonical_url).hostname or ""


def social_handle(canonical_url: str) -> SocialHandle | None:
    """The platform account a canonical URL belongs to, if it is a social platform page."""
    parts = urlsplit(canonical_url)
    platform = SOCIAL_HOSTS.get(parts.hostname or "")
    if platform is None:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return None
    first = segments[0]
    if platform == "youtube" or platform == "tiktok":
        if not first.startswith("@"):
            return None
        first = first[1:]
    if not first or first.lower() in RESERVED_SEGMENTS or first.startswith("+"):
        return None
    return SocialHandle(platform=platform, handle=normalize_handle(first))


def normalize_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def normalize_domain(domain: str) -> str:
    domain = domain.strip().lower().rstrip(".")
    if "://" in domain:
        domain = urlsplit(domain).hostname or ""
    if not domain.isascii():
        # Canonical URLs carry IDNA (punycode) hosts, as w3lib encodes them: match that form.
        # Left as typed if it cannot be encoded; the domain validator then refuses it.
        with contextlib.suppress(UnicodeError):
            domain = unicodedata.normalize("NFKC", domain).encode("idna").decode("ascii")
    if domain.startswith("www."):
        domain = domain[4:]
    return HOST_ALIASES.get(domain, domain)


def parent_domains(host: str) -> list[str]:
    """``a.b.example.com`` -> ``[a.b.example.com, b.example.com, example.com]`` (longest first)."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] or [host]


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # The Public Suffix List snapshot bundled with tldextract: never fetched from the network.
    # Private suffixes too: two blogs on github.io or blogspot.com are two outlets, not one.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def registrable_domain(host: str) -> str:
    """``news.bbc.co.uk`` -> ``bbc.co.uk``; hosts without a public suffix are returned whole."""
    result = _extractor()(host)
    return result.top_domain_under_public_suffix or host
