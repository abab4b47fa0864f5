"""Features: what the fraud model sees of a payment, computed once at decision time and stored with the
decision (PostgreSQL and the analytics store), so training reads exactly what scoring saw.

The set is fixed in code, not in the editable rules, so a model keeps its meaning when rules change;
the rules' own hits are added as `rule:<name>` inputs. Counting windows share their names with the
rules' windows (see rules.py), so a window both use is updated once per payment. Label windows are only
read: a fraud label adds the payment to its card's, e-mail's, device's and IP's window when it arrives
(label_history.py), so a payment sees the labels that existed when it was scored, never later ones.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from iso4217 import Currency

from transactions.money import currency_exponent

from .adapters.ports import WindowStats, WindowUpdate
from .card_bins import bin_country
from .facts import PaymentFacts
from .merchant_profiles import MerchantProfile

Vector = dict[str, float | None]

DAY = 86400
SEEN_SECONDS = 90 * DAY
CARD_AMOUNTS_SECONDS = 30 * DAY
LABEL_HISTORY_SECONDS = 180 * DAY
RULE_PREFIX = "rule:"
IDENTITIES = ("card", "email", "device", "ip")


@dataclass(frozen=True, slots=True)
class CountingWindow:
    """A window of the velocity store a feature reads: `kind` as in rules.py (count, sum, linked, cards,
    seen, amounts, fraud). Linked and cards windows count distinct `of` values; fraud windows are read only."""

    feature: str
    kind: str
    key: str
    seconds: int
    of: str = ""

    def name(self, facts: PaymentFacts) -> str | None:
        value = facts.velocity_key(self.key)
        if not value:
            return None
        if self.kind == "linked":
            return f"linked:{self.of}-per-{self.key}:{self.seconds}:{value}"
        if self.kind in {"sum", "amounts"}:
            return f"{self.kind}:{self.key}:{self.seconds}:{facts.currency}:{value}"
        return f"{self.kind}:{self.key}:{self.seconds}:{value}"

    def update(self, facts: PaymentFacts, name: str | None) -> WindowUpdate | None:
        """The payment's update of this window (named `name` for it), None when it has none."""
        if name is None:
            return None
        at = facts.created_at.timestamp()
        if self.kind == "fraud":
            return WindowUpdate(name, "", 0, at, self.seconds)  # read only
        if self.kind == "linked":
            member = facts.velocity_key(self.of)
        else:
            member = facts.card_fingerprint if self.kind == "cards" else facts.transaction_id
        if not member:
            return None
        return WindowUpdate(name, member, facts.amount_minor, at, self.seconds)


# Named as the shipped rules name theirs (config/antifraud_rules.yaml) where the span is the same.
WINDOWS = (
    CountingWindow("card_payments_1m", "count", "card", 60),
    CountingWindow("card_payments_24h", "count", "card", DAY),
    CountingWindow("card_amount_1h", "sum", "card", 3600),
    CountingWindow("email_payments_1h", "count", "email", 3600),
    CountingWindow("ip_payments_10m", "count", "ip", 600),
    CountingWindow("device_payments_24h", "count", "device", DAY),
    CountingWindow("emails_per_card_1h", "linked", "card", 3600, "email"),
    CountingWindow("countries_per_card_1h", "linked", "card", 3600, "country"),
    CountingWindow("devices_per_card_1h", "linked", "card", 3600, "device"),
    CountingWindow("ips_per_card_1h", "linked", "card", 3600, "ip"),
    CountingWindow("cards_per_email_24h", "linked", "email", DAY, "card"),
    CountingWindow("cards_per_ip_10m", "cards", "ip", 600),
    CountingWindow("cards_per_device_1h", "cards", "device", 3600),
    # First seen: the card, e-mail and device (an IP address is shared and changes too often to mean much).
    *(CountingWindow(f"{key}_payments_90d", "seen", key, SEEN_SECONDS) for key in ("card", "email", "device")),
    CountingWindow("card_payments_30d", "amounts", "card", CARD_AMOUNTS_SECONDS),
    CountingWindow("card_payments_7d", "amounts", "card", 7 * DAY),
    *(CountingWindow(f"{key}_fraud_labels", "fraud", key, LABEL_HISTORY_SECONDS) for key in IDENTITIES),
    # A merchant (a shop's site, a terminal) under attack: its payments labelled fraud in the last four
    # weeks, and in the last one (an attack that stopped fades from it first).
    CountingWindow("merchant_fraud_labels_28d", "fraud", "merchant", 28 * DAY),
    CountingWindow("merchant_fraud_labels_7d", "fraud", "merchant", 7 * DAY),
)
LABEL_WINDOWS = tuple(window for window in WINDOWS if window.kind == "fraud")


