"""Reads that join claims with their evidence and sources; the access rule is
``sources.selectors.source_access``, applied to every evidence row read here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from claims.models import Claim
from sources.models import Outlet, Source
from sources.selectors import source_access
from verification.models import Evidence, Publication, StatusChange

User = AbstractBaseUser | AnonymousUser


def claim_evidence(*, claim: Claim, user: User | None) -> QuerySet[Evidence]:
    """A claim's evidence that the user may see, with source and outlet loaded."""
    return (
        Evidence.objects.filter(source_access(user).q("source__"), claim=claim)
        .select_related("source__outlet", "added_by")
        .order_by("stance", "pk")
    )


def claim_history(*, claim: Claim) -> QuerySet[StatusChange]:
    return (
        StatusChange.objects.filter(claim=claim)
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def claim_publications(*, claim: Claim) -> QuerySet[Publication]:
    """Every publish and unpublish of the claim, oldest first: the corrections log."""
    return (
        Publication.objects.filter(claim=claim).select_related("actor").order_by("created_at", "pk")
    )


def claim_published(*, claim: Claim) -> Publication | None:
    """The verdict API clients see: the last publication, if it was a publish."""
    last = Publication.objects.filter(claim=claim).order_by("-created_at", "-pk").first()
    if last is None or last.action != Publication.Action.PUBLISH:
        return None
    return last


def claim_list(*, user: User | None) -> QuerySet[Claim]:
    """Claims with what a list row shows: claimant, assignee, tags, the number of evidence rows
    the user may see, and the verdict API clients see. Filter with ``verification.filters``."""
    # A correlated subquery, not Count(): an aggregate makes PostgreSQL group every claim before
    # the page's LIMIT, and the paginator's COUNT(*) would carry the GROUP BY too.
    evidence_count = (
        Evidence.objects.filter(source_access(user).q("source__"), claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_publication = Publication.objects.filter(claim=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return (
        Claim.objects.select_related("claimant", "assignee")
        .prefetch_related("tags")
        .annotate(
            evidence_count=Coalesce(Subquery(evidence_count), 0),
            last_publication_action=Subquery(last_publication.values("action")[:1]),
            last_publication_verdict=Subquery(last_publication.values("verdict")[:1]),
        )
        .order_by("-created_at", "-pk")
    )


def claim_detail(*, claim_id: int, user: User | None) -> Claim:
    """One claim as ``claim_list`` shows it; raises Claim.DoesNotExist."""
    return claim_list(user=user).get(pk=claim_id)


def claim_status_counts(*, claims: QuerySet[Claim]) -> dict[str, int]:
    """How many of ``claims`` are in each status (every status listed, zeros too), counted in one
    aggregate query: the queue's counts per status."""
    counts = dict.fromkeys(Claim.Status.values, 0)
    rows = claims.order_by().values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts


def source_evidence(*, source: Source) -> QuerySet[Evidence]:
    """The evidence resting on a source, newest first, with its claims (every claim is visible to
    every role; the caller has checked the user may see the source)."""
    return (
        Evidence.objects.filter(source=source)
        .select_related("claim__claimant", "added_by")
        .order_by("-added_at", "-pk")
    )


def outlet_claims(outlet: Outlet, *, user: User | None) -> QuerySet[Claim]:
    """Distinct claims with evidence from the outlet's sources the user may see, newest first,
    with how many such evidence rows each has."""
    evidence = Evidence.objects.filter(source_access(user).q("source__"), source__outlet=outlet)
    per_claim = (
        evidence.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Claim.objects.filter(pk__in=evidence.values("claim_id"))
        .select_related("claimant")
        .annotate(outlet_evidence=Coalesce(Subquery(per_claim), 0))
        .order_by("-created_at", "-pk")
    )
