"""The authenticator app's device, kept here rather than in django-otp's TOTP plugin so that its secret is
encrypted at rest (payproc/encryption.py): django-otp's own column is hex text of 80 characters."""

from binascii import unhexlify

from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from payproc.encryption import EncryptedTextField


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A time-based one-time-password device (RFC 6238) whose hex secret is stored encrypted."""

    key = EncryptedTextField(default=default_key)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1, help_text="The time step of the last code taken: none twice.")

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    # django-otp's TOTP logic reads exactly these fields; only where the secret is kept differs.
    verify_token = TOTPDevice.verify_token
    config_url = TOTPDevice.config_url
    get_throttle_factor = TOTPDevice.get_throttle_factor
    _read_str_from_settings = TOTPDevice._read_str_from_settings
