"""Where information comes from: outlets, their ratings, sources and the citations between them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import DomainNameValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery

from config.append_only import AppendOnlyModel
from config.validation import (
    bounded,
    reject_blank,
    reject_control_characters,
    validate_country_code,
    validate_language_code,
    validate_web_url,
)

TEXT_VALIDATORS = [reject_control_characters]


class OutletQuerySet(models.QuerySet["Outlet"]):
    def with_current_grade(self) -> OutletQuerySet:
        latest = ReliabilityRating.objects.filter(outlet=OuterRef("pk")).order_by(
            "-rated_at", "-pk"
        )
        return self.annotate(current_grade=Subquery(latest.values("grade")[:1]))


class OutletKind(models.TextChoices):
    NEWS_SITE = "news_site", "News site"
    MAGAZINE = "magazine", "News magazine"
    INVESTIGATIVE = "investigative", "Investigative outlet"
    WIRE = "wire", "Wire agency"
    BROADCASTER = "broadcaster", "Broadcaster"
    SOCIAL_ACCOUNT = "social_account", "Social media account"
    MESSAGING_CHANNEL = "messaging_channel", "Messaging channel (e.g. Telegram)"
    GOVERNMENT = "government", "Government body"
    NGO = "ngo", "NGO"
    RESEARCH = "research", "Research group or think tank"
    INDIVIDUAL = "individual", "Individual"
    WEBSITE = "website", "Website (not yet classified)"


class OutletAffiliation(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    INDEPENDENT = "independent", "Independent"
    STATE = "state", "State body"
    STATE_AFFILIATED = "state_affiliated", "State-affiliated media"
    PARTISAN = "partisan", "Partisan (aligned with a side)"


class Outlet(models.Model):
    """A publisher or channel. Owns web domains and social handles; new source URLs attach to it."""

    Kind = OutletKind
    Affiliation = OutletAffiliation

    name = models.CharField(max_length=200, validators=[reject_blank, *TEXT_VALIDATORS])
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.WEBSITE)
    country = models.CharField(
        max_length=2,
        blank=True,
        help_text="ISO 3166-1 alpha-2 code.",
        validators=[validate_country_code],
    )
    affiliation = models.CharField(
        max_length=32, choices=Affiliation.choices, default=Affiliation.UNKNOWN
    )
    owner = models.CharField(
        max_length=200,
        blank=True,
        validators=TEXT_VALIDATORS,
        help_text="Owner or parent body. Outlets with the same owner are not independent voices.",
    )
    party_to = models.CharField(
        max_length=120,
        blank=True,
        validators=TEXT_VALIDATORS,
        help_text="The side of the story's conflict this outlet belongs to, if any.",
    )
    description = models.TextField(
        blank=True, max_length=5000, validators=[bounded(5000), *TEXT_VALIDATORS]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OutletQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in OutletKind]), name="outlet_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(affiliation__in=[a.value for a in OutletAffiliation]),
                name="outlet_affiliation_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_party(self) -> bool:
        return bool(self.party_to)


class OutletDomain(models.Model):
    """A web domain an outlet owns; subdomains belong to it too unless another outlet owns them."""

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        max_length=253, unique=True, validators=[DomainNameValidator(accept_idna=False)]
    )

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(domain="") & ~Q(domain__startswith="www."),
                name="outletdomain_domain_bare",
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class OutletHandlePlatform(models.TextChoices):
    X = "x", "X (Twitter)"
    TELEGRAM = "telegram", "Telegram"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    YOUTUBE = "youtube", "YouTube"
    TIKTOK = "tiktok", "TikTok"
    VK = "vk", "VK"


class OutletHandle(models.Model):
    """A social media handle or channel name an outlet owns (stored lower-case, without '@')."""

    Platform = OutletHandlePlatform

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="handles")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    handle = models.CharField(max_length=100, validators=TEXT_VALIDATORS)

    class Meta:
        ordering = ["platform", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "handle"], name="outlethandle_unique"),
            models.CheckConstraint(
                condition=Q(platform__in=[p.value for p in OutletHandlePlatform]),
                name="outlethandle_platform_valid",
            ),
            models.CheckConstraint(condition=~Q(handle=""), name="outlethandle_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.handle}"


class ReliabilityRatingGrade(models.TextChoices):
    A = "A", "A - Completely reliable"
    B = "B", "B - Usually reliable"
    C = "C", "C - Fairly reliable"
    D = "D", "D - Not usually reliable"
    E = "E", "E - Unreliable"
    F = "F", "F - Reliability cannot be judged"


class ReliabilityRating(AppendOnlyModel):
    """An outlet's Admiralty grade. Append-only: the latest row is the current grade."""

    Grade = ReliabilityRatingGrade

    # PROTECT: an outlet with a rating history cannot be deleted out from under it.
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="ratings")
    grade = models.CharField(max_length=1, choices=Grade.choices)
    rationale = models.TextField(
        max_length=5000, validators=[bounded(5000), reject_blank, *TEXT_VALIDATORS]
    )
    external_reference = models.CharField(
        max_length=500,
        blank=True,
        validators=TEXT_VALIDATORS,
        help_text="A published media rating or other reference backing the grade.",
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-rated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__in=[g.value for g in ReliabilityRatingGrade]),
                name="rating_grade_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet}: {self.grade}"


