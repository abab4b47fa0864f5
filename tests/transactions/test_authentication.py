import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import error_of, payment
from transactions.api_keys import create_merchant, hash_key, revoke_api_key
from transactions.models import ApiKey


@pytest.mark.parametrize("path", ["/transactions", "/transaction/00000000-0000-0000-0000-000000000000"])
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer sk_test_unknown", "Basic dXNlcjpwYXNz", "Bearer ", "sk_test_no_scheme"],
)
def test_missing_or_unknown_key_is_401(db, path, authorization):
    client = APIClient()
    if authorization is not None:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = client.get(path)

    assert response.status_code == 401
    error = error_of(response)
    assert error["type"] == "authentication_error"
    assert error["code"] in {"authentication_required", "invalid_api_key"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_create_without_key_is_401_and_writes_nothing(db):
    from transactions.models import Transaction

    response = APIClient().post("/transaction", data=json.dumps(payment()), content_type="application/json")

    assert response.status_code == 401
    assert Transaction.objects.count() == 0


def test_revoked_key_is_401(api, merchant):
    revoke_api_key(api_key=merchant.api_keys.get())

    response = api.get("/transactions")

    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_api_key"


def test_inactive_merchant_key_is_401(api, merchant):
    merchant.is_active = False
    merchant.save()

    assert api.get("/transactions").status_code == 401


def test_key_is_stored_only_as_hash_with_visible_prefix(db):
    _, issued = create_merchant(name="Shop", mode="live")

    stored = ApiKey.objects.get()
    assert issued.secret.startswith("sk_live_")
    assert stored.prefix == issued.secret[: len("sk_live_") + 4]
    assert stored.key_hash == hash_key(issued.secret)
    assert issued.secret not in {getattr(stored, f.attname) for f in ApiKey._meta.fields}


def test_merchant_never_sees_another_merchants_payment(post_payment, db):
    tx_id = post_payment().json()["id"]
    _, other = create_merchant(name="Other")
    other_client = APIClient()
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.secret}")

    detail = other_client.get(f"/transaction/{tx_id}")
    listing = other_client.get("/transactions")

    assert detail.status_code == 404
    assert error_of(detail)["code"] == "resource_not_found"
    assert listing.json()["results"] == []


def test_other_merchant_gets_404_even_when_the_payment_is_cached(api, post_payment, db):
    tx_id = post_payment().json()["id"]
    assert api.get(f"/transaction/{tx_id}").status_code == 200  # now cached
    _, other = create_merchant(name="Other")
    other_client = APIClient()
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.secret}")

    assert other_client.get(f"/transaction/{tx_id}").status_code == 404


def test_create_merchant_command_prints_a_working_key(db, capsys):
    call_command("create_merchant", "Corner Shop")

    out = capsys.readouterr().out
    secret = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("api_key="))
    assert secret.startswith("sk_test_")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/transactions").status_code == 200


def test_revoke_api_key_command_stops_the_key(api, merchant, capsys):
    prefix = merchant.api_keys.get().prefix
    assert api.get("/transactions").status_code == 200

    call_command("revoke_api_key", prefix)

    assert "revoked" in capsys.readouterr().out
    assert api.get("/transactions").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_key_revoked_by_another_process_stops_working_at_once():
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    merchant, issued = create_merchant(name="Cached")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert client.get("/transactions").status_code == 200  # the key is now served from this process's memory
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "payproc.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }

    subprocess.run(
        [sys.executable, "manage.py", "revoke_api_key", merchant.api_keys.get().prefix],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        check=True,
        capture_output=True,
    )

    assert client.get("/transactions").status_code == 401


def test_cached_key_needs_no_query_and_deactivating_the_merchant_drops_it(api, merchant, django_assert_num_queries):
    api.get("/transactions?limit=1")
    with django_assert_num_queries(1):  # the list itself; the key came from the cache
        assert api.get("/transactions?limit=1").status_code == 200

    merchant.is_active = False
    merchant.save()

    assert api.get("/transactions").status_code == 401


def test_failed_attempts_from_an_address_do_not_lock_out_a_valid_key(api, settings):
    settings.RATE_LIMIT_FAILED_AUTH_PER_IP = "2/minute"
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Bearer sk_test_guess")
    assert [guesser.get("/transactions").status_code for _ in range(3)] == [401, 401, 429]

    assert api.get("/transactions").status_code == 200  # same address (the test client's), valid key
