"""The `Payproc-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1` per
active secret (two during a rotation), as Stripe signs. `verify` is what a merchant runs (README)."""

import hashlib
import hmac
import time
from collections.abc import Iterable

HEADER = "Payproc-Signature"
TOLERANCE_SECONDS = 300


def _mac(secret: str, timestamp: int, body: str) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def signature_header(*, secrets: Iterable[str], body: str, timestamp: int) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={_mac(secret, timestamp, body)}" for secret in secrets)])


def verify(*, header: str, body: str, secret: str, now: float | None = None) -> bool:
    """True when one of the header's signatures is `secret`'s and its time is within five minutes."""
    parts = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for name, value in parts if name == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for name, value in parts if name == "v1")
