"""Where information comes from: outlets, their ratings, sources and the citations between them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.core.validators import DomainNameValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from config.append_only import AppendOnlyError, AppendOnlyModel
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


class LinkStatus(models.TextChoices):
    """A cited URL's health at its last re-check."""

    ALIVE = "alive", "Alive"
    CHANGED = "changed", "Changed since archived"
    GONE = "gone", "Gone"
    ERROR = "error", "Could not be checked"


class Source(models.Model):
    """One document: an article, a post, a statement, a dataset, a letter."""

    Kind = SourceKind
    Sourcing = SourceSourcing
    LinkStatus = LinkStatus

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
        help_text="Confidential informant, images of prisoners or the dead: seen by editors, by "
        "whoever logged it and by those an editor granted access; never by API clients or in "
        "public exports.",
    )
    # The URL's health at its last re-check (LinkCheck has the history); blank: never checked.
    link_status = models.CharField(
        max_length=16, choices=LinkStatus.choices, blank=True, db_index=True
    )
    link_checked_at = models.DateTimeField(null=True, blank=True)
    link_next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
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
        indexes = [
            # Who logged which sensitive source: part of a non-editor's access, read per request.
            models.Index(
                fields=["created_by"], condition=Q(is_sensitive=True), name="source_sensitive_by"
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


# --- Archives ----------------------------------------------------------------------------------


class _ArchiveStorage(LazyObject):
    """The ``archives`` storage, looked up when first used (and again after a settings change),
    not when the model class is built."""

    def _setup(self) -> None:
        self._wrapped = storages["archives"]


_archive_storage = _ArchiveStorage()


@receiver(setting_changed)
def _reset_archive_storage(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _archive_storage._wrapped = empty


def archive_storage() -> Storage:
    """WARCs and uploaded files: the ``archives`` storage (local files unless configured)."""
    return _archive_storage  # type: ignore[return-value]


class SnapshotStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    FETCHING = "fetching", "Fetching"
    ARCHIVED = "archived", "Archived"
    FAILED = "failed", "Failed"
    BLOCKED = "blocked", "Blocked"


class SnapshotForm(models.TextChoices):
    """Which form of the document was captured."""

    PAGE = "page", "Web page, as served"
    TELEGRAM_EMBED = "telegram_embed", "Telegram post, embed view"
    X_OEMBED = "x_oembed", "X post, oEmbed"
    UPLOAD = "upload", "Uploaded file"


class SnapshotQuerySet(models.QuerySet["Snapshot"]):
    def finished(self) -> SnapshotQuerySet:
        return self.filter(status__in=Snapshot.FINISHED)


class Snapshot(models.Model):
    """One archived capture of a source: a WARC of the exchange (or an uploaded file), the SHA-256
    of the document, what was extracted from it. Immutable once archived; a re-capture is a new
    row. The row is the truth about a capture job: pending rows are work to do."""

    Status = SnapshotStatus
    Form = SnapshotForm
    FINISHED = (SnapshotStatus.ARCHIVED, SnapshotStatus.FAILED, SnapshotStatus.BLOCKED)

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="snapshots")
    url = models.CharField("URL", max_length=2000, blank=True, help_text="The URL cited.")
    form = models.CharField(max_length=16, choices=Form.choices, default=Form.PAGE)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # A pending row waiting out a retry's backoff is not picked up before this time.
    retry_at = models.DateTimeField(null=True, blank=True)
    # When its job was last sent to the broker (empty: never, e.g. the broker was down).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # What was requested (an embed view or oEmbed endpoint for social posts) and where it ended.
    fetch_url = models.CharField("fetched URL", max_length=2000, blank=True)
    final_url = models.CharField("final URL", max_length=2000, blank=True)
    redirects = models.JSONField(default=list, blank=True)
    remote_address = models.GenericIPAddressField(
        null=True, blank=True, help_text="The address actually connected to."
    )
    http_status = models.PositiveSmallIntegerField("HTTP status", null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    size = models.BigIntegerField(null=True, blank=True, help_text="Bytes of the document.")
    sha256 = models.CharField(
        "SHA-256", max_length=64, blank=True, db_index=True, help_text="Of the document's bytes."
    )
    warc = models.FileField(storage=archive_storage, max_length=300, blank=True)
    file = models.FileField(
        storage=archive_storage, max_length=300, blank=True, help_text="An uploaded document."
    )
    filename = models.CharField(max_length=255, blank=True, help_text="As uploaded.")
    # The same document as an earlier capture of this source: its WARC is shared, not copied.
    # RESTRICT, not PROTECT: deleting a source deletes its snapshots together, duplicates and all.
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=500, blank=True)
    author = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.CharField(max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["source", "-created_at"], name="snapshot_source_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in SnapshotStatus]),
                name="snapshot_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(form__in=[f.value for f in SnapshotForm]), name="snapshot_form_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=SnapshotStatus.ARCHIVED) | ~Q(sha256=""),
                name="snapshot_archived_has_hash",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[SnapshotStatus.FAILED, SnapshotStatus.BLOCKED])
                | ~Q(error_code=""),
                name="snapshot_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Snapshot #{self.pk} of source #{self.source_id} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_loaded_status", None) == SnapshotStatus.ARCHIVED:
            raise AppendOnlyError("An archived snapshot is immutable; capture again instead.")
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @classmethod
    def from_db(cls, db, field_names, values):  # type: ignore[no-untyped-def]
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance


