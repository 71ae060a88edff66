"""Admin for claims (with their evidence, status workflow, publications and provenance),
evidence, the status history and publications. Sources and their admins are ``sources.admin``'s.

Every write goes through a service while the form validates (config.admin explains why), with
the version of the claim the user saw, so two people editing one claim get a refusal instead of
overwriting each other.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from claims.models import Claim, Tag
from claims.services import CLAIM_EDITABLE_FIELDS, StaleVersionError, claim_create, claim_update
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
from config.requests import AuthedHttpRequest
from config.roles import Role, has_role
from sources.models import Citation, Source
from sources.selectors import source_visibility_q
from verification.models import Evidence, Publication, StatusChange
from verification.provenance import claim_provenance
from verification.selectors import claim_published
from verification.services import (
    EVIDENCE_EDITABLE_FIELDS,
    claim_assign,
    claim_status_change,
    evidence_add,
    evidence_delete,
    evidence_update,
    verdict_publish,
    verdict_unpublish,
)
from verification.workflow import next_statuses

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# --- Claim versions across one page ------------------------------------------------------------
# One save of a claim page may write the claim several times: an edit, an assignment, a status
# change, each evidence row. The first write expects the version the user saw (the form's hidden
# ``expected_version``), so a page loaded before someone else's change is refused rather than
# applied over it; each later write expects the version the one before it left. The claim form
# keeps that version on the claim object, which the page's inline formsets share as their parent.
_PAGE_VERSION = "_admin_page_version"


def _current_version(claim_id: int) -> int:
    return Claim.objects.values_list("version", flat=True).get(pk=claim_id)


def claim_write(page_claim: Claim, service: Any, /, **kwargs: Any) -> Any:
    """Call a service that writes the page's claim with the version the page expects, then
    expect the version it left. Writes nothing if the claim form was invalid (the page fails
    anyway)."""
    version = getattr(page_claim, _PAGE_VERSION, None)
    if version is None:
        return None
    result = service(expected_version=version, **kwargs)
    setattr(page_claim, _PAGE_VERSION, _current_version(page_claim.pk))
    return result


def _visible_sources(request: HttpRequest) -> QuerySet[Source]:
    return Source.objects.filter(source_visibility_q(request.user))


# --- Claim forms -------------------------------------------------------------------------------


def _tag_names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


class ClaimFormBase(ServiceForm):
    refusals = (StaleVersionError,)
    # Typed names rather than a pick-list: claim_create / claim_update make new tags as needed.
    tags = forms.CharField(
        required=False, help_text="Comma-separated; tags that do not exist yet are created."
    )

    class Meta:
        model = Claim
        fields = ("text", "kind", "claimant", "made_on", "made_on_precision", "language", "tags")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tags = self.initial.get("tags")
        if isinstance(tags, list):  # model_to_dict gives the Tag rows, add-page GET the names
            self.initial["tags"] = ", ".join(t.name if isinstance(t, Tag) else t for t in tags)


class ClaimAddForm(ClaimFormBase):
    allow_duplicate = forms.BooleanField(
        required=False,
        label="Log it even if it duplicates a recorded claim",
        help_text="It is then linked to the claim it duplicates.",
    )

    def write(self) -> Claim:
        data = self.cleaned_data
        claim = claim_create(
            actor=self.actor,
            text=data["text"],
            kind=data["kind"],
            claimant=data["claimant"],
            made_on=data["made_on"],
            made_on_precision=data["made_on_precision"],
            language=data["language"],
            tags=_tag_names(data["tags"]),
            allow_duplicate=data["allow_duplicate"],
        )
        return self.created(claim)


class StatusChoiceField(forms.ChoiceField):
    """Offers the statuses the workflow allows next but accepts any status, so the service
    decides: a page that is out of date gets the stale-version refusal, not 'invalid choice'."""

    def valid_value(self, value: Any) -> bool:
        return value in Claim.Status.values


class ClaimChangeForm(ClaimFormBase):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new_status = StatusChoiceField(required=False, label="Move to")
    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why; it is kept in the status history.",
    )
    assign_to = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Assignee",
        help_text="Fact-checkers and editors.",
    )
    error_fields = {"to_status": "new_status", "assignee": "assign_to"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        claim = self.instance
        self.initial["expected_version"] = claim.version
        self.initial["assign_to"] = claim.assignee_id
        if "new_status" in self.fields:
            cast(forms.ChoiceField, self.fields["new_status"]).choices = [
                ("", "(keep the current status)"),
                *((s, Claim.Status(s).label) for s in next_statuses(claim.status)),
            ]
        if "assign_to" in self.fields:
            checkers = [Role.FACT_CHECKER.group_name, Role.EDITOR.group_name]
            cast(forms.ModelChoiceField, self.fields["assign_to"]).queryset = (
                get_user_model()
                .objects.filter(
                    Q(is_active=True, is_superuser=True)
                    | Q(is_active=True, groups__name__in=checkers)
                    | Q(pk=claim.assignee_id)
                )
                .distinct()
                .order_by("username")
            )

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if data.get("expected_version") is None:
            raise ValidationError(
                "This page lost the claim version it showed; reload it and make the change again."
            )
        if data.get("rationale", "").strip() and not data.get("new_status"):
            self.add_error("new_status", "Choose the status this rationale is for.")
        return data

    def write(self) -> None:
        claim, data = self.instance, self.cleaned_data
        changes = self.changes(CLAIM_EDITABLE_FIELDS)
        if "tags" in changes:
            changes["tags"] = _tag_names(changes["tags"])
        setattr(claim, _PAGE_VERSION, data["expected_version"])
        try:
            if changes:
                claim_write(claim, claim_update, claim=claim, actor=self.actor, **changes)
            if "assign_to" in self.changed_data:
                claim_write(
                    claim, claim_assign, claim=claim, actor=self.actor, assignee=data["assign_to"]
                )
            if data.get("new_status"):
                claim_write(
                    claim,
                    claim_status_change,
                    claim=claim,
                    actor=self.actor,
                    to_status=data["new_status"],
                    rationale=data["rationale"],
                )
        except Exception:
            setattr(claim, _PAGE_VERSION, None)  # refused: the evidence rows write nothing
            raise
        return None  # the admin logs and redirects to ``self.instance``


# --- Evidence forms ----------------------------------------------------------------------------

EVIDENCE_FORM_FIELDS = (
    "claim", "source", "stance", "credibility", "quote", "quote_language", "translation", "note",
)  # fmt: skip
_SMALL_TEXT = forms.Textarea(attrs={"rows": 2, "cols": 32})


class EvidenceFormBase(ServiceForm):
    refusals = (StaleVersionError,)

    class Meta:
        model = Evidence
        fields = EVIDENCE_FORM_FIELDS
        widgets = {"quote": _SMALL_TEXT, "translation": _SMALL_TEXT, "note": _SMALL_TEXT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in ("claim", "source"):  # evidence_update changes neither
                if name in self.fields:
                    self.fields[name].disabled = True

    def added(self, claim: Claim) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "claim": claim,
            "actor": self.actor,
            "source": data["source"],
            "stance": data["stance"],
            "credibility": data["credibility"],
            "quote": data["quote"],
            "quote_language": data["quote_language"],
            "translation": data["translation"],
            "note": data["note"],
        }


class EvidenceInlineForm(EvidenceFormBase):
    """A row of the claim page's evidence inline: writes follow the page's claim version."""

    parent: Claim

    def write(self) -> Evidence | None:
        claim = self.parent
        if self.instance.pk is None:
            return claim_write(claim, evidence_add, **self.added(claim))
        changes = self.changes(EVIDENCE_EDITABLE_FIELDS)
        if not changes:
            return None
        return claim_write(
            claim, evidence_update, evidence=self.instance, actor=self.actor, **changes
        )

    def delete(self) -> None:
        claim_write(self.parent, evidence_delete, evidence=self.instance, actor=self.actor)


class EvidenceForm(EvidenceFormBase):
    """The Evidence admin's own page."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    via = forms.ModelMultipleChoiceField(
        queryset=Citation.objects.none(),
        required=False,
        label="Relies on (for this claim)",
        help_text="Which of the source's own citations carry this claim. None selected: all of "
        "them count for its provenance.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["expected_version"] = self.instance.claim.version
            if "via" in self.fields:
                # The choices are the source's own citations, to sources this user may see.
                cast(forms.ModelMultipleChoiceField, self.fields["via"]).queryset = (
                    Citation.objects.filter(
                        source_visibility_q(self.request.user, prefix="cited__"),
                        citing_id=self.instance.source_id,
                    )
                    .select_related("cited")
                    .order_by("pk")
                )
                self.initial["via"] = list(self.instance.via.values_list("pk", flat=True))

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if self.instance.pk is not None and data.get("expected_version") is None:
            raise ValidationError(
                "This page lost the claim version it showed; reload it and make the change again."
            )
        return data

    def write(self) -> Evidence | None:
        if self.instance.pk is None:
            claim = self.cleaned_data["claim"]
            # This page showed no version of the claim, and adding evidence overwrites nothing:
            # it is added to the claim as it is now.
            return evidence_add(expected_version=claim.version, **self.added(claim))
        changes = self.changes(EVIDENCE_EDITABLE_FIELDS)
        if not changes:
            return None
        return evidence_update(
            evidence=self.instance,
            actor=self.actor,
            expected_version=self.cleaned_data["expected_version"],
            **changes,
        )


