"""Source, citation and link-check endpoints.

Every read goes through ``sources.selectors``: a source the user may not see is a 404 like a
missing one, is absent from every list and filter result, and a citation is listed only when the
user may see both its ends. Writes go through the services, which check roles and access.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    IdRelatedField,
    apply_filters,
    error_responses,
    filter_parameters,
    page_parameters,
    paginated,
    paginated_response,
)
from sources.apis.outlets import OutletRefSerializer
from sources.archiving.linkcheck import source_link_recheck
from sources.filters import CitationFilter, SourceFilter
from sources.models import Citation, LinkCheck, Outlet, Snapshot, Source
from sources.selectors import (
    citations_visible_to,
    source_link_checks,
    source_with_details,
    sources_visible_to,
    visible_source_or_404,
)
from sources.services import citation_create, citation_delete, source_create, source_update

ERRORS = error_responses(400, 401, 403)
CREATE_ERRORS = {**ERRORS, **error_responses(413)}
SOURCE_WRITE_ERRORS = {
    **CREATE_ERRORS,
    **error_responses(404, not_found="No such source (or not one you may see)."),
}
SOURCE_NOT_FOUND_TEXT = "No such source (or not one you may see)."
SOURCE_NOT_FOUND = error_responses(404, not_found=SOURCE_NOT_FOUND_TEXT)
# Pagination answers a page past the end with 404.
LIST_ERRORS = {**ERRORS, **error_responses(404, not_found="No such page.")}


# --- Serializers -------------------------------------------------------------------------------


class CaptureSummarySerializer(serializers.Serializer):
    """The source's latest snapshot, in brief: GET /snapshots/{snapshot}/ has the rest."""

    snapshot = serializers.IntegerField(help_text="The snapshot's id.")
    status = serializers.ChoiceField(choices=Snapshot.Status.choices)
    error_message = serializers.CharField(help_text="Why it failed or was blocked; else empty.")


class LinkHealthSerializer(serializers.Serializer):
    """The source's link at its last re-check; GET /sources/{id}/link-checks/ has the history."""

    status = serializers.ChoiceField(
        source="link_status",
        choices=Source.LinkStatus.choices,
        allow_blank=True,
        help_text="alive, changed (the text differs from the last snapshot's), gone (404, 410 "
        "or a redirect to the home page) or error; empty when never checked.",
    )
    checked_at = serializers.DateTimeField(source="link_checked_at", allow_null=True)
    next_check_at = serializers.DateTimeField(
        source="link_next_check_at",
        allow_null=True,
        help_text="When the periodic re-check is due; null for a source not yet scheduled.",
    )


