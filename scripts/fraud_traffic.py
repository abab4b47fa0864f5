"""Labelled payment traffic for calibrating the fraud rules (`make bench-fraud`): ordinary shoppers and
attack families, each payment at its own simulated time, scored by the shipped rules with the real
Redis velocity windows and PostgreSQL. Prints, per family, how many payments were flagged (review or
decline) and, for ordinary shoppers, how many were declined or sent to review.

Ordinary shoppers are not all tidy: some pay twice, travel, use a second card, buy something
expensive with a card never seen before, make an expensive first purchase, pay with a card issued
abroad (expatriates), share a card with a family member on one device, or hop between mobile IPs.
The families are generic patterns (as Radar or Sift describe them), not a copy of any data set.
Deterministic for a given seed.
"""

import os
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from iptocc import country_code
from stdnum import luhn

# Issuer BINs of config/bin_countries.csv, by country.
BINS = {
    "US": ["424242", "411111", "401288", "520082"],
    "GB": ["450875", "454313"],
    "FR": ["497010", "513691"],
    "DE": ["455673", "535110"],
    "NL": ["476173"],
    "BR": ["489504"],
    "JP": ["356600"],
}
COUNTRIES = list(BINS)
EXPATRIATES = float(os.environ.get("BENCH_EXPATRIATES", "0.03"))


@dataclass(frozen=True)
class Payment:
    family: str
    fraud: bool
    at: datetime
    amount: Decimal
    card_number: str
    email: str
    ip: str
    country: str
    device: str


