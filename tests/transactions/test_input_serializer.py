"""Request-body serializers reuse their bound fields: nothing of one request may reach another."""

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import payment
from transactions.api.serializers import TransactionIn


def _validate(body: dict) -> tuple[bool, dict, dict]:
    serializer = TransactionIn(data=body)
    valid = serializer.is_valid()
    return valid, dict(serializer.errors), dict(serializer.validated_data) if valid else {}


def test_an_invalid_body_leaves_nothing_for_the_next_one():
    bad = _validate(payment(currency="US", customer={"email": "nope", "country": "ZZ"}, pan="x"))
    good = _validate(payment(customer={"email": "a@example.com", "country": "DE"}))

    assert not bad[0] and set(bad[1]) == {"pan"}
    assert good[0] and good[1] == {}
    assert good[2]["customer"] == {"email": "a@example.com", "country": "DE"}
    nested_bad = _validate(payment(customer={"email": "nope", "country": "ZZ"}))
    assert set(nested_bad[1]["customer"]) == {"email", "country"}
    assert _validate(payment())[0]


def test_concurrent_validations_keep_their_own_values():
    def run(index: int) -> tuple[int, str, str]:
        valid, errors, data = _validate(payment(amount=f"{index}.25", merchant_reference=f"order-{index}"))
        assert valid, errors
        return index, str(data["amount"]), data["merchant_reference"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, range(1, 200)))

    assert all(amount == f"{i}.25" and reference == f"order-{i}" for i, amount, reference in results)
