"""The queue: claims to work on, by status, assignee and review flag."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from claims.models import Claim
from config.roles import Role
from verification.filters import ClaimFilter
from verification.forms.queue import DEFAULT_SORT, ME, NOBODY, SORTS, QueueForm
from verification.models import Publication
from verification.selectors import claim_list, claim_status_counts
from verification.views.common import newsroom_required, render_page
from verification.views.paging import paginate

PAGE_SIZE = 25
# The queue's quick views: (key, label, the filters they stand for).
QUICK_VIEWS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("all", "All claims", {}),
    ("mine", "Assigned to me", {"assignee": ME}),
    ("unassigned", "Unassigned", {"assignee": NOBODY}),
    ("review", "Flagged for review", {"needs_review": "true"}),
    ("updated", "Recently changed", {"sort": "updated"}),
)
STATUS_LABELS = dict(Claim.Status.choices)


def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:queue" if request.user.is_authenticated else "web:signin")


def _filtered(
    form: QueueForm, claims: QuerySet[Claim], request: HttpRequest, **kw: Any
) -> QuerySet[Claim] | None:
    """``claims`` through ClaimFilter with the form's filters; None (and the errors on the form)
    when the filter refuses them."""
    filterset = ClaimFilter(
        form.filter_data(user=request.user, **kw),
        queryset=claims,
        request=SimpleNamespace(user=request.user),  # type: ignore[arg-type]  # it reads .user only
    )
    if not filterset.is_valid():
        for name, errors in filterset.errors.items():
            form.add_error(name if name in form.fields else None, errors)
        return None
    claims = filterset.qs
    return claims.filter(assignee__isnull=True) if form.unassigned else claims


@require_safe
@vary_on_headers("HX-Request")  # a fragment and the page share a URL: caches must keep both
@newsroom_required(Role.VIEWER)
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueForm(request.GET)
    context: dict[str, Any] = {
        "nav": "queue",
        "form": form,
        "quick_views": [(key, label, urlencode(preset)) for key, label, preset in QUICK_VIEWS],
    }
    claims = _filtered(form, claim_list(user=request.user), request) if form.is_valid() else None
    if claims is None:
        return render_page(
            request,
            "verification/queue.html",
            context,
            partial="verification/partials/queue_panel.html",
            status=400,
        )
    every_status = _filtered(form, Claim.objects.all(), request, with_status=False)
    cap = settings.CLAIMTRAIL_COUNT_CAP
    # its filters passed above, so it is a QuerySet, not None
    counts = claim_status_counts(claims=every_status, cap=cap)  # type: ignore[arg-type]
    status = form.cleaned_data.get("status")
    # The counts per status already say how many claims match: no second COUNT for the pages,
    # unless one passed the cap (then the paginator counts, capped too).
    capped = any(n > cap for n in counts.values())
    matching = counts[status] if status else sum(counts.values())
    exact = counts[status] <= cap if status else not capped
    links = paginate(
        request,
        claims.order_by(*form.ordering),
        per_page=PAGE_SIZE,
        count=matching if exact else None,
    )
    with_verdict_labels(links.page)
    cleaned = form.cleaned_data
    context.update(
        page=links.page,
        links=links,
        claims=links.page.object_list,
        status_counts=[
            (value, label, _shown(counts[value], cap)) for value, label in Claim.Status.choices
        ],
        total=_shown(sum(counts.values()), cap) if not capped else f"more than {cap:,}",
        current_status=status or "",
        current_view=_current_view(cleaned),
        sort_label=SORTS[cleaned.get("sort") or DEFAULT_SORT][0],
    )
    return render_page(
        request,
        "verification/queue.html",
        context,
        partial="verification/partials/queue_panel.html",
    )


def _shown(count: int, cap: int) -> str:
    return f"{cap:,}+" if count > cap else f"{count:,}"


def with_verdict_labels(claims: Iterable[Any]) -> None:
    """Name each row's published verdict (``claim_list`` annotates only its value)."""
    for claim in claims:
        published = claim.last_publication_action == Publication.Action.PUBLISH
        claim.published_verdict_label = (
            STATUS_LABELS.get(claim.last_publication_verdict, "") if published else ""
        )


def _current_view(cleaned: dict[str, Any]) -> str:
    """Which quick view the filters amount to, to mark it as the current one."""
    active = {
        name: value
        for name, value in cleaned.items()
        if value and not (name == "sort" and value == DEFAULT_SORT)
    }
    return next((key for key, _, preset in QUICK_VIEWS if preset == active), "")
