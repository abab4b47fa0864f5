import pytest
import redis
from rest_framework.test import APIClient

from tests.conftest import error_of
from transactions.api_keys import create_merchant


@pytest.fixture
def tight_limits(settings):
    settings.RATE_LIMIT_PER_API_KEY = "3/minute"
    settings.RATE_LIMIT_FAILED_AUTH_PER_IP = "2/minute"


def test_key_over_its_limit_gets_429_with_retry_after(api, tight_limits):
    statuses = [api.get("/transactions").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = api.get("/transactions")
    assert error_of(response)["type"] == "rate_limit_error"
    assert error_of(response)["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_limit_holds_after_redis_forgets_its_scripts(api, tight_limits):
    from django_redis import get_redis_connection

    assert api.get("/transactions").status_code == 200
    get_redis_connection("default").script_flush()

    assert [api.get("/transactions").status_code for _ in range(3)] == [200, 200, 429]


def test_the_limit_holds_when_the_limit_store_is_another_redis_than_the_cache(api, tight_limits, settings):
    settings.RATE_LIMIT_STORAGE_URL = settings.REDIS_URL.rsplit("/", 1)[0] + "/13"
    # Key ids restart with each test database: start that Redis database empty like the shared one.
    redis.Redis.from_url(settings.RATE_LIMIT_STORAGE_URL).flushdb()

    assert [api.get("/transactions").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_limits_are_per_key(api, tight_limits, db):
    for _ in range(3):
        api.get("/transactions")
    _, other = create_merchant(name="Other")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.secret}")

    assert api.get("/transactions").status_code == 429
    assert client.get("/transactions").status_code == 200


def test_forged_forwarded_for_does_not_change_the_bucket(api, tight_limits):
    statuses = [api.get("/transactions", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(4)]

    assert statuses[-1] == 429


def _bad_key_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer sk_test_guess")
    return client


def test_failed_authentication_is_limited_per_client_ip(db, tight_limits):
    client = _bad_key_client()
    statuses = [client.get("/transactions", REMOTE_ADDR="192.0.2.10").status_code for _ in range(3)]

    assert statuses == [401, 401, 429]
    assert client.get("/transactions", REMOTE_ADDR="192.0.2.11").status_code == 401


def test_forged_forwarded_for_cannot_escape_the_failed_auth_limit(db, tight_limits):
    client = _bad_key_client()
    statuses = [
        client.get("/transactions", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(3)
    ]

    assert statuses[-1] == 429


def test_trusted_proxy_forwards_the_client_ip(db, tight_limits, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = _bad_key_client()

    def attempt(client_ip: str) -> int:
        return client.get(
            "/transactions", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"{client_ip}, 10.0.0.9"
        ).status_code

    assert [attempt("203.0.113.1") for _ in range(3)] == [401, 401, 429]
    assert attempt("203.0.113.2") == 401  # another client behind the same proxy has its own bucket


def test_client_ip_ignores_forwarded_for_from_untrusted_peer(rf, settings):
    from payproc.http.client_ip import client_ip

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "198.51.100.7"