@dataclass
class Generator:
    """`expatriates`: the share of ordinary shoppers paying with a card issued abroad; `returning`: the
    share of ordinary shoppers who are earlier customers of this generator, paying again with the same
    identity and card (a merchant with regulars)."""

    seed: int = 7
    start: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 9, 0))
    expatriates: float = EXPATRIATES
    returning: float = 0.0
    rng: random.Random = field(init=False)
    serial: int = 0
    regulars: list[tuple[dict[str, str], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def card(self, country: str) -> str:
        body = self.rng.choice(BINS[country]) + f"{self.rng.randrange(10**9):09d}"
        return body + luhn.calc_check_digit(body)

    def ip_in(self, country: str) -> str:
        """A public IPv4 address the registries assign to the country (drawn until one is)."""
        while True:
            octets = (
                self.rng.randrange(1, 224),
                self.rng.randrange(256),
                self.rng.randrange(256),
                self.rng.randrange(1, 255),
            )
            ip = ".".join(map(str, octets))
            if country_code(ip) == country:
                return ip

    def identity(self, country: str, *, ip_country: str | None = None) -> dict[str, str]:
        n = self._next()
        return {
            "email": f"user{n}@mail{n % 13}.example",
            "ip": self.ip_in(ip_country or country),
            "country": country,
            "device": f"dev-{n}-{self.rng.randrange(10**6)}",
        }

    def elsewhere(self, country: str) -> str:
        return self.rng.choice([c for c in COUNTRIES if c != country])

    def fraud_identity(self) -> dict[str, str]:
        """A made-up identity: half of them behind a proxy in the billing country, half not."""
        country = self.rng.choice(COUNTRIES)
        return self.identity(country, ip_country=country if self.rng.random() < 0.5 else self.elsewhere(country))

    def when(self) -> datetime:
        return self.start + timedelta(seconds=self.rng.randrange(0, 6 * 3600))

    def amount(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randrange(low * 100, high * 100)) / 100

    # --- families ----------------------------------------------------------------------------------
    def ordinary(self, shoppers: int) -> Iterator[Payment]:
        for _ in range(shoppers):
            if self.returning and self.regulars and self.rng.random() < self.returning:
                who, card = self.rng.choice(self.regulars)
                country, at = who["country"], self.when()
            else:
                country = self.rng.choice(COUNTRIES)
                # 4 % shop through a VPN or a work network that exits in another country.
                vpn = self.elsewhere(country) if self.rng.random() < 0.04 else None
                who, at = self.identity(country, ip_country=vpn), self.when()
                # 3 % pay with a card issued in another country (expatriates, students abroad); 4 % start
                # with a big order. (With 5 % expatriates, false reviews are 5.9 % at BENCH_SCALE=5, seed 7.)
                expat = self.rng.random() < self.expatriates
                card = self.card(self.rng.choice([c for c in COUNTRIES if c != country]) if expat else country)
                self.regulars.append((who, card))
            first_amount = self.amount(300, 2500) if self.rng.random() < 0.04 else self.amount(5, 200)
            habit = self.rng.random()
            yield Payment("ordinary", False, at, first_amount, card, **who)
            if habit < 0.20:  # pays twice the same hour
                yield Payment(
                    "ordinary",
                    False,
                    at + timedelta(minutes=self.rng.randrange(2, 50)),
                    self.amount(5, 200),
                    card,
                    **who,
                )
            elif habit < 0.28:  # travels: another country and address the next day
                abroad = self.rng.choice([c for c in COUNTRIES if c != country])
                ip = self.identity(abroad)["ip"]
                yield Payment(
                    "ordinary",
                    False,
                    at + timedelta(hours=26),
                    self.amount(10, 300),
                    card,
                    who["email"],
                    ip,
                    abroad,
                    who["device"],
                )
            elif habit < 0.35:  # a second card the same day
                yield Payment(
                    "ordinary", False, at + timedelta(hours=3), self.amount(5, 200), self.card(country), **who
                )
            elif habit < 0.40:  # something expensive on a card never seen before
                yield Payment(
                    "ordinary", False, at + timedelta(days=2), self.amount(900, 2500), self.card(country), **who
                )
            elif habit < 0.44:  # a family member pays with the same card on the same device, own e-mail
                relative = {**who, "email": f"family-{who['email']}"}
                later = at + timedelta(minutes=self.rng.randrange(5, 50))
                yield Payment("ordinary", False, later, self.amount(5, 200), card, **relative)
            elif habit < 0.47:  # on the move: three payments in an hour from three mobile addresses
                for hop in (1, 2):
                    moved = {**who, "ip": self.identity(country)["ip"]}
                    later = at + timedelta(minutes=20 * hop)
                    yield Payment("ordinary", False, later, self.amount(5, 100), card, **moved)

    def stolen_card_new_identities(self, cards: int) -> Iterator[Payment]:
        for _ in range(cards):
            card, at = self.card(self.rng.choice(COUNTRIES)), self.when()
            for use in range(self.rng.randrange(3, 7)):
                who = self.fraud_identity()
                yield Payment(
                    "stolen card, new identity each time",
                    True,
                    at + timedelta(minutes=3 * use),
                    self.amount(30, 400),
                    card,
                    **who,
                )

    def account_many_cards(self, accounts: int) -> Iterator[Payment]:
        for _ in range(accounts):
            who, at = self.fraud_identity(), self.when()
            for use in range(self.rng.randrange(4, 9)):
                yield Payment(
                    "one e-mail, many cards",
                    True,
                    at + timedelta(minutes=5 * use),
                    self.amount(20, 300),
                    self.card(self.rng.choice(COUNTRIES)),
                    **who,
                )

    def fresh_card_high_amount(self, payments: int) -> Iterator[Payment]:
        for _ in range(payments):
            card_country = self.rng.choice(COUNTRIES)
            yield Payment(
                "never-seen card, high amount",
                True,
                self.when(),
                self.amount(1200, 4500),
                self.card(card_country),
                **self.fraud_identity(),
            )

    def card_testing(self, rings: int) -> Iterator[Payment]:
        for _ in range(rings):
            who, at = self.fraud_identity(), self.when()
            for probe in range(self.rng.randrange(8, 16)):
                yield Payment(
                    "card testing",
                    True,
                    at + timedelta(seconds=20 * probe),
                    self.amount(1, 2),
                    self.card(self.rng.choice(COUNTRIES)),
                    **who,
                )

    def next_day(self) -> None:
        """Later traffic starts a day after the current one (velocity windows of an hour stay apart)."""
        self.start += timedelta(days=1)

    def traffic(self, scale: int = 1) -> list[Payment]:
        payments = [
            *self.ordinary(400 * scale),
            *self.stolen_card_new_identities(30 * scale),
            *self.account_many_cards(25 * scale),
            *self.fresh_card_high_amount(40 * scale),
            *self.card_testing(12 * scale),
        ]
        return sorted(payments, key=lambda p: p.at)


def report(outcomes: list[tuple[Payment, str, tuple[str, ...]]]) -> str:
    """The table: per family, flagged share; for ordinary shoppers, declined and reviewed shares; then
    how often each shadow rule would have fired on ordinary and on fraudulent payments."""
    by_family: dict[str, Counter] = {}
    shadow: dict[str, Counter] = {}
    for payment, outcome, shadow_rules in outcomes:
        by_family.setdefault(payment.family, Counter())[outcome] += 1
        for rule in shadow_rules:
            shadow.setdefault(rule, Counter())[payment.fraud] += 1
    lines = [f"{'family':40} {'payments':>8} {'flagged':>8} {'declined':>9} {'review':>7}"]
    fraud_total = fraud_flagged = 0
    for family, counts in sorted(by_family.items(), key=lambda item: item[0] != "ordinary"):
        total = sum(counts.values())
        flagged = counts["review"] + counts["decline"]
        if family != "ordinary":
            fraud_total, fraud_flagged = fraud_total + total, fraud_flagged + flagged
        declined, reviewed = counts["decline"] / total, counts["review"] / total
        lines.append(f"{family:40} {total:8} {flagged / total:8.1%} {declined:9.1%} {reviewed:7.1%}")
    lines.append(f"{'all fraud (recall)':40} {fraud_total:8} {fraud_flagged / max(fraud_total, 1):8.1%}")
    ordinary_total = sum(by_family.get("ordinary", Counter()).values())
    for rule, hits in sorted(shadow.items()):
        lines.append(
            f"shadow {rule}: would fire on {hits[False] / max(ordinary_total, 1):.1%} of ordinary payments, "
            f"{hits[True] / max(fraud_total, 1):.1%} of fraudulent ones"
        )
    return "\n".join(lines)
