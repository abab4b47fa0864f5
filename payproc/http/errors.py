"""The uniform error object and the one exception handler that renders it.

Every error leaves the API as `{"error": {"type", "code", "message", "param"?, "request_id"}}`.
Domain code raises `payproc.errors` kinds, which know nothing of HTTP; the tables below give each kind
its status and type. Views never build error JSON.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from payproc.errors import (
    Conflict,
    Declined,
    DomainError,
    Forbidden,
    IdempotencyError,
    NotFound,
    Unauthenticated,
    Unavailable,
    Unprocessable,
)

from .request_context import current_request_id

logger = logging.getLogger("payproc.errors")

INVALID_REQUEST = "invalid_request_error"
AUTHENTICATION = "authentication_error"
PERMISSION = "permission_error"
RATE_LIMIT = "rate_limit_error"
IDEMPOTENCY = "idempotency_error"
API_ERROR = "api_error"


class RequestTooLarge(DomainError):
    code = "request_too_large"
    default_message = "The request body is too large."


# Each kind's HTTP status and error type: the first class of an error's MRO found here wins.
_STATUS: dict[type[DomainError], int] = {
    RequestTooLarge: 413,
    Unauthenticated: 401,
    Declined: 402,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Unprocessable: 422,
    Unavailable: 503,
    DomainError: 400,
}
_TYPE: dict[type[DomainError], str] = {
    Unauthenticated: AUTHENTICATION,
    Forbidden: PERMISSION,
    IdempotencyError: IDEMPOTENCY,
    Unavailable: API_ERROR,
    DomainError: INVALID_REQUEST,
}


def _first(table: dict[type[DomainError], Any], exc: DomainError) -> Any:
    return next(table[kind] for kind in type(exc).__mro__ if kind in table)


def status_of(exc: DomainError) -> int:
    return _first(_STATUS, exc)


def type_of(exc: DomainError) -> str:
    return _first(_TYPE, exc)


def error_body(*, error_type: str, code: str, message: str, param: str | None = None, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"type": error_type, "code": code, "message": message}
    if param:
        error["param"] = param
    error.update(extra)
    error["request_id"] = current_request_id()
    return {"error": error}


# DRF exceptions → (type, code) of the uniform object.
_DRF_ERRORS: dict[type[drf.APIException], tuple[str, str]] = {
    drf.NotAuthenticated: (AUTHENTICATION, "authentication_required"),
    drf.AuthenticationFailed: (AUTHENTICATION, "invalid_api_key"),
    drf.PermissionDenied: (PERMISSION, "permission_denied"),
    drf.NotFound: (INVALID_REQUEST, "resource_not_found"),
    drf.MethodNotAllowed: (INVALID_REQUEST, "method_not_allowed"),
    drf.NotAcceptable: (INVALID_REQUEST, "not_acceptable"),
    drf.UnsupportedMediaType: (INVALID_REQUEST, "unsupported_media_type"),
    drf.Throttled: (RATE_LIMIT, "rate_limited"),
    drf.ParseError: (INVALID_REQUEST, "malformed_request"),
}

# DRF field error codes that mean the same thing whatever the field.
_MISSING_CODES = {"required", "null", "blank"}
# DRF's generic codes; they become `invalid_<param>` so the code alone says which field is wrong.
_GENERIC_CODES = {
    "invalid",
    "max_value",
    "min_value",
    "max_length",
    "min_length",
    "max_digits",
    "max_decimal_places",
    "max_whole_digits",
    "not_a_dict",
    "not_a_list",
    "empty",
    "invalid_choice",
    "date",
    "datetime",
    "make_aware",
    "overflow",
    "max_string_length",
}


def _first_field_error(detail: Any, path: str = "") -> tuple[str | None, drf.ErrorDetail | str]:
    """Walk DRF's nested error structure to the first message and the dotted name of its field."""
    if isinstance(detail, dict):
        for field, nested in detail.items():
            name = path if field == "non_field_errors" else (f"{path}.{field}" if path else str(field))
            return _first_field_error(nested, name)
    if isinstance(detail, list) and detail:
        return _first_field_error(detail[0], path)
    return (path or None), detail


def _validation_error_response(exc: drf.ValidationError) -> Response:
    param, detail = _first_field_error(exc.detail)
    raw_code = getattr(detail, "code", None) or "invalid"
    message = str(detail)
    if raw_code in _MISSING_CODES:
        code = "parameter_missing"
    elif raw_code in _GENERIC_CODES:
        code = f"invalid_{param.replace('.', '_')}" if param else "invalid_request"
    else:
        code = raw_code
    if param and not message.startswith(param.split(".")[-1]):
        message = f"{param}: {message}"
    body = error_body(error_type=INVALID_REQUEST, code=code, message=message, param=param)
    return Response(body, status=400)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception becomes the uniform error object."""
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    if isinstance(exc, DomainError):
        body = error_body(error_type=type_of(exc), code=exc.code, message=exc.message, param=exc.param)
        return Response(body, status=status_of(exc))
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, drf.ValidationError):
        return _validation_error_response(exc)
    if isinstance(exc, drf.APIException):
        error_type, code = next(
            ((t, c) for cls, (t, c) in _DRF_ERRORS.items() if isinstance(exc, cls)),
            (INVALID_REQUEST if exc.status_code < 500 else API_ERROR, exc.default_code),
        )
        headers = {}
        if isinstance(exc, drf.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
            headers["WWW-Authenticate"] = 'Bearer realm="payproc"'
        message = str(exc.detail) if not isinstance(exc.detail, dict | list) else exc.default_detail
        return Response(
            error_body(error_type=error_type, code=code, message=str(message)), status=exc.status_code, headers=headers
        )
    logger.exception("unhandled error in %s", context["view"].__class__.__name__)
    body = error_body(error_type=API_ERROR, code="internal_error", message="An internal error occurred.")
    return Response(body, status=500)


# Django-level handlers, for URLs no DRF view owns.
def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    body = error_body(error_type=INVALID_REQUEST, code="resource_not_found", message="No such resource.")
    return JsonResponse(body, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    body = error_body(error_type=API_ERROR, code="internal_error", message="An internal error occurred.")
    return JsonResponse(body, status=500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    body = error_body(error_type=INVALID_REQUEST, code="bad_request", message="The request is invalid.")
    return JsonResponse(body, status=400)
