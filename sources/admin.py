"""Admin for outlets, their domains, handles and reliability ratings; and the Source and Citation
admins, which verification.admin registers.

Why there: who may see a sensitive source is verification's rule (editors, whoever logged it,
and the fact-checkers of a claim resting on it: verification.selectors.source_visibility_q),
and this app may not import verification. A second, sources-only rule here would drift from the
one the rest of the product uses, so these two admins take the rule from the subclass
verification.admin registers (``visible_sources_q``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from config.admin import (
    ADD,
    CHANGE,
    DELETE,
    ServiceAdmin,
    ServiceForm,
    ServiceTabularInline,
)
from sources.models import Citation, Outlet, OutletDomain, OutletHandle, ReliabilityRating, Source
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


# --- Sources and citations (registered by verification.admin) ---------------------------------


class SensitiveSourcesHidden:
    """Admins that show sources only to those who may see them; ``visible_sources_q`` is the
    rule, supplied by verification.admin."""

    def visible_sources_q(self, request: HttpRequest) -> Q:
        raise NotImplementedError("verification.admin supplies who may see which source.")

    def visible_sources(self, request: HttpRequest) -> QuerySet[Source]:
        return Source.objects.filter(self.visible_sources_q(request))


# The URL with its canonical form beside it (read-only: source_create / source_update set it).
SOURCE_MAIN_FIELDS = ("kind", "title", ("url", "canonical_url"), "outlet", "author", "published_at")
SOURCING_FIELDS = ("language", "sourcing", "summary", "is_sensitive")


class SourceAdmin(SensitiveSourcesHidden, ServiceAdmin):
    """Hidden sources are not listed, not found by URL (the admin says it does not exist) and
    not offered by autocomplete, which searches this admin's queryset."""

    writes = frozenset({ADD, CHANGE})
    form = SourceForm
    list_display = (
        "__str__", "kind", "outlet", "canonical_url", "sourcing", "is_sensitive", "created_by",
        "created_at",
    )  # fmt: skip
    list_filter = ("kind", "sourcing", "is_sensitive")
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return super().get_queryset(request).filter(self.visible_sources_q(request))


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
        visible = self.visible_sources(request)
        return super().get_queryset(request).filter(citing__in=visible, cited__in=visible)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in ("citing", "cited"):
            kwargs["queryset"] = self.visible_sources(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_service(self, request: HttpRequest, obj: Citation) -> None:
        citation_delete(citation=obj, actor=request.user)
