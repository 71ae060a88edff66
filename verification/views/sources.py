"""The source page: metadata, outlet, snapshots, link health, citations, the claims resting on it;
and its actions: capture again, check the link, record a citation, upload a document, edit.

A source the user may not see is a 404 like a missing one (``visible_source_or_404``). Each action
is a plain POST form (redirect after success, the page again with errors on failure); with htmx it
answers with the one section it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from config.roles import Role, has_role, require_role
from sources.archiving.linkcheck import source_link_check
from sources.archiving.services import snapshot_recapture, snapshot_upload
from sources.models import Citation, Source, SourceGrant
from sources.selectors import source_citation_candidates as citation_candidates
from sources.selectors import (
    source_citations,
    source_grants,
    source_link_checks,
    source_restricted_attempts,
    source_snapshots,
    visible_source_or_404,
)
from sources.services import (
    citation_create,
    source_create,
    source_grant_create,
    source_grant_revoke,
    source_update,
    source_url_resolve,
)
from verification.forms.common import add_service_errors
from verification.forms.sources import (
    CitationAddForm,
    GrantForm,
    RevokeForm,
    SourceEditForm,
    UploadForm,
    source_write_errors,
)
from verification.selectors import User, source_evidence
from verification.views.common import is_htmx, newsroom_required
from verification.views.outlets import grade_label

SNAPSHOTS_SHOWN = 25
LINK_CHECKS_SHOWN = 25
ACCESS_ROWS_SHOWN = 100
PAGE = "verification/source/detail.html"
SECTIONS = {
    "archive": "verification/source/_archive.html",
    "link_health": "verification/source/_link_health.html",
    "citations": "verification/source/_citations.html",
    "access": "verification/source/_access.html",
}


# --- Permissions shown (the services enforce them again) --------------------------------------


def may_edit_source(user: User, source: Source) -> bool:
    """``sources.services.source_update``'s rule: its creator, or a fact-checker."""
    if source.created_by_id == user.pk:
        return has_role(user, Role.VIEWER)
    return has_role(user, Role.FACT_CHECKER)


# --- Reads -------------------------------------------------------------------------------------


def _archive(source: Source) -> dict[str, Any]:
    snapshots = list(source_snapshots(source)[: SNAPSHOTS_SHOWN + 1])
    return {
        "snapshots": snapshots[:SNAPSHOTS_SHOWN],
        "more_snapshots": len(snapshots) > SNAPSHOTS_SHOWN,
    }


def _link_health(source: Source) -> dict[str, Any]:
    checks = list(source_link_checks(source)[: LINK_CHECKS_SHOWN + 1])
    return {
        "link_checks": checks[:LINK_CHECKS_SHOWN],
        "more_link_checks": len(checks) > LINK_CHECKS_SHOWN,
    }


def _citations(source: Source, user: User) -> dict[str, Any]:
    return source_citations(source=source, user=user)


def _claims(source: Source) -> dict[str, Any]:
    return {"evidence_rows": source_evidence(source=source)}


def _access(source: Source, user: User) -> dict[str, Any]:
    """Editors only: who holds grants on this sensitive source, and who was refused its URL.
    (Only sensitive sources take grants and refusals; a lifted mark leaves them in the admin.)"""
    if not source.is_sensitive or not has_role(user, Role.EDITOR):
        return {}
    grants = list(source_grants(source=source)[:ACCESS_ROWS_SHOWN])
    return {
        "active_grants": [grant for grant in grants if grant.is_active],
        "ended_grants": [grant for grant in grants if not grant.is_active],
        "restricted_attempts": list(source_restricted_attempts(source=source)[:ACCESS_ROWS_SHOWN]),
    }


def _context(request: HttpRequest, source: Source, **overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "nav": "sources",
        "source": source,
        "grade_label": grade_label(getattr(source, "outlet_grade", None)),
        "may_edit": may_edit_source(request.user, source),
        "upload_form": UploadForm(),
        "citation_form": CitationAddForm(source=source, user=request.user),
        "may_grant": source.is_sensitive and has_role(request.user, Role.EDITOR),
    }
    if context["may_grant"]:
        context["grant_form"] = GrantForm()
        context["revoke_form"] = RevokeForm()
    context.update(overrides)
    return context


