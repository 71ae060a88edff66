"""Bad input over every write endpoint: always a 4xx in the one error shape, never a 5xx, and
nothing written.

One table describes each endpoint's body (its string fields and their limits, enums, ids, URLs);
the cases are generated from it: malformed JSON, a JSON array or null instead of an object, a
body over the size limit, wrong types, unknown and huge ids, NUL characters, invalid enum
values, ``javascript:`` / ``file:`` / ``data:`` URLs, oversized and empty strings, bad If-Match
headers. Requests are made by an editor (who may do everything), so refusals come from
validation, not permissions; a publish is of a verdict another user set.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from claims.models import Claim
from config.api import NON_FIELD_KEY, claim_etag
from tests.api.test_permission_matrix import (
    Cast,
    db_snapshot,
    published,
    with_verdict,
    write_endpoints,
)
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    ClaimRelationFactory,
    EvidenceFactory,
    OutletFactory,
    SourceFactory,
    grant,
)

pytestmark = pytest.mark.django_db

UNKNOWN_ID = 999999
HUGE_ID = 2**64  # past bigint: must not reach the database as an overflow
NUL = "before\u0000after"
OMIT = object()  # in a body override: leave the field out
BAD_URLS = {
    "javascript": "javascript:alert(1)",
    "file": "file:///etc/passwd",
    "data": "data:text/html,x",
}


# --- The endpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a builder made: the path's ids, a valid body, the claim whose If-Match to send."""

    ids: dict[str, int]
    body: dict[str, Any]
    claim: Claim | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Override = dict[str, Any] | Callable[[dict[str, User], Target], dict[str, Any]]


@dataclass(frozen=True)
class Spec:
    name: str
    method: str
    path: str  # as in the schema, e.g. /api/v1/claims/{claim_id}/
    build: Callable[[dict[str, User]], Target]
    strings: dict[str, int] = field(default_factory=dict)  # field -> max length
    string_lists: dict[str, tuple[int, int]] = field(default_factory=dict)  # -> (len, items)
    required: tuple[str, ...] = ()  # strings where "" and "   " are refused
    enums: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    id_lists: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    ints: tuple[str, ...] = ()  # plain whole numbers (the claim's version)
    others: tuple[tuple[str, Override, str], ...] = ()  # (case, body override, field named)

    @property
    def claim_write(self) -> bool:
        return "version" in self.ints


def _other(users: dict[str, User]) -> User:
    return users["other_fact_checker"]


def _claims_create(users: dict[str, User]) -> Target:
    return Target({}, {"text": "A claim that bad input must not log."})


def _claims_edit(users: dict[str, User]) -> Target:
    claim = ClaimFactory(created_by=_other(users))
    return Target({"claim_id": claim.pk}, {"text": "Reworded by bad input."}, claim)


def _status(users: dict[str, User]) -> Target:
    claim = ClaimFactory(created_by=_other(users))
    body = {"to_status": "in_review", "rationale": "Picking it up."}
    return Target({"claim_id": claim.pk}, body, claim)


def _assign(users: dict[str, User]) -> Target:
    claim = ClaimFactory(created_by=_other(users))
    return Target({"claim_id": claim.pk}, {"assignee": _other(users).pk}, claim)


def _evidence_add(users: dict[str, User]) -> Target:
    claim = ClaimFactory(created_by=_other(users))
    source = SourceFactory(created_by=_other(users))
    citation = CitationFactory()  # made by another source: not one this evidence may go via
    body = {"source": source.pk, "stance": "asserts"}
    return Target({"claim_id": claim.pk}, body, claim, {"foreign_citation": citation.pk})


def _evidence_edit(users: dict[str, User]) -> Target:
    evidence = EvidenceFactory(
        claim=ClaimFactory(created_by=_other(users)),
        source=SourceFactory(created_by=_other(users)),
        added_by=_other(users),
    )
    # The same source with another stance: moving this row onto it would duplicate it.
    EvidenceFactory(
        claim=evidence.claim,
        source=evidence.source,
        stance="supports",
        added_by=_other(users),
    )
    citation = CitationFactory()
    return Target(
        {"evidence_id": evidence.pk},
        {"note": "Edited by bad input."},
        evidence.claim,
        {"foreign_citation": citation.pk},
    )


