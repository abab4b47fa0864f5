"""Merchants label their payments: POST /transaction/{id}/fraud_report, idempotent, audited, on the payment page."""

import json

import pytest
from rest_framework.test import APIClient

from antifraud.models import FraudReport
from audit.models import AuditEntry
from tests.conftest import error_of
from transactions.api_keys import create_merchant


def _report(api, tx_id, body):
    return api.post(f"/transaction/{tx_id}/fraud_report", data=json.dumps(body), content_type="application/json")


def test_a_report_labels_the_payment_once_and_a_new_reason_replaces_it(api, make_payment):
    tx = make_payment()

    first = _report(api, tx.id, {"reason": "fraudulent", "note": "chargeback 10.4"})
    again = _report(api, tx.id, {"reason": "fraudulent", "note": "chargeback 10.4"})

    assert first.status_code == again.status_code == 200
    assert {k: first.json()[k] for k in ("object", "transaction_id", "reason", "note")} == {
        "object": "fraud_report",
        "transaction_id": str(tx.id),
        "reason": "fraudulent",
        "note": "chargeback 10.4",
    }
    assert AuditEntry.objects.filter(action="fraud_report").count() == 1  # the repeat changed nothing

    _report(api, tx.id, {"reason": "not_fraud"})
    assert FraudReport.objects.get().reason == "not_fraud"
    changed = AuditEntry.objects.filter(action="fraud_report").order_by("id").last()
    assert (changed.before["reason"], changed.after["reason"]) == ("fraudulent", "not_fraud")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"reason": "chargeback"}, "invalid_reason"),
        ({}, "parameter_missing"),
        ({"reason": "fraudulent", "note": "card 4242 4242 4242 4242"}, "card_data_not_allowed"),
        ({"reason": "fraudulent", "extra": 1}, "unknown_field"),
    ],
)
def test_bad_reports_are_refused(api, make_payment, body, code):
    response = _report(api, make_payment().id, body)

    assert response.status_code == 400 and error_of(response)["code"] == code
    assert not FraudReport.objects.exists()


def test_another_merchants_payment_cannot_be_reported(make_payment, db):
    tx = make_payment()
    _, issued = create_merchant(name="Other", mode="test", actor="test")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")

    assert _report(other, tx.id, {"reason": "fraudulent"}).status_code == 404
    assert not FraudReport.objects.exists()


def test_analysts_see_the_report_on_the_payment_page(api, admin_client, make_payment):
    tx = make_payment()
    _report(api, tx.id, {"reason": "suspicious", "note": "odd shipping address"})

    page = admin_client.get(f"/admin/antifraud/reviewqueueitem/{tx.id}/change/").content.decode()
    assert "Suspicious" in page and "odd shipping address" in page
