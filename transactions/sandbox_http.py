"""The sandbox provider over HTTP, for trying the `http` provider adapter without a real provider.

Same test cards as the in-process sandbox; 0119 answers 503 (a retryable gateway error) and 0341
answers after SANDBOX_PROVIDER_DELAY_SECONDS (so a short client timeout sees a timeout).
"""

import json
import time

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .adapters.sandbox import SANDBOX_DECLINES, SANDBOX_REFUND_FAILURES

_authorizations: dict[str, dict] = {}  # idempotency key → first answer (per process, like a real provider's cache)


def _unauthorized(request: HttpRequest) -> JsonResponse | None:
    expected = settings.PROVIDER_HTTP_API_KEY
    if expected and request.headers.get("Authorization") != f"Bearer {expected}":
        return JsonResponse({"error": "unauthorized"}, status=401)
    return None


@csrf_exempt
@require_POST
def sandbox_authorize(request: HttpRequest) -> JsonResponse:
    if refused := _unauthorized(request):
        return refused
    key = request.headers.get("Idempotency-Key", "")
    body = json.loads(request.body or b"{}")
    last4 = body.get("card", {}).get("last4", "")
    if last4 == "0119":
        return JsonResponse({"error": "processing_error"}, status=503)
    if last4 == "0341":
        time.sleep(settings.SANDBOX_PROVIDER_DELAY_SECONDS)
    if key in _authorizations:
        return JsonResponse(_authorizations[key])
    if last4 in SANDBOX_DECLINES:
        answer = {"status": "declined", "decline_reason": SANDBOX_DECLINES[last4], "reference": ""}
    else:
        answer = {"status": "approved", "decline_reason": "", "reference": f"sandbox_http_{key}"}
    _authorizations[key] = answer
    return JsonResponse(answer)


@csrf_exempt
@require_POST
def sandbox_operation(request: HttpRequest, operation: str) -> JsonResponse:
    """Captures, cancellations and refunds: they succeed, but refunds of a card ending 0705."""
    if refused := _unauthorized(request):
        return refused
    key = f"{operation}:{request.headers.get('Idempotency-Key', '')}"
    body = json.loads(request.body or b"{}")
    if key not in _authorizations:
        failure = SANDBOX_REFUND_FAILURES.get(body.get("card", {}).get("last4", "")) if operation == "refunds" else None
        _authorizations[key] = (
            {"status": "failed", "failure_reason": failure, "reference": ""}
            if failure
            else {"status": "succeeded", "failure_reason": "", "reference": f"sandbox_http_{key}"}
        )
    return JsonResponse(_authorizations[key])
