"""Admin for outlets, their domains, handles and ratings, sources, citations, snapshots, link
checks and access grants. Who may see a sensitive source is ``sources.selectors``' rule, the same
one every other read uses; grants are read-only here (editors grant and revoke in the desk or the
API, where the reason is asked for)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html_join

from config.admin import (
    ADD,
    CHANGE,
    DELETE,
    ReadOnlyAdmin,
    ReadOnlyTabularInline,
    ServiceAdmin,
    ServiceForm,
    ServiceTabularInline,
)
from config.roles import Role, has_role
from sources.archiving.services import snapshot_recapture, snapshots_capture_now
from sources.models import (
    Citation,
    LinkCheck,
    Outlet,
    OutletDomain,
    OutletHandle,
    ReliabilityRating,
    RestrictedSourceAttempt,
    Snapshot,
    Source,
    SourceGrant,
)
from sources.selectors import source_visibility_q
from sources.services import (
    OUTLET_FIELDS,
    SOURCE_FIELDS,
    citation_create,
    citation_delete,
    outlet_create,
    outlet_domain_add,
    outlet_handle_add,
    outlet_rate,
    outlet_update,
    source_create,
    source_update,
)

# --- Forms: each writes through its service while it validates (config.admin) ----------------


class OutletForm(ServiceForm):
    class Meta:
        model = Outlet
        fields = OUTLET_FIELDS

    def write(self) -> Outlet | None:
        if self.instance.pk is None:
            values = {name: self.cleaned_data[name] for name in OUTLET_FIELDS}
            return self.created(outlet_create(actor=self.actor, **values))
        changes = self.changes(OUTLET_FIELDS)
        return outlet_update(outlet=self.instance, actor=self.actor, **changes) if changes else None


# In an Outlet page's inline, ``cleaned_data["outlet"]`` is the page's outlet.


class OutletDomainForm(ServiceForm):
    class Meta:
        model = OutletDomain
        fields = ("outlet", "domain")

    def write(self) -> OutletDomain:
        data = self.cleaned_data
        return outlet_domain_add(outlet=data["outlet"], actor=self.actor, domain=data["domain"])


class OutletHandleForm(ServiceForm):
    class Meta:
        model = OutletHandle
        fields = ("outlet", "platform", "handle")

    def write(self) -> OutletHandle:
        data = self.cleaned_data
        return outlet_handle_add(
            outlet=data["outlet"],
            actor=self.actor,
            platform=data["platform"],
            handle=data["handle"],
        )


class ReliabilityRatingForm(ServiceForm):
    class Meta:
        model = ReliabilityRating
        fields = ("outlet", "grade", "rationale", "external_reference")

    def write(self) -> ReliabilityRating:
        data = self.cleaned_data
        return outlet_rate(
            outlet=data["outlet"],
            actor=self.actor,
            grade=data["grade"],
            rationale=data["rationale"],
            external_reference=data["external_reference"],
        )


class SourceForm(ServiceForm):
    class Meta:
        model = Source
        fields = SOURCE_FIELDS

    def write(self) -> Source | None:
        if self.instance.pk is None:
            values = {name: self.cleaned_data[name] for name in SOURCE_FIELDS}
            return self.created(source_create(actor=self.actor, **values))
        changes = self.changes(SOURCE_FIELDS)
        return source_update(source=self.instance, actor=self.actor, **changes) if changes else None


class CitationForm(ServiceForm):
    class Meta:
        model = Citation
        fields = ("citing", "kind", "cited", "note")

    def write(self) -> Citation:
        data = self.cleaned_data
        return citation_create(
            actor=self.actor,
            citing=data["citing"],
            cited=data["cited"],
            kind=data["kind"],
            note=data["note"],
        )


# --- Outlets ---------------------------------------------------------------------------------


class CurrentGradeFilter(admin.SimpleListFilter):
    title = "current grade"
    parameter_name = "grade"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*ReliabilityRating.Grade.choices, ("none", "Unrated")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "none":
            return queryset.filter(current_grade__isnull=True)
        if self.value() in ReliabilityRating.Grade.values:
            return queryset.filter(current_grade=self.value())
        return queryset


# Domains, handles and ratings are added here, never edited or removed: there is no service for
# that (a rating is append-only; see the report on domains and handles).


class OutletDomainInline(ServiceTabularInline):
    model = OutletDomain
    form = OutletDomainForm
    writes = frozenset({ADD})
    fields = ("domain",)


class OutletHandleInline(ServiceTabularInline):
    model = OutletHandle
    form = OutletHandleForm
    writes = frozenset({ADD})
    fields = ("platform", "handle")


class ReliabilityRatingInline(ServiceTabularInline):
    model = ReliabilityRating
    form = ReliabilityRatingForm
    writes = frozenset({ADD})
    verbose_name_plural = "reliability ratings (the latest is the current grade)"
    fields = ("grade", "rationale", "external_reference", "rated_by", "rated_at")
    readonly_fields = ("rated_by", "rated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReliabilityRating]:
        return super().get_queryset(request).select_related("rated_by")


@admin.register(Outlet)
class OutletAdmin(ServiceAdmin):
    writes = frozenset({ADD, CHANGE})
    form = OutletForm
    list_display = ("name", "kind", "grade", "country", "affiliation", "owner", "party_to")
    list_filter = (CurrentGradeFilter, "kind", "affiliation", "country")
    search_fields = ("name", "owner", "party_to", "domains__domain", "handles__handle")
    readonly_fields = ("grade", "created_at", "updated_at")
    inlines = (OutletDomainInline, OutletHandleInline, ReliabilityRatingInline)
    add_fieldsets = ((None, {"fields": OUTLET_FIELDS}),)
    fieldsets = (
        (None, {"fields": ("name", "kind", "country", "grade")}),
        ("Independence", {"fields": ("affiliation", "owner", "party_to", "description")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outlet]:
        return super().get_queryset(request).with_current_grade()

    @admin.display(description="current grade", ordering="current_grade")
    def grade(self, obj: Outlet) -> str:
        value = getattr(obj, "current_grade", None)
        return ReliabilityRating.Grade(value).label if value else "unrated"


@admin.register(OutletDomain)
class OutletDomainAdmin(ServiceAdmin):
    writes = frozenset({ADD})
    form = OutletDomainForm
    list_display = ("domain", "outlet")
    list_select_related = ("outlet",)
    search_fields = ("domain", "outlet__name")
    autocomplete_fields = ("outlet",)


@admin.register(OutletHandle)
class OutletHandleAdmin(ServiceAdmin):
    writes = frozenset({ADD})
    form = OutletHandleForm
    list_display = ("handle", "platform", "outlet")
    list_filter = ("platform",)
    list_select_related = ("outlet",)
    search_fields = ("handle", "outlet__name")
    autocomplete_fields = ("outlet",)


@admin.register(ReliabilityRating)
class ReliabilityRatingAdmin(ServiceAdmin):
    """Append-only: ratings are added (by editors, through outlet_rate), never changed."""

    writes = frozenset({ADD})
    form = ReliabilityRatingForm
    list_display = ("outlet", "grade", "rated_by", "rated_at", "external_reference")
    list_filter = ("grade",)
    list_select_related = ("outlet", "rated_by")
    search_fields = ("outlet__name", "rationale", "external_reference")
    date_hierarchy = "rated_at"
    autocomplete_fields = ("outlet",)
    readonly_fields = ("rated_by", "rated_at")
    add_fieldsets = ((None, {"fields": ("outlet", "grade", "rationale", "external_reference")}),)
    fields = ("outlet", "grade", "rationale", "external_reference", "rated_by", "rated_at")


# --- Sources and citations ---------------------------------------------------------------------


class SensitiveSourcesHidden:
    """Admins that show sources only to those who may see them."""

    def visible_sources_q(self, request: HttpRequest, prefix: str = "") -> Q:
        return source_visibility_q(request.user, prefix=prefix)

    def visible_sources(self, request: HttpRequest) -> QuerySet[Source]:
        return Source.objects.filter(self.visible_sources_q(request))


# --- Snapshots ---------------------------------------------------------------------------------


class SnapshotLinks:
    """Links to a snapshot's WARC, text view and uploaded file. The API serves them: it checks
    who may see the source and sends captured bytes only as downloads or plain text, never as a
    page of ours; a signed-in admin user's session is enough for it."""

    def snapshot_url(self, snapshot: Snapshot, view: str) -> str:
        return reverse(f"sources:snapshot-{view}", args=[snapshot.pk])

    @admin.display(description="archive")
    def links(self, snapshot: Snapshot) -> str:
        found = []
        if snapshot.warc:
            found.append(("WARC", self.snapshot_url(snapshot, "warc")))
        if snapshot.status == Snapshot.Status.ARCHIVED:
            found.append(("text", self.snapshot_url(snapshot, "text")))
        if snapshot.file:
            found.append(("file", self.snapshot_url(snapshot, "file")))
        if not found:
            return "-"
        return format_html_join(
            " · ", '<a href="{}" rel="noopener noreferrer">{}</a>', ((u, t) for t, u in found)
        )

    @admin.display(description="SHA-256", ordering="sha256")
    def sha256_short(self, snapshot: Snapshot) -> str:
        return f"{snapshot.sha256[:12]}…" if snapshot.sha256 else "-"


