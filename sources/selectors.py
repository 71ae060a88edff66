"""Every non-trivial read of sources, citations, snapshots and link checks, with the access rule.

Who may see a sensitive source is decided here and nowhere else: editors see every source;
anyone else with a newsroom role sees the sources that are not sensitive, the sensitive ones they
logged, and those an editor granted them (``SourceGrant``). The set of sensitive sources a
person may see is read once per request (``source_access``) with one indexed query over grants
and the sensitive sources' creators, then applied to every query of that request as a plain
``IN`` list: no read re-derives access from evidence or claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from config.roles import Role, user_role
from sources.canonical import InvalidURL, canonicalize
from sources.filters import words_q
from sources.models import (
    Citation,
    LinkCheck,
    Outlet,
    ReliabilityRating,
    RestrictedSourceAttempt,
    Snapshot,
    Source,
    SourceGrant,
)

User = AuthUser | AnonymousUser

# Above this many visible sensitive sources the rule is applied as a subquery rather than a list
# of ids (SQLite caps the number of parameters; PostgreSQL hashes either form).
_ID_LIST_LIMIT = 2000
_CACHE_ATTRIBUTE = "_claimtrail_source_access"


@dataclass(frozen=True)
class SourceAccess:
    """Which sources one person may see. ``everything``: editors. ``nothing``: no newsroom role.
    Otherwise the sources that are not sensitive and the sensitive ones in ``sensitive_ids``."""

    everything: bool = False
    nothing: bool = False
    sensitive_ids: frozenset[int] = frozenset()
    user_id: int | None = None

    def q(self, prefix: str = "") -> Q:
        """The rule as a condition on Source (``prefix`` ``"source__"`` for a related model)."""
        if self.everything:
            return Q()
        if self.nothing:
            return Q(**{f"{prefix}pk__in": []})
        visible = Q(**{f"{prefix}is_sensitive": False})
        if len(self.sensitive_ids) > _ID_LIST_LIMIT:
            return visible | Q(**{f"{prefix}pk__in": _sensitive_visible_qs(self.user_id)})
        if self.sensitive_ids:
            visible |= Q(**{f"{prefix}pk__in_ids": self.sensitive_ids})
        return visible

    def allows(self, source: Source) -> bool:
        if self.everything:
            return True
        if self.nothing:
            return False
        return not source.is_sensitive or source.pk in self.sensitive_ids


def _sensitive_visible_qs(user_id: int | None) -> QuerySet[Source, Any]:  # rows of {"pk": ...}
    granted = SourceGrant.objects.active().filter(grantee_id=user_id).values("source_id")
    return (
        Source.objects.filter(is_sensitive=True)
        .filter(Q(created_by_id=user_id) | Q(pk__in=granted))
        .values("pk")
    )


def _sensitive_visible_ids(user_id: int) -> frozenset[int]:
    """The sensitive sources someone logged or holds an active grant on: a UNION of two index
    reads (the sensitive sources by creator, the active grants by grantee). Written as one OR,
    PostgreSQL visits every sensitive source instead (12 ms against 3 at 3,000 of them)."""
    logged = (
        Source.objects.filter(is_sensitive=True, created_by_id=user_id).order_by().values_list("pk")
    )
    granted = (
        SourceGrant.objects.active()
        .filter(grantee_id=user_id, source__is_sensitive=True)
        .order_by()
        .values_list("source_id")
    )
    return frozenset(pk for (pk,) in logged.union(granted))


def source_access(user: User | None) -> SourceAccess:
    """The access rule for ``user``, computed once and kept on the user object (one request).

    Services that change grants call ``source_access_forget`` on the user objects they hold.
    """
    if user is None:
        return SourceAccess(nothing=True)
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    role = user_role(user)
    if role is None:
        access = SourceAccess(nothing=True)
    elif role >= Role.EDITOR:
        access = SourceAccess(everything=True)
    else:
        ids = _sensitive_visible_ids(user.pk or 0)
        access = SourceAccess(sensitive_ids=ids, user_id=user.pk)
    # AnonymousUser is a plain object too; caching on it is harmless (it never gains access).
    setattr(user, _CACHE_ATTRIBUTE, access)
    return access


def source_access_forget(user: Any) -> None:
    """Drop the cached rule from a user object whose grants (or role) just changed."""
    if user is not None and hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def source_visibility_q(user: User | None, *, prefix: str = "") -> Q:
    return source_access(user).q(prefix)


def sources_visible_to(*, user: User | None) -> QuerySet[Source]:
    return Source.objects.filter(source_visibility_q(user)).select_related("outlet")


def source_is_visible_to(*, source: Source, user: User | None) -> bool:
    return source_access(user).allows(source)


# --- Sources -----------------------------------------------------------------------------------


def source_with_details(sources: QuerySet[Source]) -> QuerySet[Source]:
    """Sources with their outlet, its current grade and the latest capture's state."""
    grade = ReliabilityRating.objects.filter(outlet=OuterRef("outlet_id")).order_by(
        "-rated_at", "-pk"
    )
    # Subqueries, not a prefetch of every snapshot: a source re-captured daily has hundreds.
    latest = Snapshot.objects.filter(source=OuterRef("pk")).order_by("-created_at", "-pk")
    return sources.select_related("outlet", "created_by").annotate(
        outlet_grade=Subquery(grade.values("grade")[:1]),
        capture_id=Subquery(latest.values("pk")[:1]),
        capture_status=Subquery(latest.values("status")[:1]),
        capture_error=Subquery(latest.values("error_message")[:1]),
    )