def _publish(users: dict[str, User]) -> Target:
    claim = with_verdict(ClaimFactory(created_by=_other(users)), _other(users))
    return Target({"claim_id": claim.pk}, {"public_summary": "Confirmed by the records."}, claim)


def _unpublish(users: dict[str, User]) -> Target:
    claim = published(ClaimFactory(created_by=_other(users)), Cast(actor=None, users=users))
    return Target({"claim_id": claim.pk}, {"reason": "The records were forged."}, claim)


def _relation_add(users: dict[str, User]) -> Target:
    claim, other = ClaimFactory(), ClaimFactory()
    return Target({"claim_id": claim.pk}, {"to_claim": other.pk, "kind": "supports"})


def _claimant_add(users: dict[str, User]) -> Target:
    return Target({}, {"name": "Bad Input Spokesperson"})


def _claimant_edit(users: dict[str, User]) -> Target:
    return Target({"claimant_id": ClaimantFactory().pk}, {"title": "Minister"})


def _outlet_add(users: dict[str, User]) -> Target:
    return Target({}, {"name": "Bad Input Outlet"})


def _outlet_edit(users: dict[str, User]) -> Target:
    return Target({"outlet_id": OutletFactory().pk}, {"owner": "A holding"})


def _domain_add(users: dict[str, User]) -> Target:
    return Target({"outlet_id": OutletFactory().pk}, {"domain": "bad-input.example"})


def _handle_add(users: dict[str, User]) -> Target:
    body = {"platform": "telegram", "handle": "badinput"}
    return Target({"outlet_id": OutletFactory().pk}, body)


def _rate(users: dict[str, User]) -> Target:
    body = {"grade": "A", "rationale": "Corrects its errors promptly."}
    return Target({"outlet_id": OutletFactory().pk}, body)


def _source_add(users: dict[str, User]) -> Target:
    return Target({}, {"kind": "article", "url": "https://bad-input.example/story"})


def _source_edit(users: dict[str, User]) -> Target:
    SourceFactory(url="https://taken.example/page")
    return Target({"source_id": SourceFactory(created_by=_other(users)).pk}, {"title": "Retitled"})


def _snapshot_request(users: dict[str, User]) -> Target:
    return Target({"source_id": SourceFactory(created_by=_other(users)).pk}, {"run": False})


def _link_check_request(users: dict[str, User]) -> Target:
    # No test DNS answer for the factory's host: the valid request records an error check.
    return Target({"source_id": SourceFactory(created_by=_other(users)).pk}, {})


def _citation_add(users: dict[str, User]) -> Target:
    citing, cited = SourceFactory(), SourceFactory()
    return Target({}, {"citing": citing.pk, "cited": cited.pk, "kind": "quotes"})


def _informant(users: dict[str, User]):
    return SourceFactory(is_sensitive=True, created_by=users["viewer"])


def _grant_add(users: dict[str, User]) -> Target:
    body = {"grantee": _other(users).pk, "reason": "Checks the informant's account."}
    return Target({"source_id": _informant(users).pk}, body)


def _grant_revoke(users: dict[str, User]) -> Target:
    access = grant(_informant(users), _other(users), by=users["other_editor"])
    return Target({"grant_id": access.pk}, {"reason": "The story is out."})


