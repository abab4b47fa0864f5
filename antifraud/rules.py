"""Rule types: how each one's parameters look and how it is evaluated against a payment.

Each evaluator returns what it observed when the rule fires ("7 payments for this card in 60 s,
limit 3"), or None when it does not. Rules that count in sliding windows first say which windows the
payment updates (`WINDOWS`), so scoring can update all of them in one round trip to the store, then
read the windows' stats from the context.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from transactions.models import Transaction
from transactions.money import format_minor

from .adapters.ports import WindowStats, WindowUpdate
from .card_bins import bin_country
from .facts import PaymentFacts
from .rule_parameters import RuleType


@dataclass(frozen=True, slots=True)
class RuleContext:
    """The stats of every window this payment updated, by window name."""

    windows: Mapping[str, WindowStats]


Evaluator = Callable[[dict[str, Any], PaymentFacts, RuleContext], str | None]
Windows = Callable[[dict[str, Any], PaymentFacts], list[WindowUpdate]]


def _threshold(parameters: dict[str, Any], currency: str) -> int | None:
    thresholds = parameters["thresholds"]
    return thresholds.get(currency)


def _amount(minor: int, currency: str) -> str:
    return f"{format_minor(minor, currency)} {currency}"


def amount_above(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    limit = _threshold(parameters, facts.currency)
    if limit is None or facts.amount_minor <= limit:
        return None
    return f"amount {_amount(facts.amount_minor, facts.currency)} above {_amount(limit, facts.currency)}"


def _window_name(kind: str, parameters: dict[str, Any], facts: PaymentFacts, *, per_currency: bool) -> str | None:
    """The name of the window a payment's `key` value is counted in ("" values have none): amounts are
    only added up within one currency."""
    key, window = parameters["key"], parameters["window_seconds"]
    value = facts.velocity_key(key)
    if not value:
        return None
    return f"{kind}:{key}:{window}:{facts.currency}:{value}" if per_currency else f"{kind}:{key}:{window}:{value}"


def _velocity_window(parameters: dict[str, Any], facts: PaymentFacts) -> str | None:
    measure = parameters.get("measure", "count")
    return _window_name(measure, parameters, facts, per_currency=measure != "count")


def _payment_in(window: str | None, parameters: dict[str, Any], facts: PaymentFacts) -> list[WindowUpdate]:
    """The payment (by id, with its amount) added to the window; nothing when it has no window."""
    if window is None:
        return []
    at, seconds = facts.created_at.timestamp(), parameters["window_seconds"]
    return [WindowUpdate(window, facts.transaction_id, facts.amount_minor, at, seconds)]


def velocity_windows(parameters: dict[str, Any], facts: PaymentFacts) -> list[WindowUpdate]:
    return _payment_in(_velocity_window(parameters, facts), parameters, facts)


def velocity(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    window = _velocity_window(parameters, facts)
    if window is None:
        return None
    key, seconds, limit = parameters["key"], parameters["window_seconds"], parameters["limit"]
    stats = ctx.windows[window]
    if parameters.get("measure", "count") == "count":
        if stats.count <= limit:
            return None
        return f"{stats.count} payments for this {key} in {seconds} s, limit {limit}"
    if stats.total <= limit:
        return None
    return (
        f"{_amount(stats.total, facts.currency)} for this {key} in {seconds} s, limit {_amount(limit, facts.currency)}"
    )


def bin_country_mismatch(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    issuer = bin_country(facts.card_bin)
    if not issuer or not facts.country or issuer == facts.country:
        return None
    return f"card issued in {issuer}, customer in {facts.country}"


def ip_country_mismatch(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    """The IP address's country against the billing country (`against: billing`) or the card's issuing
    country (`against: card`); silent when either is unknown (private addresses, unknown BINs)."""
    located = facts.ip_country
    other = facts.country if parameters["against"] == "billing" else bin_country(facts.card_bin)
    if not located or not other or located == other:
        return None
    what = "billing country" if parameters["against"] == "billing" else "card issued in"
    return f"IP address in {located}, {what} {other}"


def _card_testing_windows(parameters: dict[str, Any], facts: PaymentFacts) -> tuple[str, str | None] | None:
    """(the distinct-cards window, the small-payments window when this payment is small), or None."""
    key, window = parameters["key"], parameters["window_seconds"]
    value = facts.velocity_key(key)
    if not value:
        return None
    small_limit = parameters.get("small_amount_minor")
    small = f"small:{key}:{window}:{value}" if small_limit is not None and facts.amount_minor <= small_limit else None
    return f"cards:{key}:{window}:{value}", small


def card_testing_windows(parameters: dict[str, Any], facts: PaymentFacts) -> list[WindowUpdate]:
    windows = _card_testing_windows(parameters, facts)
    if windows is None:
        return []
    cards, small = windows
    at, seconds = facts.created_at.timestamp(), parameters["window_seconds"]
    updates = [WindowUpdate(cards, facts.card_fingerprint, 0, at, seconds)]
    if small is not None:
        updates.append(WindowUpdate(small, facts.transaction_id, facts.amount_minor, at, seconds))
    return updates


def card_testing(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    windows = _card_testing_windows(parameters, facts)
    if windows is None:
        return None
    key, seconds = parameters["key"], parameters["window_seconds"]
    cards, small = windows
    if ctx.windows[cards].count > parameters["distinct_cards"]:
        count = ctx.windows[cards].count
        return f"{count} different cards from this {key} in {seconds} s, limit {parameters['distinct_cards']}"
    if small is not None and ctx.windows[small].count > parameters["small_count"]:
        count = ctx.windows[small].count
        return f"{count} small payments from this {key} in {seconds} s, limit {parameters['small_count']}"
    return None


def _linked_window(parameters: dict[str, Any], facts: PaymentFacts) -> tuple[str, str] | None:
    """(the window of distinct `of` values seen with this payment's `key` value, this payment's `of`)."""
    key, of, window = parameters["key"], parameters["of"], parameters["window_seconds"]
    value, linked = facts.velocity_key(key), facts.velocity_key(of)
    if not value or not linked:
        return None
    return f"linked:{of}-per-{key}:{window}:{value}", linked


def linked_windows(parameters: dict[str, Any], facts: PaymentFacts) -> list[WindowUpdate]:
    found = _linked_window(parameters, facts)
    if found is None:
        return []
    window, linked = found
    # The member is the linked value itself, so the window counts distinct values, not payments.
    return [WindowUpdate(window, linked, 0, facts.created_at.timestamp(), parameters["window_seconds"])]


def linked_entities(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    """Radar's `email_count_for_card`, `card_count_for_ip` and kin: a card that turns up with a second
    identity, or an identity paying with many cards. Fires from the payment that goes over `limit`."""
    found = _linked_window(parameters, facts)
    if found is None:
        return None
    count, limit = ctx.windows[found[0]].count, parameters["limit"]
    if count <= limit:
        return None
    key, of, seconds = parameters["key"], parameters["of"], parameters["window_seconds"]
    plural = {"ip": "IP addresses", "country": "countries", "email": "e-mails"}.get(of, f"{of}s")
    return f"{count} different {plural} for this {key} in {seconds} s, limit {limit}"


def _spike_window(parameters: dict[str, Any], facts: PaymentFacts) -> str | None:
    return _window_name("amounts", parameters, facts, per_currency=True)


def amount_spike_windows(parameters: dict[str, Any], facts: PaymentFacts) -> list[WindowUpdate]:
    return _payment_in(_spike_window(parameters, facts), parameters, facts)


def amount_spike(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    """The amount against this card's (or e-mail's, device's) own history: more than `factor` times the
    average of its other payments in the window, once it has `min_payments` of them (per currency)."""
    window = _spike_window(parameters, facts)
    if window is None:
        return None
    stats, factor = ctx.windows[window], parameters["factor"]
    earlier = stats.count - 1
    if earlier < parameters["min_payments"]:
        return None
    average = (stats.total - facts.amount_minor) // earlier
    if average <= 0 or facts.amount_minor <= factor * average:
        return None
    key = {"email": "e-mail"}.get(parameters["key"], parameters["key"])
    ratio = facts.amount_minor / average
    return (
        f"amount {_amount(facts.amount_minor, facts.currency)} is {ratio:.0f}x this {key}'s average of "
        f"{_amount(average, facts.currency)} over {earlier} earlier payments, limit {factor}x"
    )


def _first_seen_window(parameters: dict[str, Any], facts: PaymentFacts) -> str | None:
    return _window_name("seen", parameters, facts, per_currency=False)


def first_seen_windows(parameters: dict[str, Any], facts: PaymentFacts) -> list[WindowUpdate]:
    return _payment_in(_first_seen_window(parameters, facts), parameters, facts)


def first_seen(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    """Radar's `seconds_since_email_first_seen` and kin: this card, e-mail, IP or device has no other
    payment in the window (optionally: and the amount is above the currency's threshold). Windows count
    payments by id, so scoring the same payment again still finds it the first."""
    window = _first_seen_window(parameters, facts)
    if window is None or ctx.windows[window].count > 1:
        return None
    limit = _threshold(parameters, facts.currency) if "thresholds" in parameters else None
    if "thresholds" in parameters and (limit is None or facts.amount_minor <= limit):
        return None
    key, days = parameters["key"], parameters["window_seconds"] / 86400
    what = {"ip": "IP address", "email": "e-mail"}.get(key, key)
    span = f"{days:g} days" if days >= 1 else f"{parameters['window_seconds']} s"
    observed = f"first payment with this {what} in {span}"
    if limit is None:
        return observed
    return f"{observed}, {_amount(facts.amount_minor, facts.currency)} above {_amount(limit, facts.currency)}"


def first_seen_card_high_amount(parameters: dict[str, Any], facts: PaymentFacts, ctx: RuleContext) -> str | None:
    limit = _threshold(parameters, facts.currency)
    if limit is None or facts.amount_minor <= limit:
        return None
    seen_before = (
        Transaction.objects.filter(card_fingerprint=facts.card_fingerprint, created_at__lt=facts.created_at)
        .exclude(pk=facts.transaction_id)
        .exists()
    )
    if seen_before:
        return None
    amount, limit_text = _amount(facts.amount_minor, facts.currency), _amount(limit, facts.currency)
    return f"first payment with this card, {amount} above {limit_text}"


# Rule types that count in sliding windows, and the windows a payment updates for them.
WINDOWS: dict[str, Windows] = {
    RuleType.VELOCITY: velocity_windows,
    RuleType.CARD_TESTING: card_testing_windows,
    RuleType.LINKED_ENTITIES: linked_windows,
    RuleType.FIRST_SEEN: first_seen_windows,
    RuleType.AMOUNT_SPIKE: amount_spike_windows,
}

EVALUATORS: dict[str, Evaluator] = {
    RuleType.AMOUNT_ABOVE: amount_above,
    RuleType.VELOCITY: velocity,
    RuleType.BIN_COUNTRY_MISMATCH: bin_country_mismatch,
    RuleType.CARD_TESTING: card_testing,
    RuleType.FIRST_SEEN_CARD_HIGH_AMOUNT: first_seen_card_high_amount,
    RuleType.LINKED_ENTITIES: linked_entities,
    RuleType.FIRST_SEEN: first_seen,
    RuleType.AMOUNT_SPIKE: amount_spike,
    RuleType.IP_COUNTRY_MISMATCH: ip_country_mismatch,
}
