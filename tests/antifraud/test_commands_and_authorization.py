import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from antifraud.models import ListEntry
from transactions.authorization import authorize_transaction, authorize_transactions
from transactions.services import transition_transaction


def test_fraud_list_command_adds_normalised_entries_and_removes_them(db, capsys):
    call_command("fraud_list", "add", "block", "email", "Fraud@Example.COM", "--reason", "chargebacks")
    call_command("fraud_list", "add", "allow", "ip", "203.0.113.9/24")

    assert set(ListEntry.objects.values_list("list_type", "kind", "value")) == {
        ("block", "email", "fraud@example.com"),
        ("allow", "ip", "203.0.113.0/24"),
    }
    call_command("fraud_list", "remove", "block", "email", "fraud@example.com")
    assert ListEntry.objects.count() == 1
    call_command("fraud_list", "show")
    assert "203.0.113.0/24" in capsys.readouterr().out


def test_fraud_list_command_rejects_a_bad_ip(db):
    with pytest.raises(CommandError):
        call_command("fraud_list", "add", "block", "ip", "not-an-ip")


def test_authorization_applies_once(make_payment):
    tx = make_payment()

    first = authorize_transaction(transaction_id=tx.id)
    again = authorize_transaction(transaction_id=tx.id)

    assert first.status == again.status == "approved"
    assert [h.to_status for h in tx.history.all()] == ["pending", "approved"]


def test_reviewed_payment_can_be_authorized(make_payment):
    tx = make_payment(card_number="4000000000009995")
    transition_transaction(transaction_id=tx.id, to="review", actor="antifraud")

    result = authorize_transaction(transaction_id=tx.id)

    assert (result.status, result.decline_reason) == ("declined", "insufficient_funds")
    assert result.history.last().actor == "provider:sandbox"


def test_payment_decided_while_the_provider_answers_keeps_that_decision(make_payment, monkeypatch):
    from transactions.adapters.sandbox import SandboxProvider

    tx, other = make_payment(), make_payment()

    class AnalystDeclinesMeanwhile(SandboxProvider):
        def authorize(self, request):
            if request.transaction_id == str(tx.id):
                transition_transaction(transaction_id=tx.id, to="declined", actor="user:analyst")
            return super().authorize(request)

    monkeypatch.setattr("transactions.authorization.get_provider", AnalystDeclinesMeanwhile)

    changed = authorize_transactions(transaction_ids=[tx.id, other.id])

    assert [payment.id for payment in changed] == [other.id]
    assert [h.actor for h in tx.history.all()] == ["api", "user:analyst"]
    assert other.history.last().to_status == "approved"
