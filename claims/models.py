"""What is asserted: claims, the people and bodies who make them, and how claims relate."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from config.validation import (
    bounded,
    reject_blank,
    reject_control_characters,
    validate_country_code,
    validate_language_code,
)

TEXT_VALIDATORS = [reject_control_characters]
CLAIM_TEXT_MAX_LENGTH = 2000


class ClaimantKind(models.TextChoices):
    PERSON = "person", "Person (public official or public figure)"
    GOVERNMENT = "government", "Government body"
    ORGANISATION = "organisation", "Organisation"
    MEDIA = "media", "Media outlet or channel"
    ANONYMOUS = "anonymous", "Anonymous or pseudonymous account"


class Claimant(models.Model):
    """A person or body that makes claims: a president, a ministry's spokesperson, a channel."""

    Kind = ClaimantKind

    name = models.CharField(max_length=200, validators=[reject_blank, *TEXT_VALIDATORS])
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    title = models.CharField(
        max_length=200,
        blank=True,
        validators=TEXT_VALIDATORS,
        help_text="Office or description, e.g. 'President of Ukraine'.",
    )
    affiliation = models.CharField(
        max_length=200,
        blank=True,
        validators=TEXT_VALIDATORS,
        help_text="Government, party or organisation the claimant speaks for.",
    )
    country = models.CharField(max_length=2, blank=True, validators=[validate_country_code])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "title"], name="claimant_unique_name_title"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ClaimantKind]), name="claimant_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}" if self.title else self.name


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClaimKind(models.TextChoices):
    FACT = "fact", "Fact (is it true?)"
    ATTRIBUTION = "attribution", "Attribution (did the claimant say it?)"


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    IN_REVIEW = "in_review", "In review"
    VERIFIED = "verified", "Verified"
    FALSE = "false", "False"
    MISLEADING = "misleading", "Misleading"
    DISPUTED = "disputed", "Disputed"
    UNVERIFIABLE = "unverifiable", "Unverifiable"


class ClaimDatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Claim(models.Model):
    """One assertion, in one sentence. Its status is written only by the verification workflow."""

    Kind = ClaimKind
    Status = ClaimStatus

    VERDICTS = frozenset(
        {Status.VERIFIED, Status.FALSE, Status.MISLEADING, Status.DISPUTED, Status.UNVERIFIABLE}
    )

    DatePrecision = ClaimDatePrecision

    text = models.TextField(
        max_length=CLAIM_TEXT_MAX_LENGTH,
        validators=[bounded(CLAIM_TEXT_MAX_LENGTH), reject_blank, *TEXT_VALIDATORS],
    )
    text_hash = models.CharField(
        max_length=64,
        db_index=True,
        editable=False,
        help_text="SHA-256 of the kind and normalized text: finds exact duplicates.",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FACT)
    claimant = models.ForeignKey(
        Claimant, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    made_on = models.DateField(
        null=True, blank=True, help_text="When the claim was made; see precision."
    )
    made_on_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    language = models.CharField(max_length=16, default="en", validators=[validate_language_code])
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.UNVERIFIED, editable=False
    )
    needs_review = models.BooleanField(
        "flagged for review",
        default=False,
        editable=False,
        help_text="New evidence arrived after the verdict: a fact-checker should look again.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_claims",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="claim_status_created"),
            # The claims list's order: newest first, id breaking ties.
            models.Index(fields=["-created_at", "-id"], name="claim_created_desc"),
            # The desk's queue, "recently changed" first.
            models.Index(fields=["-updated_at", "-id"], name="claim_updated_desc"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ClaimKind]), name="claim_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ClaimStatus]), name="claim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(made_on_precision__in=[p.value for p in ClaimDatePrecision]),
                name="claim_made_on_precision_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
            models.CheckConstraint(
                condition=~Q(kind="attribution") | Q(claimant__isnull=False),
                name="claim_attribution_has_claimant",
                violation_error_message="An attribution needs the claimant it is attributed to.",
            ),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    @property
    def has_verdict(self) -> bool:
        return self.status in self.VERDICTS

    @property
    def made_on_display(self) -> str:
        if self.made_on is None:
            return ""
        if self.made_on_precision == self.DatePrecision.YEAR:
            return f"{self.made_on:%Y}"
        if self.made_on_precision == self.DatePrecision.MONTH:
            return f"{self.made_on:%Y-%m}"
        return self.made_on.isoformat()


class ClaimRelationKind(models.TextChoices):
    CONTRADICTS = "contradicts", "contradicts"
    SUPPORTS = "supports", "supports"
    DUPLICATES = "duplicates", "duplicates"
    UPDATES = "updates", "updates (supersedes)"


class ClaimRelation(models.Model):
    """Claim to claim: contradicts, supports, duplicates, or updates (a newer figure supersedes)."""

    Kind = ClaimRelationKind

    SYMMETRIC = frozenset({Kind.CONTRADICTS, Kind.DUPLICATES})

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_from")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_to")
    kind = models.CharField(max_length=16, choices=Kind.choices)
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
            models.UniqueConstraint(
                fields=["from_claim", "to_claim", "kind"], name="claimrelation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_claim=F("to_claim")), name="claimrelation_not_self"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ClaimRelationKind]),
                name="claimrelation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.from_claim_id} {self.kind} #{self.to_claim_id}"
