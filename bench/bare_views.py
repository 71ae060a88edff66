"""The claims list and claim detail as bare Django views: the API's baseline in bench/api.py.

Same authentication (knox token, then the session), same role check, same selectors, filters,
visibility rules, pagination queries and origin counts as ``verification.apis``; the JSON is
built by hand and returned with ``JsonResponse``. Only DRF's view and serializer layer is
missing. Mounted by bench/urls.py, used only by the benchmark.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from claims.models import Claim
from config.api import claim_etag
from config.roles import Role, has_role
from verification.filters import ClaimFilter
from verification.provenance import claims_origin_counts
from verification.selectors import claim_detail, claim_evidence, claim_list

# What DRF's JSONRenderer writes: compact, UTF-8, so both sides send the same bytes.
JSON_PARAMS = {"ensure_ascii": False, "separators": (",", ":")}
PAGINATION_PARAMS = ("page", "page_size")


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def _authenticate(request: HttpRequest) -> JsonResponse | None:
    """The API's authentication and HasNewsroomRole: a knox token first, else the session."""
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed as exc:
        return _error(401, "authentication_failed", str(exc.detail))
    if found is not None:
        request.user = found[0]
    if not request.user.is_authenticated:
        return _error(401, "not_authenticated", "Authentication credentials were not provided.")
    if not has_role(request.user, Role.VIEWER):
        return _error(403, "permission_denied", "You need a newsroom role to use the API.")
    return None


def _datetime(value: datetime | None) -> str | None:
    # DRF's iso-8601: microseconds kept (DjangoJSONEncoder would cut them), UTC as "Z".
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _claim_summary(claim: Claim, counts: dict[int, dict[str, int]]) -> dict[str, Any]:
    claimant, assignee = claim.claimant, claim.assignee
    published = getattr(claim, "last_publication_action", None) == "publish"
    return {
        "id": claim.pk,
        "text": claim.text,
        "kind": claim.kind,
        "status": claim.status,
        "needs_review": claim.needs_review,
        "version": claim.version,
        "claimant": None
        if claimant is None
        else {"id": claimant.pk, "name": claimant.name, "title": claimant.title},
        "made_on": _date(claim.made_on),
        "made_on_precision": claim.made_on_precision,
        "language": claim.language,
        "tags": [tag.name for tag in claim.tags.all()],
        "assignee": None
        if assignee is None
        else {"id": assignee.pk, "username": assignee.username},
        "published_verdict": claim.last_publication_verdict if published else None,
        "evidence_count": claim.evidence_count,
        "independent_origins": counts[claim.pk],
        "created_at": _datetime(claim.created_at),
        "updated_at": _datetime(claim.updated_at),
    }


def _page_link(url: str, page: int | None) -> str:
    """DRF's replace_query_param / remove_query_param (page None removes it)."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    if page is None:
        params.pop("page", None)
    else:
        params["page"] = [str(page)]
    query = urlencode(sorted(params.items()), doseq=True)
    return urlunsplit((scheme, netloc, path, query, fragment))


@csrf_exempt
def claims_list_bare(request: HttpRequest) -> JsonResponse:
    refused = _authenticate(request)
    if refused is not None:
        return refused
    filterset = ClaimFilter(request.GET, queryset=claim_list(user=request.user), request=request)
    if not filterset.is_valid():
        fields = filterset.errors.get_json_data()
        return _error(400, "invalid", "Some fields are not valid.", fields=fields)
    raw_size = request.GET.get("page_size")
    if raw_size is not None and (not raw_size.isdigit() or int(raw_size) < 1):
        message = f"Enter a whole number from 1 to {settings.API_MAX_PAGE_SIZE}."
        fields = {"page_size": [{"code": "invalid", "message": message}]}
        return _error(400, "invalid", "Some fields are not valid.", fields=fields)
    page_size = settings.API_DEFAULT_PAGE_SIZE
    if raw_size is not None:
        page_size = min(int(raw_size), settings.API_MAX_PAGE_SIZE)
    paginator = Paginator(filterset.qs, page_size)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except InvalidPage:
        return _error(404, "not_found", "Invalid page.")
    counts = claims_origin_counts(claim_ids=[claim.pk for claim in page], user=request.user)
    url = request.build_absolute_uri()
    previous = None
    if page.has_previous():
        number = page.previous_page_number()
        previous = _page_link(url, None if number == 1 else number)
    body = {
        "count": paginator.count,
        "next": _page_link(url, page.next_page_number()) if page.has_next() else None,
        "previous": previous,
        "results": [_claim_summary(claim, counts) for claim in page],
    }
    return JsonResponse(body, json_dumps_params=JSON_PARAMS)


@csrf_exempt
def claim_detail_bare(request: HttpRequest, claim_id: int) -> JsonResponse:
    refused = _authenticate(request)
    if refused is not None:
        return refused
    try:
        claim = claim_detail(claim_id=claim_id, user=request.user)
    except Claim.DoesNotExist:
        return _error(404, "not_found", "Not found.")
    counts = claims_origin_counts(claim_ids=[claim.pk], user=request.user)
    body = _claim_summary(claim, counts)
    body["evidence"] = [
        {
            "id": row.pk,
            "source": row.source_id,
            "source_title": row.source.title,
            "source_url": row.source.url,
            "outlet": None if row.source.outlet is None else row.source.outlet.name,
            "stance": row.stance,
            "credibility": row.credibility,
            "quote": row.quote,
            "quote_language": row.quote_language,
            "translation": row.translation,
            "note": row.note,
            "added_by": row.added_by.username,
            "added_at": _datetime(row.added_at),
        }
        for row in claim_evidence(claim=claim, user=request.user)
    ]
    etag = claim_etag(claim.pk, claim.version)
    if request.headers.get("If-None-Match") == etag:
        response = JsonResponse({}, status=304)
    else:
        response = JsonResponse(body, json_dumps_params=JSON_PARAMS)
    response["ETag"] = etag
    return response