class LinkCheck(AppendOnlyModel):
    """One periodic re-check of a cited URL. A change (the extracted text differs from the last
    snapshot's) took a new snapshot; the old one is untouched."""

    Status = LinkStatus

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="link_checks")
    url = models.CharField("URL", max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices)
    http_status = models.PositiveSmallIntegerField("HTTP status", null=True, blank=True)
    final_url = models.CharField("final URL", max_length=2000, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    message = models.CharField(max_length=1000, blank=True)
    snapshot = models.ForeignKey(
        Snapshot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The new snapshot taken because the page changed (or was never archived).",
    )
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["source", "-checked_at"], name="linkcheck_source_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in LinkStatus]),
                name="linkcheck_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.url}: {self.status} at {self.checked_at:%Y-%m-%d %H:%M}"


# --- Access to sensitive sources ---------------------------------------------------------------


class SourceGrantQuerySet(models.QuerySet["SourceGrant"]):
    def active(self) -> SourceGrantQuerySet:
        return self.filter(revoked_at__isnull=True)


class SourceGrant(models.Model):
    """An editor's grant to one person of access to one sensitive source, until revoked.

    A grant made by assigning someone to a claim carries that claim's id: one row per sensitive
    source the claim rests on, all revoked together when an editor unassigns them. ``claim_id`` is
    a plain integer because ``sources`` knows nothing of claims; ``verification`` writes it.
    Rows are never deleted: revoked ones are the record of who could see what, and when.
    """

    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="source_grants"
    )
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="grants")
    claim_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Set when the grant came with an editor assigning the grantee to this claim.",
    )
    reason = models.TextField(
        max_length=2000, validators=[bounded(2000), reject_blank, *TEXT_VALIDATORS]
    )
    # Empty only for grants carried over from the access rule before grants existed.
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(
        blank=True, max_length=2000, validators=[bounded(2000), *TEXT_VALIDATORS]
    )

    objects = SourceGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        indexes = [
            # The per-request read: which sources does this person hold an active grant on?
            models.Index(
                fields=["grantee", "source"],
                condition=Q(revoked_at__isnull=True),
                name="sourcegrant_active",
            ),
            models.Index(fields=["claim_id", "grantee"], name="sourcegrant_claim"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["grantee", "source"],
                condition=Q(revoked_at__isnull=True, claim_id__isnull=True),
                name="sourcegrant_one_active_direct",
            ),
            models.UniqueConstraint(
                fields=["grantee", "source", "claim_id"],
                condition=Q(revoked_at__isnull=True, claim_id__isnull=False),
                name="sourcegrant_one_active_per_claim",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="sourcegrant_revocation_has_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"Grant #{self.pk}: user #{self.grantee_id} on source #{self.source_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RestrictedSourceAttempt(models.Model):
    """Someone who may not see a sensitive source submitted its URL. They were told only that the
    address cannot be added; editors see these on the source page."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="restricted_attempts")
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    url = models.CharField("URL", max_length=2000, help_text="As submitted.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"User #{self.attempted_by_id} tried source #{self.source_id}"
