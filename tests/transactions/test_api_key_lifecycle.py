"""More keys per merchant, rotation with an overlap, expiry effective at once even for cached keys."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from transactions.api_keys import rotate_api_key
from transactions.models import ApiKey


def _client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _printed(capsys: pytest.CaptureFixture, name: str) -> str:
    return next(line.split("=", 1)[1] for line in capsys.readouterr().out.splitlines() if line.startswith(f"{name}="))


def test_create_api_key_issues_another_working_key_for_the_merchant(api, merchant, capsys):
    call_command("create_api_key", str(merchant.pk), "--name", "checkout")
    second = _printed(capsys, "api_key")

    assert _client(second).get("/transactions").status_code == 200
    assert api.get("/transactions").status_code == 200  # the first key still works
    assert ApiKey.objects.filter(merchant=merchant).count() == 2


def test_create_api_key_for_an_unknown_merchant_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no merchant"):
        call_command("create_api_key", "not-a-merchant")


def test_a_rotated_key_works_through_the_overlap_then_stops_even_when_cached(api, merchant):
    old = ApiKey.objects.get(merchant=merchant)
    assert api.get("/transactions").status_code == 200  # the old key is now in this process's memory

    issued = rotate_api_key(api_key=old, overlap=timedelta(hours=24))

    assert api.get("/transactions").status_code == 200
    assert _client(issued.secret).get("/transactions").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert api.get("/transactions").status_code == 401
        assert _client(issued.secret).get("/transactions").status_code == 200


def test_rotating_twice_keeps_the_earlier_expiry_and_a_revoked_key_cannot_be_rotated(merchant):
    old = ApiKey.objects.get(merchant=merchant)
    rotate_api_key(api_key=old, overlap=timedelta(hours=1))
    first_expiry = ApiKey.objects.get(pk=old.pk).expires_at

    rotate_api_key(api_key=old, overlap=timedelta(hours=48))
    assert ApiKey.objects.get(pk=old.pk).expires_at == first_expiry

    ApiKey.objects.filter(pk=old.pk).update(revoked_at=timezone.now())
    with pytest.raises(ValueError, match="revoked"):
        rotate_api_key(api_key=ApiKey.objects.get(pk=old.pk), overlap=timedelta(hours=1))


def test_rotate_api_key_command_prints_the_new_key_and_the_old_ones_expiry(api, merchant, capsys, settings):
    settings.API_KEY_ROTATION_OVERLAP_HOURS = 2
    old = ApiKey.objects.get(merchant=merchant)

    call_command("rotate_api_key", old.prefix)
    out = capsys.readouterr().out

    assert "expires at" in out
    secret = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("api_key="))
    assert _client(secret).get("/transactions").status_code == 200
    expires_at = ApiKey.objects.get(pk=old.pk).expires_at
    assert timedelta(hours=1, minutes=59) < expires_at - timezone.now() <= timedelta(hours=2)


def test_admin_issues_and_rotates_keys_and_shows_each_secret_once(admin_client, merchant):
    response = admin_client.post(
        "/admin/transactions/merchant/",
        {"action": "issue_key", "_selected_action": [str(merchant.pk)]},
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert len(shown) == 1 and "copy it now" in shown[0]
    secret = next(word for word in shown[0].split() if word.startswith("sk_"))
    assert _client(secret).get("/transactions").status_code == 200

    key = ApiKey.objects.filter(merchant=merchant).latest("created_at")  # the one just issued
    response = admin_client.post(
        "/admin/transactions/apikey/", {"action": "rotate", "_selected_action": [str(key.pk)]}, follow=True
    )
    assert any("copy it now" in str(message) for message in response.context["messages"])
    assert ApiKey.objects.get(pk=key.pk).expires_at is not None
    assert ApiKey.objects.filter(merchant=merchant).count() == 3
