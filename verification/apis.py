"""Claim endpoints: the list and its filters, detail, create, edit, status changes.

Views are thin: parse with an InputSerializer, call a service or a selector, serialize with an
OutputSerializer. Every claim response carries an ETag; every claim write needs If-Match (or a
``version`` field) and a stale one is answered 412 with the claim as it is now.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import Claim, Claimant
from claims.services import StaleVersionError, claim_create, claim_update
from config.api import (
    IF_MATCH_PARAMETER,
    ErrorSerializer,
    Pagination,
    apply_filters,
    claim_etag,
    error_body,
    expected_version,
    filter_parameters,
)
from verification.filters import ClaimFilter
from verification.models import Evidence, StatusChange
from verification.provenance import claims_origin_counts
from verification.selectors import claim_detail, claim_evidence, claim_history, claim_list
from verification.services import claim_status_change

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input, per field."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such claim.")}
WRITE_ERRORS = {
    **ERRORS,
    **NOT_FOUND,
    412: OpenApiResponse(
        ErrorSerializer, description="Stale version: the body's `current` is the claim now."
    ),
    413: OpenApiResponse(ErrorSerializer, description="Request body too large."),
    428: OpenApiResponse(ErrorSerializer, description="No If-Match header or version field."),
}


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
    context = serializers.IntegerField()


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
            return claim.last_publication_verdict
        return None

    @extend_schema_field(OriginCountsSerializer)
    def get_independent_origins(self, claim: Claim) -> dict[str, int]:
        return self.context["origin_counts"][claim.pk]


class EvidenceRowSerializer(serializers.ModelSerializer):
    source_title = serializers.CharField(source="source.title")
    source_url = serializers.CharField(source="source.url")
    outlet = serializers.CharField(source="source.outlet.name", default=None)
    added_by = serializers.CharField(source="added_by.username")

    class Meta:
        model = Evidence
        fields = (
            "id", "source", "source_title", "source_url", "outlet", "stance", "credibility",
            "quote", "quote_language", "translation", "note", "added_by", "added_at",
        )  # fmt: skip


class ClaimDetailSerializer(ClaimSummarySerializer):
    evidence = serializers.SerializerMethodField()

    @extend_schema_field(EvidenceRowSerializer(many=True))
    def get_evidence(self, claim: Claim) -> list[dict[str, Any]]:
        rows = claim_evidence(claim=claim, user=self.context["request"].user)
        return EvidenceRowSerializer(rows, many=True).data


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


def get_claim_or_404(claim_id: int) -> Claim:
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        raise Http404
    return claim


# --- /claims/ ----------------------------------------------------------------------------------


class ClaimsApi(APIView):
    """GET: the claims list, filtered. POST: log a claim."""

    class CreateInputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000)
        kind = serializers.ChoiceField(choices=Claim.Kind.choices, default=Claim.Kind.FACT)
        claimant = serializers.PrimaryKeyRelatedField(
            queryset=Claimant.objects.all(), required=False, allow_null=True
        )
        made_on = serializers.DateField(required=False, allow_null=True)
        made_on_precision = serializers.ChoiceField(
            choices=Claim.DatePrecision.choices, default=Claim.DatePrecision.DAY
        )
        language = serializers.CharField(max_length=16, default="en")
        tags = serializers.ListField(
            child=serializers.CharField(max_length=50), max_length=30, default=list
        )
        allow_duplicate = serializers.BooleanField(
            default=False, help_text="Log an exact duplicate anyway, linked to the original."
        )

    @extend_schema(
        operation_id="claims_list",
        parameters=filter_parameters(ClaimFilter),
        responses={200: ClaimSummarySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        claims = apply_filters(
            ClaimFilter, request.query_params, claim_list(user=request.user), request=request
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(claims, request, view=self)
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
    def post(self, request: Request) -> Response:
        data = self.CreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = claim_create(actor=request.user, **data.validated_data)
        return claim_response(request, claim.pk, status_code=status.HTTP_201_CREATED)


# --- /claims/{id}/ -----------------------------------------------------------------------------


class ClaimDetailApi(ClaimWriteApi):
    """GET: one claim with its evidence (ETag; If-None-Match gives 304). PATCH: edit it."""

    class UpdateInputSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, min_value=1)
        text = serializers.CharField(max_length=2000, required=False)
        kind = serializers.ChoiceField(choices=Claim.Kind.choices, required=False)
        claimant = serializers.PrimaryKeyRelatedField(
            queryset=Claimant.objects.all(), required=False, allow_null=True
        )
        made_on = serializers.DateField(required=False, allow_null=True)
        made_on_precision = serializers.ChoiceField(
            choices=Claim.DatePrecision.choices, required=False
        )
        language = serializers.CharField(max_length=16, required=False)
        tags = serializers.ListField(
            child=serializers.CharField(max_length=50), max_length=30, required=False
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
        claim = get_claim_or_404(claim_id)
        data = self.UpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = expected_version(
            request, claim_id=claim.pk, body_version=changes.pop("version", None)
        )
        claim_update(claim=claim, actor=request.user, expected_version=version, **changes)
        return claim_response(request, claim.pk)


# --- /claims/{id}/status/ ----------------------------------------------------------------------


class ClaimStatusChangeApi(ClaimWriteApi):
    """POST: move the claim along the workflow, with a rationale. Writes the audit row."""

    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, min_value=1)
        to_status = serializers.ChoiceField(choices=Claim.Status.choices)
        rationale = serializers.CharField(max_length=5000)

    @extend_schema(
        operation_id="claims_status_change",
        parameters=[IF_MATCH_PARAMETER],
        request=InputSerializer,
        responses={200: ClaimDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, claim_id: int) -> Response:
        claim = get_claim_or_404(claim_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = expected_version(
            request, claim_id=claim.pk, body_version=data.validated_data.get("version")
        )
        claim_status_change(
            claim=claim,
            actor=request.user,
            to_status=data.validated_data["to_status"],
            rationale=data.validated_data["rationale"],
            expected_version=version,
        )
        return claim_response(request, claim.pk)


# --- /claims/{id}/history/ ---------------------------------------------------------------------


class ClaimHistoryApi(APIView):
    """GET: the claim's status changes, oldest first: the audit trail."""

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
        responses={200: OutputSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = get_claim_or_404(claim_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(claim_history(claim=claim), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
