"""HTTP payment provider adapter: timeouts, retries for safe errors (tenacity), a circuit breaker (pybreaker).

Retrying an authorization is safe because the transaction id travels as the Idempotency-Key.
When the breaker is open, payments fail at once with `provider_circuit_open`, and one
`provider.circuit_open` event is emitted each time it opens.
"""

import logging
import threading

import pybreaker
import requests
from django.conf import settings
from django.db import transaction
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from .ports import Authorization, AuthorizationRequest, Operation, OperationResult, ProviderUnavailable

logger = logging.getLogger(__name__)

_RETRYABLE_STATUS = {502, 503, 504}


class RetryableProviderError(Exception):
    """A failure worth another try: no answer, or a gateway error."""


class _EmitOnOpen(pybreaker.CircuitBreakerListener):
    def state_change(self, cb: pybreaker.CircuitBreaker, old_state, new_state) -> None:
        from transactions.metrics import PROVIDER_CIRCUIT_OPEN

        PROVIDER_CIRCUIT_OPEN.labels(provider="http").set(1 if new_state.name == pybreaker.STATE_OPEN else 0)
        if new_state.name != pybreaker.STATE_OPEN:
            return
        from eventbus.outbox import enqueue_event
        from transactions.events import CIRCUIT_OPEN

        logger.error("payment provider circuit opened after %s failures", cb.fail_counter)
        with transaction.atomic():
            enqueue_event(
                event_type=CIRCUIT_OPEN,
                key="provider:http",
                topic=settings.TOPIC_PROVIDER,
                data={
                    "provider": "http",
                    "failures": max(1, cb.fail_counter),
                    "reset_seconds": int(cb.reset_timeout),
                    "last_error": str(getattr(cb, "last_error", ""))[:500],
                },
            )


_breaker: pybreaker.CircuitBreaker | None = None
_breaker_lock = threading.Lock()


def circuit_breaker() -> pybreaker.CircuitBreaker:
    """One breaker per process; its state is shared through Redis when REDIS_URL is set."""
    global _breaker
    with _breaker_lock:
        if _breaker is None:
            storage = None
            if settings.REDIS_URL:
                from django_redis import get_redis_connection

                storage = pybreaker.CircuitRedisStorage(
                    pybreaker.STATE_CLOSED, get_redis_connection("default"), namespace="payproc:provider"
                )
            _breaker = pybreaker.CircuitBreaker(
                fail_max=settings.PROVIDER_CIRCUIT_FAIL_MAX,
                reset_timeout=settings.PROVIDER_CIRCUIT_RESET_SECONDS,
                state_storage=storage,
                listeners=[_EmitOnOpen()],
                name="payment-provider",
            )
        return _breaker


def reset_circuit_breaker() -> None:
    global _breaker
    with _breaker_lock:
        if _breaker is not None:
            _breaker.close()
        _breaker = None


class HttpProvider:
    name = "http"

    def __init__(self, *, base_url: str, api_key: str) -> None:
        self._base_url = base_url.rstrip("/")
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {api_key}"

    def authorize(self, request: AuthorizationRequest) -> Authorization:
        payload = {
            "amount_minor": request.amount_minor,
            "currency": request.currency,
            "merchant_id": request.merchant_id,
            "card": {
                "brand": request.card_brand,
                "bin": request.card_bin,
                "last4": request.card_last4,
                "fingerprint": request.card_fingerprint,
            },
        }
        body = self._call("/authorizations", payload, key=request.transaction_id)
        return Authorization(
            approved=body["status"] == "approved",
            decline_reason=body.get("decline_reason", ""),
            reference=body.get("reference", ""),
        )

    def capture(self, request: Operation) -> OperationResult:
        return self._operation("/captures", request)

    def cancel(self, request: Operation) -> OperationResult:
        return self._operation("/cancellations", request)

    def refund(self, request: Operation) -> OperationResult:
        return self._operation("/refunds", request)

    def _operation(self, path: str, request: Operation) -> OperationResult:
        payload = {
            "transaction_id": request.transaction_id,
            "amount_minor": request.amount_minor,
            "currency": request.currency,
            "card": {"last4": request.card_last4},
        }
        body = self._call(path, payload, key=request.operation_id)
        return OperationResult(
            succeeded=body["status"] == "succeeded",
            failure_reason=body.get("failure_reason", ""),
            reference=body.get("reference", ""),
        )

    def _call(self, path: str, payload: dict, *, key: str) -> dict:
        """POST through the breaker with retries; the idempotency key makes each retry safe."""
        try:
            return circuit_breaker().call(self._post_with_retries, path, payload, key)
        except pybreaker.CircuitBreakerError:
            raise ProviderUnavailable("provider_circuit_open") from None
        except requests.Timeout:
            raise ProviderUnavailable("provider_timeout") from None
        except (RetryableProviderError, requests.RequestException, ValueError):  # ValueError: not JSON
            raise ProviderUnavailable("provider_unavailable") from None

    def _post_with_retries(self, path: str, payload: dict, key: str) -> dict:
        attempt = retry(
            retry=retry_if_exception_type((RetryableProviderError, requests.ConnectionError, requests.Timeout)),
            stop=stop_after_attempt(settings.PROVIDER_RETRIES + 1),
            wait=wait_exponential_jitter(multiplier=0.05, max=1.0),
            reraise=True,
        )(self._post)
        try:
            return attempt(path, payload, key)
        except Exception as exc:
            circuit_breaker().last_error = f"{exc.__class__.__name__}: {exc}"
            raise

    def _post(self, path: str, payload: dict, key: str) -> dict:
        response = self._session.post(
            self._base_url + path,
            json=payload,
            headers={"Idempotency-Key": key},
            timeout=settings.PROVIDER_TIMEOUT_SECONDS,
        )
        if response.status_code in _RETRYABLE_STATUS or response.status_code >= 500:
            raise RetryableProviderError(f"HTTP {response.status_code}")
        response.raise_for_status()
        return response.json()
