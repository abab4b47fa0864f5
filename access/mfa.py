"""Two-factor sign-in to the back-office (PCI DSS 8.4): an authenticator app's time-based codes (TOTP)
and single-use recovery codes, both django-otp devices. Who must enrol is a setting; anyone who has
enrolled must always give a code. The authenticator's secret is stored encrypted (access.models), and
recovery codes only as keyed digests: shown once, then never readable again, not even from a dump."""

import re
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from audit.services import record
from payproc.encryption import digests

from .models import Authenticator

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR = "authenticator"
RECOVERY_CODES = "recovery codes"
_TOTP_CODE = re.compile(r"\d{6}")


def must_enrol(user: AbstractBaseUser) -> bool:
    """Every staff user once ADMIN_MFA_REQUIRED is on (production): staff is who reaches the console."""
    return settings.ADMIN_MFA_REQUIRED and bool(getattr(user, "is_staff", False))


def is_enrolled(user: AbstractBaseUser) -> bool:
    return Authenticator.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(user: AbstractBaseUser) -> Authenticator:
    """The authenticator being enrolled: the same secret until it is confirmed, so a reload keeps the QR."""
    device = Authenticator.objects.filter(user=user, confirmed=False).first()
    return device or Authenticator.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the QR code (inline SVG, no script) and the secret typed by hand."""

    qr_svg: str
    secret: str


def enrolment(device: Authenticator) -> Enrolment:
    secret = b32encode(device.bin_key).decode()
    return Enrolment(
        qr_svg=segno.make(device.config_url, error="m").svg_inline(scale=4, title="Authenticator QR code"),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )


def confirm_authenticator(device: Authenticator, code: str) -> list[str] | None:
    """The first code from the app proves it holds the secret: the device counts from now on, and the
    user gets a fresh set of recovery codes (shown once). None when the code is wrong."""
    with transaction.atomic():
        if not (_TOTP_CODE.fullmatch(code) and device.verify_token(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(actor=device.user.get_username(), action="access.mfa_enrolled", target=device.user)
        return _replace_recovery_codes(device.user)


def new_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """Replace the user's recovery codes: the old ones stop working at once."""
    with transaction.atomic():
        record(actor=user.get_username(), action="access.mfa_recovery_codes_replaced", target=user)
        return _replace_recovery_codes(user)


def _replace_recovery_codes(user: AbstractBaseUser) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_CODES, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=recovery_digest(code)) for code in codes)
    return codes


def recovery_digest(code: str) -> str:
    """What is stored for a recovery code: its keyed digest under the current key."""
    return digests(code, RECOVERY_CODES)[0]


def _stored_recovery_digest(device: StaticDevice, code: str) -> str:
    """The digest to look the code up by: under whichever key it was stored with (codes outlive a key
    rotation while the old key is still listed), else the current one, which then fails as a wrong code."""
    candidates = digests(code, RECOVERY_CODES)
    stored = device.token_set.filter(token__in=candidates).values_list("token", flat=True).first()
    return stored or candidates[0]


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class Verification:
    device: Device | None
    wait_seconds: int = 0  # django-otp's throttle: each failure doubles the wait before the next try


def verify(user: AbstractBaseUser, code: str) -> Verification:
    """Check a six-digit code against the authenticator, anything else against the recovery codes
    (each works once). A used recovery code is audited: it means the authenticator was not at hand."""
    code = code.strip().replace(" ", "").lower()
    model = Authenticator if _TOTP_CODE.fullmatch(code) else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return Verification(None)
        allowed, details = device.verify_is_allowed()
        if not allowed:
            return Verification(None, wait_seconds=_seconds_left(details))
        token = code if model is Authenticator else _stored_recovery_digest(device, code)
        if not device.verify_token(token):
            return Verification(None)
        if model is StaticDevice:
            record(
                actor=user.get_username(),
                action="access.mfa_recovery_code_used",
                target=user,
                after={"recovery_codes_left": device.token_set.count()},
            )
        return Verification(device)


def _seconds_left(details: dict | None) -> int:
    until = (details or {}).get("locked_until")
    return max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1


def reset(user: AbstractBaseUser, *, actor: str) -> None:
    """Forget a user's authenticator and recovery codes (a lost phone): they enrol again at next sign-in."""
    with transaction.atomic():
        Authenticator.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record(actor=actor, action="access.mfa_reset", target=user)
