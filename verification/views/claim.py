"""The claim page and its actions: change status, add evidence, relate claims, assign, publish.

Each action is a plain POST form that works without JavaScript: redirect to the page after
success, the page again with the form's errors (400), a conflict (409: the claim changed since
the form was rendered, nothing written) or a refusal (403) otherwise. With htmx the same views
answer with the page's content only (``#claim-page``), so every form on it carries the new
version at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from claims.models import Claim
from claims.services import StaleVersionError, claim_relation_create
from config.requests import AuthedHttpRequest
from config.roles import Role, has_role
from sources.canonical import social_handle
from sources.models import Source
from sources.selectors import claim_grants_held, sources_visible_to
from sources.services import canonical_url_for, source_create, source_url_resolve
from verification.forms.claim import (
    UNASSIGN,
    AssignForm,
    ClaimVersionForm,
    EvidenceAddForm,
    PublishForm,
    RelateForm,
    StatusChangeForm,
    UnpublishForm,
    assign_candidates,
)
from verification.forms.common import add_service_errors, as_id
from verification.provenance_svg import provenance_picture
from verification.selectors import (
    ClaimPage,
    claim_chains,
    claim_page,
    claim_suggestions,
    conflict_for,
    source_suggestions,
)
from verification.services import (
    claim_assign,
    claim_status_change,
    evidence_add,
    verdict_publish,
    verdict_publish_check,
    verdict_unpublish,
)
from verification.views.claim_rows import Clock, chain_lines, evidence_entries, history_entries
from verification.views.common import is_htmx, newsroom_required, render_page
from verification.views.paging import paginate

PAGE = "verification/claim/detail.html"
PARTIAL = "verification/claim/_page.html"


# --- The page ----------------------------------------------------------------------------------


def _forms(request: AuthedHttpRequest, claim: Claim, given: dict[str, ClaimVersionForm]) -> dict:
    """Each form of the page: the one just submitted (with its input and errors), the others
    fresh, carrying the claim's version as it is now. Only those the user may use."""
    user = request.user
    initial = {"version": claim.version}
    forms: dict[str, Any] = {}
    if has_role(user, Role.FACT_CHECKER):
        forms["status"] = StatusChangeForm(initial=initial)
        forms["evidence"] = EvidenceAddForm(initial=initial, user=user)
        forms["relate"] = RelateForm(initial=initial)
        forms["assign"] = AssignForm(
            initial={**initial, "assignee": claim.assignee_id or UNASSIGN},
            candidates=assign_candidates(user),
        )
    if has_role(user, Role.EDITOR):
        forms["publish"] = PublishForm(initial=initial)
        forms["unpublish"] = UnpublishForm(initial=initial)
    forms.update({name: form for name, form in given.items() if name in forms})
    return forms


def _picked_source(request: AuthedHttpRequest, form: EvidenceAddForm | None) -> Source | None:
    """The source the evidence form had picked, to show it picked again after an error."""
    if form is None or not form.is_bound:
        return None
    source_id = as_id(str(form.data.get("source", "")))
    if source_id is None:
        return None
    return sources_visible_to(user=request.user).filter(pk=source_id).first()


def _picked_claim(form: RelateForm | None) -> Claim | None:
    if form is None or not form.is_bound:
        return None
    claim_id = as_id(str(form.data.get("to_claim", "")))
    return Claim.objects.filter(pk=claim_id).first() if claim_id is not None else None


