"""factory_boy factories. They build valid rows directly; services are tested through services."""

from __future__ import annotations

import factory
from django.contrib.auth.models import User

from claims.models import Claim, Claimant, ClaimRelation
from claims.services import claim_text_hash
from sources.canonical import canonicalize
from sources.models import Citation, Outlet, OutletDomain, OutletHandle, ReliabilityRating, Source
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
