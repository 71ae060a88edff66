"""Logging a new claim (with an optional first source) and a new source (by URL, by uploaded
document, or neither)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from claims.models import Claim, Claimant
from claims.services import claim_create, claimant_create
from sources.archiving.services import snapshot_upload
from sources.models import Source
from sources.services import source_create, source_url_resolve
from verification.forms.common import add_service_errors
from verification.forms.create import ClaimCreateForm
from verification.forms.sources import (
    SourceCreateForm,
    source_write_errors,
)
from verification.services import evidence_add
from verification.views.common import newsroom_required
from verification.views.sources import upload_guard

# A service's field names, as the new-claim form names them, per step.
CLAIMANT_FIELDS = {"name": "new_claimant", "kind": "new_claimant_kind"}
SOURCE_FIELDS = {"url": "source_url", "kind": "source_kind"}
EVIDENCE_FIELDS = {"source": "source_url"}


def _renamed(exc: ValidationError, names: Mapping[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {names.get(field, field): errors for field, errors in exc.error_dict.items()}
    )


def _first_source(*, actor: AbstractBaseUser, url: str, kind: str) -> tuple[Source, bool]:
    """The source recorded for ``url`` (any spelling), or a new one; and whether it is new."""
    try:
        recorded = source_url_resolve(actor=actor, url=url)
        if recorded is not None:
            return recorded, False
        return source_create(actor=actor, kind=kind, url=url), True
    except ValidationError as exc:
        raise _renamed(exc, SOURCE_FIELDS) from exc


@transaction.atomic
def claim_log(*, actor: AbstractBaseUser, form: ClaimCreateForm) -> tuple[Claim, Source | None]:
    """The claim, its new claimant if any, and its first source and evidence: all or nothing.

    Raises ValidationError keyed by the form's fields, PermissionDenied from the services (a
    first source needs the fact-checker role: evidence_add)."""
    data = form.cleaned_data
    claimant: Claimant | None = data["claimant"]
    if data["new_claimant"]:
        claimant = Claimant.objects.filter(name=data["new_claimant"], title="").first()
        if claimant is None:
            try:
                claimant = claimant_create(
                    actor=actor, name=data["new_claimant"], kind=data["new_claimant_kind"]
                )
            except ValidationError as exc:
                raise _renamed(exc, CLAIMANT_FIELDS) from exc
    claim = claim_create(actor=actor, claimant=claimant, **form.claim_values())
    new_source = None
    if data["source_url"].strip():
        source, is_new = _first_source(
            actor=actor, url=data["source_url"].strip(), kind=data["source_kind"]
        )
        try:
            evidence_add(
                claim=claim,
                actor=actor,
                source=source,
                stance=data["stance"],
                expected_version=claim.version,
            )
        except ValidationError as exc:
            raise _renamed(exc, EVIDENCE_FIELDS) from exc
        new_source = source if is_new else None
    return claim, new_source


def _duplicate_of(exc: ValidationError) -> int | None:
    for error in getattr(exc, "error_dict", {}).get("text", []):
        if error.code == "duplicate":
            return (error.params or {}).get("id")
    return None


@newsroom_required()
def claim_new(request: HttpRequest) -> HttpResponse:
    form = ClaimCreateForm(request.POST or None)
    duplicate_of = None
    if request.method == "POST" and form.is_valid():
        try:
            if url := form.cleaned_data["source_url"].strip():
                # Outside claim_log's transaction: a refused restricted URL stays on record.
                try:
                    source_url_resolve(actor=request.user, url=url)
                except ValidationError as exc:
                    raise _renamed(exc, SOURCE_FIELDS) from exc
            claim, new_source = claim_log(actor=request.user, form=form)
        except ValidationError as exc:
            duplicate_of = _duplicate_of(exc)
            add_service_errors(form, exc)
        else:
            notice = f"Claim #{claim.pk} logged."
            if new_source is not None:
                notice += (
                    f" Its first source (#{new_source.pk}) is new: its capture is pending, the "
                    "archiving worker fetches it shortly."
                )
            messages.success(request, notice)
            return redirect("web:claim-detail", claim_id=claim.pk)
    context: dict[str, Any] = {
        "nav": "claim-new",
        "form": form,
        "duplicate_of": duplicate_of,
        "show_allow_duplicate": duplicate_of is not None or form["allow_duplicate"].value(),
    }
    return render(request, "verification/create/claim_new.html", context, status=_status(form))


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


@newsroom_required()
@upload_guard
def source_new(request: HttpRequest) -> HttpResponse:
    form = SourceCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        try:
            if form.cleaned_data.get("url"):
                source_url_resolve(actor=request.user, url=form.cleaned_data["url"])
            with transaction.atomic():
                source = source_create(actor=request.user, **form.service_values())
                if upload is not None:
                    snapshot_upload(
                        source=source, upload=upload, actor=request.user, filename=upload.name
                    )
        except ValidationError as exc:
            source_write_errors(form, exc, user=request.user)
        else:
            notice = f"Source #{source.pk} logged."
            if source.url:
                notice += " Its capture is pending: the archiving worker fetches the page shortly."
            if upload is not None:
                notice += " The document is archived."
            messages.success(request, notice)
            return redirect("web:source-detail", source_id=source.pk)
    context = {"nav": "source-new", "form": form}
    return render(request, "verification/create/source_new.html", context, status=_status(form))