def _page(
    request: HttpRequest, source: Source, *, status: int = 200, **overrides: Any
) -> HttpResponse:
    context = _context(request, source, **overrides)
    parts = (
        _archive(source),
        _link_health(source),
        _citations(source, request.user),
        _access(source, request.user),
    )
    for part in parts:
        context.update(part)
    context.update(_claims(source))
    return render(request, PAGE, context, status=status)


def _section(
    request: HttpRequest, source: Source, name: str, *, status: int = 200, **overrides: Any
) -> HttpResponse:
    """One section of the page, for htmx."""
    context = _context(request, source, **overrides)
    read: dict[str, Callable[[], dict[str, Any]]] = {
        "archive": lambda: _archive(source),
        "link_health": lambda: _link_health(source),
        "citations": lambda: _citations(source, request.user),
        "access": lambda: _access(source, request.user),
    }
    context.update(read[name]())
    return render(request, SECTIONS[name], context, status=status)


def _done(request: HttpRequest, source: Source, section: str, notice: str) -> HttpResponse:
    """After a successful action: the section again (htmx), or back to the page with a notice."""
    if is_htmx(request):
        source = visible_source_or_404(source_id=source.pk, user=request.user)
        return _section(request, source, section, notice=notice)
    messages.success(request, notice)
    return redirect("web:source-detail", source_id=source.pk)


def _refused(
    request: HttpRequest, source: Source, section: str, **forms_with_errors: Any
) -> HttpResponse:
    """A form with errors: its section (htmx) or the whole page, as a 400."""
    if is_htmx(request):
        return _section(request, source, section, status=400, **forms_with_errors)
    return _page(request, source, status=400, **forms_with_errors)


# --- Uploads: refuse an oversized body before anything reads (and spools) it -------------------


def upload_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """CSRF is checked by the wrapped view, after the size check: the CSRF middleware would read
    (and spool to disk) the whole multipart body first."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or ""
        limit = settings.CLAIMTRAIL_UPLOAD_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.method == "POST" and declared.isdigit() and int(declared) > limit:
            back = (
                reverse("web:source-detail", args=[kwargs["source_id"]])
                if "source_id" in kwargs
                else reverse("web:source-new")
            )
            context = {"limit": settings.CLAIMTRAIL_UPLOAD_MAX_BYTES, "back_url": back}
            return render(request, "verification/source/too_large.html", context, status=413)
        return protected(request, *args, **kwargs)

    return wrapped


# --- Pages and actions -------------------------------------------------------------------------


@newsroom_required()
@require_GET
def source_detail(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source_or_404(source_id=source_id, user=request.user)
    return _page(request, source)


@newsroom_required()
@require_POST
def source_capture(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source_or_404(source_id=source_id, user=request.user)
    require_role(request.user, Role.FACT_CHECKER, action="Capturing a source again")
    try:
        snapshot = snapshot_recapture(source=source, actor=request.user)
    except ValidationError as exc:
        notice = " ".join(exc.messages)
        if is_htmx(request):
            return _section(request, source, "archive", status=400, error=notice)
        messages.error(request, notice)
        return redirect("web:source-detail", source_id=source.pk)
    return _done(
        request,
        source,
        "archive",
        f"Capture #{snapshot.pk} is {snapshot.get_status_display().lower()}: the archiving "
        "worker fetches the page shortly.",
    )


@newsroom_required()
@require_POST
def source_check_link(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source_or_404(source_id=source_id, user=request.user)
    require_role(request.user, Role.FACT_CHECKER, action="Re-checking a source's link")
    check = source_link_check(source_id=source.pk) if source.url else None
    if check is None:
        notice = "This source has no URL to check."
        if is_htmx(request):
            return _section(request, source, "link_health", status=400, error=notice)
        messages.error(request, notice)
        return redirect("web:source-detail", source_id=source.pk)
    return _done(
        request,
        source,
        "link_health",
        f"Link checked: {check.get_status_display().lower()}. {check.message}",
    )


@newsroom_required()
@require_POST
def source_citation_add(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source_or_404(source_id=source_id, user=request.user)
    # The form is only shown to fact-checkers; a forged one is refused before it searches.
    require_role(request.user, Role.FACT_CHECKER, action="Recording a citation")
    form = CitationAddForm(request.POST, source=source, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["cited"] is None:
                # Outside the transaction: a refused restricted URL stays on record.
                data["cited"] = source_url_resolve(actor=request.user, url=data["new_url"])
            with transaction.atomic():
                cited = data["cited"]
                if cited is None:
                    cited = source_create(
                        actor=request.user, kind=data["new_kind"], url=data["new_url"]
                    )
                citation_create(
                    actor=request.user,
                    citing=source,
                    cited=cited,
                    kind=data["kind"],
                    note=data["note"],
                )
        except ValidationError as exc:
            source_write_errors(
                form, exc, user=request.user, rename={"url": "target", "cited": "target"}
            )
        else:
            label = Citation.Kind(data["kind"]).label
            return _done(request, source, "citations", f"Recorded: this source {label} {cited}.")
    return _refused(request, source, "citations", citation_form=form)


@newsroom_required()
@require_GET
def source_citation_candidates(request: HttpRequest, source_id: int) -> HttpResponse:
    """htmx: the sources matching what is typed in the citation form's box, to pick from."""
    source = visible_source_or_404(source_id=source_id, user=request.user)
    query = request.GET.get("target", "")[:2000]
    candidates = citation_candidates(source=source, user=request.user, query=query)
    context = {"candidates": candidates, "query": query}
    return render(request, "verification/source/_candidates.html", context)


