"""An authenticator's secret is stored encrypted and recovery codes only as keyed digests: a database dump
holds neither. Both keep working through a key rotation, and the migration converts what was stored in
plaintext before."""

import time

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from access import mfa
from access.models import Authenticator
from tests.access.test_mfa import _code, _enrol, _sign_in

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
BEFORE, AFTER = [("access", None)], [("access", "0001_authenticator_encrypted")]
DJANGO_OTP = [("otp_totp", "0003_add_timestamps"), ("otp_static", "0003_add_timestamps")]


@pytest.fixture
def ann(db, settings) -> User:
    settings.ADMIN_MFA_REQUIRED = True
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    return User.objects.create_user("ann", password="right-password", is_staff=True)


def _enrol_as(user: User) -> tuple[bytes, list[str]]:
    client = Client()
    client.force_login(user)
    return _enrol(client)


def _signs_in_with(code: str) -> bool:
    client = Client()
    _sign_in(client)
    return client.post("/admin/mfa/verify/", {"code": code}).status_code == 302


def _column(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")
        return [value for (value,) in cursor.fetchall()]


def test_a_dump_holds_neither_the_authenticator_secret_nor_a_recovery_code(ann):
    secret, codes = _enrol_as(ann)

    [stored_key] = _column("access_authenticator", "key")
    assert secret.hex() not in stored_key.lower()
    assert Fernet(OLD.encode()).decrypt(stored_key.encode()) == secret.hex().encode()
    assert _column("otp_totp_totpdevice", "key") == []  # django-otp's plaintext table stays empty
    stored_codes = _column("otp_static_statictoken", "token")
    assert len(stored_codes) == 10 and not set(stored_codes) & set(codes)
    assert _signs_in_with(codes[0])


def test_both_factors_survive_a_key_rotation(ann, settings):
    secret, codes = _enrol_as(ann)
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_encryption_key", stdout=None)

    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    assert _signs_in_with(codes[0])  # a digest made under the old key matches while it is listed
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key dropped: the secret was re-encrypted
    with time_machine.travel(time.time() + 60):  # the enrolment's code is spent
        assert _signs_in_with(_code(secret))
    assert mfa.new_recovery_codes(ann) and Authenticator.objects.get().bin_key == secret


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_what_was_stored_in_plaintext(back_to_the_latest_schema, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    state = executor.loader.project_state(DJANGO_OTP).apps
    user = state.get_model("auth", "User").objects.create(username="ann", is_staff=True)
    secret = bytes(range(20))
    state.get_model("otp_totp", "TOTPDevice").objects.create(user=user, name="authenticator", key=secret.hex())
    device = state.get_model("otp_static", "StaticDevice").objects.create(user=user, name=mfa.RECOVERY_CODES)
    state.get_model("otp_static", "StaticToken").objects.create(device=device, token="abcdefgh")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    assert _column("otp_totp_totpdevice", "key") == []
    [stored_key] = _column("access_authenticator", "key")
    assert Fernet(OLD.encode()).decrypt(stored_key.encode()) == secret.hex().encode()
    assert _column("otp_static_statictoken", "token") == [mfa.recovery_digest("abcdefgh")]
    assert Authenticator.objects.get().bin_key == secret
