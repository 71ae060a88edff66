"""Outlet endpoints: the list and its filters, detail, create, edit, domains, handles, ratings.

Views are thin: parse with an InputSerializer, call a service, serialize. The services check
roles (creating and editing outlets: fact-checker; rating: editor).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    apply_filters,
    error_responses,
    filter_parameters,
    page_parameters,
    paginated,
    paginated_response,
)
from sources.filters import OutletFilter
from sources.models import Outlet, OutletHandle, ReliabilityRating
from sources.services import (
    outlet_create,
    outlet_domain_add,
    outlet_handle_add,
    outlet_rate,
    outlet_update,
)

ERRORS = error_responses(400, 401, 403)
NOT_FOUND = error_responses(404, not_found="No such outlet.")
# Pagination answers a page past the end with 404.
LIST_ERRORS = {**ERRORS, **error_responses(404, not_found="No such page.")}
WRITE_ERRORS = {**ERRORS, **NOT_FOUND, **error_responses(413)}


# --- Serializers shared by the outlet endpoints ------------------------------------------------


class OutletDomainSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    domain = serializers.CharField(help_text="Bare and lower-case; subdomains belong to it too.")


class OutletHandleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=OutletHandle.Platform.choices)
    handle = serializers.CharField(help_text="Lower-case, without '@'.")


class OutletSerializer(serializers.Serializer):
    """An outlet with its current grade, domains and handles."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Outlet.Kind.choices)
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code, or empty.")
    affiliation = serializers.ChoiceField(choices=Outlet.Affiliation.choices)
    owner = serializers.CharField()
    party_to = serializers.CharField()
    description = serializers.CharField()
    current_grade = serializers.ChoiceField(
        choices=ReliabilityRating.Grade.choices,
        allow_null=True,
        help_text="The latest reliability rating's grade, or null if never rated.",
    )
    domains = OutletDomainSerializer(many=True)
    handles = OutletHandleSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OutletRefSerializer(serializers.Serializer):
    """An outlet as other resources (sources) show it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    current_grade = serializers.ChoiceField(
        choices=ReliabilityRating.Grade.choices, allow_null=True
    )


class RatingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    grade = serializers.ChoiceField(choices=ReliabilityRating.Grade.choices)
    rationale = serializers.CharField()
    external_reference = serializers.CharField()
    rated_by = serializers.CharField(source="rated_by.username")
    rated_at = serializers.DateTimeField()


class HandleInputSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=OutletHandle.Platform.choices)
    handle = serializers.CharField(max_length=200, help_text="With or without '@'.")

    class Meta:
        ref_name = "OutletHandle"


def outlets_with_details() -> QuerySet[Outlet]:
    return (
        Outlet.objects.with_current_grade()
        .prefetch_related("domains", "handles")
        .order_by("name", "pk")
    )


def outlet_response(outlet_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    outlet = outlets_with_details().filter(pk=outlet_id).first()
    if outlet is None:
        raise Http404
    return Response(OutletSerializer(outlet).data, status=status_code)


def get_outlet_or_404(outlet_id: int) -> Outlet:
    outlet = Outlet.objects.filter(pk=outlet_id).first()
    if outlet is None:
        raise Http404
    return outlet


def _renamed(exc: DjangoValidationError, names: dict[str, str]) -> DjangoValidationError:
    """The service's errors on a domain or handle row, keyed by the request's field. A handle
    another outlet owns breaks the (platform, handle) constraint: a non-field error there."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, list[Any]] = {}
    for field, errors in exc.error_dict.items():
        renamed.setdefault(names.get(field, field), []).extend(errors)
    return DjangoValidationError(renamed)


# --- /outlets/ ---------------------------------------------------------------------------------


