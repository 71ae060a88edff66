"""Logging a new claim (with an optional first source) and a new source (by URL, by uploaded
document, or neither)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render

from config.requests import AuthedHttpRequest
from sources.archiving.services import snapshot_upload
from sources.services import source_create, source_url_resolve
from verification.forms.common import add_service_errors
from verification.forms.create import ClaimCreateForm
from verification.forms.sources import (
    SourceCreateForm,
    source_write_errors,
)
from verification.services import claim_log
from verification.views.common import newsroom_required
from verification.views.sources import upload_guard


def _duplicate_of(exc: ValidationError) -> int | None:
    for error in getattr(exc, "error_dict", {}).get("text", []):
        if error.code == "duplicate":
            return (error.params or {}).get("id")
    return None


@newsroom_required()
def claim_new(request: AuthedHttpRequest) -> HttpResponse:
    form = ClaimCreateForm(request.POST or None)
    duplicate_of = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim, new_source = claim_log(
                actor=request.user,
                **form.claim_values(),
                claimant=data["claimant"],
                new_claimant=data["new_claimant"],
                new_claimant_kind=data["new_claimant_kind"],
                source_url=data["source_url"],
                source_kind=data["source_kind"],
                stance=data["stance"],
            )
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
def source_new(request: AuthedHttpRequest) -> HttpResponse:
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
