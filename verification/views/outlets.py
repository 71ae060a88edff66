"""The outlet page: who it is, its grade and the grade's history, its sources and the claims
resting on them; and its actions: rate it (editors), edit it and add a domain or a handle
(fact-checkers).

Sources the user may not see are left out of every list and count here, and a claim resting only
on such sources is not listed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from config.roles import Role, has_role, require_role
from sources.models import Outlet, ReliabilityRating
from sources.selectors import (
    outlet_name_suggestions,
    outlet_ratings,
    outlet_sources,
)
from sources.services import outlet_domain_add, outlet_handle_add, outlet_rate, outlet_update
from verification.forms.common import add_service_errors
from verification.forms.outlets import DomainAddForm, HandleAddForm, OutletEditForm, RatingForm
from verification.selectors import outlet_claims
from verification.views.common import is_htmx, newsroom_required
from verification.views.paging import PageLinks, paginate

SOURCES_PER_PAGE = 25
CLAIMS_PER_PAGE = 25
PAGE = "verification/outlet/detail.html"
# htmx page links swap one list: its section alone is rendered.
LIST_SECTIONS = {
    "outlet-sources": "verification/outlet/_sources.html",
    "outlet-claims": "verification/outlet/_claims.html",
}


# --- Reads -------------------------------------------------------------------------------------


def outlet_or_404(outlet_id: int) -> Outlet:
    outlet = (
        Outlet.objects.with_current_grade()
        .prefetch_related("domains", "handles")
        .filter(pk=outlet_id)
        .first()
    )
    if outlet is None:
        raise Http404
    return outlet


def grade_label(grade: str | None) -> str:
    """``B`` as ``B - Usually reliable``; empty when never rated."""
    return ReliabilityRating.Grade(grade).label if grade else ""


# --- Rendering ---------------------------------------------------------------------------------


def _sources(request: HttpRequest, outlet: Outlet) -> PageLinks:
    rows = outlet_sources(outlet, user=request.user)
    return paginate(request, rows, per_page=SOURCES_PER_PAGE, param="sources_page")


def _claims(request: HttpRequest, outlet: Outlet) -> PageLinks:
    rows = outlet_claims(outlet, user=request.user)
    return paginate(request, rows, per_page=CLAIMS_PER_PAGE, param="claims_page")


def _page(
    request: HttpRequest, outlet: Outlet, *, status: int = 200, **overrides: Any
) -> HttpResponse:
    context: dict[str, Any] = {
        "nav": "outlets",
        "outlet": outlet,
        "grade_label": grade_label(outlet.current_grade),
        "ratings": outlet_ratings(outlet),
        "sources": _sources(request, outlet),
        "claims": _claims(request, outlet),
        "outlet_url": reverse("web:outlet-detail", args=[outlet.pk]),
        "rating_form": RatingForm(),
        "domain_form": DomainAddForm(),
        "handle_form": HandleAddForm(),
    }
    context.update(overrides)
    return render(request, PAGE, context, status=status)


def _reliability(
    request: HttpRequest, outlet: Outlet, *, status: int = 200, **overrides: Any
) -> HttpResponse:
    """The grade section alone, for htmx."""
    context = {
        "outlet": outlet,
        "grade_label": grade_label(outlet.current_grade),
        "ratings": outlet_ratings(outlet),
        "rating_form": RatingForm(),
        **overrides,
    }
    return render(request, "verification/outlet/_reliability.html", context, status=status)


# --- Pages and actions -------------------------------------------------------------------------


@newsroom_required()
@require_GET
def outlet_detail(request: HttpRequest, outlet_id: int) -> HttpResponse:
    outlet = outlet_or_404(outlet_id)
    section = request.headers.get("HX-Target", "")
    if is_htmx(request) and section in LIST_SECTIONS:
        context = {
            "outlet": outlet,
            "outlet_url": reverse("web:outlet-detail", args=[outlet.pk]),
            "sources": _sources(request, outlet) if section == "outlet-sources" else None,
            "claims": _claims(request, outlet) if section == "outlet-claims" else None,
        }
        response = render(request, LIST_SECTIONS[section], context)
    else:
        response = _page(request, outlet)
    # One list or the whole page at the same URL: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@newsroom_required()
@require_POST
def outlet_rate_view(request: HttpRequest, outlet_id: int) -> HttpResponse:
    outlet = outlet_or_404(outlet_id)
    # Refused before the form is read, like the service would refuse it after.
    require_role(request.user, Role.EDITOR, action="Rating an outlet")
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rating = outlet_rate(outlet=outlet, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            notice = f"Rated {rating.grade}: {rating.get_grade_display()}."
            if is_htmx(request):
                return _reliability(request, outlet_or_404(outlet_id), notice=notice)
            messages.success(request, notice)
            return redirect("web:outlet-detail", outlet_id=outlet.pk)
    if is_htmx(request):
        return _reliability(request, outlet, status=400, rating_form=form)
    return _page(request, outlet, status=400, rating_form=form)


@newsroom_required()
def outlet_edit(request: HttpRequest, outlet_id: int) -> HttpResponse:
    outlet = outlet_or_404(outlet_id)
    if not has_role(request.user, Role.FACT_CHECKER):
        # The page is for the role that may use it; outlet_update refuses a forged POST too.
        raise PermissionDenied("Editing an outlet needs the fact-checker role.")
    form = OutletEditForm(request.POST or None, outlet=outlet)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            if changes:
                outlet_update(outlet=outlet, actor=request.user, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Outlet saved." if changes else "Nothing changed.")
            return redirect("web:outlet-detail", outlet_id=outlet.pk)
    status = 400 if form.is_bound else 200
    context = {"nav": "outlets", "outlet": outlet, "form": form}
    return render(request, "verification/outlet/edit.html", context, status=status)


@newsroom_required()
@require_POST
def outlet_domain_add_view(request: HttpRequest, outlet_id: int) -> HttpResponse:
    outlet = outlet_or_404(outlet_id)
    require_role(request.user, Role.FACT_CHECKER, action="Adding a domain to an outlet")
    form = DomainAddForm(request.POST)
    if form.is_valid():
        try:
            row = outlet_domain_add(outlet=outlet, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Added the domain {row.domain}.")
            return redirect("web:outlet-detail", outlet_id=outlet.pk)
    return _page(request, outlet, status=400, domain_form=form)


@newsroom_required()
@require_POST
def outlet_handle_add_view(request: HttpRequest, outlet_id: int) -> HttpResponse:
    outlet = outlet_or_404(outlet_id)
    require_role(request.user, Role.FACT_CHECKER, action="Adding a handle to an outlet")
    form = HandleAddForm(request.POST)
    if form.is_valid():
        try:
            row = outlet_handle_add(outlet=outlet, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Added the handle {row}.")
            return redirect("web:outlet-detail", outlet_id=outlet.pk)
    return _page(request, outlet, status=400, handle_form=form)


@newsroom_required()
@require_GET
def outlet_suggest(request: HttpRequest) -> HttpResponse:
    """htmx: up to 10 outlets whose name contains what is typed, as datalist options."""
    typed = request.GET.get("outlet", "")[:200].strip()
    names = outlet_name_suggestions(typed=typed) if len(typed) >= 2 else []
    return render(request, "verification/outlet/_suggestions.html", {"names": names})
