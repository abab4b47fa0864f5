"""A merchant's risk profile, the model's sense of what is ordinary for this merchant: how often its
shoppers pay with a card issued abroad, and its typical amount per currency. A merchant selling abroad
then has foreign cards as its normal, not as a signal.

Read from its latest payments and kept in each process's memory for a while: a profile moves slowly,
and the value a decision used is stored with its features.
"""

import statistics
import threading
from dataclasses import dataclass, field

from cachetools import TTLCache
from django.conf import settings

from transactions.models import Transaction

from .card_bins import bin_country


@dataclass(frozen=True, slots=True)
class MerchantProfile:
    payments: int = 0
    foreign_card_share: float | None = None  # None: no payment with a known issuer and billing country
    typical_amount_minor: dict[str, int] = field(default_factory=dict)  # median by currency


_profiles: TTLCache[str, MerchantProfile] = TTLCache(maxsize=10_000, ttl=settings.FRAUD_MERCHANT_PROFILE_SECONDS)
_lock = threading.Lock()


def merchant_profile(merchant_id: str) -> MerchantProfile:
    with _lock:
        profile = _profiles.get(merchant_id)
    if profile is None:
        profile = build_profile(merchant_id)
        with _lock:
            _profiles[merchant_id] = profile
    return profile


def build_profile(merchant_id: str) -> MerchantProfile:
    latest = Transaction.objects.filter(merchant_id=merchant_id).order_by("-created_at")
    rows = list(
        latest.values_list("card_bin", "customer_country", "currency", "amount_minor")[
            : settings.FRAUD_MERCHANT_PROFILE_PAYMENTS
        ]
    )
    known = foreign = 0
    amounts: dict[str, list[int]] = {}
    for card_bin, country, currency, amount_minor in rows:
        issuer = bin_country(card_bin)
        if issuer and country:
            known += 1
            foreign += issuer != country.upper()
        amounts.setdefault(currency, []).append(amount_minor)
    return MerchantProfile(
        payments=len(rows),
        foreign_card_share=round(foreign / known, 4) if known else None,
        typical_amount_minor={currency: statistics.median_low(values) for currency, values in amounts.items()},
    )


def forget_profiles() -> None:
    with _lock:
        _profiles.clear()
