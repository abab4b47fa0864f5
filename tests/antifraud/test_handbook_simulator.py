"""The Fraud Detection Handbook's simulator (scripts/handbook_simulator.py) behaves as its description says."""

import math
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import handbook_simulator as sim


@pytest.fixture(scope="module")
def world():
    """A tenth of the handbook's customers and terminals (the same density of terminals per customer
    radius as a fifth of it), two months."""
    kwargs = {"n_customers": 500, "n_terminals": 2_000, "days": 60, "seed": 7}
    rng = sim.random.Random(kwargs["seed"])
    sites = sim.terminals(kwargs["n_terminals"], rng)
    people = sim.customers(kwargs["n_customers"], rng, sites, 5.0)
    return sites, people, sim.simulate(**kwargs)


def test_customers_pay_only_at_terminals_within_their_radius(world):
    sites, people, transactions = world
    for customer in people:
        inside = {t.terminal_id for t in sites if math.hypot(t.x - customer.x, t.y - customer.y) < 5}
        assert set(customer.terminals) == inside
    reachable = {customer.customer_id: set(customer.terminals) for customer in people}
    assert all(tx.terminal_id in reachable[tx.customer_id] for tx in transactions)


def test_payments_fall_within_their_day_in_time_order_with_two_decimal_amounts(world):
    _, _, transactions = world
    assert [tx.at for tx in transactions] == sorted(tx.at for tx in transactions)
    for tx in transactions:
        assert (tx.at - sim.datetime(2018, 4, 1)).days == tx.day
        assert tx.amount >= 0 and round(tx.amount, 2) == tx.amount
    per_customer_day = len(transactions) / (500 * 60)
    assert 1.7 < per_customer_day < 2.2  # Poisson around U[0, 4), less the 3 % drawn outside the day


def test_the_three_fraud_scenarios(world):
    _, _, transactions = world
    assert all(tx.fraud for tx in transactions if tx.amount > sim.AMOUNT_LIMIT)
    scenarios = Counter(tx.scenario for tx in transactions if tx.fraud)
    assert set(scenarios) == {1, 2, 3}
    assert all(tx.fraud == (tx.scenario != 0) for tx in transactions)
    # A compromised terminal: once one of its payments is fraud, all of its payments that day are.
    by_terminal_day: dict[tuple[int, int], set[bool]] = {}
    for tx in transactions:
        if tx.scenario in (0, 2):
            by_terminal_day.setdefault((tx.terminal_id, tx.day), set()).add(tx.scenario == 2)
    assert all(len(labels) == 1 for labels in by_terminal_day.values())
    share = sum(tx.fraud for tx in transactions) / len(transactions)
    assert 0.005 < share < 0.1


def test_the_same_seed_gives_the_same_payments():
    first = sim.simulate(n_customers=50, n_terminals=200, days=10, seed=3)
    assert first == sim.simulate(n_customers=50, n_terminals=200, days=10, seed=3)
    assert first != sim.simulate(n_customers=50, n_terminals=200, days=10, seed=4)
