"""Claim endpoints: the list and its filters, detail, create, edit, status changes, history,
provenance, evidence, assignment and publishing.

Views are thin: parse with an InputSerializer, call a service or a selector, serialize with an
OutputSerializer. Every claim response carries an ETag; every claim write needs If-Match (or a
``version`` field) and a stale one is answered 412 with the claim as it is now.

What a write answers: a write to the claim (edit, status, assignment, publish, unpublish) answers
with the claim and its new ETag. A write to an evidence row answers with the row (or, for a
removal, the claim's id and version) and the claim's new ETag in the ``ETag`` header and in
``claim_version``: evidence has no version of its own, its writes are guarded by the claim's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as AuthUser
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import Claim, Claimant
from claims.services import StaleVersionError, claim_create, claim_update
from config.api import (
    CLAIM_WRITE_ERROR_CODES,
    IF_MATCH_PARAMETER,
    MAX_ID,
    IdRelatedField,
    Pagination,
    StrictCharField,
    apply_filters,
    claim_etag,
    error_body,
    error_responses,
    expected_version,
    filter_parameters,
    page_parameters,
    paginated,
    paginated_response,
)
from config.requests import AuthedRequest
from sources.models import Citation, Source
from sources.selectors import citations_visible_to, source_visibility_q, sources_visible_to
from verification.filters import ClaimFilter
from verification.models import Evidence, Publication, StatusChange
from verification.provenance import claim_provenance, claims_origin_counts
from verification.selectors import (
    User,
    claim_detail,
    claim_evidence,
    claim_history,
    claim_list,
    claim_publications,
)
from verification.services import (
    claim_assign,
    claim_status_change,
    evidence_add,
    evidence_delete,
    evidence_update,
    verdict_publish,
    verdict_unpublish,
)

ERRORS = error_responses(400, 401, 403)
NOT_FOUND = error_responses(404, not_found="No such claim.")
# A page past the end (or not a number) is a 404 from the paginator.
NO_PAGE = error_responses(404, not_found="No such page.")
LIST_NOT_FOUND = error_responses(404, not_found="No such claim, or no such page.")
WRITE_ERRORS = {**ERRORS, **NOT_FOUND, **error_responses(412, 413, 428)}
EVIDENCE_WRITE_ERRORS = error_responses(
    *CLAIM_WRITE_ERROR_CODES,
    not_found="No such evidence (or its source is not one you may see).",
)


# --- Serializers shared by the claim endpoints -------------------------------------------------


class ClaimantRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class OriginCountsSerializer(serializers.Serializer):
    asserts = serializers.IntegerField()
    supports = serializers.IntegerField()
    contradicts = serializers.IntegerField()
    context = serializers.IntegerField()  # type: ignore[assignment]  # a field, not Field.context


class ClaimSummarySerializer(serializers.Serializer):
    """A claim as a list row shows it."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    needs_review = serializers.BooleanField(help_text="Flagged for review.")
    version = serializers.IntegerField()
    claimant = ClaimantRefSerializer(allow_null=True)
    made_on = serializers.DateField(allow_null=True)
    made_on_precision = serializers.ChoiceField(choices=Claim.DatePrecision.choices)
    language = serializers.CharField()
    tags = serializers.SerializerMethodField()
    assignee = UserRefSerializer(allow_null=True)
    published_verdict = serializers.SerializerMethodField(
        help_text="The verdict API clients see, or null."
    )
    evidence_count = serializers.IntegerField()
    independent_origins = serializers.SerializerMethodField(
        help_text="Independent origins per stance (see the provenance endpoint)."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_tags(self, claim: Claim) -> list[str]:
        return [tag.name for tag in claim.tags.all()]

    def get_published_verdict(self, claim: Claim) -> str | None:
        if getattr(claim, "last_publication_action", None) == "publish":
            return getattr(claim, "last_publication_verdict", None)
        return None

    @extend_schema_field(OriginCountsSerializer)
    def get_independent_origins(self, claim: Claim) -> dict[str, int]:
        return self.context["origin_counts"][claim.pk]


class EvidenceRowSerializer(serializers.ModelSerializer):
    source_title = serializers.CharField(source="source.title")
    source_url = serializers.CharField(source="source.url")
    outlet = serializers.CharField(source="source.outlet.name", default=None, allow_null=True)
    added_by = serializers.CharField(source="added_by.username")

    class Meta:
        model = Evidence
        fields: tuple[str, ...] = (
            "id", "source", "source_title", "source_url", "outlet", "stance", "credibility",
            "quote", "quote_language", "translation", "note", "added_by", "added_at",
        )  # fmt: skip


class ClaimDetailSerializer(ClaimSummarySerializer):
    evidence = serializers.SerializerMethodField()

    @extend_schema_field(EvidenceRowSerializer(many=True))
    def get_evidence(self, claim: Claim) -> list[dict[str, Any]]:
        rows = claim_evidence(claim=claim, user=self.context["request"].user)
        return cast(list[dict[str, Any]], EvidenceRowSerializer(rows, many=True).data)


def claim_response(
    request: Request, claim_id: int, *, status_code: int = status.HTTP_200_OK
) -> Response:
    """The claim as it is now, with its ETag."""
    try:
        claim = claim_detail(claim_id=claim_id, user=request.user)
    except Claim.DoesNotExist as exc:
        raise Http404 from exc
    counts = claims_origin_counts(claim_ids=[claim.pk], user=request.user)
    data = ClaimDetailSerializer(claim, context={"request": request, "origin_counts": counts}).data
    return Response(data, status=status_code, headers={"ETag": claim_etag(claim.pk, claim.version)})


class ClaimWriteApi(APIView):
    """Base of every claim write: a stale version becomes 412 with the claim as it is now."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StaleVersionError):
            current = claim_response(self.request, exc.current.pk)
            body = error_body("stale_version", str(exc), current=current.data)
            return Response(
                body, status=status.HTTP_412_PRECONDITION_FAILED, headers={"ETag": current["ETag"]}
            )
        return super().handle_exception(exc)

    def claim_write(
        self,
        request: Request,
        claim_id: int,
        input_serializer: type[serializers.Serializer],
        service: Callable[..., Any],
        **extra: Any,
    ) -> Response:
        """Parse the body, find the version the author saw (If-Match or ``version``), call the
        service with the body's fields, answer with the claim as it is now."""
        claim = get_claim_or_404(claim_id)
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = expected_version(
            request, claim_id=claim.pk, body_version=fields.pop("version", None)
        )
        service(claim=claim, actor=request.user, expected_version=version, **fields, **extra)
        return claim_response(request, claim.pk)


def get_claim_or_404(claim_id: int) -> Claim:
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        raise Http404
    return claim


# --- /claims/ ----------------------------------------------------------------------------------


class ClaimsApi(APIView):
    """GET: the claims list, filtered. POST: log a claim."""

    @extend_schema_serializer(component_name="ClaimCreate")
    class CreateInputSerializer(serializers.Serializer):
        text = StrictCharField(max_length=2000)
        kind = serializers.ChoiceField(choices=Claim.Kind.choices, default=Claim.Kind.FACT)
        claimant = IdRelatedField(queryset=Claimant.objects.all(), required=False, allow_null=True)
        made_on = serializers.DateField(required=False, allow_null=True)
        made_on_precision = serializers.ChoiceField(
            choices=Claim.DatePrecision.choices, default=Claim.DatePrecision.DAY
        )
        language = StrictCharField(max_length=16, default="en")
        tags = serializers.ListField(
            child=StrictCharField(max_length=50), max_length=30, default=list
        )
        allow_duplicate = serializers.BooleanField(
            default=False, help_text="Log an exact duplicate anyway, linked to the original."
        )

    @extend_schema(
        operation_id="claims_list",
        parameters=[*filter_parameters(ClaimFilter), *page_parameters()],
        responses={200: paginated(ClaimSummarySerializer, "ClaimSummary"), **ERRORS, **NO_PAGE},
    )
    def get(self, request: Request) -> Response:
        claims = apply_filters(
            ClaimFilter, request.query_params, claim_list(user=request.user), request=request
        )
        paginator = Pagination()
        page: list[Claim] = paginator.paginate_queryset(claims, request, view=self) or []
        counts = claims_origin_counts(claim_ids=[c.pk for c in page], user=request.user)
        data = ClaimSummarySerializer(
            page, many=True, context={"request": request, "origin_counts": counts}
        ).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="claims_create",
        request=CreateInputSerializer,
        responses={201: ClaimDetailSerializer, **ERRORS, 413: WRITE_ERRORS[413]},
    )
    def post(self, request: AuthedRequest) -> Response:
        data = self.CreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = claim_create(actor=request.user, **data.validated_data)
        return claim_response(request, claim.pk, status_code=status.HTTP_201_CREATED)