# --- Publication form --------------------------------------------------------------------------


class PublicationForm(ServiceForm):
    """Publish or unpublish a claim's verdict. The claim page's link fills in the version it
    showed; without one the form first shows the claim's current verdict to confirm."""

    refusals = (StaleVersionError,)
    expected_version = forms.IntegerField(
        required=False,
        min_value=1,
        label="Claim version you reviewed",
        help_text="Filled in by the claim page's 'Publish or unpublish' link. Left blank, you are "
        "shown the claim's current verdict and version to confirm.",
    )

    class Meta:
        model = Publication
        fields = ("claim", "expected_version", "action", "public_summary", "reason")

    def write(self) -> Publication:
        data = self.cleaned_data
        claim: Claim = data["claim"]
        version = data.get("expected_version")
        if version is None:
            self.data = posted = cast(QueryDict, self.data).copy()
            posted[self.add_prefix("expected_version")] = str(claim.version)
            raise ValidationError(
                "Claim #%(id)s is now %(status)s (version %(version)s). Check that this is the "
                "verdict you mean, then save again.",
                code="confirm_version",
                params={
                    "id": claim.pk,
                    "status": claim.get_status_display(),
                    "version": claim.version,
                },
            )
        if data["action"] == Publication.Action.PUBLISH:
            return verdict_publish(
                claim=claim,
                actor=self.actor,
                public_summary=data["public_summary"],
                reason=data["reason"],
                expected_version=version,
            )
        return verdict_unpublish(
            claim=claim, actor=self.actor, reason=data["reason"], expected_version=version
        )


