"""The judgement that joins claims and sources: evidence, the audit trail, publications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from claims.models import Claim
from config.append_only import AppendOnlyModel
from config.validation import (
    bounded,
    reject_blank,
    reject_control_characters,
    validate_language_code,
)
from sources.models import Citation, Source

TEXT_VALIDATORS = [reject_control_characters]
STATUS_VALUES = [s.value for s in Claim.Status]


class EvidenceStance(models.TextChoices):
    ASSERTS = "asserts", "Asserts (makes or repeats the claim)"
    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"
    CONTEXT = "context", "Context"


class EvidenceCredibility(models.IntegerChoices):
    CONFIRMED = 1, "1 - Confirmed by other independent sources"
    PROBABLY_TRUE = 2, "2 - Probably true"
    POSSIBLY_TRUE = 3, "3 - Possibly true"
    DOUBTFUL = 4, "4 - Doubtful"
    IMPROBABLE = 5, "5 - Improbable"
    CANNOT_JUDGE = 6, "6 - Truth cannot be judged"


class Evidence(models.Model):
    """A source's bearing on a claim, with the passage and its credibility as graded."""

    Stance = EvidenceStance
    Credibility = EvidenceCredibility

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="evidence")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="evidence")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    quote = models.TextField(
        blank=True,
        max_length=10000,
        validators=[bounded(10000), *TEXT_VALIDATORS],
        help_text="The passage, in its original language.",
    )
    quote_language = models.CharField(
        max_length=16, blank=True, validators=[validate_language_code]
    )
    translation = models.TextField(
        blank=True,
        max_length=10000,
        validators=[bounded(10000), *TEXT_VALIDATORS],
        help_text="Required when the quote is not in the newsroom's language.",
    )
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices, default=Credibility.CANNOT_JUDGE
    )
    note = models.TextField(
        blank=True, max_length=5000, validators=[bounded(5000), *TEXT_VALIDATORS]
    )
    via = models.ManyToManyField(
        Citation,
        blank=True,
        related_name="+",
        verbose_name="relies on (for this claim)",
        help_text="Which of the source's own citations carry this claim. Empty: all of them. "
        "An article citing a dataset for one figure and a statement for another passes each "
        "claim only the origins it rests on.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["claim", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "source", "stance"], name="evidence_unique_claim_source_stance"
            ),
            models.CheckConstraint(
                condition=Q(stance__in=[s.value for s in EvidenceStance]),
                name="evidence_stance_valid",
            ),
            models.CheckConstraint(
                condition=Q(credibility__gte=1) & Q(credibility__lte=6),
                name="evidence_credibility_1_to_6",
            ),
        ]

    def __str__(self) -> str:
        return f"Source #{self.source_id} {self.stance} claim #{self.claim_id}"


class StatusChange(AppendOnlyModel):
    """One step of a claim's verification, with the evidence that stood at that moment."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=Claim.Status.choices)
    to_status = models.CharField(max_length=16, choices=Claim.Status.choices)
    rationale = models.TextField(
        max_length=5000, validators=[bounded(5000), reject_blank, *TEXT_VALIDATORS]
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    claim_version = models.PositiveIntegerField(help_text="The claim's version after this change.")
    evidence_snapshot = models.JSONField(
        default=list, blank=True, help_text="The claim's evidence rows at the moment of the change."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["claim", "created_at", "pk"]
        get_latest_by = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_status=F("to_status")), name="statuschange_moves"
            ),
            models.CheckConstraint(
                condition=Q(from_status__in=STATUS_VALUES) & Q(to_status__in=STATUS_VALUES),
                name="statuschange_statuses_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim #{self.claim_id}: {self.from_status} → {self.to_status}"


class PublicationAction(models.TextChoices):
    PUBLISH = "publish", "Published"
    UNPUBLISH = "unpublish", "Unpublished"


class Publication(AppendOnlyModel):
    """A publish or unpublish of a claim's verdict. The rows, in order, are the corrections log."""

    Action = PublicationAction

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="publications")
    action = models.CharField(max_length=16, choices=Action.choices)
    verdict = models.CharField(
        max_length=16, choices=Claim.Status.choices, blank=True, help_text="Blank on unpublish."
    )
    status_change = models.ForeignKey(
        StatusChange,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The audit row that set the published verdict.",
    )
    public_summary = models.TextField(
        blank=True, max_length=5000, validators=[bounded(5000), *TEXT_VALIDATORS]
    )
    reason = models.TextField(
        blank=True,
        max_length=5000,
        validators=[bounded(5000), *TEXT_VALIDATORS],
        help_text="Why it was unpublished or corrected.",
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["claim", "created_at", "pk"]
        get_latest_by = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(action="publish")
                    & Q(verdict__in=sorted(s.value for s in Claim.VERDICTS))
                    & ~Q(public_summary="")
                    & Q(status_change__isnull=False)
                )
                | (Q(action="unpublish") & Q(verdict="") & ~Q(reason="")),
                name="publication_action_fields",
            ),
        ]

    def __str__(self) -> str:
        verdict = f" {self.verdict}" if self.verdict else ""
        return f"Claim #{self.claim_id}: {self.action}{verdict}"