@newsroom_required()
@upload_guard
@require_POST
def source_upload(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source_or_404(source_id=source_id, user=request.user)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            snapshot = snapshot_upload(
                source=source, upload=upload, actor=request.user, filename=upload.name
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            notice = f"Uploaded {snapshot.filename}: archived as snapshot #{snapshot.pk}."
            return _done(request, source, "archive", notice)
    return _refused(request, source, "archive", upload_form=form)


@newsroom_required()
def source_edit(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source_or_404(source_id=source_id, user=request.user)
    if not may_edit_source(request.user, source):
        raise PermissionDenied("Editing someone else's source needs the fact-checker role.")
    form = SourceEditForm(
        request.POST or None,
        source=source,
        may_lift_sensitive=has_role(request.user, Role.EDITOR),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("web:source-detail", source_id=source.pk)
        try:
            source_update(source=source, actor=request.user, **changes)
        except ValidationError as exc:
            source_write_errors(form, exc, user=request.user)
        else:
            notice = "Source saved."
            if changes.get("url"):
                notice += " Its new URL's capture is pending: the archiving worker fetches it."
            messages.success(request, notice)
            return redirect("web:source-detail", source_id=source.pk)
    status = 400 if form.is_bound else 200
    context = {"nav": "sources", "source": source, "form": form}
    return render(request, "verification/source/edit.html", context, status=status)


@newsroom_required(Role.EDITOR)
@require_POST
def source_grant_add(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source_or_404(source_id=source_id, user=request.user)
    form = GrantForm(request.POST)
    if form.is_valid():
        grantee = form.cleaned_data["grantee"]
        try:
            source_grant_create(
                actor=request.user,
                grantee=grantee,
                source=source,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            notice = f"{grantee.get_username()} may now see this source."
            return _done(request, source, "access", notice)
    return _refused(request, source, "access", grant_form=form)


@newsroom_required(Role.EDITOR)
@require_POST
def source_grant_end(request: HttpRequest, source_id: int, grant_id: int) -> HttpResponse:
    source = visible_source_or_404(source_id=source_id, user=request.user)
    grant = SourceGrant.objects.filter(pk=grant_id, source=source).first()
    if grant is None:
        raise Http404
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            source_grant_revoke(actor=request.user, grant=grant, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"grant": "reason"})
        else:
            notice = f"Access ended for {grant.grantee.get_username()}."
            return _done(request, source, "access", notice)
    return _refused(request, source, "access", revoke_form=form, revoke_grant_id=grant.pk)