class SourceSerializer(serializers.Serializer):
    """A source, with its outlet and the outlet's current grade."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    title = serializers.CharField()
    url = serializers.CharField(help_text="As cited; empty for sources without one.")
    canonical_url = serializers.CharField(
        allow_null=True, help_text="The form that identifies the page; null without a URL."
    )
    outlet = serializers.SerializerMethodField()
    author = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField()
    sourcing = serializers.ChoiceField(choices=Source.Sourcing.choices)
    summary = serializers.CharField()
    is_sensitive = serializers.BooleanField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    capture = serializers.SerializerMethodField(
        help_text="The latest snapshot (capture or upload); null when there is none."
    )
    link_health = LinkHealthSerializer(source="*")

    @extend_schema_field(OutletRefSerializer(allow_null=True))
    def get_outlet(self, source: Source) -> dict[str, Any] | None:
        if source.outlet is None:
            return None
        outlet = source.outlet
        return {"id": outlet.pk, "name": outlet.name, "current_grade": source.outlet_grade}

    @extend_schema_field(CaptureSummarySerializer(allow_null=True))
    def get_capture(self, source: Source) -> dict[str, Any] | None:
        # Annotated by with_details; a source serialized without it shows none.
        if getattr(source, "capture_id", None) is None:
            return None
        return {
            "snapshot": source.capture_id,
            "status": source.capture_status,
            "error_message": source.capture_error,
        }


class SourceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()


class CitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    citing = SourceRefSerializer(help_text="The source that quotes, cites, republishes…")
    cited = SourceRefSerializer(help_text="…the source it relies on.")
    kind = serializers.ChoiceField(choices=Citation.Kind.choices)
    note = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()


@extend_schema_field(OpenApiTypes.INT)
class VisibleSourceField(IdRelatedField):
    """A source id; one the user may not see is refused like a missing one."""

    def get_queryset(self) -> QuerySet[Source]:
        return sources_visible_to(user=self.context["request"].user)


# --- Reads -------------------------------------------------------------------------------------


def source_data(source_id: int) -> dict[str, Any]:
    """The source as it is now; callers have checked the user may see (or just wrote) it."""
    return SourceSerializer(source_with_details(Source.objects.all()).get(pk=source_id)).data


# --- /sources/ ---------------------------------------------------------------------------------


class SourcesApi(APIView):
    """GET: the sources the user may see, filtered. POST: log a source (any newsroom role)."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Source.Kind.choices)
        url = serializers.CharField(
            max_length=2000,
            allow_blank=True,
            default="",
            help_text="http or https. The same page in any spelling is one source: a second "
            "one is refused with the code 'duplicate' on url.",
        )
        title = serializers.CharField(max_length=500, allow_blank=True, default="")
        outlet = IdRelatedField(
            queryset=Outlet.objects.all(),
            required=False,
            allow_null=True,
            help_text="Omit to attach the source to the outlet owning its URL (created if none).",
        )
        author = serializers.CharField(max_length=300, allow_blank=True, default="")
        published_at = serializers.DateTimeField(required=False, allow_null=True)
        language = serializers.CharField(max_length=16, allow_blank=True, default="")
        sourcing = serializers.ChoiceField(
            choices=Source.Sourcing.choices, default=Source.Sourcing.UNKNOWN
        )
        summary = serializers.CharField(max_length=10000, allow_blank=True, default="")
        is_sensitive = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "SourceCreate"

    @extend_schema(
        operation_id="sources_list",
        parameters=[*filter_parameters(SourceFilter), *page_parameters()],
        responses={200: paginated(SourceSerializer, "Source"), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        sources = apply_filters(
            SourceFilter,
            request.query_params,
            source_with_details(sources_visible_to(user=request.user)),
            request=request,
        )
        return paginated_response(request, sources, SourceSerializer, view=self)

    @extend_schema(
        operation_id="sources_create",
        request=InputSerializer,
        responses={201: SourceSerializer, **CREATE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = source_create(actor=request.user, **data.validated_data)
        return Response(source_data(source.pk), status=status.HTTP_201_CREATED)


# --- /sources/{id}/ ----------------------------------------------------------------------------


class SourceDetailApi(APIView):
    """GET: one source. PATCH: edit it (its creator, or a fact-checker; lifting the sensitive
    mark: an editor)."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Source.Kind.choices, required=False)
        url = serializers.CharField(
            max_length=2000, allow_blank=True, required=False, help_text="Empty to clear it."
        )
        title = serializers.CharField(max_length=500, allow_blank=True, required=False)
        outlet = IdRelatedField(queryset=Outlet.objects.all(), required=False, allow_null=True)
        author = serializers.CharField(max_length=300, allow_blank=True, required=False)
        published_at = serializers.DateTimeField(required=False, allow_null=True)
        language = serializers.CharField(max_length=16, allow_blank=True, required=False)
        sourcing = serializers.ChoiceField(choices=Source.Sourcing.choices, required=False)
        summary = serializers.CharField(max_length=10000, allow_blank=True, required=False)
        is_sensitive = serializers.BooleanField(required=False)

        class Meta:
            ref_name = "SourceUpdate"

    @extend_schema(
        operation_id="sources_retrieve",
        responses={200: SourceSerializer, **ERRORS, **SOURCE_NOT_FOUND},
    )
    def get(self, request: Request, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        return Response(SourceSerializer(source).data)

    @extend_schema(
        operation_id="sources_partial_update",
        request=InputSerializer,
        responses={200: SourceSerializer, **SOURCE_WRITE_ERRORS},
    )
    def patch(self, request: Request, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source_update(source=source, actor=request.user, **data.validated_data)
        return Response(source_data(source.pk))


# --- /sources/{id}/link-checks/ ----------------------------------------------------------------


class LinkCheckSerializer(serializers.Serializer):
    """One re-check of a source's URL."""

    id = serializers.IntegerField()
    source = serializers.IntegerField(source="source_id")
    url = serializers.CharField(help_text="The URL checked (the source's, at the time).")
    status = serializers.ChoiceField(
        choices=LinkCheck.Status.choices,
        help_text="alive, changed (the text differs from the last snapshot's), gone (404, 410 "
        "or a redirect to the home page) or error (we could not tell).",
    )
    http_status = serializers.IntegerField(
        allow_null=True, help_text="The final answer's status; null when none came."
    )
    final_url = serializers.CharField(help_text="Where the redirects ended; empty without one.")
    error_code = serializers.CharField(
        help_text="For programs: http_404, http_410, redirect_home, http_503, timeout, dns, "
        "blocked_address, …; empty when alive or changed."
    )
    message = serializers.CharField(help_text="What was found, for people.")
    snapshot = serializers.IntegerField(
        source="snapshot_id",
        allow_null=True,
        help_text="The snapshot this check archived (the page changed, or had none); else null.",
    )
    checked_at = serializers.DateTimeField()


class SourceLinkChecksApi(APIView):
    """GET: a source's link checks, newest first. POST: re-check its URL now (fact-checker)."""

    class InputSerializer(serializers.Serializer):
        """No fields: a body, if sent, is a JSON object."""

        class Meta:
            ref_name = "LinkCheckRequest"

    @extend_schema(
        operation_id="sources_link_checks_list",
        parameters=page_parameters(),
        responses={
            200: paginated(LinkCheckSerializer, "LinkCheck"),
            **ERRORS,
            **error_responses(404, not_found=f"{SOURCE_NOT_FOUND_TEXT} Or no such page."),
        },
    )
    def get(self, request: Request, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        return paginated_response(
            request, source_link_checks(source), LinkCheckSerializer, view=self
        )

    @extend_schema(
        operation_id="sources_link_checks_create",
        request=InputSerializer,
        description="Re-check the source's URL now, within this request (up to the fetch "
        "deadline), and record the outcome like a periodic check: 201 with the new check, and "
        "the source's `link_health` updated. A changed page (or one never archived) is archived "
        "again; the check's `snapshot` names the new snapshot. A source without a URL is a 400 "
        "on `url`.",
        responses={
            201: LinkCheckSerializer,
            **CREATE_ERRORS,
            **SOURCE_NOT_FOUND,
        },
    )
    def post(self, request: Request, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        self.InputSerializer(data=request.data).is_valid(raise_exception=True)
        check = source_link_recheck(source=source, actor=request.user)
        return Response(LinkCheckSerializer(check).data, status=status.HTTP_201_CREATED)


# --- /citations/ -------------------------------------------------------------------------------


class CitationsApi(APIView):
    """GET: citations between sources the user may see, filtered. POST: record one
    (fact-checker)."""

    class InputSerializer(serializers.Serializer):
        citing = VisibleSourceField(help_text="The source that quotes, cites, republishes…")
        cited = VisibleSourceField(help_text="…the source it relies on.")
        kind = serializers.ChoiceField(choices=Citation.Kind.choices, default=Citation.Kind.CITES)
        note = serializers.CharField(max_length=2000, allow_blank=True, default="")

        class Meta:
            ref_name = "CitationCreate"

    @extend_schema(
        operation_id="citations_list",
        parameters=[*filter_parameters(CitationFilter), *page_parameters()],
        responses={200: paginated(CitationSerializer, "Citation"), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        citations = apply_filters(
            CitationFilter,
            request.query_params,
            citations_visible_to(user=request.user),
            request=request,
        )
        return paginated_response(request, citations, CitationSerializer, view=self)

    @extend_schema(
        operation_id="citations_create",
        request=InputSerializer,
        responses={201: CitationSerializer, **CREATE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        citation = citation_create(actor=request.user, **data.validated_data)
        return Response(CitationSerializer(citation).data, status=status.HTTP_201_CREATED)


# --- /citations/{id}/ --------------------------------------------------------------------------


class CitationDetailApi(APIView):
    """DELETE: remove a citation (fact-checker)."""

    @extend_schema(
        operation_id="citations_destroy",
        request=None,
        responses={
            204: OpenApiResponse(description="Removed."),
            **error_responses(
                401, 403, 404, not_found="No such citation (or not one you may see)."
            ),
        },
    )
    def delete(self, request: Request, citation_id: int) -> Response:
        citation = citations_visible_to(user=request.user).filter(pk=citation_id).first()
        if citation is None:
            raise Http404
        citation_delete(citation=citation, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