CLAIM_FIELDS: dict[str, Any] = {
    "strings": {"text": 2000, "language": 16},
    "string_lists": {"tags": (50, 30)},
    "required": ("text", "language"),
    "enums": ("kind", "made_on_precision"),
    "ids": ("claimant",),
    "others": (
        ("date", {"made_on": "31/12/2024"}, "made_on"),
        ("date_object", {"made_on": {"year": 2024}}, "made_on"),
        ("language_code", {"language": "Klingon!"}, "language"),
        ("tag_without_letters", {"tags": ["!!!"]}, "tags"),
        ("attribution_without_claimant", {"kind": "attribution", "claimant": None}, "claimant"),
    ),
}
EVIDENCE_FIELDS: dict[str, Any] = {
    "strings": {"quote": 10000, "quote_language": 16, "translation": 10000, "note": 5000},
    "enums": ("stance", "credibility"),
    "id_lists": ("via",),
    "ints": ("version",),
}
EVIDENCE_OTHERS: tuple[tuple[str, Override, str], ...] = (
    ("credibility_out_of_range", {"credibility": 7}, "credibility"),
    ("credibility_type", {"credibility": [1]}, "credibility"),
    ("quote_language_code", {"quote": "Q", "quote_language": "Русский"}, "quote_language"),
    ("untranslated_quote", {"quote": "Убиты двое.", "quote_language": "ru"}, "translation"),
    ("via_not_the_sources", lambda u, t: {"via": [t.extra["foreign_citation"]]}, "via"),
)
CLAIMANT_FIELDS: dict[str, Any] = {
    "strings": {"name": 200, "title": 200, "affiliation": 200, "country": 2},
    "required": ("name",),
    "enums": ("kind",),
    "others": (("country_code", {"country": "U1"}, "country"),),
}
OUTLET_FIELDS: dict[str, Any] = {
    "strings": {
        "name": 200,
        "country": 2,
        "owner": 200,
        "party_to": 120,
        "description": 5000,
    },
    "required": ("name",),
    "enums": ("kind", "affiliation"),
}
SOURCE_FIELDS: dict[str, Any] = {
    "strings": {"url": 2000, "title": 500, "author": 300, "language": 16, "summary": 10000},
    "enums": ("kind", "sourcing"),
    "ids": ("outlet",),
    "urls": ("url",),
    "others": (
        ("published_at", {"published_at": "someday"}, "published_at"),
        ("published_at_overflow", {"published_at": "0001-01-01T00:00:00+05:00"}, "published_at"),
        ("is_sensitive", {"is_sensitive": "maybe"}, "is_sensitive"),
        ("language_code", {"language": "Not a code!"}, "language"),
        ("url_without_host", {"url": "https://"}, "url"),
    ),
}