class SourceKind(models.TextChoices):
    ARTICLE = "article", "Article"
    SOCIAL_POST = "social_post", "Social media post"
    OFFICIAL_STATEMENT = "official_statement", "Official statement"
    VIDEO = "video", "Video"
    DATASET = "dataset", "Dataset"
    INTERVIEW = "interview", "Interview"
    CORRESPONDENCE = "correspondence", "Correspondence"
    REQUEST_FOR_COMMENT = "request_for_comment", "Request for comment (and its answer)"
    DOCUMENT = "document", "Document"


class SourceSourcing(models.TextChoices):
    """What we know of where this source got its information."""

    UNKNOWN = "unknown", "Unknown: its own sourcing is not established"
    ORIGINAL = "original", "Original: first-hand, the source is an origin itself"
    DERIVED = "derived", "Derived: relies on the sources it cites"


class Source(models.Model):
    """One document: an article, a post, a statement, a dataset, a letter."""

    Kind = SourceKind
    Sourcing = SourceSourcing

    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=500, blank=True, validators=TEXT_VALIDATORS)
    url = models.CharField(
        "URL",
        max_length=2000,
        blank=True,
        validators=[validate_web_url, *TEXT_VALIDATORS],
        help_text="As cited. Optional: correspondence and datasets may have none.",
    )
    # NULL, not "", for sources without a URL: the unique constraint must not treat them as equal.
    canonical_url = models.CharField(  # noqa: DJ001
        max_length=2000, null=True, blank=True, editable=False
    )
    outlet = models.ForeignKey(
        Outlet, on_delete=models.PROTECT, null=True, blank=True, related_name="sources"
    )
    author = models.CharField(max_length=300, blank=True, validators=TEXT_VALIDATORS)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(
        max_length=16,
        blank=True,
        validators=[validate_language_code],
        help_text="BCP 47, e.g. en, ru, zh.",
    )
    sourcing = models.CharField(max_length=16, choices=Sourcing.choices, default=Sourcing.UNKNOWN)
    summary = models.TextField(
        blank=True, max_length=10000, validators=[bounded(10000), *TEXT_VALIDATORS]
    )
    is_sensitive = models.BooleanField(
        "sensitive",
        default=False,
        help_text="Confidential informant, images of prisoners or the dead: editors and the "
        "claim's fact-checkers only; never shown to API clients or in exports.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["canonical_url"],
                condition=Q(canonical_url__isnull=False),
                name="source_canonical_url_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in SourceKind]), name="source_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(sourcing__in=[s.value for s in SourceSourcing]),
                name="source_sourcing_valid",
            ),
            # A URL and its canonical form come and go together.
            models.CheckConstraint(
                condition=(Q(url="") & Q(canonical_url__isnull=True))
                | (~Q(url="") & Q(canonical_url__isnull=False)),
                name="source_url_canonical_together",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url or f"{self.get_kind_display()} #{self.pk}"


class CitationKind(models.TextChoices):
    QUOTES = "quotes", "quotes"
    CITES = "cites", "cites"
    REPUBLISHES = "republishes", "republishes"
    PRIMARY_SOURCE = "primary_source", "relies on (primary source)"


class Citation(models.Model):
    """A provenance edge: ``citing`` quotes / cites / republishes / relies on ``cited``."""

    Kind = CitationKind

    citing = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="citations_made")
    cited = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="citations_received")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CITES)
    note = models.TextField(
        blank=True, max_length=2000, validators=[bounded(2000), *TEXT_VALIDATORS]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["citing", "cited"], name="citation_unique_pair"),
            models.CheckConstraint(
                condition=~Q(citing=models.F("cited")), name="citation_not_self"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in CitationKind]), name="citation_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.citing_id} {self.get_kind_display()} #{self.cited_id}"
