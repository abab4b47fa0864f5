"""Card number handling: normalise, validate, detect the brand, fingerprint. The PAN never leaves here."""

import calendar
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from stdnum import luhn

from .errors import CardExpired, CardInvalid, CvvInvalid

# Brand by IIN prefix range, most specific first: (brand, low, high) compared on the same number of digits.
_BRANDS: tuple[tuple[str, str, str], ...] = (
    ("mir", "2200", "2204"),
    ("mastercard", "2221", "2720"),
    ("amex", "34", "34"),
    ("amex", "37", "37"),
    ("diners", "300", "305"),
    ("diners", "36", "36"),
    ("diners", "38", "39"),
    ("jcb", "3528", "3589"),
    ("visa", "4", "4"),
    ("mastercard", "51", "55"),
    ("discover", "6011", "6011"),
    ("discover", "622126", "622925"),
    ("discover", "644", "649"),
    ("discover", "65", "65"),
    ("unionpay", "62", "62"),
    ("maestro", "50", "50"),
    ("maestro", "56", "69"),
)

_SEPARATORS = re.compile(r"[ -]")


@dataclass(frozen=True, slots=True)
class CardSummary:
    """What payproc keeps of a card."""

    brand: str
    bin: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str


def normalise_pan(raw: str) -> str:
    """Strip spaces and dashes; what remains must be 12-19 digits passing the Luhn check."""
    digits = _SEPARATORS.sub("", raw)
    if not digits.isdigit() or not digits.isascii():
        raise CardInvalid("card_number must contain only digits, spaces or dashes.", param="card_number")
    if not 12 <= len(digits) <= 19:
        raise CardInvalid("card_number must have 12 to 19 digits.", param="card_number")
    if not luhn.is_valid(digits):
        raise CardInvalid("card_number fails the Luhn check.", param="card_number")
    return digits


def detect_brand(pan: str) -> str:
    for brand, low, high in _BRANDS:
        if low <= pan[: len(low)] <= high:
            return brand
    return "unknown"


def cvv_length(brand: str) -> int:
    return 4 if brand == "amex" else 3


def check_cvv(cvv: str, *, brand: str) -> None:
    expected = cvv_length(brand)
    if len(cvv) != expected or not cvv.isdigit():
        raise CvvInvalid(f"cvv must be {expected} digits for a {brand} card.", param="cvv")


def fingerprint(pan: str) -> str:
    """Keyed HMAC-SHA256 of the PAN: the same card gives the same value, and it cannot be reversed."""
    return hmac.new(settings.CARD_FINGERPRINT_KEY.encode(), pan.encode(), hashlib.sha256).hexdigest()


def check_not_expired(exp_month: int, exp_year: int, *, now: datetime | None = None) -> None:
    """A card is valid through the last moment of its expiry month, in UTC."""
    now = now or datetime.now(UTC)
    last_day = calendar.monthrange(exp_year, exp_month)[1]
    end_of_month = datetime(exp_year, exp_month, last_day, 23, 59, 59, 999999, tzinfo=UTC)
    if now > end_of_month:
        raise CardExpired(f"The card expired at the end of {exp_month:02d}/{exp_year}.", param="expiry_year")


def summarise_card(*, pan: str, exp_month: int, exp_year: int) -> CardSummary:
    return CardSummary(
        brand=detect_brand(pan),
        bin=pan[:6],
        last4=pan[-4:],
        exp_month=exp_month,
        exp_year=exp_year,
        fingerprint=fingerprint(pan),
    )