def _capture_pending(snapshots: QuerySet[Snapshot]) -> Counter[str]:
    """Run the pending captures among ``snapshots``; how many ended in each status."""
    pending = snapshots.filter(status=Snapshot.Status.PENDING).exclude(form=Snapshot.Form.UPLOAD)
    ids = list(pending.order_by("created_at", "pk").values_list("pk", flat=True))
    return Counter(snapshot.status for snapshot in snapshots_capture_now(ids))


class CapturePermission:
    def has_capture_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.FACT_CHECKER)


class SnapshotInline(SnapshotLinks, ReadOnlyTabularInline):
    """A source's snapshots on its page, newest first (verification.admin adds it)."""

    model = Snapshot
    fk_name = "source"
    verbose_name_plural = "snapshots (captures and uploads)"
    fields = (
        "created_at", "status", "form", "http_status", "content_type", "size", "sha256_short",
        "title", "error_message", "links",
    )  # fmt: skip
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Snapshot]:
        return super().get_queryset(request).defer("text").order_by("-created_at", "-pk")


SNAPSHOT_FIELDS = (
    "source", "url", "form", "status", "attempts", "retry_at", "fetch_url", "final_url",
    "redirects", "remote_address", "http_status", "content_type", "size", "sha256", "links",
    "filename", "duplicate_of", "title", "author", "published_at", "text_preview", "error_code",
    "error_message", "created_by", "created_at", "started_at", "finished_at",
)  # fmt: skip