# --- Provenance panel --------------------------------------------------------------------------


def provenance_panel(*, claim: Claim, user: Any) -> dict[str, Any]:
    """claim_provenance as plain data for the claim page's template (which escapes it all)."""
    prov = claim_provenance(claim=claim, user=user)
    nodes = {node.source_id: node for node in prov.nodes}

    def source(source_id: int) -> dict[str, Any]:
        node = nodes[source_id]
        outlet = node.outlet
        return {
            "label": node.title or node.url or f"Source #{source_id}",
            "url": reverse("admin:sources_source_change", args=[source_id]),
            "outlet": outlet.name if outlet else "",
            "grade": (outlet.grade or "unrated") if outlet else "",
        }

    def groups(found: tuple) -> list[dict[str, Any]]:
        return [{"label": g.label, "sources": [source(i) for i in g.source_ids]} for g in found]

    stances = [
        {
            "label": Evidence.Stance(summary.stance).label,
            "evidence_count": summary.evidence_count,
            "independent_origins": summary.independent_origins,
            "origin_unknown_count": summary.origin_unknown_count,
            "evidence": [
                {
                    **source(trace.source_id),
                    "credibility": Evidence.Credibility(trace.credibility).label,
                }
                for trace in prov.evidence
                if trace.stance == summary.stance
            ],
            "voices": [
                {"label": voice.label, "origins": [source(i) for i in voice.origin_ids]}
                for voice in summary.voices
            ],
        }
        for summary in prov.stances
        if summary.evidence_count
    ]
    unknown = sorted({i for trace in prov.evidence for i in trace.unknown_ids})
    return {
        "stances": stances,
        "origin_unknown": [source(i) for i in unknown],
        "sections": [
            {"title": "Sources from one outlet", "groups": groups(prov.shared_outlets)},
            {"title": "Outlets with one owner", "groups": groups(prov.shared_owners)},
            {"title": "Parties to the story", "groups": groups(prov.parties)},
        ],
        "notes": list(prov.notes),
    }