CLAIM = "/api/v1/claims/{claim_id}/"
OUTLET = "/api/v1/outlets/{outlet_id}/"
SPECS = [
    Spec(
        "claims_create",
        "POST",
        "/api/v1/claims/",
        _claims_create,
        **{
            **CLAIM_FIELDS,
            "others": (
                *CLAIM_FIELDS["others"],
                ("allow_duplicate", {"allow_duplicate": "maybe"}, "allow_duplicate"),
            ),
        },
    ),
    Spec("claims_edit", "PATCH", CLAIM, _claims_edit, ints=("version",), **CLAIM_FIELDS),
    Spec(
        "claims_status",
        "POST",
        CLAIM + "status/",
        _status,
        strings={"rationale": 5000},
        required=("rationale",),
        enums=("to_status",),
        ints=("version",),
        others=(("transition", {"to_status": "verified"}, "to_status"),),
    ),
    Spec(
        "claims_assign",
        "POST",
        CLAIM + "assignment/",
        _assign,
        ids=("assignee",),
        ints=("version",),
        others=(
            ("assignee_not_a_fact_checker", lambda u, t: {"assignee": u["viewer"].pk}, "assignee"),
            ("assignee_missing", {"assignee": OMIT}, "assignee"),
        ),
    ),
    Spec(
        "evidence_create",
        "POST",
        CLAIM + "evidence/",
        _evidence_add,
        ids=("source",),
        others=EVIDENCE_OTHERS,
        **EVIDENCE_FIELDS,
    ),
    Spec(
        "evidence_edit",
        "PATCH",
        "/api/v1/evidence/{evidence_id}/",
        _evidence_edit,
        others=(*EVIDENCE_OTHERS, ("duplicate_stance", {"stance": "supports"}, "stance")),
        **EVIDENCE_FIELDS,
    ),
    Spec(
        "claims_publish",
        "POST",
        CLAIM + "publish/",
        _publish,
        strings={"public_summary": 5000, "reason": 5000},
        required=("public_summary",),
        ints=("version",),
    ),
    Spec(
        "claims_unpublish",
        "POST",
        CLAIM + "unpublish/",
        _unpublish,
        strings={"reason": 5000},
        required=("reason",),
        ints=("version",),
    ),
    Spec(
        "relations_create",
        "POST",
        CLAIM + "relations/",
        _relation_add,
        strings={"note": 2000},
        enums=("kind",),
        ids=("to_claim",),
        others=(("to_itself", lambda u, t: {"to_claim": t.ids["claim_id"]}, "to_claim"),),
    ),
    Spec("claimants_create", "POST", "/api/v1/claimants/", _claimant_add, **CLAIMANT_FIELDS),
    Spec(
        "claimants_edit",
        "PATCH",
        "/api/v1/claimants/{claimant_id}/",
        _claimant_edit,
        **CLAIMANT_FIELDS,
    ),
    Spec(
        "outlets_create",
        "POST",
        "/api/v1/outlets/",
        _outlet_add,
        string_lists={"domains": (253, 50)},
        urls=("domains",),
        others=(
            ("country_code", {"country": "u1"}, "country"),
            ("handles_not_a_list", {"handles": "x:someone"}, "handles"),
            ("handle_platform", {"handles": [{"platform": "myspace", "handle": "a"}]}, "handles"),
            ("handle_nul", {"handles": [{"platform": "x", "handle": NUL}]}, "handles"),
            ("handle_empty", {"handles": [{"platform": "x", "handle": "@"}]}, "handles"),
            (
                "handle_twice",
                {
                    "handles": [
                        {"platform": "x", "handle": "twin"},
                        {"platform": "x", "handle": "@Twin"},
                    ]
                },
                "handles",
            ),
            ("domain_twice", {"domains": ["twin.example", "www.twin.example"]}, "domains"),
            ("domain_invalid", {"domains": ["not a domain"]}, "domains"),
        ),
        **OUTLET_FIELDS,
    ),
    Spec(
        "outlets_edit",
        "PATCH",
        OUTLET,
        _outlet_edit,
        others=(("country_code", {"country": "u1"}, "country"),),
        **OUTLET_FIELDS,
    ),
    Spec(
        "outlets_domain",
        "POST",
        OUTLET + "domains/",
        _domain_add,
        strings={"domain": 2000},
        required=("domain",),
        urls=("domain",),
        others=(
            ("domain_too_long_for_a_domain", {"domain": "a" * 250 + ".example"}, "domain"),
            ("domain_invalid", {"domain": "not a domain"}, "domain"),
        ),
    ),
    Spec(
        "outlets_handle",
        "POST",
        OUTLET + "handles/",
        _handle_add,
        strings={"handle": 200},
        required=("handle",),
        enums=("platform",),
        others=(
            ("handle_too_long_for_a_handle", {"handle": "a" * 150}, "handle"),
            ("handle_only_an_at", {"handle": "@"}, "handle"),
        ),
    ),
    Spec(
        "outlets_rate",
        "POST",
        OUTLET + "ratings/",
        _rate,
        strings={"rationale": 5000, "external_reference": 500},
        required=("rationale",),
        enums=("grade",),
    ),
    Spec(
        "sources_create",
        "POST",
        "/api/v1/sources/",
        _source_add,
        **{
            **SOURCE_FIELDS,
            "others": (
                *SOURCE_FIELDS["others"],
                ("kind_missing", lambda u, t: {"kind": None}, "kind"),
            ),
        },
    ),
    Spec(
        "sources_edit",
        "PATCH",
        "/api/v1/sources/{source_id}/",
        _source_edit,
        **{
            **SOURCE_FIELDS,
            "others": (
                *SOURCE_FIELDS["others"],
                ("url_taken", {"url": "http://www.taken.example/page?utm_source=x"}, "url"),
            ),
        },
    ),
    Spec(
        "snapshots_request",
        "POST",
        "/api/v1/sources/{source_id}/snapshots/",
        _snapshot_request,
        others=(
            ("run_not_a_boolean", {"run": "maybe"}, "run"),
            ("run_an_object", {"run": {"now": True}}, "run"),
        ),
    ),
    Spec(
        "link_checks_request",
        "POST",
        "/api/v1/sources/{source_id}/link-checks/",
        _link_check_request,
    ),
    Spec(
        "citations_create",
        "POST",
        "/api/v1/citations/",
        _citation_add,
        strings={"note": 2000},
        enums=("kind",),
        ids=("citing", "cited"),
        others=(("cites_itself", lambda u, t: {"cited": t.body["citing"]}, "cited"),),
    ),
    Spec(
        "sources_grants_create",
        "POST",
        "/api/v1/sources/{source_id}/grants/",
        _grant_add,
        strings={"reason": 2000},
        required=("reason",),
        ids=("grantee",),
        others=(
            ("grantee_an_editor", lambda u, t: {"grantee": u["other_editor"].pk}, "grantee"),
            ("grantee_the_logger", lambda u, t: {"grantee": u["viewer"].pk}, "grantee"),
            ("grantee_missing", {"grantee": OMIT}, "grantee"),
        ),
    ),
    Spec(
        "source_grants_revoke",
        "POST",
        "/api/v1/source-grants/{grant_id}/revoke/",
        _grant_revoke,
        strings={"reason": 2000},
        required=("reason",),
    ),
]


