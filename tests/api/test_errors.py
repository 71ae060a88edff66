"""One error shape for every 4xx, and the limits on what a request may carry."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from claims.models import Claim
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def api(fact_checker) -> APIClient:
    client = APIClient()
    client.force_authenticate(fact_checker)
    return client


def _post_raw(api: APIClient, body: bytes, content_type: str = "application/json"):
    return api.generic("POST", CLAIMS, body, content_type=content_type)


def test_malformed_json_is_400_parse_error_and_writes_nothing(api):
    response = _post_raw(api, b'{"text": "unterminated')

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Claim.objects.exists()


def test_a_raw_nul_byte_in_the_body_is_400(api):
    response = _post_raw(api, b'{"text": "A claim.\x00"}')

    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_an_escaped_nul_in_a_string_is_a_field_error(api):
    response = _post_raw(api, json.dumps({"text": "A claim.\u0000"}).encode())

    assert response.status_code == 400
    assert "text" in response.json()["fields"]
    assert not Claim.objects.exists()


def test_a_body_over_the_limit_is_413_before_parsing(api, settings):
    settings.API_MAX_BODY_BYTES = 1024
    body = json.dumps({"text": "x" * 5000}).encode()

    response = _post_raw(api, body)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Claim.objects.exists()


def test_a_body_over_djangos_upload_limit_is_the_same_json_413(api, settings):
    # DRF reads JSON through request.body, where DATA_UPLOAD_MAX_MEMORY_SIZE refuses it first.
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.API_MAX_BODY_BYTES
    body = json.dumps({"text": "x" * (settings.API_MAX_BODY_BYTES + 1)}).encode()

    response = _post_raw(api, body)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "too_large",
        "message": f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes.",
    }
    assert not Claim.objects.exists()


def test_a_body_refused_before_any_view_is_a_json_413_under_the_api(db, settings):
    from django.core.exceptions import RequestDataTooBig
    from django.test import RequestFactory

    from config.api import handler400

    request = RequestFactory().post(CLAIMS)
    response = handler400(request, RequestDataTooBig("too big"))

    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "too_large"


def test_a_form_encoded_body_is_415(api):
    response = _post_raw(api, b"text=A+claim.", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_json_array_instead_of_an_object_is_400(api):
    response = _post_raw(api, b'["A claim."]')

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_validation_errors_carry_field_codes_and_messages(api):
    response = api.post(CLAIMS, {"text": "", "kind": "rumour"}, format="json")

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert {"text", "kind"} <= set(body["fields"])
    assert {"code", "message"} == set(body["fields"]["kind"][0])


def test_a_service_refusal_keeps_its_code(api):
    ClaimFactory(text="Two soldiers were killed.")

    response = api.post(CLAIMS, {"text": "two soldiers were killed"}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["text"][0]["code"] == "duplicate"


def test_unknown_path_id_is_404_in_the_error_shape(api):
    response = api.get("/api/v1/claims/999999/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_method_not_allowed_is_405_in_the_error_shape(api):
    response = api.delete(CLAIMS)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "1.5"])
def test_a_bad_page_size_is_400_naming_it(api, page_size):
    response = api.get(CLAIMS, {"page_size": page_size})

    assert response.status_code == 400
    assert "page_size" in response.json()["fields"]


def test_page_size_is_capped(api, settings):
    settings.API_MAX_PAGE_SIZE = 3
    for _ in range(5):
        ClaimFactory()

    response = api.get(CLAIMS, {"page_size": "1000"})

    assert len(response.json()["results"]) == 3


def test_a_page_past_the_end_is_404(api):
    ClaimFactory()

    response = api.get(CLAIMS, {"page": "9"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_filter_is_400_naming_it(api):
    response = api.get(CLAIMS, {"sauce": "x"})

    assert response.status_code == 400
    assert "sauce" in response.json()["fields"]


@pytest.mark.parametrize("path", ["/api/v1/claims/abc/", "/api/v1/nothing/", "/api/v1/claims/1/x/"])
def test_an_api_path_that_matches_nothing_is_404_in_the_error_shape(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No API endpoint at this path."}


def test_a_non_api_path_that_matches_nothing_keeps_the_html_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
