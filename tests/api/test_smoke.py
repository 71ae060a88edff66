"""The issue's 'done when', through the API alone, with a fact-checker's token."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from demo.newsroom import demo_load

pytestmark = pytest.mark.django_db


def test_fact_checker_token_walks_the_mercenaries_claim_through_the_api(capsys):
    demo_load()
    call_command("createtoken", "checker")
    token = capsys.readouterr().out.strip()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    found = api.get(
        "/api/v1/claims/", {"source_url": "http://telegram.me/ZOVNovoshakhtinsk/1520?utm_source=x"}
    )
    assert found.status_code == 200, found.json()
    assert found.json()["count"] >= 1
    claim = next(c for c in found.json()["results"] if "Sprite" in c["text"])
    assert claim["independent_origins"]["asserts"] == 1
    provenance = api.get(f"/api/v1/claims/{claim['id']}/provenance/").json()
    asserts = next(s for s in provenance["stances"] if s["stance"] == "asserts")
    assert asserts["independent_origins"] == 1

    detail = api.get(f"/api/v1/claims/{claim['id']}/")
    etag = detail["ETag"]
    moved = api.post(
        f"/api/v1/claims/{claim['id']}/status/",
        {"to_status": "unverifiable", "rationale": "One anonymous origin, not verifiable."},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["status"] == "unverifiable"

    stale = api.post(
        f"/api/v1/claims/{claim['id']}/status/",
        {"to_status": "in_review", "rationale": "Again."},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    assert stale.json()["current"]["status"] == "unverifiable"

    history = api.get(f"/api/v1/claims/{claim['id']}/history/")
    assert [h["to_status"] for h in history.json()["results"]][-1] == "unverifiable"
    assert APIClient().get("/api/v1/claims/").status_code == 401
