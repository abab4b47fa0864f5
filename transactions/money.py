"""Money at the API edge: decimal amounts in, integer minor units stored, ISO 4217 exponents from `iso4217`."""

from decimal import Decimal, InvalidOperation

from iso4217 import Currency

from .errors import AmountInvalid, AmountTooPrecise, CurrencyUnsupported


def currency_exponent(code: str) -> int:
    """The number of minor-unit digits of an active ISO 4217 currency that can be paid in."""
    try:
        currency = Currency(code)
    except ValueError:
        raise CurrencyUnsupported(f"{code!r} is not an active ISO 4217 currency code.", param="currency") from None
    if currency.exponent is None:  # funds, metals, test codes: not payable
        raise CurrencyUnsupported(f"{code} has no minor unit and cannot be used for payments.", param="currency")
    return currency.exponent


def to_minor(amount: Decimal, currency: str) -> int:
    """Convert a major-unit amount to minor units, refusing digits the currency does not have."""
    exponent = currency_exponent(currency)
    try:
        scaled = amount.scaleb(exponent)
        minor = int(scaled)
    except (InvalidOperation, OverflowError, ValueError):
        raise AmountInvalid("amount is not a finite number.", param="amount") from None
    if scaled != minor:
        raise AmountTooPrecise(
            f"{currency} allows at most {exponent} decimal place{'s' if exponent != 1 else ''}; got {amount}.",
            param="amount",
        )
    return minor


def format_minor(amount_minor: int, currency: str) -> str:
    """Minor units back to a decimal string with exactly the currency's decimals ("10.50", "1000")."""
    exponent = currency_exponent(currency)
    return str(Decimal(amount_minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent)))
