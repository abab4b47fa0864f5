"""Back-office logins: lockout after repeated failures, an audited unlock, session limits."""

import time
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from transactions.models import Merchant

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user("ann", password="right-password", is_staff=True)


def _login(client: Client, password: str, *, ip: str = "198.51.100.4") -> int:
    response = client.post(LOGIN, {"username": "ann", "password": password}, REMOTE_ADDR=ip)
    return response.status_code


def test_ten_failures_lock_the_account_from_every_address_even_with_the_right_password(staff, settings):
    client = Client()
    assert [_login(client, "wrong") for _ in range(9)] == [200] * 9  # the login page again, with an error

    assert _login(client, "wrong") == 429  # the tenth locks
    assert _login(client, "right-password") == 429  # locked: the right password does not help
    assert _login(Client(), "right-password", ip="203.0.113.9") == 429  # the account, from anywhere

    entry = AuditEntry.objects.get(action="access.lockout")
    assert entry.after == {
        "username": "ann",
        "ip_address": "198.51.100.4",
        "failures": 10,
        "addresses": ["198.51.100.4"],
    }


def test_guesses_spread_over_many_addresses_lock_the_account_and_raise_a_distributed_attack(staff):
    from access.metrics import DISTRIBUTED_ATTACKS

    attacks = DISTRIBUTED_ATTACKS._value.get()
    addresses = [f"203.0.113.{n}" for n in range(1, 11)]  # one guess from each of ten addresses

    answers = [_login(Client(), "wrong", ip=address) for address in addresses]

    assert answers == [200] * 9 + [429]
    assert _login(Client(), "right-password", ip="198.51.100.77") == 429
    attack = AuditEntry.objects.get(action="access.distributed_attack")  # once, at the third address
    assert attack.after == {"username": "ann", "addresses": addresses[:3]}
    assert DISTRIBUTED_ATTACKS._value.get() == attacks + 1
    assert AuditEntry.objects.get(action="access.lockout").after["addresses"] == sorted(addresses)


def test_the_lock_lifts_after_the_cool_off(staff):
    client = Client()
    for _ in range(10):
        _login(client, "wrong")

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert _login(client, "right-password") == 302


def test_a_risk_admin_unlocks_and_the_unlock_is_audited(staff):
    client = Client()
    for _ in range(10):
        _login(client, "wrong")
    rita = User.objects.create_user("rita", password="pw", is_staff=True)
    rita.groups.add(Group.objects.get(name="Risk admin"))
    admin = Client()
    admin.force_login(rita)
    attempt = AccessAttempt.objects.get()

    response = admin.post("/admin/axes/accessattempt/", {"action": "unlock_selected", "_selected_action": [attempt.pk]})

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    unlocked = AuditEntry.objects.get(action="access.unlock")
    assert (unlocked.actor, unlocked.before["username"], unlocked.before["failures_since_start"]) == ("rita", "ann", 10)
    assert _login(client, "right-password") == 302


def test_an_analyst_can_see_neither_the_attempts_nor_unlock(staff):
    analyst = User.objects.create_user("olga", password="pw", is_staff=True)
    analyst.groups.add(Group.objects.get(name="Fraud analyst"))
    client = Client()
    client.force_login(analyst)

    assert client.get("/admin/axes/accessattempt/").status_code == 403


def test_failed_logins_and_lockouts_are_counted_in_metrics(staff):
    from access.metrics import LOCKOUTS, LOGIN_FAILURES

    failures, lockouts = LOGIN_FAILURES._value.get(), LOCKOUTS._value.get()
    client = Client()
    for _ in range(10):
        _login(client, "wrong")

    assert LOGIN_FAILURES._value.get() - failures == 10
    assert LOCKOUTS._value.get() - lockouts == 1


def test_an_idle_session_ends_after_fifteen_minutes(staff):
    client = Client()
    assert _login(client, "right-password") == 302
    assert client.get("/admin/").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.get("/admin/").status_code == 302  # to the login page


def test_an_active_session_still_ends_after_its_absolute_lifetime(staff, settings):
    client = Client()
    assert _login(client, "right-password") == 302
    start = time.time()
    for minutes in range(10, 8 * 60, 10):  # a request every ten minutes keeps it from idling out
        with time_machine.travel(start + minutes * 60):
            assert client.get("/admin/").status_code == 200, minutes

    with time_machine.travel(start + 8 * 3600 + 60):
        response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_sensitive_change_asks_for_the_password_again_after_fifteen_minutes(db):
    User.objects.create_superuser("root", password="right-password")
    client = Client()
    client.post(LOGIN, {"username": "root", "password": "right-password"})
    form = {"name": "Shop", "is_active": "on"}
    inline = {"api_keys-TOTAL_FORMS": 0, "api_keys-INITIAL_FORMS": 0}
    start = time.time()
    for minutes in (10, 20):  # active all along, so the session itself does not idle out
        with time_machine.travel(start + minutes * 60):
            assert client.get("/admin/").status_code == 200

    with time_machine.travel(start + 20 * 60 + 5):
        response = client.post("/admin/transactions/merchant/add/", form | inline)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        assert not Merchant.objects.exists()

        client.post(LOGIN, {"username": "root", "password": "right-password"})
        assert client.post("/admin/transactions/merchant/add/", form | inline).status_code == 302
    assert Merchant.objects.get().name == "Shop"
