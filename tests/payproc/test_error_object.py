import pytest

from tests.conftest import error_of


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "malformed_request"),
        ('{"amount": NaN}', "application/json", 400, "malformed_request"),
        ("[1, 2]", "application/json", 400, "invalid_request"),
        ("amount=10", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("<xml/>", "text/xml", 415, "unsupported_media_type"),
        ('{"description": "' + "x" * 70_000 + '"}', "application/json", 413, "request_too_large"),
    ],
)
def test_bad_bodies_get_a_clear_4xx(api, body, content_type, status, code):
    response = api.generic("POST", "/transaction", body, content_type=content_type)

    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_unknown_route_is_json_404(api):
    response = api.get("/nope")

    assert response.status_code == 404
    assert error_of(response)["code"] == "resource_not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/transaction"),
        ("delete", "/transactions"),
        ("put", "/transaction/6f1c1b52-6d2f-4b8f-9f1e-111111111111"),
    ],
)
def test_wrong_method_is_405(api, method, path):
    response = getattr(api, method)(path)

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_request_id_is_returned_and_a_clean_client_id_is_kept(api):
    generated = api.get("/transactions")
    supplied = api.get("/transactions", HTTP_X_REQUEST_ID="client-abc.123")
    hostile = api.get("/transactions", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert generated["X-Request-ID"].startswith("req_")
    assert supplied["X-Request-ID"] == "client-abc.123"
    assert hostile["X-Request-ID"].startswith("req_")


def test_error_request_id_matches_header(api):
    response = api.get("/transaction/6f1c1b52-6d2f-4b8f-9f1e-111111111111", HTTP_X_REQUEST_ID="trace-me")

    assert response.json()["error"]["request_id"] == "trace-me"