def _render_claim(
    request: AuthedHttpRequest,
    claim_id: int,
    *,
    given: dict[str, ClaimVersionForm] | None = None,
    conflict: tuple[str, Any] | None = None,
    refusal: tuple[str, str] | None = None,
    notice: tuple[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        page = claim_page(claim_id=claim_id, user=request.user)
    except Claim.DoesNotExist as exc:
        raise Http404("No such claim.") from exc
    claim = page.claim
    context = {field.name: getattr(page, field.name) for field in fields(page)}
    clock = Clock()
    context["evidence_groups"] = evidence_entries(page.evidence_groups, page.sources, clock)
    context["timeline"] = history_entries(page.timeline, clock)
    forms = _forms(request, claim, given or {})
    source_q = request.GET.get("source_q", "").strip()[:200]
    claim_q = request.GET.get("claim_q", "").strip()[:200]
    picked_source = _picked_source(request, forms.get("evidence"))
    picked_claim = _picked_claim(forms.get("relate"))
    picture = provenance_picture(page.provenance, element_id=f"provenance-{claim.pk}")
    context.update(
        {
            "nav": "claim",
            "forms": forms,
            "conflict_form": conflict[0] if conflict else "",
            "conflict": conflict[1] if conflict else None,
            "refusal_form": refusal[0] if refusal else "",
            "refusal": refusal[1] if refusal else "",
            "notice_form": notice[0] if notice else "",
            "notice": notice[1] if notice else "",
            "source_q": source_q,
            "claim_q": claim_q,
            "source_results": _with_picked(
                list(source_suggestions(user=request.user, query=source_q)) if source_q else [],
                picked_source,
            ),
            "claim_results": _with_picked(
                list(claim_suggestions(claim=claim, query=claim_q)) if claim_q else [],
                picked_claim,
            ),
            "picked_source_id": picked_source.pk if picked_source else None,
            "picked_claim_id": picked_claim.pk if picked_claim else None,
            "picture": picture,
            "chains": chain_lines(picture.chains),
            "publish_refusal": _publish_refusal(page, request.user) if "publish" in forms else "",
        }
    )
    return render_page(request, PAGE, context, partial=PARTIAL, status=status)


def _publish_refusal(page: ClaimPage, user: AuthUser) -> str:
    """Why ``verdict_publish`` would refuse this editor now ("" if it would not): shown instead of
    the form. The service asks the same check again when the form is sent."""
    try:
        verdict_publish_check(claim=page.claim, actor=user, history=page.history)
    except ValidationError as exc:
        return " ".join(exc.messages)
    except PermissionDenied as exc:
        return str(exc)
    return ""


def _with_picked(results: list[Any], picked: Any) -> list[Any]:
    if picked is None or any(item.pk == picked.pk for item in results):
        return results
    return [picked, *results]


@newsroom_required()
@require_GET
def claim_detail(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    return _render_claim(request, claim_id)


CHAINS_PER_PAGE = 50
CHAINS_LISTED = 2000  # pages of chains stop here: the provenance API has the whole graph


@newsroom_required()
@require_GET
def claim_chains_list(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    """Every citation chain of the claim in words, a page at a time (the claim page lists the
    first ones)."""
    try:
        claim, provenance, chains = claim_chains(
            claim_id=claim_id, user=request.user, limit=CHAINS_LISTED
        )
    except Claim.DoesNotExist as exc:
        raise Http404("No such claim.") from exc
    paging = paginate(request, chains[:CHAINS_LISTED], per_page=CHAINS_PER_PAGE)
    context = {
        "nav": "claim",
        "claim": claim,
        "provenance": provenance,
        "paging": paging,
        "chains": chain_lines(paging.page),
        "chains_unlisted": len(chains) > CHAINS_LISTED,
        "chains_listed": min(len(chains), CHAINS_LISTED),
    }
    return render_page(
        request,
        "verification/claim/chains.html",
        context,
        partial="verification/claim/_chains_list.html",
    )


# --- Suggestions (htmx pickers; the page does the same without JavaScript) ----------------------


@newsroom_required(Role.FACT_CHECKER)
@require_GET
def source_picker(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    claim = _claim_or_404(claim_id)
    query = request.GET.get("source_q", "").strip()[:200]
    results = list(source_suggestions(user=request.user, query=query)) if query else []
    return render(
        request,
        "verification/claim/_source_results.html",
        {"claim": claim, "source_q": query, "source_results": results},
    )


@newsroom_required(Role.FACT_CHECKER)
@require_GET
def claim_picker(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    claim = _claim_or_404(claim_id)
    query = request.GET.get("claim_q", "").strip()[:200]
    results = list(claim_suggestions(claim=claim, query=query)) if query else []
    return render(
        request,
        "verification/claim/_claim_results.html",
        {"claim": claim, "claim_q": query, "claim_results": results},
    )


def _claim_or_404(claim_id: int) -> Claim:
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        raise Http404("No such claim.")
    return claim


# --- Actions -------------------------------------------------------------------------------


def _act(
    request: AuthedHttpRequest,
    claim_id: int,
    *,
    name: str,
    form: ClaimVersionForm,
    write: Callable[[Claim, dict[str, Any]], str],
    anchor: str,
) -> HttpResponse:
    """Validate ``form``, run ``write`` (which returns the success message), answer.

    A stale version is a 409 with the other change and the user's input kept (nothing was
    written); a service's ValidationError lands on the form (400); PermissionDenied is 403.
    """
    claim = _claim_or_404(claim_id)
    if not form.is_valid():
        return _render_claim(request, claim_id, given={name: form}, status=400)
    try:
        message = write(claim, form.cleaned_data)
    except StaleVersionError as exc:
        conflict = conflict_for(
            current=exc.current, expected_version=exc.expected_version, user=request.user
        )
        return _render_claim(
            request,
            claim_id,
            given={name: form.with_version(exc.current.version)},
            conflict=(name, conflict),
            status=409,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_claim(request, claim_id, given={name: form}, status=400)
    except PermissionDenied as exc:
        return _render_claim(
            request,
            claim_id,
            given={name: form},
            refusal=(name, str(exc) or "You may not do this."),
            status=403,
        )
    if is_htmx(request):
        # Unpublishing removes its own form: its notice shows at the top of the publishing panel.
        where = "publish" if name == "unpublish" else name
        return _render_claim(request, claim_id, notice=(where, message))
    messages.success(request, message)
    return redirect(reverse("web:claim-detail", args=[claim_id]) + f"#{anchor}")


@newsroom_required(Role.FACT_CHECKER)
@require_POST
def claim_status(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    def write(claim: Claim, data: dict[str, Any]) -> str:
        change = claim_status_change(
            claim=claim,
            actor=request.user,
            to_status=data["to_status"],
            rationale=data["rationale"],
            expected_version=data["version"],
        )
        return f"Status changed to {change.get_to_status_display()}."

    return _act(
        request,
        claim_id,
        name="status",
        form=StatusChangeForm(request.POST),
        write=write,
        anchor="workflow",
    )


def _new_source(*, user: AuthUser, url: str, kind: str, title: str) -> Source:
    """A new source for a page not recorded yet. Runs inside the caller's transaction, so a
    refused evidence write leaves no source."""
    if not kind:
        canonical = canonical_url_for(url)
        kind = Source.Kind.SOCIAL_POST if social_handle(canonical) else Source.Kind.ARTICLE
    return source_create(actor=user, kind=kind, url=url, title=title)


@newsroom_required(Role.FACT_CHECKER)
@require_POST
def claim_evidence_add(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    form = EvidenceAddForm(request.POST, user=request.user)

    def write(claim: Claim, data: dict[str, Any]) -> str:
        # Outside the transaction: a refused restricted URL stays recorded for editors.
        source = data["source_obj"] or source_url_resolve(actor=request.user, url=data["url"])
        with transaction.atomic():
            source = source or _new_source(
                user=request.user,
                url=data["url"],
                kind=data["source_kind"],
                title=data["source_title"],
            )
            evidence = evidence_add(
                claim=claim,
                actor=request.user,
                source=source,
                expected_version=data["version"],
                **form.service_kwargs(),
            )
        flagged = evidence.claim.needs_review and evidence.claim.has_verdict
        return f"Evidence added: {source} ({evidence.stance})." + (
            " The verdict is flagged for review." if flagged else ""
        )

    return _act(request, claim_id, name="evidence", form=form, write=write, anchor="evidence")


@newsroom_required(Role.FACT_CHECKER)
@require_POST
def claim_relate(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    def write(claim: Claim, data: dict[str, Any]) -> str:
        # A relation does not change the claim (no version bump), but the form was filled in
        # looking at one version of it: a claim that moved on is a conflict like any other.
        if claim.version != data["version"]:
            raise StaleVersionError(current=claim, expected_version=data["version"])
        relation = claim_relation_create(
            actor=request.user,
            from_claim=claim,
            to_claim=data["to_claim"],
            kind=data["kind"],
            note=data["note"],
        )
        return f"Related: this claim {relation.get_kind_display()} claim #{relation.to_claim_id}."

    return _act(
        request,
        claim_id,
        name="relate",
        form=RelateForm(request.POST),
        write=write,
        anchor="related",
    )


@newsroom_required(Role.FACT_CHECKER)
@require_POST
def claim_assignment(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    def write(claim: Claim, data: dict[str, Any]) -> str:
        assignee = data["assignee"]
        claim_assign(
            claim=claim, actor=request.user, assignee=assignee, expected_version=data["version"]
        )
        if assignee is None:
            return "Unassigned."
        notice = f"Assigned to {assignee.get_username()}."
        if not has_role(request.user, Role.EDITOR):
            return notice  # how many sensitive sources a claim rests on is for editors' eyes
        granted = claim_grants_held(claim_id=claim.pk, grantee=assignee)
        if granted:
            notice += (
                f" With this assignment they may see {granted} sensitive "
                f"source{'s' if granted != 1 else ''} of this claim (a grant on each, on record)."
            )
        return notice

    form = AssignForm(request.POST, candidates=assign_candidates(request.user))
    return _act(request, claim_id, name="assign", form=form, write=write, anchor="workflow")


@newsroom_required(Role.EDITOR)
@require_POST
def claim_publish(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    def write(claim: Claim, data: dict[str, Any]) -> str:
        publication = verdict_publish(
            claim=claim,
            actor=request.user,
            public_summary=data["public_summary"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        return f"Published: {publication.get_verdict_display()}, with its public summary."

    return _act(
        request,
        claim_id,
        name="publish",
        form=PublishForm(request.POST),
        write=write,
        anchor="publishing",
    )


@newsroom_required(Role.EDITOR)
@require_POST
def claim_unpublish(request: AuthedHttpRequest, claim_id: int) -> HttpResponse:
    def write(claim: Claim, data: dict[str, Any]) -> str:
        verdict_unpublish(
            claim=claim, actor=request.user, reason=data["reason"], expected_version=data["version"]
        )
        return "Verdict unpublished. API clients no longer see it."

    return _act(
        request,
        claim_id,
        name="unpublish",
        form=UnpublishForm(request.POST),
        write=write,
        anchor="publishing",
    )
