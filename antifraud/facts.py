"""What scoring knows about a payment: taken from the stored transaction, never from the PAN."""

from dataclasses import dataclass
from datetime import datetime

from iptocc import country_code

from transactions.models import Transaction


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    transaction_id: str
    merchant_id: str
    amount_minor: int
    currency: str
    card_fingerprint: str
    card_bin: str
    email: str
    ip: str
    country: str
    device_id: str
    created_at: datetime

    @classmethod
    def of(cls, tx: Transaction) -> "PaymentFacts":
        return cls(
            transaction_id=str(tx.id),
            merchant_id=str(tx.merchant_id),
            amount_minor=tx.amount_minor,
            currency=tx.currency,
            card_fingerprint=tx.card_fingerprint,
            card_bin=tx.card_bin,
            email=tx.customer_email.lower(),
            ip=tx.customer_ip or "",
            country=tx.customer_country.upper(),
            device_id=tx.device_id,
            created_at=tx.created_at,
        )

    @property
    def ip_country(self) -> str:
        """The country the IP address's block is assigned to (RIR data), "" for private or unknown ones."""
        return (country_code(self.ip) or "") if self.ip else ""

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2] if "@" in self.email else ""

    def velocity_key(self, key: str) -> str:
        """The value a velocity window is kept per ("" when the payment does not have it)."""
        return getattr(self, _KEY_FIELDS[key])


# The field behind each velocity key (a lookup per window of every payment: kept to one dict access).
_KEY_FIELDS = {
    "card": "card_fingerprint",
    "email": "email",
    "ip": "ip",
    "device": "device_id",
    "merchant": "merchant_id",
    "country": "country",
}
