"""Admin for claimants, tags and the relations between claims.

The Claim admin itself lives in verification.admin: its page shows evidence, the status
workflow, publications and provenance, which belong to the app that joins claims and sources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from claims.models import Claimant, ClaimRelation, Tag
from claims.services import (
    claim_relation_create,
    claim_relation_delete,
    claimant_create,
    claimant_update,
)
from config.admin import ADD, CHANGE, DELETE, ReadOnlyAdmin, ServiceAdmin, ServiceForm
from config.requests import AuthedHttpRequest

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

CLAIMANT_FIELDS = ("name", "kind", "title", "affiliation", "country")


class ClaimantForm(ServiceForm):
    class Meta:
        model = Claimant
        fields = CLAIMANT_FIELDS

    def write(self) -> Claimant | None:
        if self.instance.pk is None:
            values = {name: self.cleaned_data[name] for name in CLAIMANT_FIELDS}
            return self.created(claimant_create(actor=self.actor, **values))
        changes = self.changes(CLAIMANT_FIELDS)
        if not changes:
            return None
        return claimant_update(claimant=self.instance, actor=self.actor, **changes)


class ClaimRelationForm(ServiceForm):
    class Meta:
        model = ClaimRelation
        fields = ("from_claim", "kind", "to_claim", "note")

    def write(self) -> ClaimRelation:
        data = self.cleaned_data
        return claim_relation_create(
            actor=self.actor,
            from_claim=data["from_claim"],
            to_claim=data["to_claim"],
            kind=data["kind"],
            note=data["note"],
        )


@admin.register(Claimant)
class ClaimantAdmin(ServiceAdmin):
    writes = frozenset({ADD, CHANGE})
    form = ClaimantForm
    list_display = ("name", "title", "kind", "affiliation", "country", "created_at")
    list_filter = ("kind", "country")
    search_fields = ("name", "title", "affiliation")
    fields = CLAIMANT_FIELDS


class ClaimCount(TypedDict):
    claim_count: int


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    """Tags are made from the names typed on a claim (claim_create / claim_update); there is no
    service that adds, renames or removes one on its own, so this list only shows them."""

    list_display = ("name", "claim_count")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj: WithAnnotations[Tag, ClaimCount]) -> int:
        return obj.claim_count


@admin.register(ClaimRelation)
class ClaimRelationAdmin(ServiceAdmin):
    """Relations are recorded and removed, not edited (no service edits one). The claim
    autocompletes search verification.admin's Claim admin."""

    writes = frozenset({ADD, DELETE})
    form = ClaimRelationForm
    list_display = ("from_claim", "kind", "to_claim", "created_by", "created_at")
    list_filter = ("kind",)
    list_select_related = ("from_claim", "to_claim", "created_by")
    search_fields = ("from_claim__text", "to_claim__text", "note")
    date_hierarchy = "created_at"
    autocomplete_fields = ("from_claim", "to_claim")
    readonly_fields = ("created_by", "created_at")
    add_fieldsets = ((None, {"fields": ("from_claim", "kind", "to_claim", "note")}),)
    fields = ("from_claim", "kind", "to_claim", "note", "created_by", "created_at")

    def delete_service(self, request: AuthedHttpRequest, obj: ClaimRelation) -> None:
        claim_relation_delete(relation=obj, actor=request.user)
