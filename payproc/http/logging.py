"""Log formatting: JSON lines with the request id, and card numbers redacted on the way out."""

import logging
import re

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter
from stdnum import luhn

from .request_context import current_request_id

# Runs of 12-19 digits, optionally split by spaces or dashes, as card numbers are written.
_CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){11,18}\d(?!\d)")


def redact_card_numbers(text: str) -> str:
    """Mask every Luhn-valid card-like number in `text`, keeping its last four digits."""

    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if luhn.is_valid(digits):
            return f"[card ****{digits[-4:]}]"
        return match.group(0)

    return _CARD_LIKE.sub(mask, text)


def contains_card_number(text: str) -> bool:
    return redact_card_numbers(text) != text


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request logs after the middleware has finished; its record carries the request.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id()
        if not hasattr(record, "trace_id"):
            from payproc.observability.tracing import log_context

            record.trace_id, record.span_id = log_context()
        return True


class SecretRedactionFilter(logging.Filter):
    """Masks the bot token (it is part of every Bot API URL) wherever a log line or traceback carries it."""

    def filter(self, record: logging.LogRecord) -> bool:
        from django.conf import settings

        secret = settings.TELEGRAM_BOT_TOKEN
        if secret:
            message = record.getMessage()
            if secret in message:
                record.msg, record.args = message.replace(secret, "[bot token]"), None
            if record.exc_info and record.exc_info[1] is not None and secret in str(record.exc_info[1]):
                record.exc_info, record.exc_text = None, None
                record.msg = f"{record.msg} (exception text withheld: it contained the bot token)"
        return True


class CardNumberRedactionFilter(logging.Filter):
    """Defence in depth: no code logs a card number on purpose, this catches the accidents."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_card_numbers(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            if contains_card_number(str(exc)):
                record.exc_info = None
                record.exc_text = None
                record.msg = f"{record.msg} (exception text withheld: it contained card data)"
        return True


class JsonFormatter(_JsonFormatter):
    """JSON lines; non-serialisable extras (such as the request object) are left out."""

    def process_log_record(self, log_data: dict) -> dict:
        log_data.pop("request", None)
        return log_data