# --- The cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One bad request: ``override`` merged into the valid body, or ``raw`` bytes sent as the
    body, or ``headers`` replacing the If-Match; the status, error code and field expected."""

    override: Override | None = None
    raw: bytes | Callable[[Target], bytes] | None = None
    headers: dict[str, str] | None = None
    unknown_path: bool = False
    body_limit: int | None = None  # settings.API_MAX_BODY_BYTES for this request
    status: int = 400
    code: str = "invalid"
    field: str | None = None


def _generic_cases(spec: Spec) -> dict[str, Case]:
    cases = {
        "malformed_json": Case(raw=b'{"text": "unterminated', code="parse_error"),
        "deeply_nested_json": Case(raw=b"[" * 100_000 + b"]" * 100_000, code="parse_error"),
        "invalid_utf8": Case(raw=b'{"text": "\xff\xfe"}', code="parse_error"),
        "raw_nul_byte": Case(raw=b'{"text": "a\x00b"}', code="parse_error"),
        "json_array": Case(raw=lambda t: json.dumps([t.body]).encode(), field=NON_FIELD_KEY),
        "json_string": Case(raw=b'"a claim"', field=NON_FIELD_KEY),
        "json_null": Case(raw=b"null", field=NON_FIELD_KEY),
        "body_too_large": Case(
            raw=lambda t: json.dumps({**t.body, "padding": "x" * 4096}).encode(),
            body_limit=2048,
            status=413,
            code="too_large",
        ),
    }
    if "{" in spec.path:
        cases["unknown_path_id"] = Case(unknown_path=True, status=404, code="not_found")
    if spec.claim_write:
        cases |= {
            "if_match_malformed": Case(headers={"HTTP_IF_MATCH": "garbage"}, field="If-Match"),
            "if_match_of_another_claim": Case(
                headers={"HTTP_IF_MATCH": claim_etag(UNKNOWN_ID, 1)}, field="If-Match"
            ),
            "if_match_stale": Case(
                headers={"HTTP_IF_MATCH": "STALE"}, status=412, code="stale_version"
            ),
            "no_if_match": Case(headers={}, status=428, code="precondition_required"),
            "version_string": Case(override={"version": "two"}, headers={}, field="version"),
            "version_zero": Case(override={"version": 0}, headers={}, field="version"),
        }
    return cases


def _field_cases(spec: Spec) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for name, max_length in spec.strings.items():
        cases[f"nul:{name}"] = Case({name: NUL}, field=name)
        cases[f"oversized:{name}"] = Case({name: "x" * (max_length + 1)}, field=name)
        cases[f"object:{name}"] = Case({name: {"a": 1}}, field=name)
    for name, (max_length, max_items) in spec.string_lists.items():
        cases[f"nul:{name}"] = Case({name: [NUL]}, field=name)
        cases[f"oversized:{name}"] = Case({name: ["x" * (max_length + 1)]}, field=name)
        cases[f"object:{name}"] = Case({name: [{"a": 1}]}, field=name)
        cases[f"not_a_list:{name}"] = Case({name: "x"}, field=name)
        items = [f"item{i}.example" for i in range(max_items + 1)]
        cases[f"too_many:{name}"] = Case({name: items}, field=name)
    for name in spec.required:
        cases[f"empty:{name}"] = Case({name: ""}, field=name)
        cases[f"whitespace:{name}"] = Case({name: "   "}, field=name)
    for name in spec.enums:
        cases[f"enum:{name}"] = Case({name: "bogus"}, field=name)
        cases[f"enum_type:{name}"] = Case({name: ["asserts"]}, field=name)
    for name in spec.ids:
        cases[f"id_string:{name}"] = Case({name: "abc"}, field=name)
        cases[f"id_float:{name}"] = Case({name: 1.5}, field=name)
        cases[f"id_bool:{name}"] = Case({name: True}, field=name)
        cases[f"id_unknown:{name}"] = Case({name: UNKNOWN_ID}, field=name)
        cases[f"id_huge:{name}"] = Case({name: HUGE_ID}, field=name)
    for name in spec.id_lists:
        cases[f"id_unknown:{name}"] = Case({name: [UNKNOWN_ID]}, field=name)
        cases[f"id_huge:{name}"] = Case({name: [HUGE_ID]}, field=name)
        cases[f"id_string:{name}"] = Case({name: ["abc"]}, field=name)
        cases[f"not_a_list:{name}"] = Case({name: 1}, field=name)
    for name in spec.urls:
        for label, url in BAD_URLS.items():
            value = [url] if name in spec.string_lists else url
            cases[f"url_{label}:{name}"] = Case({name: value}, field=name)
    for case_name, override, name in spec.others:
        cases[case_name] = Case(override, field=name)
    return cases


def _params() -> list[Any]:
    return [
        pytest.param(spec, case, id=f"{spec.name}-{name}")
        for spec in SPECS
        for name, case in {**_generic_cases(spec), **_field_cases(spec)}.items()
    ]


# --- Running them ------------------------------------------------------------------------------


@pytest.fixture
def users(viewer, other_fact_checker, editor, other_editor) -> dict[str, User]:
    return {
        "viewer": viewer,
        "other_fact_checker": other_fact_checker,
        "editor": editor,
        "other_editor": other_editor,
    }


def _client(editor: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(editor)
    return client


def _request(spec: Spec, case: Case, target: Target, users: dict[str, User]):
    ids = dict.fromkeys(target.ids, UNKNOWN_ID) if case.unknown_path else target.ids
    path = spec.path.format(**ids)
    headers: dict[str, str] = {}
    if target.claim is not None:
        target.claim.refresh_from_db()
        headers["HTTP_IF_MATCH"] = claim_etag(target.claim.pk, target.claim.version)
    if case.headers is not None:
        headers = dict(case.headers)
        if headers.get("HTTP_IF_MATCH") == "STALE":
            headers["HTTP_IF_MATCH"] = claim_etag(target.claim.pk, target.claim.version + 5)
    client = _client(users["editor"])
    if case.raw is not None:
        raw = case.raw(target) if callable(case.raw) else case.raw
        return client.generic(spec.method, path, raw, content_type="application/json", **headers)
    override = case.override(users, target) if callable(case.override) else case.override
    body = {
        key: value
        for key, value in {**target.body, **(override or {})}.items()
        if value is not OMIT
    }
    return client.generic(
        spec.method, path, json.dumps(body), content_type="application/json", **headers
    )


def assert_error_shape(response, *, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) <= {"code", "message", "fields", "current"}, body
    assert isinstance(body["message"], str)
    assert body["message"]
    assert body["code"] == code, body
    if code == "invalid":
        assert body["fields"], body
        for errors in body["fields"].values():
            assert errors
            assert all(set(error) == {"code", "message"} for error in errors)
    if field is not None:
        named = [key for key in body["fields"] if re.fullmatch(rf"{re.escape(field)}(\..+)?", key)]
        assert named, f"no error on {field!r}: {body['fields']}"


def test_the_table_covers_every_write_endpoint_with_a_body():
    with_body = {(m, p) for m, p in write_endpoints() if m in {"POST", "PUT", "PATCH"}}
    uploads = {("POST", spec.path) for spec in UPLOAD_SPECS}

    assert {(spec.method, spec.path) for spec in SPECS} | uploads == with_body
    assert not uploads & {(spec.method, spec.path) for spec in SPECS}
    assert {(m, p) for m, p in write_endpoints() if m == "DELETE"} == {
        ("DELETE", path) for path, _ in DELETES
    }


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in SPECS])
def test_the_valid_body_of_each_endpoint_is_accepted(spec: Spec, users):
    """Each case below changes one thing in this body; it must itself be accepted."""
    target = spec.build(users)
    before = db_snapshot()

    response = _request(spec, Case(), target, users)

    assert 200 <= response.status_code < 300, response.content
    assert db_snapshot() != before


@pytest.mark.parametrize(("spec", "case"), _params())
def test_bad_input_is_a_4xx_in_the_error_shape_and_writes_nothing(
    spec: Spec, case: Case, users, settings
):
    if case.body_limit is not None:
        settings.API_MAX_BODY_BYTES = case.body_limit
    target = spec.build(users)
    before = db_snapshot()

    response = _request(spec, case, target, users)

    assert_error_shape(response, status=case.status, code=case.code, field=case.field)
    after = db_snapshot()
    changed = sorted(key for key in before if before[key] != after.get(key))
    assert changed == [], f"a refused write changed {changed}"


# --- Deletes: no body, but an id in the path, and for evidence the claim's version -------------


def _evidence(users: dict[str, User]):
    return EvidenceFactory(claim=ClaimFactory(created_by=_other(users)), added_by=_other(users))


DELETES: list[tuple[str, Callable[[dict[str, User]], Any]]] = [
    ("/api/v1/evidence/{evidence_id}/", _evidence),
    ("/api/v1/relations/{relation_id}/", lambda users: ClaimRelationFactory()),
    ("/api/v1/citations/{citation_id}/", lambda users: CitationFactory()),
]
DELETE_CASES = {
    "unknown_id": ({}, "", 404, "not_found", None),
    "version_string": ({"QUERY_STRING": "version=two"}, "evidence", 400, "invalid", "version"),
    "version_zero": ({"QUERY_STRING": "version=0"}, "evidence", 400, "invalid", "version"),
    "version_huge": (
        {"QUERY_STRING": f"version={HUGE_ID}"},
        "evidence",
        412,
        "stale_version",
        None,
    ),
    "if_match_malformed": ({"HTTP_IF_MATCH": "garbage"}, "evidence", 400, "invalid", "If-Match"),
    "no_if_match": ({}, "evidence", 428, "precondition_required", None),
}


@pytest.mark.parametrize(
    ("path", "build", "case"),
    [
        pytest.param(path, build, name, id=f"{path.split('/')[3]}-{name}")
        for path, build in DELETES
        for name, (_, only, *_rest) in DELETE_CASES.items()
        if only in path
    ],
)
def test_bad_deletes_are_a_4xx_and_delete_nothing(path, build, case, users):
    extra, _, status, code, field_name = DELETE_CASES[case]
    row = build(users)
    pk = UNKNOWN_ID if case == "unknown_id" else row.pk
    headers = dict(extra)
    if case == "unknown_id" and "evidence" in path:
        headers["HTTP_IF_MATCH"] = claim_etag(row.claim_id, 1)
    before = db_snapshot()

    response = _client(users["editor"]).generic(
        "DELETE", path.format(**{re.search(r"{(\w+)}", path)[1]: pk}), **headers
    )

    assert_error_shape(response, status=status, code=code, field=field_name)
    assert db_snapshot() == before


# --- Uploads: multipart bodies -------------------------------------------------------------------
# The JSON cases above do not apply (a JSON body is refused with 415); these are built as forms.

PDF = (Path(__file__).resolve().parent.parent / "fixtures" / "capture" / "report.pdf").read_bytes()


def _pdf(name: str = "report.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@dataclass(frozen=True)
class UploadSpec:
    name: str
    path: str
    build: Callable[[dict[str, User]], Target]
    fields: dict[str, Any] = field(default_factory=dict)  # case -> (form override, field named)


@dataclass(frozen=True)
class UploadCase:
    form: dict[str, Any] | None = None  # merged into the valid form (OMIT drops a field)
    raw: tuple[bytes, str] | None = None  # (body, content type) sent as they are
    settings: dict[str, Any] = field(default_factory=dict)
    unknown_path: bool = False
    status: int = 400
    code: str = "invalid"
    field: str | None = None


def _upload_to_source(users: dict[str, User]) -> Target:
    return Target({"source_id": SourceFactory(created_by=_other(users)).pk}, {})


def _upload_new_source(users: dict[str, User]) -> Target:
    return Target({}, {"title": "A letter", "kind": "correspondence"})


UPLOAD_SPECS = [
    UploadSpec("sources_upload", "/api/v1/sources/{source_id}/uploads/", _upload_to_source),
    UploadSpec(
        "sources_from_upload",
        "/api/v1/sources/uploads/",
        _upload_new_source,
        fields={
            "kind": ({"kind": "bogus"}, "kind"),
            "sourcing": ({"sourcing": "bogus"}, "sourcing"),
            "title_oversized": ({"title": "x" * 501}, "title"),
            "title_nul": ({"title": NUL}, "title"),
            "summary_oversized": ({"summary": "x" * 10001}, "summary"),
            "author_control_character": ({"author": "a\x07b"}, "author"),
            "language_code": ({"language": "Not a code!"}, "language"),
            "published_at": ({"published_at": "someday"}, "published_at"),
            "is_sensitive": ({"is_sensitive": "maybe"}, "is_sensitive"),
            "outlet_unknown": ({"outlet": UNKNOWN_ID}, "outlet"),
            "outlet_string": ({"outlet": "abc"}, "outlet"),
            "outlet_huge": ({"outlet": HUGE_ID}, "outlet"),
        },
    ),
]


def _upload_cases(spec: UploadSpec) -> dict[str, UploadCase]:
    cases = {
        "no_file": UploadCase({"file": OMIT}, field="file"),
        "file_not_a_file": UploadCase({"file": "just text"}, field="file"),
        "file_empty": UploadCase({"file": _pdf(data=b"")}, field="file"),
        "file_html": UploadCase(
            {"file": _pdf("a.html", b"<html><script>x()</script>")}, field="file"
        ),
        "file_svg": UploadCase(
            {"file": _pdf("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>')}, field="file"
        ),
        "file_renamed_script": UploadCase({"file": _pdf(data=b"#!/bin/sh\nid\n")}, field="file"),
        "file_over_the_limit": UploadCase(
            settings={"CLAIMTRAIL_UPLOAD_MAX_BYTES": 1024}, field="file"
        ),
        "body_far_over_the_limit": UploadCase(
            settings={"CLAIMTRAIL_UPLOAD_MAX_BYTES": 512, "API_MAX_BODY_BYTES": 512},
            status=413,
            code="too_large",
        ),
        "json_body": UploadCase(
            raw=(b'{"file": "x"}', "application/json"), status=415, code="unsupported_media_type"
        ),
        "multipart_without_boundary": UploadCase(
            raw=(b"garbage", "multipart/form-data"), code="parse_error"
        ),
        "multipart_truncated": UploadCase(
            raw=(b"--b\r\nContent-Disposition: form-data", "multipart/form-data; boundary=b"),
            field="file",
        ),
    }
    if "{" in spec.path:
        cases["unknown_path_id"] = UploadCase(unknown_path=True, status=404, code="not_found")
    for name, (form, named) in spec.fields.items():
        cases[name] = UploadCase(form, field=named)
    return cases


def stored_files() -> set[str]:
    root = django_settings.STORAGES["archives"]["OPTIONS"]["location"]
    return {os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names}


def _upload_request(spec: UploadSpec, case: UploadCase, target: Target, users: dict[str, User]):
    ids = dict.fromkeys(target.ids, UNKNOWN_ID) if case.unknown_path else target.ids
    path = spec.path.format(**ids)
    client = _client(users["editor"])
    if case.raw is not None:
        body, content_type = case.raw
        return client.generic("POST", path, body, content_type=content_type)
    form = {"file": _pdf(), **target.body, **(case.form or {})}
    form = {key: value for key, value in form.items() if value is not OMIT}
    return client.post(path, form, format="multipart")


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in UPLOAD_SPECS])
def test_the_valid_form_of_each_upload_endpoint_is_accepted(spec: UploadSpec, users):
    target = spec.build(users)
    before = db_snapshot()

    response = _upload_request(spec, UploadCase(), target, users)

    assert response.status_code == 201, response.content
    assert db_snapshot() != before
    assert stored_files()


@pytest.mark.parametrize(
    ("spec", "case"),
    [
        pytest.param(spec, case, id=f"{spec.name}-{name}")
        for spec in UPLOAD_SPECS
        for name, case in _upload_cases(spec).items()
    ],
)
def test_a_bad_upload_is_a_4xx_in_the_error_shape_and_writes_nothing(
    spec: UploadSpec, case: UploadCase, users, settings
):
    for name, value in case.settings.items():
        setattr(settings, name, value)
    target = spec.build(users)
    before = db_snapshot()

    response = _upload_request(spec, case, target, users)

    assert_error_shape(response, status=case.status, code=case.code, field=case.field)
    after = db_snapshot()
    changed = sorted(key for key in before if before[key] != after.get(key))
    assert changed == [], f"a refused upload changed {changed}"
    assert stored_files() == set()