@admin.register(Snapshot)
class SnapshotAdmin(SnapshotLinks, CapturePermission, SensitiveSourcesHidden, ReadOnlyAdmin):
    """Captures are written by the capture services only; here they are listed, shown and run.
    A snapshot of a source the user may not see does not exist for them."""

    list_display = ("source", "status", "form", "http_status", "sha256_short", "created_at")
    list_filter = ("status", "form")
    list_select_related = ("source",)
    search_fields = ("source__url", "source__canonical_url", "url", "final_url", "=sha256")
    date_hierarchy = "created_at"
    fields = SNAPSHOT_FIELDS
    readonly_fields = SNAPSHOT_FIELDS
    actions = ["run_pending_captures"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Snapshot]:
        return super().get_queryset(request).filter(self.visible_sources_q(request, "source__"))

    @admin.display(description="text")
    def text_preview(self, snapshot: Snapshot) -> str:
        limit = 2000
        if len(snapshot.text) <= limit:
            return snapshot.text or "-"
        return f"{snapshot.text[:limit]}… ({len(snapshot.text)} characters: see the text view)"

    @admin.action(description="Run the selected pending captures now", permissions=["capture"])
    def run_pending_captures(self, request: HttpRequest, queryset: QuerySet[Snapshot]) -> None:
        outcomes = _capture_pending(queryset)
        if not outcomes:
            self.message_user(request, "None of the selected snapshots is pending.", messages.INFO)
            return
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        self.message_user(request, f"Captures run: {summary}.", messages.SUCCESS)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        if request.method == "POST" and request.POST.get("action") == "run_pending_captures":
            # Captures fetch over the network: no transaction may stay open across them (each
            # capture writes its outcome in its own), so not ServiceAdmin's all-or-nothing one.
            return admin.ModelAdmin.changelist_view(self, request, extra_context)
        return super().changelist_view(request, extra_context)


# --- Link health -------------------------------------------------------------------------------

LINK_CHECK_FIELDS = (
    "checked_at", "status", "http_status", "final_url", "error_code", "message", "snapshot",
)  # fmt: skip


class LinkCheckInline(ReadOnlyTabularInline):
    """A source's most recent link checks on its page (the full history: Link checks)."""

    model = LinkCheck
    fk_name = "source"
    verbose_name_plural = "link health (latest checks)"
    fields = LINK_CHECK_FIELDS
    max_num = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[LinkCheck]:
        return super().get_queryset(request).order_by("-checked_at", "-pk")


@admin.register(LinkCheck)
class LinkCheckAdmin(SensitiveSourcesHidden, ReadOnlyAdmin):
    """The history of re-checks of cited URLs, written by the link-check job only."""

    list_display = ("source", "status", "http_status", "error_code", "checked_at")
    list_filter = ("status",)
    list_select_related = ("source",)
    search_fields = ("source__url", "source__canonical_url", "url", "final_url")
    date_hierarchy = "checked_at"
    fields = ("source", "url", *LINK_CHECK_FIELDS)
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[LinkCheck]:
        return super().get_queryset(request).filter(self.visible_sources_q(request, "source__"))


# --- Sources ---------------------------------------------------------------------------------