# --- /claims/{id}/ -----------------------------------------------------------------------------


class ClaimDetailApi(ClaimWriteApi):
    """GET: one claim with its evidence (ETag; If-None-Match gives 304). PATCH: edit it."""

    @extend_schema_serializer(component_name="ClaimUpdate")
    class UpdateInputSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, min_value=1)
        text = StrictCharField(max_length=2000, required=False)
        kind = serializers.ChoiceField(choices=Claim.Kind.choices, required=False)
        claimant = IdRelatedField(queryset=Claimant.objects.all(), required=False, allow_null=True)
        made_on = serializers.DateField(required=False, allow_null=True)
        made_on_precision = serializers.ChoiceField(
            choices=Claim.DatePrecision.choices, required=False
        )
        language = StrictCharField(max_length=16, required=False)
        tags = serializers.ListField(
            child=StrictCharField(max_length=50), max_length=30, required=False
        )

    @extend_schema(
        operation_id="claims_retrieve",
        responses={200: ClaimDetailSerializer, 304: None, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        response = claim_response(request, claim_id)
        if request.headers.get("If-None-Match") == response["ETag"]:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": response["ETag"]})
        return response

    @extend_schema(
        operation_id="claims_partial_update",
        parameters=[IF_MATCH_PARAMETER],
        request=UpdateInputSerializer,
        responses={200: ClaimDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, claim_id: int) -> Response:
        return self.claim_write(request, claim_id, self.UpdateInputSerializer, claim_update)


# --- /claims/{id}/status/ ----------------------------------------------------------------------


class ClaimStatusChangeApi(ClaimWriteApi):
    """POST: move the claim along the workflow, with a rationale. Writes the audit row."""

    @extend_schema_serializer(component_name="ClaimStatusChange")
    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, min_value=1)
        to_status = serializers.ChoiceField(choices=Claim.Status.choices)
        rationale = StrictCharField(max_length=5000)

    @extend_schema(
        operation_id="claims_status_change",
        parameters=[IF_MATCH_PARAMETER],
        request=InputSerializer,
        responses={200: ClaimDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, claim_id: int) -> Response:
        return self.claim_write(request, claim_id, self.InputSerializer, claim_status_change)


# --- /claims/{id}/history/ ---------------------------------------------------------------------


class ClaimHistoryApi(APIView):
    """GET: the claim's status changes, oldest first: the audit trail."""

    @extend_schema_serializer(component_name="StatusChange")
    class OutputSerializer(serializers.ModelSerializer):
        actor = serializers.CharField(source="actor.username")

        class Meta:
            model = StatusChange
            fields = (
                "id", "from_status", "to_status", "rationale", "actor", "claim_version",
                "created_at",
            )  # fmt: skip

    @extend_schema(
        operation_id="claims_history",
        parameters=page_parameters(),
        responses={200: paginated(OutputSerializer, "StatusChange"), **ERRORS, **LIST_NOT_FOUND},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = get_claim_or_404(claim_id)
        return paginated_response(
            request, claim_history(claim=claim), self.OutputSerializer, view=self
        )


# --- Ids in a body: an unknown one is a field error (400), never a 404 or a 500 ---------------


def _no_such(field: str, ids: Iterable[int]) -> exceptions.ValidationError:
    listed = ", ".join(f"#{pk}" for pk in sorted(set(ids)))
    return exceptions.ValidationError(
        {field: [exceptions.ErrorDetail(f"No such id: {listed}.", code="does_not_exist")]}
    )


def visible_source_or_400(*, source_id: int, user: User, field: str = "source") -> Source:
    """The source, if the user may see it; a sensitive one they may not see is 'no such id'."""
    source = sources_visible_to(user=user).filter(pk=source_id).first()
    if source is None:
        raise _no_such(field, [source_id])
    return source


def visible_citations_or_400(*, citation_ids: list[int], user: User) -> list[Citation]:
    """Citations between sources the user may see, in the order given, once each."""
    found = {
        citation.pk: citation
        for citation in citations_visible_to(user=user).filter(pk__in=citation_ids)
    }
    missing = set(citation_ids) - set(found)
    if missing:
        raise _no_such("via", missing)
    return [found[pk] for pk in dict.fromkeys(citation_ids)]


def active_user_or_400(*, user_id: int, field: str) -> AuthUser:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise _no_such(field, [user_id])
    return user


# --- /claims/{id}/provenance/ ------------------------------------------------------------------


class ProvenanceOutletSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    grade = serializers.CharField(allow_null=True, help_text="Current reliability grade, A-F.")
    owner = serializers.CharField(allow_blank=True)
    affiliation = serializers.CharField()
    party_to = serializers.CharField(allow_blank=True, help_text="Party to the story, if any.")


class ProvenanceNodeSerializer(serializers.Serializer):
    source_id = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    sourcing = serializers.CharField(help_text="original, derived or unknown.")
    outlet = ProvenanceOutletSerializer(allow_null=True)
    is_evidence = serializers.BooleanField(help_text="Evidence on the claim itself.")
    is_origin = serializers.BooleanField(help_text="First-hand: the walk stops here.")
    is_dead_end = serializers.BooleanField(
        help_text="Not first-hand and nothing recorded upstream: origin unknown."
    )


class ProvenanceEdgeSerializer(serializers.Serializer):
    citing_id = serializers.IntegerField()
    cited_id = serializers.IntegerField()
    kind = serializers.CharField()


class ProvenanceVoiceSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    origin_ids = serializers.ListField(child=serializers.IntegerField())


class ProvenanceTraceSerializer(serializers.Serializer):
    evidence_id = serializers.IntegerField()
    source_id = serializers.IntegerField()
    stance = serializers.CharField()
    credibility = serializers.IntegerField()
    origin_ids = serializers.ListField(child=serializers.IntegerField())
    origin_unknown = serializers.BooleanField()
    unknown_ids = serializers.ListField(child=serializers.IntegerField())


class ProvenanceStanceSerializer(serializers.Serializer):
    stance = serializers.CharField()
    evidence_count = serializers.IntegerField()
    independent_origins = serializers.IntegerField(
        help_text="Voices among the origins: origins of one outlet or one owner count once."
    )
    voices = ProvenanceVoiceSerializer(many=True)
    origin_unknown_count = serializers.IntegerField()


class ProvenanceGroupSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    source_ids = serializers.ListField(child=serializers.IntegerField())


class ClaimProvenanceApi(APIView):
    """GET: where the claim's evidence comes from, walked up its citations to the origins, and
    how many independent origins each stance has. Sources you may not see are left out."""

    @extend_schema_serializer(component_name="Provenance")
    class OutputSerializer(serializers.Serializer):
        claim_id = serializers.IntegerField()
        nodes = ProvenanceNodeSerializer(many=True)
        edges = ProvenanceEdgeSerializer(many=True)
        evidence = ProvenanceTraceSerializer(many=True)
        stances = ProvenanceStanceSerializer(many=True, help_text="One entry per stance.")
        shared_outlets = ProvenanceGroupSerializer(many=True)
        shared_owners = ProvenanceGroupSerializer(many=True)
        parties = ProvenanceGroupSerializer(many=True)
        truncated = serializers.BooleanField(help_text="The walk stopped at the depth limit.")
        notes = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="claims_provenance",
        responses={200: OutputSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = get_claim_or_404(claim_id)
        provenance = claim_provenance(claim=claim, user=request.user)
        return Response(self.OutputSerializer(provenance.as_dict()).data)


# --- /claims/{id}/evidence/ and /evidence/{id}/ -----------------------------------------------


class EvidenceSerializer(EvidenceRowSerializer):
    """An evidence row as the evidence endpoints show it."""

    claim_version = serializers.SerializerMethodField(
        help_text="The claim's version now (the number in its ETag): send it with the next write."
    )

    class Meta(EvidenceRowSerializer.Meta):
        fields = (*EvidenceRowSerializer.Meta.fields, "claim", "claim_version", "via", "updated_at")

    def get_claim_version(self, evidence: Evidence) -> int:
        return self.context["claim_version"]


class ClaimVersionSerializer(serializers.Serializer):
    claim = serializers.IntegerField()
    claim_version = serializers.IntegerField()


def _visible_via(user: User) -> Prefetch:
    """An evidence row's ``via``, without citations of sources the user may not see."""
    cited = source_visibility_q(user, prefix="cited__")
    return Prefetch("via", queryset=Citation.objects.filter(cited).order_by("pk"))


def evidence_response(
    request: Request,
    evidence: Evidence,
    *,
    claim_version: int,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The evidence row as written, with its claim's new ETag (and its address, when new).

    ``claim_version``: the version the write was checked against, plus one. The service locked
    the claim, checked that version and bumped it exactly once, so no re-read is needed (and a
    re-read could pick up someone else's later write)."""
    # Re-read with the joins the serializer needs, and ``via`` through the user's visibility.
    evidence = (
        Evidence.objects.filter(pk=evidence.pk)
        .select_related("source__outlet", "added_by")
        .prefetch_related(_visible_via(request.user))
        .first()
        or evidence
    )
    data = EvidenceSerializer(evidence, context={"claim_version": claim_version}).data
    headers = {"ETag": claim_etag(evidence.claim_id, claim_version)}
    if status_code == status.HTTP_201_CREATED:
        headers["Location"] = request.build_absolute_uri(
            reverse("verification:evidence-detail", args=[evidence.pk])
        )
    return Response(data, status=status_code, headers=headers)


class EvidenceInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The claim's version, if no If-Match is sent."
    )
    stance = serializers.ChoiceField(choices=Evidence.Stance.choices)
    quote = StrictCharField(
        max_length=10000, allow_blank=True, default="", help_text="In its original language."
    )
    quote_language = StrictCharField(max_length=16, allow_blank=True, default="")
    translation = StrictCharField(
        max_length=10000,
        allow_blank=True,
        default="",
        help_text="Required when the quote is not in the newsroom's language.",
    )
    credibility = serializers.ChoiceField(
        choices=Evidence.Credibility.choices, default=Evidence.Credibility.CANNOT_JUDGE
    )
    note = StrictCharField(max_length=5000, allow_blank=True, default="")
    via = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=100,
        default=list,
        help_text="Ids of the source's own citations that carry this claim; empty: all of them.",
    )


class ClaimEvidenceApi(ClaimWriteApi):
    """GET: the claim's evidence you may see. POST: add a source as evidence (fact-checkers)."""

    @extend_schema_serializer(component_name="EvidenceCreate")
    class CreateInputSerializer(EvidenceInputSerializer):
        source = serializers.IntegerField(min_value=1, help_text="A source id.")  # type: ignore[assignment]  # a field, not Field.source

    @extend_schema(
        operation_id="claims_evidence_list",
        parameters=page_parameters(),
        responses={200: paginated(EvidenceSerializer, "Evidence"), **ERRORS, **LIST_NOT_FOUND},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = get_claim_or_404(claim_id)
        rows = claim_evidence(claim=claim, user=request.user).prefetch_related(
            _visible_via(request.user)
        )
        return paginated_response(
            request, rows, EvidenceSerializer, view=self, context={"claim_version": claim.version}
        )

    @extend_schema(
        operation_id="claims_evidence_create",
        parameters=[IF_MATCH_PARAMETER],
        request=CreateInputSerializer,
        responses={
            201: OpenApiResponse(
                EvidenceSerializer,
                description="The new row; the claim's new ETag is in the ETag header.",
            ),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: AuthedRequest, claim_id: int) -> Response:
        claim = get_claim_or_404(claim_id)
        data = self.CreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = expected_version(
            request, claim_id=claim.pk, body_version=fields.pop("version", None)
        )
        source = visible_source_or_400(source_id=fields.pop("source"), user=request.user)
        via = visible_citations_or_400(citation_ids=fields.pop("via"), user=request.user)
        evidence = evidence_add(
            claim=claim,
            actor=request.user,
            expected_version=version,
            source=source,
            via=via,
            **fields,
        )
        return evidence_response(
            request, evidence, claim_version=version + 1, status_code=status.HTTP_201_CREATED
        )


class EvidenceDetailApi(ClaimWriteApi):
    """PATCH: edit evidence. DELETE: remove it. Both guarded by the claim's ETag (If-Match)."""

    @extend_schema_serializer(component_name="EvidenceUpdate")
    class UpdateInputSerializer(EvidenceInputSerializer):
        """Every field optional: only what is sent changes."""

        def get_fields(self) -> dict[str, serializers.Field]:
            fields = super().get_fields()
            for field in fields.values():
                field.required = False
                field.default = serializers.empty
            return fields

    class DeleteQuerySerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, min_value=1)

    def _evidence(self, request: Request, evidence_id: int) -> Evidence:
        evidence = Evidence.objects.filter(
            source_visibility_q(request.user, prefix="source__"), pk=evidence_id
        ).first()
        if evidence is None:
            raise Http404
        return evidence

    @extend_schema(
        operation_id="evidence_partial_update",
        parameters=[IF_MATCH_PARAMETER],
        request=UpdateInputSerializer,
        responses={
            200: OpenApiResponse(
                EvidenceSerializer,
                description="The row as edited; the claim's new ETag is in the ETag header.",
            ),
            **EVIDENCE_WRITE_ERRORS,
        },
    )
    def patch(self, request: AuthedRequest, evidence_id: int) -> Response:
        evidence = self._evidence(request, evidence_id)
        data = self.UpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = expected_version(
            request, claim_id=evidence.claim_id, body_version=changes.pop("version", None)
        )
        if "via" in changes:
            changes["via"] = visible_citations_or_400(
                citation_ids=changes["via"], user=request.user
            )
        evidence = evidence_update(
            evidence=evidence, actor=request.user, expected_version=version, **changes
        )
        return evidence_response(request, evidence, claim_version=version + 1)

    @extend_schema(
        operation_id="evidence_destroy",
        parameters=[IF_MATCH_PARAMETER, DeleteQuerySerializer],
        responses={
            200: OpenApiResponse(
                ClaimVersionSerializer,
                description="Removed. The claim's new version; its ETag is in the ETag header.",
            ),
            **EVIDENCE_WRITE_ERRORS,
        },
    )
    def delete(self, request: AuthedRequest, evidence_id: int) -> Response:
        evidence = self._evidence(request, evidence_id)
        query = self.DeleteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        version = expected_version(
            request, claim_id=evidence.claim_id, body_version=query.validated_data.get("version")
        )
        evidence_delete(evidence=evidence, actor=request.user, expected_version=version)
        body = {"claim": evidence.claim_id, "claim_version": version + 1}
        return Response(
            ClaimVersionSerializer(body).data,
            headers={"ETag": claim_etag(evidence.claim_id, version + 1)},
        )


# --- /claims/{id}/assignment/ ------------------------------------------------------------------


class ClaimAssignmentApi(ClaimWriteApi):
    """POST: assign the claim to a fact-checker or editor, or to nobody (fact-checkers)."""

    @extend_schema_serializer(component_name="ClaimAssignment")
    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, min_value=1)
        assignee = serializers.IntegerField(
            min_value=1, allow_null=True, help_text="A fact-checker's user id; null: nobody."
        )

    @extend_schema(
        operation_id="claims_assign",
        parameters=[IF_MATCH_PARAMETER],
        request=InputSerializer,
        responses={200: ClaimDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: AuthedRequest, claim_id: int) -> Response:
        claim = get_claim_or_404(claim_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = expected_version(
            request, claim_id=claim.pk, body_version=data.validated_data.get("version")
        )
        assignee_id = data.validated_data["assignee"]
        assignee = (
            None
            if assignee_id is None
            else active_user_or_400(user_id=assignee_id, field="assignee")
        )
        claim_assign(claim=claim, actor=request.user, assignee=assignee, expected_version=version)
        return claim_response(request, claim.pk)


# --- /claims/{id}/publish/, /unpublish/, /publications/ ----------------------------------------


class ClaimPublishApi(ClaimWriteApi):
    """POST: publish the claim's current verdict with a public summary (editors; not a verdict
    you set yourself). Publishing again, e.g. with a corrected summary, is recorded."""

    @extend_schema_serializer(component_name="ClaimPublish")
    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, min_value=1)
        public_summary = StrictCharField(max_length=5000)
        reason = StrictCharField(
            max_length=5000,
            allow_blank=True,
            default="",
            help_text="Why, when this corrects an earlier publication.",
        )

    @extend_schema(
        operation_id="claims_publish",
        parameters=[IF_MATCH_PARAMETER],
        request=InputSerializer,
        responses={200: ClaimDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, claim_id: int) -> Response:
        return self.claim_write(request, claim_id, self.InputSerializer, verdict_publish)


class ClaimUnpublishApi(ClaimWriteApi):
    """POST: withdraw the published verdict, with a reason (editors). API clients then see none."""

    @extend_schema_serializer(component_name="ClaimUnpublish")
    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, min_value=1)
        reason = StrictCharField(max_length=5000)

    @extend_schema(
        operation_id="claims_unpublish",
        parameters=[IF_MATCH_PARAMETER],
        request=InputSerializer,
        responses={200: ClaimDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, claim_id: int) -> Response:
        return self.claim_write(request, claim_id, self.InputSerializer, verdict_unpublish)


class ClaimPublicationsApi(APIView):
    """GET: every publish and unpublish of the claim, oldest first: the corrections log."""

    @extend_schema_serializer(component_name="Publication")
    class OutputSerializer(serializers.ModelSerializer):
        actor = serializers.CharField(source="actor.username")

        class Meta:
            model = Publication
            fields = (
                "id", "action", "verdict", "status_change", "public_summary", "reason", "actor",
                "created_at",
            )  # fmt: skip

    @extend_schema(
        operation_id="claims_publications",
        parameters=page_parameters(),
        responses={200: paginated(OutputSerializer, "Publication"), **ERRORS, **LIST_NOT_FOUND},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = get_claim_or_404(claim_id)
        return paginated_response(
            request, claim_publications(claim=claim), self.OutputSerializer, view=self
        )
