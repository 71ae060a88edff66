"""Search across claims and sources for the desk.

What was typed decides how sources are matched: a URL in any spelling finds the source with that
canonical URL (a channel or account URL finds everything its outlet published), a domain finds
every source on it or published by an outlet owning it, an ``@handle`` finds what the outlet with
that handle published, and other text matches words in sources, outlets, claims and claimants.
Claims are found by their own words, and by resting on (having evidence from) a matched source.
Sources the user may not see are never matched, so no result reveals a hidden one.

Matching uses ``icontains`` on every database; PostgreSQL full-text search (GIN) and trigram
similarity are a later improvement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from claims.models import Claim
from sources.canonical import (
    SOCIAL_HOSTS,
    InvalidURL,
    canonicalize,
    host_of,
    normalize_domain,
    normalize_handle,
    registrable_domain,
    social_handle,
)
from sources.filters import words_q
from sources.models import OutletDomain, OutletHandle, Source
from sources.selectors import source_visibility_q, sources_visible_to
from verification.models import Evidence
from verification.selectors import User, claim_list

_HANDLE = re.compile(r"^@[\w.]{1,100}$")
_HOSTLIKE = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#].*)?$")
# A typed host without a scheme needs a top-level domain of letters ("3.5", "e.g" are words).
_TOP_LEVEL = re.compile(r"\.(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
# Where each platform keeps an account's pages, as canonical URLs spell them.
_PROFILE_PREFIX = {
    platform: rf"https://{re.escape(host)}/{'@' if platform in ('youtube', 'tiktok') else ''}"
    for host, platform in SOCIAL_HOSTS.items()
}


class Kind(StrEnum):
    URL = "url"
    DOMAIN = "domain"
    HANDLE = "handle"
    TEXT = "text"


@dataclass(frozen=True)
class SearchTerms:
    """What a search box's text was taken to be."""

    text: str
    kind: Kind
    canonical_url: str = ""
    domain: str = ""
    handle: str = ""
    platform: str = ""  # "" with a handle: any platform

    @property
    def platform_label(self) -> str:
        return OutletHandle.Platform(self.platform).label if self.platform else ""

    @property
    def wider_domain(self) -> str:
        """For a subdomain search, the registrable domain a person may have meant."""
        if self.kind != Kind.DOMAIN:
            return ""
        wider = registrable_domain(self.domain)
        return wider if wider != self.domain else ""


def search_terms(text: str) -> SearchTerms:
    """Read the search box: a URL, a domain, a handle, or words."""
    text = " ".join(text.split())
    if _HANDLE.match(text):
        return SearchTerms(text=text, kind=Kind.HANDLE, handle=normalize_handle(text))
    if " " not in text and ("://" in text or _HOSTLIKE.match(text)):
        return _url_or_domain(text)
    return SearchTerms(text=text, kind=Kind.TEXT)


def _url_or_domain(text: str) -> SearchTerms:
    with_scheme = text if "://" in text else f"https://{text}"
    try:
        canonical = canonicalize(with_scheme)
    except InvalidURL:
        return SearchTerms(text=text, kind=Kind.TEXT)
    host = host_of(canonical)
    if "://" not in text and not _TOP_LEVEL.search(host):
        return SearchTerms(text=text, kind=Kind.TEXT)
    path = urlsplit(canonical).path
    if path == "/" and not urlsplit(canonical).query:
        return SearchTerms(text=text, kind=Kind.DOMAIN, domain=normalize_domain(host))
    handle = social_handle(canonical)
    if handle is not None and path.strip("/").count("/") == 0:
        # t.me/<channel> or x.com/<account>: the channel itself, not one post.
        return SearchTerms(
            text=text,
            kind=Kind.HANDLE,
            canonical_url=canonical,
            handle=handle.handle,
            platform=handle.platform,
        )
    return SearchTerms(text=text, kind=Kind.URL, canonical_url=canonical)


