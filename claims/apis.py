"""Claimant and claim-relation endpoints.

Views are thin: parse with an InputSerializer, call a service, serialize with an
OutputSerializer. Relations do not change what a claim says, so they do not bump its version
and need no If-Match. This app imports nothing from ``sources`` or ``verification``: the shared
plumbing is in ``config.api``.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.filters import ClaimantFilter
from claims.models import Claim, Claimant, ClaimRelation
from claims.services import (
    claim_relation_create,
    claim_relation_delete,
    claimant_create,
    claimant_update,
)
from config.api import (
    StrictCharField,
    apply_filters,
    error_responses,
    filter_parameters,
    page_parameters,
    paginated,
    paginated_response,
)
from config.requests import AuthedRequest

M = TypeVar("M", bound=Model)


def _get_or_404(queryset: QuerySet[M], pk: int) -> M:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# --- /claimants/ -------------------------------------------------------------------------------


def claimant_queryset() -> QuerySet[Claimant]:
    return Claimant.objects.annotate(claim_count=Count("claims")).order_by("name", "pk")


@extend_schema_serializer(component_name="Claimant")
class ClaimantSerializer(serializers.ModelSerializer):
    claim_count = serializers.IntegerField(read_only=True, help_text="Claims it made.")

    class Meta:
        model = Claimant
        fields = (
            "id", "name", "kind", "title", "affiliation", "country", "claim_count", "created_at",
        )  # fmt: skip


class ClaimantsApi(APIView):
    """GET: the claimants, filtered. POST: add one (any newsroom role)."""

    @extend_schema_serializer(component_name="ClaimantCreate")
    class CreateInputSerializer(serializers.Serializer):
        name = StrictCharField(max_length=200)
        kind = serializers.ChoiceField(choices=Claimant.Kind.choices, default=Claimant.Kind.PERSON)
        title = StrictCharField(max_length=200, allow_blank=True, default="")
        affiliation = StrictCharField(max_length=200, allow_blank=True, default="")
        country = StrictCharField(
            max_length=2, allow_blank=True, default="", help_text="Two-letter code, e.g. UA."
        )

    @extend_schema(
        operation_id="claimants_list",
        parameters=[*filter_parameters(ClaimantFilter), *page_parameters()],
        responses={
            200: paginated(ClaimantSerializer, "Claimant"),
            **error_responses(400, 401, 403, 404, not_found="No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        claimants = apply_filters(
            ClaimantFilter, request.query_params, claimant_queryset(), request=request
        )
        return paginated_response(request, claimants, ClaimantSerializer, view=self)

    @extend_schema(
        operation_id="claimants_create",
        request=CreateInputSerializer,
        responses={201: ClaimantSerializer, **error_responses(400, 401, 403, 413)},
    )
    def post(self, request: AuthedRequest) -> Response:
        data = self.CreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claimant = claimant_create(actor=request.user, **data.validated_data)
        claimant = claimant_queryset().get(pk=claimant.pk)
        return Response(ClaimantSerializer(claimant).data, status=status.HTTP_201_CREATED)


class ClaimantDetailApi(APIView):
    """GET: one claimant. PATCH: edit it (any newsroom role)."""

    @extend_schema_serializer(component_name="ClaimantUpdate")
    class UpdateInputSerializer(serializers.Serializer):
        name = StrictCharField(max_length=200, required=False)
        kind = serializers.ChoiceField(choices=Claimant.Kind.choices, required=False)
        title = StrictCharField(max_length=200, allow_blank=True, required=False)
        affiliation = StrictCharField(max_length=200, allow_blank=True, required=False)
        country = StrictCharField(max_length=2, allow_blank=True, required=False)

    @extend_schema(
        operation_id="claimants_retrieve",
        responses={
            200: ClaimantSerializer,
            **error_responses(401, 403, 404, not_found="No such claimant."),
        },
    )
    def get(self, request: Request, claimant_id: int) -> Response:
        claimant = _get_or_404(claimant_queryset(), claimant_id)
        return Response(ClaimantSerializer(claimant).data)

    @extend_schema(
        operation_id="claimants_partial_update",
        request=UpdateInputSerializer,
        responses={
            200: ClaimantSerializer,
            **error_responses(400, 401, 403, 404, 413, not_found="No such claimant."),
        },
    )
    def patch(self, request: AuthedRequest, claimant_id: int) -> Response:
        claimant = _get_or_404(Claimant.objects.all(), claimant_id)
        data = self.UpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claimant_update(claimant=claimant, actor=request.user, **data.validated_data)
        return Response(ClaimantSerializer(claimant_queryset().get(pk=claimant.pk)).data)


# --- /claims/{id}/relations/ and /relations/{id}/ ---------------------------------------------


class ClaimRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    status = serializers.ChoiceField(choices=Claim.Status.choices)


@extend_schema_serializer(component_name="ClaimRelation")
class ClaimRelationSerializer(serializers.ModelSerializer):
    direction = serializers.SerializerMethodField(
        help_text="outgoing: this claim is from_claim; incoming: it is to_claim."
    )
    from_claim = ClaimRefSerializer()
    to_claim = ClaimRefSerializer()
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = ClaimRelation
        fields = (
            "id", "kind", "direction", "from_claim", "to_claim", "note", "created_by",
            "created_at",
        )  # fmt: skip

    def get_direction(self, relation: ClaimRelation) -> str:
        return "incoming" if relation.to_claim_id == self.context["claim_id"] else "outgoing"


def _relations(claim_id: int) -> QuerySet[ClaimRelation]:
    return (
        ClaimRelation.objects.filter(Q(from_claim_id=claim_id) | Q(to_claim_id=claim_id))
        .select_related("from_claim", "to_claim", "created_by")
        .order_by("pk")
    )


class ClaimRelationsApi(APIView):
    """GET: the claim's relations, both ways. POST: relate it to another claim (fact-checkers).

    Contradicts and duplicates are symmetric: one row stands for both ways."""

    @extend_schema_serializer(component_name="ClaimRelationCreate")
    class CreateInputSerializer(serializers.Serializer):
        to_claim = serializers.IntegerField(min_value=1, help_text="The other claim's id.")
        kind = serializers.ChoiceField(choices=ClaimRelation.Kind.choices)
        note = StrictCharField(max_length=2000, allow_blank=True, default="")

    @extend_schema(
        operation_id="claims_relations_list",
        parameters=page_parameters(),
        responses={
            200: paginated(ClaimRelationSerializer, "ClaimRelation"),
            **error_responses(400, 401, 403, 404, not_found="No such claim, or no such page."),
        },
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = _get_or_404(Claim.objects.all(), claim_id)
        return paginated_response(
            request,
            _relations(claim.pk),
            ClaimRelationSerializer,
            view=self,
            context={"claim_id": claim.pk},
        )

    @extend_schema(
        operation_id="claims_relations_create",
        request=CreateInputSerializer,
        responses={
            201: ClaimRelationSerializer,
            **error_responses(400, 401, 403, 404, 413, not_found="No such claim."),
        },
    )
    def post(self, request: AuthedRequest, claim_id: int) -> Response:
        claim = _get_or_404(Claim.objects.all(), claim_id)
        data = self.CreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to_claim = Claim.objects.filter(pk=data.validated_data["to_claim"]).first()
        if to_claim is None:
            raise exceptions.ValidationError(
                {"to_claim": [exceptions.ErrorDetail("No such claim.", code="does_not_exist")]}
            )
        relation = claim_relation_create(
            actor=request.user,
            from_claim=claim,
            to_claim=to_claim,
            kind=data.validated_data["kind"],
            note=data.validated_data["note"],
        )
        row = _relations(claim.pk).get(pk=relation.pk)
        return Response(
            ClaimRelationSerializer(row, context={"claim_id": claim.pk}).data,
            status=status.HTTP_201_CREATED,
        )


class RelationDetailApi(APIView):
    """DELETE: remove a relation between two claims (fact-checkers)."""

    @extend_schema(
        operation_id="relations_destroy",
        request=None,
        responses={
            204: None,
            **error_responses(401, 403, 404, not_found="No such relation."),
        },
    )
    def delete(self, request: AuthedRequest, relation_id: int) -> Response:
        relation = _get_or_404(ClaimRelation.objects.all(), relation_id)
        claim_relation_delete(relation=relation, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
