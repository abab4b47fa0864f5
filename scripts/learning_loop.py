"""The learning loop on labelled traffic (`make bench-fraud`, and a test at a smaller size).

Two merchants: one with scripts/fraud_traffic.py's present population (3 % of shoppers on foreign
cards), one selling abroad (a third of its shoppers on foreign cards, a third of them returning
customers). Each payment is created and decided at its own simulated time by the real pipeline's
scoring (PostgreSQL, Redis). Then:
1. rules only: the figures on the history;
2. labels as a deployment gets them: the merchant reports the approved frauds through
   `POST /transaction/{id}/fraud_report` (its chargebacks), an analyst decides every payment in review;
   payments the rules declined get no label;
3. `manage.py train_fraud_model --label-delay 0 --activate`;
4. fresh traffic of the same merchants, decided with the live model: the figures again.
"""

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC

import time_machine
from django.core.management import call_command
from django.test import Client
from fraud_traffic import Generator, Payment, report

from antifraud.services.decisions import decide_transaction
from antifraud.services.reviews import review_transaction
from transactions.api_keys import create_merchant
from transactions.models import Transaction
from transactions.services import Customer, PaymentRequest, create_transaction

Outcome = tuple[Payment, str, tuple[str, ...]]


@dataclass
class Shop:
    """A merchant, its API client and its shoppers."""

    name: str
    generator: Generator
    merchant: object = None
    api: Client = field(default_factory=Client)

    def open(self) -> "Shop":
        self.merchant, issued = create_merchant(name=self.name, actor="bench")
        self.api = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
        return self


def shops(*, seed: int) -> list[Shop]:
    return [
        Shop("present population", Generator(seed=seed)).open(),
        Shop("selling abroad", Generator(seed=seed + 1, expatriates=1 / 3, returning=1 / 3)).open(),
    ]


def store(merchant: object, payment: Payment) -> Transaction:
    """The generated payment created through the payments service, at the current (simulated) time."""
    return create_transaction(
        merchant=merchant,
        payment=PaymentRequest(
            amount=payment.amount,
            currency="USD",
            card_number=payment.card_number,
            expiry_month=12,
            expiry_year=2034,
            cvv="123",
            customer=Customer(email=payment.email, ip=payment.ip, country=payment.country),
            device_id=payment.device,
        ),
    )


def decide(shop: Shop, payments: Iterable[Payment]) -> list[tuple[Payment, str, str]]:
    """Create and decide each payment at its own time; [(payment, transaction id, outcome)]."""
    decided = []
    for payment in payments:
        with time_machine.travel(payment.at.replace(tzinfo=UTC), tick=False):
            tx = store(shop.merchant, payment)
            decision = decide_transaction(transaction_id=tx.id)
        decided.append((payment, str(tx.id), decision.outcome if decision else "approve"))
    return decided


def traffic(shop: Shop, *, days: int, scale: int) -> list[tuple[Payment, str, str]]:
    decided = []
    for _ in range(days):
        shop.generator.next_day()
        decided += decide(shop, shop.generator.traffic(scale=scale))
    return decided


def label(shop: Shop, decided: list[tuple[Payment, str, str]]) -> dict[str, int]:
    """Chargebacks reported through the API for approved frauds; an analyst's decision for each review."""
    counts = {"reported": 0, "reviewed": 0}
    for payment, tx_id, outcome in decided:
        if outcome == "approve" and payment.fraud:
            response = shop.api.post(
                f"/transaction/{tx_id}/fraud_report",
                data=json.dumps({"reason": "fraudulent", "note": "chargeback"}),
                content_type="application/json",
            )
            assert response.status_code == 200, response.content
            counts["reported"] += 1
        elif outcome == "review":
            verdict = "decline" if payment.fraud else "approve"
            review_transaction(transaction_id=tx_id, analyst="bench", outcome=verdict, reason="investigated")
            counts["reviewed"] += 1
    return counts


def outcomes(decided: list[tuple[Payment, str, str]]) -> list[Outcome]:
    return [(payment, outcome, ()) for payment, _, outcome in decided]


@dataclass
class LoopResult:
    before: dict[str, list[Outcome]]
    after: dict[str, list[Outcome]]
    labels: dict[str, dict[str, int]]
    training: str
    fresh: list[tuple[str, bool]]  # (transaction id, fraud) of the fresh traffic


def run_loop(*, history_days: int, fresh_days: int, scale: int, seed: int = 11) -> LoopResult:
    merchants = shops(seed=seed)
    history = {shop.name: traffic(shop, days=history_days, scale=scale) for shop in merchants}
    labels = {shop.name: label(shop, history[shop.name]) for shop in merchants}
    printed = io.StringIO()
    call_command("train_fraud_model", "--label-delay", "0", "--activate", stdout=printed)
    fresh = {shop.name: traffic(shop, days=fresh_days, scale=scale) for shop in merchants}
    return LoopResult(
        before={name: outcomes(decided) for name, decided in history.items()},
        after={name: outcomes(decided) for name, decided in fresh.items()},
        labels=labels,
        training=printed.getvalue(),
        fresh=[(tx_id, payment.fraud) for decided in fresh.values() for payment, tx_id, _ in decided],
    )


def rates(results: list[Outcome]) -> dict[str, float]:
    """Recall on fraud, and the shares of ordinary payments declined and sent to review."""
    fraud = [outcome for payment, outcome, _ in results if payment.fraud]
    ordinary = [outcome for payment, outcome, _ in results if not payment.fraud]
    return {
        "recall": sum(outcome != "approve" for outcome in fraud) / max(len(fraud), 1),
        "declined": sum(outcome == "decline" for outcome in ordinary) / max(len(ordinary), 1),
        "reviewed": sum(outcome == "review" for outcome in ordinary) / max(len(ordinary), 1),
    }


def table(result: LoopResult) -> str:
    lines = [f"{'merchant':22} {'':10} {'fraud flagged':>14} {'ordinary declined':>18} {'ordinary reviewed':>18}"]
    for name in result.before:
        for when, results in (("rules only", result.before[name]), ("live model", result.after[name])):
            figures = rates(results)
            lines.append(
                f"{name:22} {when:10} {figures['recall']:14.1%} {figures['declined']:18.1%} {figures['reviewed']:18.1%}"
            )
    return "\n".join(lines)


def details(result: LoopResult) -> str:
    parts = [f"labels: {json.dumps(result.labels)}", result.training.rstrip()]
    for name in result.after:
        parts.append(f"-- {name}, fresh traffic with the live model:\n{report(result.after[name])}")
    return "\n".join(parts)
