"""Search: one box across claims and sources; a URL, domain or handle lists the claims citing it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from config.roles import Role
from verification.forms.search import SearchForm
from verification.search import Kind, claim_search, search_terms, source_search
from verification.views.common import newsroom_required, render_page
from verification.views.paging import paginate
from verification.views.queue import with_verdict_labels

PAGE_SIZE = 20
TEMPLATE = "verification/search.html"
PARTIAL = "verification/partials/search_results.html"


@require_safe
@vary_on_headers("HX-Request")  # a fragment and the page share a URL: caches must keep both
@newsroom_required(Role.VIEWER)
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"nav": "search", "form": form, "searched": False}
    if not form.is_bound:
        return render_page(request, TEMPLATE, context, partial=PARTIAL)
    if not form.is_valid():
        return render_page(request, TEMPLATE, context, partial=PARTIAL, status=400)
    if not form.has_query:
        return render_page(request, TEMPLATE, context, partial=PARTIAL)

    cleaned = form.cleaned_data
    terms = search_terms(cleaned["q"]) if cleaned["q"].strip() else None
    show = cleaned["show"]
    context.update(searched=True, terms=terms, show_claims=show != "sources")
    context["show_sources"] = show != "claims"
    if context["show_claims"]:
        claims = claim_search(
            user=request.user, terms=terms, status=cleaned["status"], outlet_id=cleaned["outlet"]
        )
        context["claim_links"] = paginate(request, claims, per_page=PAGE_SIZE, param="cpage")
        with_verdict_labels(context["claim_links"].page)
    if context["show_sources"]:
        sources = source_search(
            user=request.user,
            terms=terms,
            kind=cleaned["source_kind"],
            outlet_id=cleaned["outlet"],
        )
        context["source_links"] = paginate(request, sources, per_page=PAGE_SIZE, param="spage")
    if terms is not None and terms.kind == Kind.DOMAIN and terms.wider_domain:
        kept = {k: v for k, v in request.GET.dict().items() if k not in {"cpage", "spage"}}
        context["wider_query"] = urlencode({**kept, "q": terms.wider_domain})
    return render_page(request, TEMPLATE, context, partial=PARTIAL)
