"""A labelled history made in the test: ordinary shoppers and fraud over days, each payment scored at its
own time by the real pipeline's scoring (PostgreSQL, Redis), the frauds reported by the merchant."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine

from antifraud.services.decisions import decide_transaction
from antifraud.services.reports import report_fraud
from transactions.services import Customer, PaymentRequest, create_transaction

START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
US_CARDS = ("424242", "411111", "401288")
FOREIGN_CARDS = ("455673", "450875", "497010")  # DE, GB, FR in config/bin_countries.csv


def _card(rng: random.Random, prefixes: tuple[str, ...]) -> str:
    from stdnum import luhn

    body = rng.choice(prefixes) + f"{rng.randrange(10**9):09d}"
    return body + luhn.calc_check_digit(body)


def make_history(merchant, *, days: int = 10, shoppers_per_day: int = 30, frauds_per_day: int = 6, seed: int = 3):
    """Returns [(transaction, is_fraud)] in time order; frauds are reported as fraudulent."""
    rng = random.Random(seed)
    made = []
    for day in range(days):
        payments = [False] * shoppers_per_day + [True] * frauds_per_day
        rng.shuffle(payments)
        for number, fraud in enumerate(payments):
            at = START + timedelta(days=day, minutes=10 * number)
            serial = f"{day}-{number}"
            if fraud:  # a foreign card, a high amount, bought from an address abroad
                card, amount, country = _card(rng, FOREIGN_CARDS), Decimal(rng.randrange(400, 900)), "US"
            else:
                card, amount, country = _card(rng, US_CARDS), Decimal(rng.randrange(10, 120)), "US"
            with time_machine.travel(at, tick=False):
                tx = create_transaction(
                    merchant=merchant,
                    payment=PaymentRequest(
                        amount=amount,
                        currency="USD",
                        card_number=card,
                        expiry_month=12,
                        expiry_year=2034,
                        cvv="123",
                        customer=Customer(email=f"shopper-{serial}@example.com", ip="", country=country),
                        device_id=f"device-{serial}",
                    ),
                )
                decide_transaction(transaction_id=tx.id)
            made.append((tx, fraud))
    for tx, fraud in made:
        if fraud:
            report_fraud(merchant=merchant, transaction_id=tx.id, reason="fraudulent")
    return made