class OutletsApi(APIView):
    """GET: outlets with their current grade, filtered. POST: add an outlet (fact-checker)."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=Outlet.Kind.choices, default=Outlet.Kind.WEBSITE)
        country = serializers.CharField(
            max_length=2, allow_blank=True, default="", help_text="ISO 3166-1 alpha-2 code."
        )
        affiliation = serializers.ChoiceField(
            choices=Outlet.Affiliation.choices, default=Outlet.Affiliation.UNKNOWN
        )
        owner = serializers.CharField(max_length=200, allow_blank=True, default="")
        party_to = serializers.CharField(max_length=120, allow_blank=True, default="")
        description = serializers.CharField(max_length=5000, allow_blank=True, default="")
        domains = serializers.ListField(
            child=serializers.CharField(max_length=253),
            max_length=50,
            default=list,
            help_text="Web domains it owns, e.g. example.com.",
        )
        handles = HandleInputSerializer(many=True, max_length=50, default=list)

        class Meta:
            ref_name = "OutletCreate"

    @extend_schema(
        operation_id="outlets_list",
        parameters=[*filter_parameters(OutletFilter), *page_parameters()],
        responses={200: paginated(OutletSerializer, "Outlet"), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        outlets = apply_filters(
            OutletFilter, request.query_params, outlets_with_details(), request=request
        )
        return paginated_response(request, outlets, OutletSerializer, view=self)

    @extend_schema(
        operation_id="outlets_create",
        request=InputSerializer,
        responses={201: OutletSerializer, **ERRORS, **error_responses(413)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        handles = [(h["platform"], h["handle"]) for h in fields.pop("handles")]
        try:
            outlet = outlet_create(actor=request.user, handles=handles, **fields)
        except DjangoValidationError as exc:
            raise _renamed(
                exc,
                {
                    "domain": "domains",
                    "platform": "handles",
                    "handle": "handles",
                    NON_FIELD_ERRORS: "handles",
                },
            ) from exc
        return outlet_response(outlet.pk, status_code=status.HTTP_201_CREATED)


# --- /outlets/{id}/ ----------------------------------------------------------------------------


class OutletDetailApi(APIView):
    """GET: one outlet. PATCH: edit it (fact-checker)."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        kind = serializers.ChoiceField(choices=Outlet.Kind.choices, required=False)
        country = serializers.CharField(max_length=2, allow_blank=True, required=False)
        affiliation = serializers.ChoiceField(choices=Outlet.Affiliation.choices, required=False)
        owner = serializers.CharField(max_length=200, allow_blank=True, required=False)
        party_to = serializers.CharField(max_length=120, allow_blank=True, required=False)
        description = serializers.CharField(max_length=5000, allow_blank=True, required=False)

        class Meta:
            ref_name = "OutletUpdate"

    @extend_schema(
        operation_id="outlets_retrieve", responses={200: OutletSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request: Request, outlet_id: int) -> Response:
        return outlet_response(outlet_id)

    @extend_schema(
        operation_id="outlets_partial_update",
        request=InputSerializer,
        responses={200: OutletSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, outlet_id: int) -> Response:
        outlet = get_outlet_or_404(outlet_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outlet_update(outlet=outlet, actor=request.user, **data.validated_data)
        return outlet_response(outlet.pk)


# --- /outlets/{id}/ratings/ --------------------------------------------------------------------


class OutletRatingsApi(APIView):
    """GET: the outlet's reliability ratings, newest first. POST: rate it (editor)."""

    class InputSerializer(serializers.Serializer):
        grade = serializers.ChoiceField(choices=ReliabilityRating.Grade.choices)
        rationale = serializers.CharField(max_length=5000)
        external_reference = serializers.CharField(
            max_length=500,
            allow_blank=True,
            default="",
            help_text="A published media rating or other reference backing the grade.",
        )

        class Meta:
            ref_name = "RatingCreate"

    @extend_schema(
        operation_id="outlets_ratings_list",
        parameters=page_parameters(),
        responses={
            200: paginated(RatingSerializer, "Rating"),
            **ERRORS,
            **error_responses(404, not_found="No such outlet, or no such page."),
        },
    )
    def get(self, request: Request, outlet_id: int) -> Response:
        outlet = get_outlet_or_404(outlet_id)
        ratings = (
            ReliabilityRating.objects.filter(outlet=outlet)
            .select_related("rated_by")
            .order_by("-rated_at", "-pk")
        )
        return paginated_response(request, ratings, RatingSerializer, view=self)

    @extend_schema(
        operation_id="outlets_ratings_create",
        request=InputSerializer,
        responses={201: RatingSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, outlet_id: int) -> Response:
        outlet = get_outlet_or_404(outlet_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = outlet_rate(outlet=outlet, actor=request.user, **data.validated_data)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


# --- /outlets/{id}/domains/ and /handles/ ------------------------------------------------------


class OutletDomainAddApi(APIView):
    """POST: the outlet owns this web domain (and its subdomains) from now on (fact-checker)."""

    class InputSerializer(serializers.Serializer):
        domain = serializers.CharField(
            max_length=2000, help_text="example.com; www. and a URL's path are dropped."
        )

        class Meta:
            ref_name = "OutletDomain"

    @extend_schema(
        operation_id="outlets_domains_create",
        request=InputSerializer,
        responses={201: OutletDomainSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, outlet_id: int) -> Response:
        outlet = get_outlet_or_404(outlet_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = outlet_domain_add(outlet=outlet, actor=request.user, **data.validated_data)
        return Response(OutletDomainSerializer(row).data, status=status.HTTP_201_CREATED)


class OutletHandleAddApi(APIView):
    """POST: the outlet owns this social handle from now on (fact-checker)."""

    @extend_schema(
        operation_id="outlets_handles_create",
        request=HandleInputSerializer,
        responses={201: OutletHandleSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, outlet_id: int) -> Response:
        outlet = get_outlet_or_404(outlet_id)
        data = HandleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            row = outlet_handle_add(outlet=outlet, actor=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise _renamed(exc, {NON_FIELD_ERRORS: "handle"}) from exc
        return Response(OutletHandleSerializer(row).data, status=status.HTTP_201_CREATED)
