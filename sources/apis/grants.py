"""Who may see a sensitive source: its grants and the refused attempts to add its URL (editors).

A source the user may not see is a 404 as everywhere else; a source they may see but whose
grants they may not manage (anyone below editor) is a 403. Writes go through the services.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses
from config.roles import Role, require_role
from sources.models import SourceGrant
from sources.selectors import (
    source_grants,
    source_restricted_attempts,
    visible_source_or_404,
)
from sources.services import source_grant_create, source_grant_revoke

ERRORS = error_responses(400, 401, 403)
NOT_FOUND = error_responses(404, not_found="No such source (or not one you may see).")
GRANT_NOT_FOUND = error_responses(404, not_found="No such grant.")


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class SourceGrantSerializer(serializers.Serializer):
    """One grant: who may see which source, because of whom, why and since when; and, once
    revoked, who ended it, when and why."""

    id = serializers.IntegerField()
    source = serializers.IntegerField(source="source_id")
    grantee = PersonSerializer()
    claim = serializers.IntegerField(
        source="claim_id",
        allow_null=True,
        help_text="The claim whose assignment by an editor carried this grant; null: granted on "
        "the source itself.",
    )
    reason = serializers.CharField()
    granted_by = PersonSerializer(
        allow_null=True, help_text="Null for grants carried over from the earlier access rule."
    )
    granted_at = serializers.DateTimeField()
    active = serializers.BooleanField(source="is_active")
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by = PersonSerializer(allow_null=True)
    revoke_reason = serializers.CharField(allow_blank=True)


class RestrictedAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    attempted_by = PersonSerializer()
    url = serializers.CharField(help_text="The address as it was submitted.")
    created_at = serializers.DateTimeField()


class SourceGrantsApi(APIView):
    """GET: every grant on a source, active and revoked, newest first. POST: grant one person
    access to this sensitive source (editors)."""

    class InputSerializer(serializers.Serializer):
        grantee = serializers.IntegerField(min_value=1, help_text="The user id to grant access.")
        reason = serializers.CharField(max_length=2000, help_text="Why they need to see it.")

        class Meta:
            ref_name = "SourceGrantCreate"

    @extend_schema(
        operation_id="sources_grants_list",
        responses={200: SourceGrantSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        require_role(request.user, Role.EDITOR, action="Reading a source's grants")
        return Response(SourceGrantSerializer(source_grants(source=source), many=True).data)

    @extend_schema(
        operation_id="sources_grants_create",
        request=InputSerializer,
        responses={201: SourceGrantSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        require_role(request.user, Role.EDITOR, action="Granting access to a sensitive source")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grantee = get_user_model().objects.filter(pk=data.validated_data["grantee"], is_active=True)
        person = grantee.first()
        if person is None:
            raise serializers.ValidationError({"grantee": ["No such person."]})
        grant = source_grant_create(
            actor=request.user,
            grantee=person,
            source=source,
            reason=data.validated_data["reason"],
        )
        return Response(SourceGrantSerializer(grant).data, status=status.HTTP_201_CREATED)


class SourceGrantRevokeApi(APIView):
    """POST: end a grant (editors). It stays on record, with who ended it, when and why."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, help_text="Why access ends.")

        class Meta:
            ref_name = "SourceGrantRevoke"

    @extend_schema(
        operation_id="source_grants_revoke",
        request=InputSerializer,
        responses={200: SourceGrantSerializer, **ERRORS, **GRANT_NOT_FOUND},
    )
    def post(self, request: Request, grant_id: int) -> Response:
        require_role(request.user, Role.EDITOR, action="Revoking access to a sensitive source")
        grant = SourceGrant.objects.filter(pk=grant_id).first()
        if grant is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = source_grant_revoke(
            actor=request.user, grant=grant, reason=data.validated_data["reason"]
        )
        grant = source_grants(source=grant.source).get(pk=grant.pk)
        return Response(SourceGrantSerializer(grant).data)


class SourceRestrictedAttemptsApi(APIView):
    """GET: who submitted this sensitive source's URL without being able to see it (editors)."""

    @extend_schema(
        operation_id="sources_restricted_attempts_list",
        responses={200: RestrictedAttemptSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        require_role(request.user, Role.EDITOR, action="Reading refused attempts")
        attempts = source_restricted_attempts(source=source)[:200]
        return Response(RestrictedAttemptSerializer(attempts, many=True).data)
