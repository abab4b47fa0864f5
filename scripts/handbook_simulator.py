"""The transaction simulator of the Fraud Detection Handbook (Le Borgne et al., "Reproducible Machine
Learning for Credit Card Fraud Detection - Practical Handbook", section 3.2), written from its published
description, for `make bench-fraud`'s public benchmark (issue 27). Pure Python, deterministic per seed.

- Customers and terminals are uniform on a 100 x 100 grid; a customer pays at the terminals within radius
  `radius` (5) of it, one of them uniformly per payment.
- A customer's amounts are normal around a mean drawn uniformly in [5, 100) with half of it as standard
  deviation (a negative draw is redrawn uniformly in [0, 2 x mean)); its payments per day are Poisson
  around a mean drawn uniformly in [0, 4); a payment's time of day is normal around noon with a standard
  deviation of 20,000 s, and draws outside the day are dropped.
- Fraud, in this order: (1) every payment over 220 is fraud; (2) each day two terminals are compromised
  for the next 28 days: every payment there is fraud; (3) each day three customers are compromised for
  the next 14 days: a third of their payments are multiplied by 5 and are fraud.

Sizes default to the handbook's: 5,000 customers, 10,000 terminals, 183 days from 2018-04-01.
"""

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

GRID = 100.0
DAY_SECONDS = 86_400
SCENARIO_AMOUNT, SCENARIO_TERMINAL, SCENARIO_CUSTOMER = 1, 2, 3
AMOUNT_LIMIT = 220.0
COMPROMISED_TERMINALS_PER_DAY, TERMINAL_DAYS = 2, 28
COMPROMISED_CUSTOMERS_PER_DAY, CUSTOMER_DAYS = 3, 14


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: int
    x: float
    y: float
    mean_amount: float
    std_amount: float
    mean_per_day: float
    terminals: tuple[int, ...]  # within the radius


@dataclass(frozen=True, slots=True)
class Terminal:
    terminal_id: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Transaction:
    transaction_id: int
    at: datetime
    customer_id: int
    terminal_id: int
    amount: float  # two decimals, in the handbook's currency unit
    day: int
    fraud: bool = False
    scenario: int = 0  # 0 for a legitimate payment


def customers(count: int, rng: random.Random, terminals: list[Terminal], radius: float) -> list[Customer]:
    made = []
    for customer_id in range(count):
        x, y = rng.uniform(0, GRID), rng.uniform(0, GRID)
        mean_amount = rng.uniform(5, 100)
        near = tuple(t.terminal_id for t in terminals if math.hypot(t.x - x, t.y - y) < radius)
        made.append(Customer(customer_id, x, y, mean_amount, mean_amount / 2, rng.uniform(0, 4), near))
    return made


def terminals(count: int, rng: random.Random) -> list[Terminal]:
    return [Terminal(terminal_id, rng.uniform(0, GRID), rng.uniform(0, GRID)) for terminal_id in range(count)]


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the handbook's means (below 4)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def legitimate(
    people: list[Customer], rng: random.Random, *, days: int, start: datetime
) -> Iterator[tuple[datetime, int, int, float, int]]:
    for customer in people:
        if not customer.terminals:
            continue
        for day in range(days):
            for _ in range(_poisson(rng, customer.mean_per_day)):
                seconds = int(rng.gauss(DAY_SECONDS / 2, 20_000))
                if not 0 < seconds < DAY_SECONDS:
                    continue
                amount = rng.gauss(customer.mean_amount, customer.std_amount)
                if amount < 0:
                    amount = rng.uniform(0, customer.mean_amount * 2)
                at = start + timedelta(days=day, seconds=seconds)
                yield at, customer.customer_id, rng.choice(customer.terminals), round(amount, 2), day


def simulate(
    *,
    n_customers: int = 5_000,
    n_terminals: int = 10_000,
    days: int = 183,
    start: datetime = datetime(2018, 4, 1),  # the handbook's dates, without a time zone
    radius: float = 5.0,
    seed: int = 0,
) -> list[Transaction]:
    """Every transaction of the simulation, in time order, with its fraud label and scenario."""
    rng = random.Random(seed)
    sites = terminals(n_terminals, rng)
    people = customers(n_customers, rng, sites, radius)
    rows = sorted(legitimate(people, rng, days=days, start=start))
    made = [Transaction(index, at, customer, terminal, amount, day) for index, (at, customer, terminal, amount, day)
            in enumerate(rows)]  # fmt: skip
    return _add_frauds(made, rng, n_customers=n_customers, n_terminals=n_terminals, days=days)


def _add_frauds(
    made: list[Transaction], rng: random.Random, *, n_customers: int, n_terminals: int, days: int
) -> list[Transaction]:
    out = [replace(tx, fraud=True, scenario=SCENARIO_AMOUNT) if tx.amount > AMOUNT_LIMIT else tx for tx in made]
    by_day: dict[int, list[int]] = {}
    for index, tx in enumerate(out):
        by_day.setdefault(tx.day, []).append(index)
    for day in range(days):
        compromised = set(rng.sample(range(n_terminals), COMPROMISED_TERMINALS_PER_DAY))
        for later in range(day, min(day + TERMINAL_DAYS, days)):
            for index in by_day.get(later, []):
                if out[index].terminal_id in compromised:
                    out[index] = replace(out[index], fraud=True, scenario=SCENARIO_TERMINAL)
    for day in range(days):
        compromised = set(rng.sample(range(n_customers), COMPROMISED_CUSTOMERS_PER_DAY))
        window = [i for later in range(day, min(day + CUSTOMER_DAYS, days)) for i in by_day.get(later, [])]
        theirs = [i for i in window if out[i].customer_id in compromised]
        for index in rng.sample(theirs, len(theirs) // 3):
            tx = out[index]
            out[index] = replace(tx, amount=round(tx.amount * 5, 2), fraud=True, scenario=SCENARIO_CUSTOMER)
    return out
