"""Reads that join claims with their evidence and sources, with sensitive sources kept hidden."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from claims.models import Claim
from config.roles import Role, user_role
from sources.models import Source
from verification.models import Evidence, Publication, StatusChange

User = AbstractBaseUser | AnonymousUser


def source_visibility_q(user: User | None) -> Q:
    """Which sources a user may see. Sensitive ones: editors, and a fact-checker who is assigned
    to, or added evidence on, a claim resting on them (the claim's fact-checkers); also whoever
    logged it. Nothing at all for anonymous or role-less users."""
    role = user_role(user)
    if role is None:
        return Q(pk__in=[])
    if role >= Role.EDITOR:
        return Q()
    visible = Q(is_sensitive=False) | Q(created_by=user)
    if role >= Role.FACT_CHECKER:
        # The claim's fact-checkers: its assignee and everyone who added evidence on it, not only
        # whoever added this very source.
        their_claims = Evidence.objects.filter(added_by=user).values("claim_id")
        on_their_claims = Evidence.objects.filter(
            Q(claim__assignee=user) | Q(claim_id__in=their_claims)
        )
        visible |= Q(pk__in=on_their_claims.values("source_id"))
    return visible


def sources_visible_to(*, user: User | None) -> QuerySet[Source]:
    return Source.objects.filter(source_visibility_q(user)).select_related("outlet")


def source_is_visible_to(*, source: Source, user: User | None) -> bool:
    if not source.is_sensitive and user_role(user) is not None:
        return True
    return Source.objects.filter(source_visibility_q(user), pk=source.pk).exists()


def claim_evidence(*, claim: Claim, user: User | None) -> QuerySet[Evidence]:
    """A claim's evidence that the user may see, with source and outlet loaded."""
    return (
        Evidence.objects.filter(claim=claim, source__in=sources_visible_to(user=user))
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
        Evidence.objects.filter(claim=OuterRef("pk"), source__in=sources_visible_to(user=user))
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