# --- Claims ------------------------------------------------------------------------------------


class EvidenceInline(ServiceTabularInline):
    model = Evidence
    form = EvidenceInlineForm
    writes = frozenset({ADD, CHANGE, DELETE})
    fields = (
        "source", "stance", "credibility", "quote", "quote_language", "translation", "note",
        "added_by",
    )  # fmt: skip
    readonly_fields = ("added_by",)
    autocomplete_fields = ("source",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        queryset = super().get_queryset(request).select_related("source", "added_by")
        return queryset.filter(source_visibility_q(request.user, prefix="source__"))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "source":
            kwargs["queryset"] = _visible_sources(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StatusChangeInline(ReadOnlyTabularInline):
    model = StatusChange
    verbose_name_plural = "status history"
    fields = ("created_at", "from_status", "to_status", "rationale", "actor", "claim_version")

    def get_queryset(self, request: HttpRequest) -> QuerySet[StatusChange]:
        return super().get_queryset(request).select_related("actor")


class PublicationInline(ReadOnlyTabularInline):
    model = Publication
    verbose_name_plural = "publications (the corrections log)"
    fields = ("created_at", "action", "verdict", "public_summary", "reason", "actor")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Publication]:
        return super().get_queryset(request).select_related("actor")


CLAIM_FIELDS: list[Any] = [
    "text", "kind", "claimant", ("made_on", "made_on_precision"), "language", "tags",
]  # fmt: skip


class EvidenceCount(TypedDict):
    evidence_count: int


@admin.register(Claim)
class ClaimAdmin(ServiceAdmin):
    writes = frozenset({ADD, CHANGE})
    change_form_template = "admin/verification/claim_change_form.html"
    list_display = (
        "__str__", "status", "kind", "claimant", "assignee", "needs_review", "version",
        "evidence_count", "created_at",
    )  # fmt: skip
    list_filter = (
        "status",
        "kind",
        "needs_review",
        ("tags", admin.RelatedOnlyFieldListFilter),
        ("assignee", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("claimant", "assignee")
    search_fields = ("text", "claimant__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("claimant",)
    readonly_fields = (
        "status", "needs_review", "version", "assignee", "published", "created_by", "created_at",
        "updated_at",
    )  # fmt: skip
    add_fieldsets = ((None, {"fields": [*CLAIM_FIELDS, "allow_duplicate"]}),)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        kwargs["form"] = ClaimAddForm if obj is None else ClaimChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        can_edit = self.has_change_permission(request, obj)
        can_move = can_edit and has_role(request.user, Role.FACT_CHECKER)
        fieldsets: list[Any] = [
            (None, {"fields": [*CLAIM_FIELDS, *(["expected_version"] if can_edit else [])]}),
            (
                "Verification",
                {
                    "fields": [
                        "status",
                        "needs_review",
                        "version",
                        *([] if can_move else ["assignee"]),
                    ]
                },
            ),
        ]
        if can_move:
            fieldsets += [
                (
                    "Change status",
                    {
                        "fields": ["new_status", "rationale"],
                        "description": "Moves the claim along the verification workflow.",
                    },
                ),
                ("Assignment", {"fields": ["assign_to"]}),
            ]
        fieldsets += [
            ("Publishing", {"fields": ["published"]}),
            ("Record", {"fields": ["created_by", "created_at", "updated_at"]}),
        ]
        return fieldsets

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        # Evidence needs the claim and its version: it is added once the claim exists.
        return [] if obj is None else [EvidenceInline, StatusChangeInline, PublicationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        # Counted over the evidence the user may see: a count must not reveal a hidden source.
        counted = (
            Evidence.objects.filter(
                source_visibility_q(request.user, prefix="source__"), claim=OuterRef("pk")
            )
            .order_by()
            .values("claim")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(evidence_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))
        )

    @admin.display(description="evidence", ordering="evidence_count")
    def evidence_count(self, obj: WithAnnotations[Claim, EvidenceCount]) -> int:
        return obj.evidence_count

    @admin.display(description="published verdict")
    def published(self, obj: Claim) -> str:
        publication = claim_published(claim=obj)
        if publication is None:
            return "Not published."
        when = timezone.localtime(publication.created_at)
        return f"{Claim.Status(publication.verdict).label}, published {when:%Y-%m-%d %H:%M}."

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None:
            # A callable, so it is built while the page renders: after a failed save has been
            # rolled back, not before.
            context["provenance"] = partial(provenance_panel, claim=obj, user=request.user)
            if request.user.has_perm("verification.add_publication"):
                query = urlencode({"claim": obj.pk, "expected_version": obj.version})
                context["publish_url"] = f"{reverse('admin:verification_publication_add')}?{query}"
        return super().render_change_form(request, context, add, change, form_url, obj)


# --- Evidence, status history, publications ----------------------------------------------------


@admin.register(Evidence)
class EvidenceAdmin(ServiceAdmin):
    writes = frozenset({ADD, CHANGE, DELETE})
    refusals = (StaleVersionError,)
    form = EvidenceForm
    list_display = ("claim", "source", "stance", "credibility", "added_by", "added_at")
    list_filter = ("stance", "credibility")
    list_select_related = ("claim", "source", "added_by")
    search_fields = ("claim__text", "source__title", "source__url", "quote", "translation", "note")
    date_hierarchy = "added_at"
    autocomplete_fields = ("claim", "source")
    readonly_fields = ("added_by", "added_at", "updated_at")
    add_fieldsets = ((None, {"fields": EVIDENCE_FORM_FIELDS}),)
    fieldsets = (
        (None, {"fields": (*EVIDENCE_FORM_FIELDS, "via", "expected_version")}),
        ("Record", {"fields": ("added_by", "added_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        return (
            super()
            .get_queryset(request)
            .filter(source_visibility_q(request.user, prefix="source__"))
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "source":
            kwargs["queryset"] = _visible_sources(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_service(self, request: AuthedHttpRequest, obj: Evidence) -> None:
        # A delete confirmation carries no claim version; it names the row it removes.
        evidence_delete(
            evidence=obj, actor=request.user, expected_version=_current_version(obj.claim_id)
        )


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    """The audit trail: written by claim_status_change (the claim page), never changed."""

    list_display = ("claim", "from_status", "to_status", "actor", "claim_version", "created_at")
    list_filter = ("to_status", "from_status")
    list_select_related = ("claim", "actor")
    search_fields = ("claim__text", "rationale")
    date_hierarchy = "created_at"
    fields = ("claim", "from_status", "to_status", "rationale", "actor", "claim_version")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # The snapshot lists every evidence row, sensitive sources too: editors only, who may
        # see them all, so it reveals nothing the rest of the admin hides.
        extra = ["evidence_snapshot"] if has_role(request.user, Role.EDITOR) else []
        return [*self.fields, *extra, "created_at"]


@admin.register(Publication)
class PublicationAdmin(ServiceAdmin):
    """The corrections log: adding a row publishes or unpublishes; rows are never changed."""

    writes = frozenset({ADD})
    form = PublicationForm
    list_display = ("claim", "action", "verdict", "actor", "created_at")
    list_filter = ("action", "verdict")
    list_select_related = ("claim", "actor")
    search_fields = ("claim__text", "public_summary", "reason")
    date_hierarchy = "created_at"
    autocomplete_fields = ("claim",)
    add_fieldsets = (
        (None, {"fields": ("claim", "expected_version", "action", "public_summary", "reason")}),
    )
    fields = (
        "claim", "action", "verdict", "status_change", "public_summary", "reason", "actor",
        "created_at",
    )  # fmt: skip