def visible_source_or_404(*, source_id: int, user: User | None) -> Source:
    """One source with its details; a sensitive one the user may not see is a 404 like a
    missing one, so the answer does not reveal that it exists."""
    source = source_with_details(sources_visible_to(user=user)).filter(pk=source_id).first()
    if source is None:
        raise Http404
    return source


def source_visible_by_url(*, canonical_url: str, user: User | None) -> tuple[Source | None, bool]:
    """The source recorded at a canonical URL, and whether one exists that the user may not see
    (then the first item is None)."""
    recorded = Source.objects.filter(canonical_url=canonical_url).first()
    if recorded is None:
        return None, False
    if not source_is_visible_to(source=recorded, user=user):
        return None, True
    return recorded, False


def source_grants(*, source: Source) -> QuerySet[SourceGrant]:
    """Every grant ever made on a source, active and revoked, newest first (editors only)."""
    return SourceGrant.objects.filter(source=source).select_related(
        "grantee", "granted_by", "revoked_by"
    )


def claim_grants_held(*, claim_id: int, grantee: Any) -> int:
    """How many sensitive sources ``grantee`` may see through their assignment to a claim."""
    return SourceGrant.objects.active().filter(claim_id=claim_id, grantee=grantee).count()


def grantable_people() -> QuerySet[Any]:
    """Active people with a newsroom role below editor: those a grant can matter to."""
    roles = [Role.VIEWER.group_name, Role.FACT_CHECKER.group_name]
    return (
        get_user_model()
        .objects.filter(is_active=True, is_superuser=False, groups__name__in=roles)
        .exclude(groups__name=Role.EDITOR.group_name)
        .distinct()
        .order_by("username")
    )


def source_restricted_attempts(*, source: Source) -> QuerySet[RestrictedSourceAttempt]:
    return RestrictedSourceAttempt.objects.filter(source=source).select_related("attempted_by")


def outlet_name_suggestions(*, typed: str, limit: int = 10) -> list[str]:
    """Outlet names containing ``typed`` (those starting with it first), for an autocomplete."""
    names = Outlet.objects.filter(name__icontains=typed).values_list("name", flat=True)
    starting = list(names.filter(name__istartswith=typed).order_by("name")[:limit])
    rest = names.exclude(name__istartswith=typed).order_by("name")[: limit - len(starting)]
    return starting + (list(rest) if len(starting) < limit else [])


def source_candidate(*, user: User | None, source_id: int, citing: Source) -> Source | None:
    """A source ``citing`` could cite: visible to the user and not itself."""
    return sources_visible_to(user=user).exclude(pk=citing.pk).filter(pk=source_id).first()


def source_citation_candidates(
    *, source: Source, user: User | None, query: str, limit: int = 10
) -> list[Source]:
    """Sources the user may see, other than ``source``, matching ``query``: words in the title,
    URL or author, a URL in any spelling, or #id. Newest first."""
    query = query.strip()
    if len(query) < 2:
        return []
    visible = sources_visible_to(user=user).exclude(pk=source.pk)
    if "://" in query:
        try:
            return list(visible.filter(canonical_url=canonicalize(query)))
        except InvalidURL:
            return []
    digits = query.removeprefix("#")
    if digits.isascii() and digits.isdigit() and len(digits) < 19:
        return list(visible.filter(pk=int(digits)))
    matches = visible.filter(words_q(query, ("title", "url", "author")))
    return list(matches.order_by("-created_at", "-pk")[:limit])


def source_citations(*, source: Source, user: User | None) -> dict[str, QuerySet[Citation]]:
    """The citations a source makes and receives, to and from sources the user may see."""
    access = source_access(user)
    rows = Citation.objects.select_related("created_by").order_by("pk")
    return {
        "cites": rows.filter(access.q("cited__"), citing=source).select_related("cited__outlet"),
        "cited_by": rows.filter(access.q("citing__"), cited=source).select_related(
            "citing__outlet"
        ),
    }


def outlet_ratings(outlet: Outlet) -> QuerySet[ReliabilityRating]:
    return outlet.ratings.select_related("rated_by").order_by("-rated_at", "-pk")


def outlet_sources(outlet: Outlet, *, user: User | None) -> QuerySet[Source]:
    """The outlet's sources the user may see, newest first, with capture and link health."""
    visible = sources_visible_to(user=user).filter(outlet=outlet)
    return source_with_details(visible).order_by("-created_at", "-pk")


# --- Citations, snapshots, link checks ---------------------------------------------------------


def citations_visible_to(*, user: User | None) -> QuerySet[Citation]:
    """Citations whose two ends the user may both see."""
    access = source_access(user)
    return (
        Citation.objects.filter(access.q("citing__"), access.q("cited__"))
        .select_related("citing", "cited", "created_by")
        .order_by("pk")
    )


def snapshot_visible_or_404(*, snapshot_id: int, user: User | None) -> Snapshot:
    snapshot = (
        Snapshot.objects.select_related("source", "created_by").filter(pk=snapshot_id).first()
    )
    if snapshot is None or not source_is_visible_to(source=snapshot.source, user=user):
        raise Http404
    return snapshot


def source_snapshots(source: Source) -> QuerySet[Snapshot]:
    """A source's snapshots for a list, newest first; the text stays in the database."""
    return (
        Snapshot.objects.filter(source=source)
        .select_related("created_by")
        .defer("text")
        .order_by("-created_at", "-pk")
    )


def source_link_checks(source: Source) -> QuerySet[LinkCheck]:
    return LinkCheck.objects.filter(source=source).order_by("-checked_at", "-pk")


def source_visible_check(*, source: Source, user: User | None, field: str = "source") -> None:
    """Refuse a write on a source the user may not see exactly as one on a missing source."""
    if not source_is_visible_to(source=source, user=user):
        raise ValidationError({field: ValidationError("No such source.", code="does_not_exist")})
