"""The findings of the first contract run, each pinned: what the schema states, the server enforces."""

import pytest

from tests.conftest import error_of, payment


@pytest.mark.parametrize(
    ("query", "param", "code"),
    [
        ("limit=null", "limit", "invalid_limit"),
        ("limit=0", "limit", "invalid_limit"),
        ("limit=101", "limit", "invalid_limit"),
        ("cursor=not-a-cursor", "cursor", "invalid_cursor"),
        ("status=", "status", None),
        ("currency=", "currency", None),
        ("currency=US", "currency", None),
        ("created_before=", "created_before", None),
        ("created_after=0001-01-01T00:00:00%2B05:00", "created_after", None),
    ],
)
def test_list_parameters_outside_the_schema_are_a_400(api, query, param, code):
    response = api.get(f"/transactions?{query}")

    assert response.status_code == 400, response.content
    assert error_of(response)["param"] == param
    assert code is None or error_of(response)["code"] == code


def test_an_offset_postgresql_cannot_store_is_compared_in_utc(api, post_payment):
    post_payment()

    response = api.get("/transactions?created_after=1968-10-28T01:18:15-17:15")

    assert response.status_code == 200 and len(response.json()["results"]) == 1


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"idempotency_key": 123}, "idempotency_key"),
        ({"expiry_year": "2034"}, "expiry_year"),
        ({"cvv": 123}, "cvv"),
        ({"currency": "usd"}, "currency"),
        ({"customer": {"country": "us"}}, "customer.country"),
        ({"metadata": {"order": 7}}, "metadata.order"),
    ],
)
def test_body_values_of_another_json_type_or_case_are_refused(api, change, param):
    response = api.post("/transaction", payment(**change), format="json")

    assert response.status_code == 400, response.content
    assert error_of(response)["param"] == param


@pytest.mark.parametrize("path", ["/alerts/alertmanager", "/alerts/telegram"])
def test_an_undeclared_method_on_a_webhook_is_405_even_without_its_secret(client, path):
    response = client.generic("TRACE", path)

    assert response.status_code == 405
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_a_telegram_update_that_is_not_an_object_is_a_400(client, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = "s3cret"

    response = client.post(
        "/alerts/telegram", "false", content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="s3cret"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_update"


@pytest.mark.parametrize("query", ["to=", "bucket=", "from=yesterday"])
def test_analytics_parameters_given_empty_or_malformed_are_a_400(api, query):
    assert api.get(f"/analytics/summary?{query}").status_code == 400


@pytest.mark.parametrize("path", ["/transaction/null,null/cancel", "/transaction/x/refunds", "/nowhere"])
def test_a_post_to_no_route_is_the_json_404_not_a_csrf_403(api_key, path):
    from django.test import Client

    browserless = Client(enforce_csrf_checks=True)  # as a real client: no CSRF cookie or token
    response = browserless.post(path, "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_key}")

    assert response.status_code == 404 and error_of(response)["code"] == "resource_not_found"
