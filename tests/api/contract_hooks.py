"""Schemathesis hooks for the contract test: teach the generator the rules OpenAPI cannot state.

The schema states every constraint a single field has (patterns, enums, ranges, lengths). What it cannot
state is a rule across fields or a checksum: the Luhn digit of a card number, an expiry that has not
passed, a CVV as long as its brand wants, an amount with no more decimals than its currency has and at
most the maximum, and a cursor this API handed out. For generated bodies where those fields are already
schema-valid, the hooks repair just that rule, so a schema-valid request is a payment the API can accept;
values that break the schema (the negative cases) are left as they are.
"""

import os
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import uuid4

import schemathesis
from iso4217 import Currency

CARD_NUMBER = re.compile(r"^(?:[ -]*[0-9]){12,19}[ -]*$")
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
MAX_AMOUNT_MINOR = int(os.environ.get("CONTRACT_MAX_AMOUNT_MINOR", "99999999"))


def _luhn_fixed(number: str) -> str:
    """The same digits and separators, the last digit replaced by the Luhn check digit."""
    digits = [int(char) for char in number if char.isdigit()]
    payload = digits[:-1]
    total = 0
    for position, digit in enumerate(reversed(payload)):
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    check = str((10 - total % 10) % 10)
    last = max(index for index, char in enumerate(number) if char.isdigit())
    return number[:last] + check + number[last + 1 :]


def _repair_amount(body: dict[str, Any]) -> None:
    amount, currency = body.get("amount"), body.get("currency")
    if isinstance(amount, bool) or not isinstance(currency, str):
        return
    try:
        exponent = Currency(currency).exponent
    except ValueError:
        return
    if exponent is None:
        return
    if isinstance(amount, str) and DECIMAL.match(amount):
        value = Decimal(amount)
    elif isinstance(amount, int | float | Decimal) and amount > 0:
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            return
    else:
        return
    step = Decimal(1).scaleb(-exponent)
    value = min(value, Decimal(MAX_AMOUNT_MINOR).scaleb(-exponent)).quantize(step, rounding="ROUND_DOWN")
    body["amount"] = str(max(value, step))


def _repair_card(body: dict[str, Any]) -> None:
    number = body.get("card_number")
    if isinstance(number, str) and CARD_NUMBER.match(number) and len(number) <= 40:
        body["card_number"] = number = _luhn_fixed(number)
        digits = "".join(char for char in number if char.isdigit())
        cvv = body.get("cvv")
        if isinstance(cvv, str) and re.fullmatch(r"\d{3,4}", cvv):
            body["cvv"] = "1234" if digits[:2] in ("34", "37") else "123"
    month, year = body.get("expiry_month"), body.get("expiry_year")
    valid_month = isinstance(month, int) and not isinstance(month, bool) and 1 <= month <= 12
    valid_year = isinstance(year, int) and not isinstance(year, bool) and 2000 <= year <= 2100
    if valid_month and valid_year and (year, month) < (datetime.now(UTC).year, datetime.now(UTC).month):
        body["expiry_year"] = datetime.now(UTC).year + 1


def _parsed(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


# The analytics store's DateTime range, which the parameters' descriptions state (antifraud/api/views.py).
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2106, 2, 7, tzinfo=UTC)


def _repair_range(query: dict[str, Any]) -> None:
    """`from` before `to`, both within the analytics store's range, and at most 2,000 buckets between them
    (the API's limit per answer); only for queries whose values are all schema-valid."""
    if "bucket" in query and query["bucket"] not in ("minute", "hour", "day"):
        return
    given = {name: query[name] for name in ("from", "to") if name in query}
    parsed = {name: _parsed(value) for name, value in given.items()}
    if not given or None in parsed.values():
        return
    try:
        end = parsed.get("to") or datetime.now(UTC)
        start = parsed.get("from") or end - timedelta(days=1)
        if not (EARLIEST <= start < LATEST and EARLIEST <= end < LATEST):
            end = datetime.now(UTC)
            start = end - timedelta(hours=1)
        if start >= end or end - start > timedelta(minutes=2000):
            start = end - timedelta(hours=1)
    except OverflowError:
        end = datetime.now(UTC)
        start = end - timedelta(hours=1)
    query["from"], query["to"] = start.isoformat(), end.isoformat()


def _repair_metadata(body: dict[str, Any]) -> None:
    """Keys of 1 to 40 characters: OpenAPI 3.0 has no `propertyNames` to say so."""
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        body["metadata"] = {(key[:40] or "key"): value for key, value in metadata.items()}


def _repair_operation_amount(body: dict[str, Any]) -> None:
    """A capture's or refund's amount may have no more decimals than the payment's currency, which the
    body does not name: a schema-valid amount becomes a whole one (every currency has whole units)."""
    amount = body.get("amount")
    if (isinstance(amount, str) and DECIMAL.match(amount)) or (isinstance(amount, int | float) and amount > 0):
        if not isinstance(amount, bool):
            body["amount"] = "1"


def _unique_idempotency_keys(case: Any) -> None:
    """A key names one request: reusing one with another body is a 422 by design, so give each call its own."""
    key = f"contract-{uuid4()}"
    if isinstance(case.body, dict) and isinstance(case.body.get("idempotency_key"), str):
        case.body["idempotency_key"] = key
    if case.headers and isinstance(case.headers.get("Idempotency-Key"), str):
        case.headers["Idempotency-Key"] = key


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    """Runs before every request of every phase (coverage included); auth comes from schemathesis.toml."""
    path = case.operation.path
    if path == "/transaction" and isinstance(case.body, dict):
        _repair_card(case.body)
        _repair_amount(case.body)
        _repair_metadata(case.body)
        _unique_idempotency_keys(case)
    elif path.endswith(("/capture", "/refunds")) and case.method.upper() == "POST" and isinstance(case.body, dict):
        _repair_operation_amount(case.body)
        _unique_idempotency_keys(case)
    elif path.endswith("/cancel") and isinstance(case.body, dict):
        _unique_idempotency_keys(case)
    elif path == "/transactions" and case.query and "cursor" in case.query:
        case.query["cursor"] = os.environ["CONTRACT_CURSOR"]  # opaque: only one the API handed out is valid
    elif path == "/analytics/summary" and case.query:
        _repair_range(case.query)