def _handle_q(handle: str, platform: str) -> Q:
    handles = OutletHandle.objects.filter(handle=handle)
    if platform:
        handles = handles.filter(platform=platform)
    prefixes = [_PROFILE_PREFIX[platform]] if platform else list(_PROFILE_PREFIX.values())
    pattern = rf"^({'|'.join(prefixes)}){re.escape(handle)}(/|$)"
    return Q(outlet__in=handles.values("outlet_id")) | Q(canonical_url__iregex=pattern)


def _domain_q(domain: str) -> Q:
    on_host = rf"^https://([^/]+\.)?{re.escape(domain)}(:[0-9]+)?/"
    owners = OutletDomain.objects.filter(Q(domain=domain) | Q(domain__endswith=f".{domain}"))
    return Q(canonical_url__regex=on_host) | Q(outlet__in=owners.values("outlet_id"))


def _text_q(text: str) -> Q:
    condition = words_q(text, ("title", "author", "url", "summary", "outlet__name"))
    words = text.split()
    if len(words) == 1:
        handles = OutletHandle.objects.filter(handle=normalize_handle(words[0]))
        condition |= Q(outlet__in=handles.values("outlet_id"))
    return condition


def matching_sources(*, terms: SearchTerms, user: User | None) -> QuerySet[Source]:
    """The sources the terms point at, among those the user may see."""
    visible = sources_visible_to(user=user)
    if terms.kind == Kind.URL:
        return visible.filter(canonical_url=terms.canonical_url)
    if terms.kind == Kind.DOMAIN:
        return visible.filter(_domain_q(terms.domain))
    if terms.kind == Kind.HANDLE:
        condition = _handle_q(terms.handle, terms.platform)
        if terms.canonical_url:
            condition |= Q(canonical_url=terms.canonical_url)
        return visible.filter(condition)
    return visible.filter(_text_q(terms.text))


def source_search(
    *,
    user: User | None,
    terms: SearchTerms | None,
    kind: str = "",
    outlet_id: int | None = None,
) -> QuerySet[Source]:
    """Sources for the results list, newest first, with their outlet and the number of claims
    resting on each (claims are not hidden; the user may see this source)."""
    sources = (
        matching_sources(terms=terms, user=user)
        if terms is not None
        else sources_visible_to(user=user)
    )
    if kind:
        sources = sources.filter(kind=kind)
    if outlet_id is not None:
        sources = sources.filter(outlet_id=outlet_id)
    claims_resting = (
        Evidence.objects.filter(source=OuterRef("pk"))
        .order_by()
        .values("source")
        .annotate(n=Count("claim_id", distinct=True))
        .values("n")
    )
    return (
        sources.select_related("outlet")
        .annotate(claim_count=Coalesce(Subquery(claims_resting), 0))
        .order_by("-created_at", "-pk")
    )


def claim_search(
    *,
    user: User | None,
    terms: SearchTerms | None,
    status: str = "",
    outlet_id: int | None = None,
) -> QuerySet[Claim]:
    """Claims for the results list, as ``claim_list`` shows them, recently changed first.

    With terms: claims resting on a matched source, and, for words, claims whose text or
    claimant matches. With an outlet: only claims resting on that outlet's (visible) sources."""
    claims = claim_list(user=user)
    if terms is not None:
        matched = matching_sources(terms=terms, user=user)
        condition = Q(pk__in=Evidence.objects.filter(source__in=matched).values("claim_id"))
        if terms.kind == Kind.TEXT:
            condition |= words_q(terms.text, ("text", "claimant__name"))
        claims = claims.filter(condition)
    if status:
        claims = claims.filter(status=status)
    if outlet_id is not None:
        of_outlet = Evidence.objects.filter(
            source_visibility_q(user, prefix="source__"), source__outlet_id=outlet_id
        )
        claims = claims.filter(pk__in=of_outlet.values("claim_id"))
    return claims.order_by("-updated_at", "-pk")