# The URL with its canonical form beside it (read-only: source_create / source_update set it).
SOURCE_MAIN_FIELDS = ("kind", "title", ("url", "canonical_url"), "outlet", "author", "published_at")
SOURCING_FIELDS = ("language", "sourcing", "summary", "is_sensitive")


@admin.register(Source)
class SourceAdmin(CapturePermission, SensitiveSourcesHidden, ServiceAdmin):
    """Hidden sources are not listed, not found by URL (the admin says it does not exist) and
    not offered by autocomplete, which searches this admin's queryset."""

    writes = frozenset({ADD, CHANGE})
    form = SourceForm
    list_display = (
        "__str__", "kind", "outlet", "canonical_url", "sourcing", "is_sensitive", "link_status",
        "created_by", "created_at",
    )  # fmt: skip
    list_filter = ("kind", "sourcing", "is_sensitive", "link_status")
    list_select_related = ("outlet", "created_by")
    search_fields = ("title", "url", "canonical_url", "author", "outlet__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("outlet",)
    readonly_fields = ("canonical_url", "created_by", "created_at", "updated_at")
    add_fieldsets = (
        (None, {"fields": ("kind", "title", "url", "outlet", "author", "published_at")}),
        ("Sourcing", {"fields": SOURCING_FIELDS}),
    )
    fieldsets = (
        (None, {"fields": SOURCE_MAIN_FIELDS}),
        ("Sourcing", {"fields": SOURCING_FIELDS}),
        ("Record", {"fields": ("created_by", "created_at", "updated_at")}),
    )

    actions = ["capture_again"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return super().get_queryset(request).filter(self.visible_sources_q(request))

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [] if obj is None else [SnapshotInline, LinkCheckInline]

    @admin.action(description="Capture the selected sources again", permissions=["capture"])
    def capture_again(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        with_url = list(queryset.exclude(url=""))
        for source in with_url:
            self.call_refusable(snapshot_recapture, source=source, actor=request.user)
        if with_url:
            self.message_user(
                request,
                f"{len(with_url)} capture(s) pending: the capture worker runs them; on Snapshots, "
                "'Run the selected pending captures now' runs them at once.",
                messages.SUCCESS,
            )
        if skipped := queryset.count() - len(with_url):
            self.message_user(
                request, f"{skipped} source(s) without a URL: nothing to capture.", messages.WARNING
            )


@admin.register(Citation)
class CitationAdmin(SensitiveSourcesHidden, ServiceAdmin):
    """Citations are recorded and removed, not edited (no service edits one). A citation shows
    only when the user may see both its sources."""

    writes = frozenset({ADD, DELETE})
    form = CitationForm
    list_display = ("citing", "kind", "cited", "created_by", "created_at")
    list_filter = ("kind",)
    list_select_related = ("citing", "cited", "created_by")
    search_fields = ("citing__title", "citing__url", "cited__title", "cited__url", "note")
    date_hierarchy = "created_at"
    autocomplete_fields = ("citing", "cited")
    readonly_fields = ("created_by", "created_at")
    add_fieldsets = ((None, {"fields": ("citing", "kind", "cited", "note")}),)
    fields = ("citing", "kind", "cited", "note", "created_by", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Citation]:
        return (
            super()
            .get_queryset(request)
            .filter(self.visible_sources_q(request, "citing__"))
            .filter(self.visible_sources_q(request, "cited__"))
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in ("citing", "cited"):
            kwargs["queryset"] = self.visible_sources(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_service(self, request: HttpRequest, obj: Citation) -> None:
        citation_delete(citation=obj, actor=request.user)


# --- Access grants ---------------------------------------------------------------------------


@admin.register(SourceGrant)
class SourceGrantAdmin(ReadOnlyAdmin):
    """The record of who could see which sensitive source (editors only): granted and revoked in
    the desk or the API, where a reason is required."""

    list_display = ("source", "grantee", "claim_id", "granted_by", "granted_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("source", "grantee", "granted_by")
    search_fields = ("grantee__username", "source__title", "source__url", "reason")
    date_hierarchy = "granted_at"
    fields = (
        "source", "grantee", "claim_id", "reason", "granted_by", "granted_at",
        "revoked_at", "revoked_by", "revoke_reason",
    )  # fmt: skip
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_role(request.user, Role.EDITOR)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.EDITOR)


@admin.register(RestrictedSourceAttempt)
class RestrictedSourceAttemptAdmin(ReadOnlyAdmin):
    """Someone without access submitted a sensitive source's URL (editors only)."""

    list_display = ("source", "attempted_by", "url", "created_at")
    list_select_related = ("source", "attempted_by")
    date_hierarchy = "created_at"
    fields = ("source", "attempted_by", "url", "created_at")
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_role(request.user, Role.EDITOR)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.EDITOR)
