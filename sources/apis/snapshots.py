"""Snapshot endpoints: a source's captures and uploads, their WARC, text and file; asking for a
capture; uploading a document.

Every read starts from the source: a snapshot of a source the user may not see is a 404 like a
missing one (``verification.selectors.source_is_visible_to``). Captured bytes are never served as
a page of ours: the WARC and uploaded files go out as attachments, the extracted text as plain
text, each with ``nosniff`` and a sandboxing Content-Security-Policy.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import transaction
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    ErrorSerializer,
    IdRelatedField,
    RequestTooLarge,
    StrictCharField,
    error_responses,
    page_parameters,
    paginated,
    paginated_response,
)
from config.requests import AuthedRequest
from sources.apis.sources import SourceSerializer, source_data
from sources.archiving.policy import CaptureRetry
from sources.archiving.services import (
    snapshot_capture,
    snapshot_recapture,
    snapshot_upload,
)
from sources.archiving.uploads import ALLOWED_BINARY, TEXT_EXTENSIONS
from sources.models import Outlet, Snapshot, Source
from sources.selectors import (
    snapshot_visible_or_404,
    source_snapshots,
    visible_source_or_404,
)
from sources.services import source_create

logger = logging.getLogger(__name__)

SOURCE_NOT_FOUND = "No such source (or not one you may see)."
SNAPSHOT_NOT_FOUND = "No such snapshot (or not one of a source you may see)."
READ_ERRORS = error_responses(401, 403, 404, not_found=SNAPSHOT_NOT_FOUND)
LIST_ERRORS = {
    **error_responses(400, 401, 403),
    **error_responses(404, not_found=f"{SOURCE_NOT_FOUND} Or no such page."),
}
UNSUPPORTED_MEDIA_TYPE = {
    415: OpenApiResponse(ErrorSerializer, description="Not multipart/form-data.")
}
UPLOAD_ERRORS = {
    **error_responses(400, 401, 403),
    **error_responses(413),
    **UNSUPPORTED_MEDIA_TYPE,
}

# Served as downloads and plain text only: never rendered, never sniffed, never scripted.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    # Archives of sensitive sources must not linger in shared caches.
    "Cache-Control": "private, no-store",
}
WARC_CONTENT_TYPE = "application/warc"
UPLOAD_TYPES = {**ALLOWED_BINARY, **{mime: ext for ext, mime in TEXT_EXTENSIONS.items()}}
_SPELLINGS = {".jpg": {".jpg", ".jpeg"}}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


# --- Reads -------------------------------------------------------------------------------------


def _link(request: Request | None, name: str, snapshot: Snapshot) -> str:
    path = reverse(f"sources:{name}", args=[snapshot.pk])
    return request.build_absolute_uri(path) if request is not None else path


# --- Serializers -------------------------------------------------------------------------------


class SnapshotSerializer(serializers.Serializer):
    """A capture of a source (or an uploaded document), without its text."""

    id = serializers.IntegerField()
    source = serializers.IntegerField(source="source_id")  # type: ignore[assignment]  # a field, not Field.source
    status = serializers.ChoiceField(
        choices=Snapshot.Status.choices,
        help_text="pending → fetching → archived, failed or blocked (an address we refuse).",
    )
    form = serializers.ChoiceField(
        choices=Snapshot.Form.choices,
        help_text="What was captured: the page as served, a Telegram post's embed view, an X "
        "post's oEmbed answer, or an uploaded file.",
    )
    url = serializers.CharField(help_text="The URL cited; empty for an upload.")
    fetch_url = serializers.CharField(help_text="What was requested (an embed or oEmbed URL).")
    final_url = serializers.CharField(help_text="Where the redirects ended.")
    http_status = serializers.IntegerField(allow_null=True)
    content_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True, help_text="Bytes of the document.")
    sha256 = serializers.CharField(help_text="SHA-256 of the document's bytes, hex.")
    filename = serializers.CharField(help_text="An upload's file name, as uploaded.")
    title = serializers.CharField()
    author = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    error_code = serializers.CharField(
        help_text="Why it failed, for programs: blocked_address, dns, timeout, too_large, "
        "http_404, …; empty when archived."
    )
    error_message = serializers.CharField(help_text="The same for people.")
    attempts = serializers.IntegerField()
    retry_at = serializers.DateTimeField(
        allow_null=True, help_text="A pending capture waiting out a retry is not run before."
    )
    duplicate_of = serializers.IntegerField(
        source="duplicate_of_id",
        allow_null=True,
        help_text="An earlier snapshot with the same document: its WARC is shared, not copied.",
    )
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    warc_url = serializers.SerializerMethodField()
    text_url = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.URLField(allow_null=True, help_text="The WARC download, when there is one.")
    )
    def get_warc_url(self, snapshot: Snapshot) -> str | None:
        if not snapshot.warc:
            return None
        return _link(self.context.get("request"), "snapshot-warc", snapshot)

    @extend_schema_field(
        serializers.URLField(allow_null=True, help_text="The plain-text view, once archived.")
    )
    def get_text_url(self, snapshot: Snapshot) -> str | None:
        if snapshot.status != Snapshot.Status.ARCHIVED:
            return None
        return _link(self.context.get("request"), "snapshot-text", snapshot)

    @extend_schema_field(
        serializers.URLField(allow_null=True, help_text="An uploaded document's download.")
    )
    def get_file_url(self, snapshot: Snapshot) -> str | None:
        if not snapshot.file:
            return None
        return _link(self.context.get("request"), "snapshot-file", snapshot)


class SnapshotRedirectSerializer(serializers.Serializer):
    url = serializers.CharField()
    status = serializers.IntegerField()
    location = serializers.CharField()


class SnapshotDetailSerializer(SnapshotSerializer):
    """A snapshot with what was extracted from it and how it was fetched."""

    text = serializers.CharField(help_text="The main text extracted (plain text).")
    redirects = SnapshotRedirectSerializer(many=True, help_text="Each hop before the final URL.")
    remote_address = serializers.CharField(
        allow_null=True, help_text="The address actually connected to."
    )


# --- /sources/{id}/snapshots/ --------------------------------------------------------------------


class SourceSnapshotsApi(APIView):
    """GET: a source's snapshots, newest first. POST: capture it again (fact-checker)."""

    class InputSerializer(serializers.Serializer):
        run = serializers.BooleanField(
            default=False,
            help_text="Capture now, within this request (up to the fetch deadline), instead of "
            "leaving it to the capture worker.",
        )

        class Meta:
            ref_name = "SnapshotRequest"

    @extend_schema(
        operation_id="sources_snapshots_list",
        parameters=page_parameters(),
        responses={200: paginated(SnapshotSerializer, "Snapshot"), **LIST_ERRORS},
    )
    def get(self, request: Request, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        return paginated_response(
            request,
            source_snapshots(source),
            SnapshotSerializer,
            view=self,
            context={"request": request},
        )

    @extend_schema(
        operation_id="sources_snapshots_create",
        request=InputSerializer,
        description="Ask for a fresh capture of the source's URL (the page may have changed). "
        "A capture already waiting is returned instead of a second one. Without `run`: 202, "
        "the snapshot pending (the capture worker runs it). With `run: true` the capture runs "
        "now: 201 when this request created the snapshot, 200 when it ran one that was already "
        "waiting; either way the "
        "body is the snapshot as the capture left it: archived, failed, blocked, still "
        "pending after a transient failure (its `error_message` says it will be tried again), "
        "or fetching when another process is capturing it already.",
        responses={
            202: OpenApiResponse(SnapshotDetailSerializer, description="Pending."),
            201: OpenApiResponse(
                SnapshotDetailSerializer, description="run: created and captured now."
            ),
            200: OpenApiResponse(
                SnapshotDetailSerializer, description="run: a waiting one, captured now."
            ),
            **error_responses(400, 401, 403, 413),
            **error_responses(404, not_found=SOURCE_NOT_FOUND),
        },
    )
    def post(self, request: AuthedRequest, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        asked_at = timezone.now()
        snapshot = snapshot_recapture(source=source, actor=request.user)
        if not data.validated_data["run"]:
            return _snapshot_response(request, snapshot.pk, status.HTTP_202_ACCEPTED)
        created = snapshot.created_at >= asked_at
        # A transient failure leaves it pending, with the reason and the next attempt's time.
        with contextlib.suppress(CaptureRetry):
            snapshot_capture(snapshot_id=snapshot.pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return _snapshot_response(request, snapshot.pk, code)


def _snapshot_data(request: Request, snapshot_id: int) -> dict[str, Any]:
    """The snapshot as it is now; callers have checked the user may see its source."""
    snapshot = Snapshot.objects.select_related("created_by").get(pk=snapshot_id)
    return SnapshotDetailSerializer(snapshot, context={"request": request}).data


def _snapshot_response(request: Request, snapshot_id: int, code: int) -> Response:
    return Response(_snapshot_data(request, snapshot_id), status=code)


# --- /snapshots/{id}/ ----------------------------------------------------------------------------


class SnapshotDetailApi(APIView):
    """GET: one snapshot, with its extracted text."""

    @extend_schema(
        operation_id="snapshots_retrieve",
        responses={200: SnapshotDetailSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, snapshot_id: int) -> Response:
        snapshot = snapshot_visible_or_404(snapshot_id=snapshot_id, user=request.user)
        return Response(SnapshotDetailSerializer(snapshot, context={"request": request}).data)


def _safe(response: HttpResponseBase) -> HttpResponseBase:
    for name, value in SAFE_HEADERS.items():
        response[name] = value
    return response


def _open(snapshot: Snapshot, field: str) -> Any:
    stored = getattr(snapshot, field)
    try:
        return stored.storage.open(stored.name, "rb")
    except FileNotFoundError as exc:
        # The row says the file exists: storage lost it. An operator must hear of it.
        logger.error("snapshot %s: %s %r is missing from storage", snapshot.pk, field, stored.name)
        raise exceptions.NotFound("The archived file is missing from storage.") from exc


class SnapshotWarcApi(APIView):
    """GET: the WARC of a capture, as a download."""

    @extend_schema(
        operation_id="snapshots_warc",
        description="The capture's WARC (gzipped WARC 1.1: request and response records, "
        "SHA-256 digests) as an attachment. 404 when the snapshot has none (pending, blocked, "
        "an upload).",
        responses={
            (200, WARC_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="WARC."),
            **READ_ERRORS,
        },
    )
    def get(self, request: Request, snapshot_id: int) -> HttpResponseBase:
        snapshot = snapshot_visible_or_404(snapshot_id=snapshot_id, user=request.user)
        if not snapshot.warc:
            raise exceptions.NotFound(
                f"This snapshot has no WARC (it is {snapshot.get_status_display().lower()})."
            )
        response = FileResponse(
            _open(snapshot, "warc"),
            as_attachment=True,
            filename=f"snapshot-{snapshot.pk}.warc.gz",
            content_type=WARC_CONTENT_TYPE,
        )
        return _safe(response)


def _header_value(value: Any) -> str:
    return _CONTROL.sub(" ", str(value)).strip() if value not in (None, "") else "-"


def snapshot_text(snapshot: Snapshot) -> str:
    """The text view: where the text came from, then the text itself."""
    captured_at = snapshot.finished_at or snapshot.created_at
    lines = [
        ("Snapshot", f"#{snapshot.pk} of source #{snapshot.source_id}"),
        ("URL", snapshot.url or snapshot.filename),
        ("Final URL", snapshot.final_url),
        ("Form", snapshot.get_form_display()),
        ("Status", snapshot.status),
        ("Captured at", captured_at.isoformat() if captured_at else None),
        ("Content type", snapshot.content_type),
        ("SHA-256", snapshot.sha256),
        ("Title", snapshot.title),
        ("Author", snapshot.author),
        ("Published", snapshot.published_at.isoformat() if snapshot.published_at else None),
    ]
    header = "\n".join(f"{label + ':':<14}{_header_value(value)}" for label, value in lines)
    text = snapshot.text or "(No text was extracted from this document.)"
    return f"{header}\n\n{'-' * 72}\n\n{text}\n"


class SnapshotTextApi(APIView):
    """GET: the extracted text as plain text, never the captured HTML."""

    @extend_schema(
        operation_id="snapshots_text",
        description="A plain-text view of an archived snapshot: a header (URL, capture time, "
        "SHA-256, status…), then the extracted text. 404 until the snapshot is archived.",
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Plain text."),
            **READ_ERRORS,
        },
    )
    def get(self, request: Request, snapshot_id: int) -> HttpResponseBase:
        snapshot = snapshot_visible_or_404(snapshot_id=snapshot_id, user=request.user)
        if snapshot.status != Snapshot.Status.ARCHIVED:
            raise exceptions.NotFound(
                "This snapshot has no archived text "
                f"(it is {snapshot.get_status_display().lower()})."
            )
        response = HttpResponse(snapshot_text(snapshot), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="snapshot-{snapshot.pk}.txt"'
        return _safe(response)


def download_name(snapshot: Snapshot) -> str:
    """The upload's name with the extension of the type its bytes have: a PDF uploaded as
    ``note.html`` is saved by the browser as ``note.html.pdf``, never as HTML."""
    extension = UPLOAD_TYPES.get(snapshot.content_type, "")
    name = snapshot.filename or f"snapshot-{snapshot.pk}"
    if extension and os.path.splitext(name)[1].lower() not in _SPELLINGS.get(
        extension, {extension}
    ):
        name += extension
    return name


class SnapshotFileApi(APIView):
    """GET: an uploaded document, as a download."""

    @extend_schema(
        operation_id="snapshots_file",
        description="An uploaded document as an attachment, with the content type its bytes "
        "were checked to have. 404 for captures (their bytes are in the WARC).",
        responses={
            **{
                (200, mime): OpenApiResponse(OpenApiTypes.BINARY, description="The document.")
                for mime in [*UPLOAD_TYPES, "application/octet-stream"]
            },
            **READ_ERRORS,
        },
    )
    def get(self, request: Request, snapshot_id: int) -> HttpResponseBase:
        snapshot = snapshot_visible_or_404(snapshot_id=snapshot_id, user=request.user)
        if not snapshot.file:
            raise exceptions.NotFound("This snapshot has no uploaded file.")
        content_type = snapshot.content_type
        if content_type not in UPLOAD_TYPES:
            content_type = "application/octet-stream"  # never anything a browser would render
        elif content_type.startswith("text/"):
            content_type += "; charset=utf-8"  # checked to be UTF-8 when it was uploaded
        response = FileResponse(
            _open(snapshot, "file"),
            as_attachment=True,
            filename=download_name(snapshot),
            content_type=content_type,
        )
        return _safe(response)


# --- Uploads -------------------------------------------------------------------------------------


def _upload_body_limit() -> int:
    # The file's own limit is the service's (a 400 on ``file``); the rest of the form is bounded
    # like any API body.
    return settings.CLAIMTRAIL_UPLOAD_MAX_BYTES + settings.API_MAX_BODY_BYTES


def _too_large() -> RequestTooLarge:
    limit = settings.CLAIMTRAIL_UPLOAD_MAX_BYTES
    return RequestTooLarge(f"The upload is larger than the limit for a file ({limit} bytes).")


class UploadParser(MultiPartParser):
    """multipart/form-data, with Django's request-size refusals as API errors."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RequestDataTooBig as exc:
            raise _too_large() from exc
        except SuspiciousOperation as exc:  # too many fields or files
            raise exceptions.ParseError(str(exc)) from exc


class UploadApi(APIView):
    """A view that takes one file upload: multipart only, size checked before anything reads it."""

    parser_classes = [UploadParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication: a session's CSRF check parses the form, and a body larger than
        # any acceptable upload should not be spooled to disk just to be refused.
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > _upload_body_limit():
            raise _too_large()
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        # Django's own parse (through the CSRF check) raises these outside the parser.
        if isinstance(exc, RequestDataTooBig):
            exc = _too_large()
        elif isinstance(exc, SuspiciousOperation):
            exc = exceptions.ParseError(str(exc))
        return super().handle_exception(exc)


FILE_HELP = (
    "A PDF, a PNG, JPEG, GIF or WebP image, or a UTF-8 .txt, .eml or .csv file; at most "
    "CLAIMTRAIL_UPLOAD_MAX_BYTES (25 MiB by default). The type is checked from the bytes, "
    "not the name: HTML, SVG and scripts are refused."
)


class SourceUploadApi(UploadApi):
    """POST: upload a document to a source (a PDF of the page, a screenshot, a letter)."""

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=True, help_text=FILE_HELP)

        class Meta:
            ref_name = "SnapshotUpload"

    @extend_schema(
        operation_id="sources_uploads_create",
        request={"multipart/form-data": InputSerializer},
        responses={
            201: SnapshotDetailSerializer,
            **UPLOAD_ERRORS,
            **error_responses(404, not_found=SOURCE_NOT_FOUND),
        },
    )
    def post(self, request: AuthedRequest, source_id: int) -> Response:
        source = visible_source_or_404(source_id=source_id, user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        snapshot = snapshot_upload(
            source=source, upload=upload, actor=request.user, filename=upload.name
        )
        return _snapshot_response(request, snapshot.pk, status.HTTP_201_CREATED)


class UploadedSourceSerializer(serializers.Serializer):
    source = SourceSerializer()  # type: ignore[assignment]  # a field, not Field.source
    snapshot = SnapshotDetailSerializer()


class SourceFromUploadApi(UploadApi):
    """POST: log a source that is a document (no URL), from its file."""

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=True, help_text=FILE_HELP)
        kind = serializers.ChoiceField(choices=Source.Kind.choices, default=Source.Kind.DOCUMENT)
        title = StrictCharField(
            max_length=500,
            allow_blank=True,
            default="",
            help_text="Blank: the document's own title, else its file name.",
        )
        outlet = IdRelatedField(queryset=Outlet.objects.all(), required=False, allow_null=True)
        author = StrictCharField(max_length=300, allow_blank=True, default="")
        published_at = serializers.DateTimeField(required=False, allow_null=True)
        language = StrictCharField(max_length=16, allow_blank=True, default="")
        sourcing = serializers.ChoiceField(
            choices=Source.Sourcing.choices, default=Source.Sourcing.UNKNOWN
        )
        summary = StrictCharField(max_length=10000, allow_blank=True, default="")
        is_sensitive = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "SourceUploadCreate"

    @extend_schema(
        operation_id="sources_uploads_create_source",
        request={"multipart/form-data": InputSerializer},
        description="Log a new source from a file: the source and its snapshot are written "
        "together, or (a refused file, a refused field) neither is.",
        responses={201: UploadedSourceSerializer, **UPLOAD_ERRORS},
    )
    def post(self, request: AuthedRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        upload = values.pop("file")
        with transaction.atomic():
            source = source_create(actor=request.user, **values)
            snapshot = snapshot_upload(
                source=source, upload=upload, actor=request.user, filename=upload.name
            )
        body = {
            "source": source_data(source.pk),
            "snapshot": _snapshot_data(request, snapshot.pk),
        }
        return Response(body, status=status.HTTP_201_CREATED)
