"""factory_boy factories, and the few helpers every test folder shares.

Factories build valid rows directly; services are tested through services. The helpers at the end
(moving a claim through the workflow, granting access, counting rows, signing in) go through the
services and the test client, as the product does."""

from __future__ import annotations

import factory
from django.contrib.auth.models import User

from claims.models import Claim, Claimant, ClaimRelation
from claims.services import claim_text_hash
from sources.canonical import canonicalize
from sources.models import (
    Citation,
    Outlet,
    OutletDomain,
    OutletHandle,
    ReliabilityRating,
    Source,
    SourceGrant,
)
from verification.models import Evidence


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@newsroom.test")
    password = factory.django.Password("correct horse battery staple")
    is_staff = True


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    name = factory.Sequence(lambda n: f"Outlet {n}")
    kind = Outlet.Kind.NEWS_SITE


class OutletDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutletDomain

    outlet = factory.SubFactory(OutletFactory)
    domain = factory.Sequence(lambda n: f"outlet{n}.example")


class OutletHandleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutletHandle

    outlet = factory.SubFactory(OutletFactory, kind=Outlet.Kind.SOCIAL_ACCOUNT)
    platform = OutletHandle.Platform.X
    handle = factory.Sequence(lambda n: f"account{n}")


class ReliabilityRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReliabilityRating

    outlet = factory.SubFactory(OutletFactory)
    grade = ReliabilityRating.Grade.B
    rationale = "Track record of corrections."
    rated_by = factory.SubFactory(UserFactory)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    kind = Source.Kind.ARTICLE
    title = factory.Sequence(lambda n: f"Report {n}")
    url = factory.Sequence(lambda n: f"https://news{n}.example/story")
    canonical_url = factory.LazyAttribute(lambda s: canonicalize(s.url) if s.url else None)
    outlet = factory.SubFactory(OutletFactory)
    sourcing = Source.Sourcing.UNKNOWN
    created_by = factory.SubFactory(UserFactory)


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    citing = factory.SubFactory(SourceFactory)
    cited = factory.SubFactory(SourceFactory)
    kind = Citation.Kind.CITES
    created_by = factory.SubFactory(UserFactory)


class ClaimantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claimant

    name = factory.Sequence(lambda n: f"Spokesperson {n}")
    kind = Claimant.Kind.PERSON


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    text = factory.Sequence(lambda n: f"At least {n} people attended the rally.")
    kind = Claim.Kind.FACT
    text_hash = factory.LazyAttribute(lambda c: claim_text_hash(text=c.text, kind=c.kind))
    created_by = factory.SubFactory(UserFactory)


class ClaimRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimRelation

    from_claim = factory.SubFactory(ClaimFactory)
    to_claim = factory.SubFactory(ClaimFactory)
    kind = ClaimRelation.Kind.SUPPORTS
    created_by = factory.SubFactory(UserFactory)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)
    stance = Evidence.Stance.ASSERTS
    credibility = Evidence.Credibility.CANNOT_JUDGE
    added_by = factory.SubFactory(UserFactory)


# --- verification: audit rows (append-only; built directly for append-only and constraint tests)

from verification.models import Publication, StatusChange  # noqa: E402


class StatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusChange

    claim = factory.SubFactory(ClaimFactory)
    from_status = Claim.Status.UNVERIFIED
    to_status = Claim.Status.IN_REVIEW
    rationale = "Picked up for review."
    actor = factory.SubFactory(UserFactory)
    claim_version = 2


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication

    claim = factory.SubFactory(ClaimFactory)
    action = Publication.Action.PUBLISH
    verdict = Claim.Status.VERIFIED
    status_change = factory.SubFactory(
        StatusChangeFactory,
        claim=factory.SelfAttribute("..claim"),
        from_status=Claim.Status.IN_REVIEW,
        to_status=Claim.Status.VERIFIED,
    )
    public_summary = "Confirmed by border-crossing records."
    actor = factory.SubFactory(UserFactory)


# --- claims: tags (for list tests that need claims with tags) ----------------------------------

from claims.models import Tag  # noqa: E402


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")


class SourceGrantFactory(factory.django.DjangoModelFactory):
    """A grant row as a data migration or a fixture would hold it; tests of the rule grant through
    ``grant`` (the service)."""

    class Meta:
        model = SourceGrant

    grantee = factory.SubFactory(UserFactory)
    source = factory.SubFactory(SourceFactory, is_sensitive=True)
    reason = "Needs it for the story."
    granted_by = factory.SubFactory(UserFactory)


# --- Helpers shared by every test folder ---------------------------------------------------

from typing import Any  # noqa: E402

from django.apps import apps  # noqa: E402
from django.test import Client  # noqa: E402

OUR_APPS = ("sources", "claims", "verification")


def row_counts() -> dict[str, int]:
    """Rows in every table of ours (through tables too): a refused write changes none."""
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in OUR_APPS
    ]
    return {model._meta.label: model.objects.count() for model in models}


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def status_change(
    claim: Claim, actor: Any, to_status: str, rationale: str = "Checked."
) -> StatusChange:
    """Move a claim one step with the workflow service, at the version it has now."""
    from verification.services import claim_status_change

    claim.refresh_from_db()
    return claim_status_change(
        claim=claim,
        actor=actor,
        to_status=to_status,
        rationale=rationale,
        expected_version=claim.version,
    )


def move(claim: Claim, actor: Any, *statuses: str) -> Claim:
    """Move a claim through ``statuses`` with the services, as ``actor``; the claim after."""
    for status in statuses:
        status_change(claim, actor, status, rationale=f"Moving to {status}.")
    claim.refresh_from_db()
    return claim


def verdict_set(
    claim: Claim, actor: Any, status: str = Claim.Status.VERIFIED, *, reviewer: Any = None
) -> Claim:
    """``reviewer`` (default ``actor``) takes the claim into review; ``actor`` sets the verdict."""
    claim.refresh_from_db()
    if claim.status != Claim.Status.IN_REVIEW:
        status_change(claim, reviewer or actor, Claim.Status.IN_REVIEW)
    status_change(claim, actor, status)
    claim.refresh_from_db()
    return claim


def assign(claim: Claim, actor: Any, assignee: Any) -> Claim:
    """Assign a claim with the service (an editor's assignment grants its sensitive sources)."""
    from verification.services import claim_assign

    claim.refresh_from_db()
    return claim_assign(claim=claim, actor=actor, assignee=assignee, expected_version=claim.version)


def grant(source: Source, grantee: Any, *, by: Any, reason: str = "Needs it for the story.") -> Any:
    """An editor's grant on one sensitive source, through the service."""
    from sources.services import source_grant_create

    return source_grant_create(actor=by, grantee=grantee, source=source, reason=reason)


def next_request(user: User) -> User:
    """The user as the next request loads them: access is computed once per request and kept on
    the user object, so a test that changes grants reads them back through a fresh object."""
    return User.objects.get(pk=user.pk)