def window_names(facts: PaymentFacts) -> list[str | None]:
    """The name of each of WINDOWS for this payment (None where it has no value), computed once."""
    return [window.name(facts) for window in WINDOWS]


def feature_windows(facts: PaymentFacts, names: list[str | None]) -> list[WindowUpdate]:
    updates = (window.update(facts, name) for window, name in zip(WINDOWS, names, strict=True))
    return [update for update in updates if update is not None]


def _major(amount_minor: int, currency: str) -> float:
    return amount_minor / 10 ** currency_exponent(currency)


def _differs(one: str, other: str) -> float | None:
    return None if not one or not other else float(one != other)


def _currency_number(code: str) -> float | None:
    try:
        return float(Currency(code).number)
    except ValueError:
        return None


def feature_vector(
    facts: PaymentFacts,
    windows: Mapping[str, WindowStats],
    *,
    names: list[str | None],
    profile: MerchantProfile,
    rules_fired: list[str],
) -> Vector:
    """The payment's features from its windows' stats (by window name; `names` from `window_names`), the
    merchant's profile and the rules that fired; None where the payment lacks the value (no device)."""
    found: Vector = {}
    stats_of: dict[str, WindowStats | None] = {}
    for window, name in zip(WINDOWS, names, strict=True):
        stats = windows.get(name) if name else None
        stats_of[window.feature] = stats
        found[window.feature] = None if stats is None else float(stats.count)
    average = _others_average(stats_of["card_payments_30d"], facts.amount_minor)
    week = _others_average(stats_of["card_payments_7d"], facts.amount_minor)
    amount_total = stats_of["card_amount_1h"]
    issuer, located = bin_country(facts.card_bin), facts.ip_country
    typical = profile.typical_amount_minor.get(facts.currency)
    found |= {
        "amount": _major(facts.amount_minor, facts.currency),
        "currency": _currency_number(facts.currency),
        "card_amount_1h": None if amount_total is None else _major(amount_total.total, facts.currency),
        "amount_to_card_average_30d": None if average is None else facts.amount_minor / average,
        "amount_to_card_average_7d": None if week is None else facts.amount_minor / week,
        "card_foreign": _differs(issuer, facts.country),
        "ip_not_billing": _differs(located, facts.country),
        "ip_not_card": _differs(located, issuer),
        "merchant_foreign_card_share": profile.foreign_card_share,
        "amount_to_merchant_typical": facts.amount_minor / typical if typical else None,
    }
    found |= {f"{RULE_PREFIX}{rule}": 1.0 for rule in rules_fired}
    return found


def _others_average(stats: WindowStats | None, amount_minor: int) -> float | None:
    """The average amount of the card's other payments in the window (same currency), None without any."""
    if stats is None or stats.count <= 1:
        return None
    average = (stats.total - amount_minor) / (stats.count - 1)
    return average if average > 0 else None


# Every feature a model may use besides rule hits, in a stable order (the training matrix's columns).
BASE_FEATURES: tuple[str, ...] = (
    "amount",
    "currency",
    *(window.feature for window in WINDOWS),
    "amount_to_card_average_30d",
    "amount_to_card_average_7d",
    "card_foreign",
    "ip_not_billing",
    "ip_not_card",
    "merchant_foreign_card_share",
    "amount_to_merchant_typical",
)
CATEGORICAL = ("currency",)


def rule_features(vectors: list[Vector]) -> list[str]:
    return sorted({name for found in vectors for name in found if name.startswith(RULE_PREFIX)})
