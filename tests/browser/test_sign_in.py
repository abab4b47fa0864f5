"""Signing in to the back-office in a real browser: enrolling an authenticator, signing in with its
code, and the lockout after ten wrong passwords."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from tests.browser.test_analyst_console import ARTIFACTS, browser_page, flagged_payment  # noqa: F401 - shared fixtures


@pytest.fixture
def mfa_required(settings):
    settings.ADMIN_MFA_REQUIRED = True


def _code(secret: bytes, at: float) -> str:
    totp = TOTP(secret)
    totp.time = at
    return f"{totp.token():06d}"


def _password(page, base: str, password: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/antifraud/reviewqueueitem/")
    page.fill("#id_username", "ann")
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def test_an_analyst_enrols_then_signs_in_with_a_code(live_server, mfa_required, browser_page):  # noqa: F811
    page = browser_page
    _password(page, live_server.url, "correct-horse-battery")
    page.wait_for_url("**/admin/mfa/setup/**")
    assert page.locator("#mfa-qr svg").count() == 1
    page.screenshot(path=str(ARTIFACTS / "mfa-setup.png"), full_page=True)
    secret = b32decode(page.inner_text("#mfa-secret").replace(" ", ""))

    page.fill("#id_code", _code(secret, time.time()))
    page.click("#mfa-setup-form input[type=submit]")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("#mfa-continue")
    page.wait_for_url("**/admin/antifraud/reviewqueueitem/")
    assert page.locator("#result_list tbody tr").count() == 1

    page.click("#logout-form button")
    _password(page, live_server.url, "correct-horse-battery")
    page.wait_for_url("**/admin/mfa/verify/**")
    page.goto(f"{live_server.url}/admin/antifraud/reviewqueueitem/")  # not without the code
    page.wait_for_url("**/admin/mfa/verify/**")
    page.fill("#id_code", _code(secret, time.time() + 30))  # the enrolment spent this step's code
    page.click("#mfa-verify-form input[type=submit]")
    page.wait_for_url("**/admin/antifraud/reviewqueueitem/")
    assert page.locator("#result_list tbody tr").count() == 1


def test_ten_wrong_passwords_lock_the_sign_in(live_server, browser_page):  # noqa: F811
    page = browser_page
    for _ in range(9):
        _password(page, live_server.url, "wrong")
        assert page.locator(".errornote").count() == 1

    _password(page, live_server.url, "wrong")
    assert "Account locked: too many login attempts" in page.content()
    _password(page, live_server.url, "correct-horse-battery")
    assert "Account locked: too many login attempts" in page.content()
    page.screenshot(path=str(ARTIFACTS / "lockout.png"), full_page=True)
