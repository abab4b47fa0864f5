"""Two-factor sign-in to the back-office: enrolment, codes, recovery codes, throttling and lockout, reset."""

import re
import time
from base64 import b32decode

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.test import Client
from django_otp.oath import TOTP

from access import mfa
from audit.models import AuditEntry

LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.ADMIN_MFA_REQUIRED = True
    # django-otp's growing wait between tries; one test turns it back on.
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def ann(db) -> User:
    user = User.objects.create_user("ann", password="right-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Fraud analyst"))
    return user


def _code(secret: bytes, at: float | None = None) -> str:
    totp = TOTP(secret)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def _secret_on(page: str) -> bytes:
    return b32decode(re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", ""))


def _wrong(secret: bytes) -> str:
    return f"{(int(_code(secret)) + 1) % 10**6:06d}"


def _sign_in(client: Client, ip: str = "198.51.100.4") -> str:
    response = client.post(
        f"{LOGIN}?next=/admin/antifraud/reviewqueueitem/",
        {"username": "ann", "password": "right-password"},
        REMOTE_ADDR=ip,
    )
    assert response.status_code == 302
    return client.get(response["Location"], REMOTE_ADDR=ip)["Location"]


def _enrol(client: Client) -> tuple[bytes, list[str]]:
    page = client.get("/admin/mfa/setup/").content.decode()
    secret = _secret_on(page)
    done = client.post("/admin/mfa/setup/", {"code": _code(secret), "next": "/admin/"}).content.decode()
    return secret, re.findall(r"<li><code>([a-z2-7]+)</code></li>", done)


@pytest.fixture
def enrolled(ann) -> tuple[bytes, list[str]]:
    client = Client()
    client.force_login(ann)
    secret, codes = _enrol(client)
    return secret, codes


def test_a_password_alone_reaches_only_the_enrolment_page(ann):
    client = Client()
    assert _sign_in(client) == "/admin/mfa/setup/?next=/admin/antifraud/reviewqueueitem/"

    for page in ("/admin/", "/admin/antifraud/reviewqueueitem/", "/admin/analytics/", "/admin/audit/auditentry/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/admin/mfa/setup/"), page
    setup = client.get("/admin/mfa/setup/")
    assert setup.status_code == 200 and b"<svg" in setup.content  # the QR code, inline


def test_enrolment_needs_a_right_code_then_gives_ten_recovery_codes_once(ann):
    client = Client()
    _sign_in(client)
    page = client.get("/admin/mfa/setup/").content.decode()
    secret = _secret_on(page)
    assert _secret_on(client.get("/admin/mfa/setup/").content.decode()) == secret  # a reload keeps the secret

    wrong = client.post("/admin/mfa/setup/", {"code": _wrong(secret)})
    assert b"That code is not right" in wrong.content and not mfa.is_enrolled(ann)

    done = client.post("/admin/mfa/setup/", {"code": _code(secret), "next": "/admin/antifraud/reviewqueueitem/"})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(set(codes)) == 10 and mfa.is_enrolled(ann)
    assert client.get("/admin/antifraud/reviewqueueitem/").status_code == 200  # this session is verified
    assert AuditEntry.objects.filter(action="access.mfa_enrolled", object_id=str(ann.pk)).count() == 1
    assert not any(code in str(entry.after) for entry in AuditEntry.objects.all() for code in codes)


def test_an_enrolled_user_gives_a_code_at_every_sign_in(enrolled):
    secret, _ = enrolled
    client = Client()
    assert _sign_in(client) == "/admin/mfa/verify/?next=/admin/antifraud/reviewqueueitem/"
    assert client.get("/admin/").status_code == 302

    wrong = client.post("/admin/mfa/verify/", {"code": "12345x"})
    assert b"That code is not right" in wrong.content
    with time_machine.travel(time.time() + 60):  # the enrolment's code is spent; the next one
        response = client.post(
            "/admin/mfa/verify/", {"code": _code(secret), "next": "/admin/antifraud/reviewqueueitem/"}
        )
        assert response["Location"] == "/admin/antifraud/reviewqueueitem/"
        assert client.get("/admin/antifraud/reviewqueueitem/").status_code == 200


def test_a_code_works_once(enrolled):
    secret, _ = enrolled
    with time_machine.travel(time.time() + 60):
        first, second = Client(), Client()
        _sign_in(first), _sign_in(second)
        code = _code(secret)
        assert first.post("/admin/mfa/verify/", {"code": code}).status_code == 302
        assert b"That code is not right" in second.post("/admin/mfa/verify/", {"code": code}).content


def test_a_recovery_code_signs_in_once_and_is_audited(enrolled):
    _, codes = enrolled
    client = Client()
    _sign_in(client)
    assert client.post("/admin/mfa/verify/", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/admin/").status_code == 200
    entry = AuditEntry.objects.get(action="access.mfa_recovery_code_used")
    assert (entry.actor, entry.after) == ("ann", {"recovery_codes_left": 9})

    again = Client()
    _sign_in(again)
    assert b"That code is not right" in again.post("/admin/mfa/verify/", {"code": codes[0]}).content


def test_new_recovery_codes_replace_the_old_ones(enrolled):
    _, old = enrolled
    client = Client()
    _sign_in(client)
    client.post("/admin/mfa/verify/", {"code": old[0]})
    assert b"Recovery codes left: 9." in client.get("/admin/mfa/").content

    page = client.post("/admin/mfa/").content.decode()
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    other = Client()
    _sign_in(other)
    assert b"That code is not right" in other.post("/admin/mfa/verify/", {"code": old[1]}).content
    assert other.post("/admin/mfa/verify/", {"code": new[0]}).status_code == 302


def test_after_a_wrong_code_the_next_try_waits_even_with_the_right_code(enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1  # django-otp: 1 s after one failure, doubling with each further one
    secret, _ = enrolled
    client = Client()
    _sign_in(client)
    now = time.time() + 60
    with time_machine.travel(now, tick=False):
        client.post("/admin/mfa/verify/", {"code": _wrong(secret)})
        refused = client.post("/admin/mfa/verify/", {"code": _code(secret)})
    assert b"Too many wrong codes: wait" in refused.content

    with time_machine.travel(now + 2, tick=False):
        assert client.post("/admin/mfa/verify/", {"code": _code(secret)}).status_code == 302


def test_ten_wrong_codes_lock_the_account_and_end_the_sign_in(enrolled):
    secret, _ = enrolled
    client = Client()
    _sign_in(client)
    answers = [
        client.post("/admin/mfa/verify/", {"code": _wrong(secret)}, REMOTE_ADDR="198.51.100.4").status_code
        for _ in range(10)
    ]

    assert answers == [200] * 9 + [429]
    assert client.get("/admin/").status_code == 302  # signed out
    assert AuditEntry.objects.filter(action="access.lockout").count() == 1
    locked = Client().post(LOGIN, {"username": "ann", "password": "right-password"}, REMOTE_ADDR="198.51.100.4")
    assert locked.status_code == 429  # the password no longer gets in from there either


def test_no_redirect_off_the_site_after_the_code(enrolled):
    _, codes = enrolled
    client = Client()
    _sign_in(client)
    response = client.post("/admin/mfa/verify/", {"code": codes[0], "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_an_administrator_resets_a_lost_second_factor_and_it_is_audited(enrolled, ann):
    root = User.objects.create_superuser("root", password="pw")
    admin = Client()
    admin.force_login(root)
    _enrol(admin)  # the administrator too signs in with a second factor
    response = admin.post("/admin/auth/user/", {"action": "reset_two_factor", "_selected_action": [ann.pk]})

    assert response.status_code == 302 and not mfa.is_enrolled(ann)
    assert AuditEntry.objects.get(action="access.mfa_reset").actor == "root"
    client = Client()
    assert _sign_in(client).startswith("/admin/mfa/setup/")  # enrols again


def test_without_the_requirement_staff_go_straight_in_but_enrolled_users_still_give_a_code(enrolled, settings):
    settings.ADMIN_MFA_REQUIRED = False
    User.objects.create_user("bob", password="pw", is_staff=True)
    bob = Client()
    bob.post(LOGIN, {"username": "bob", "password": "pw"})
    assert bob.get("/admin/").status_code == 200
    assert b"this installation does not require it" in bob.get("/admin/mfa/").content

    assert _sign_in(Client()).startswith("/admin/mfa/verify/")


def test_production_settings_require_two_factor_whatever_the_environment():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.ADMIN_MFA_REQUIRED)"],
        env={
            "DJANGO_SETTINGS_MODULE": "payproc.settings.production",
            "ADMIN_MFA_REQUIRED": "false",
            "DJANGO_SECRET_KEY": "x",
            "CARD_FINGERPRINT_KEY": "y",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "True"
