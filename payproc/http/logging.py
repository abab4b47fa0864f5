"""Log formatting: JSON lines with the request id, and card numbers redacted on the way out."""

import logging
import re

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter
from stdnum import luhn

from .request_context import current_request_id

# Runs of 12-19 digits, optionally split by spaces or dashes, as card numbers are written, standing where
# a card number would: not inside a word, a UUID, a hex id or a dotted number (no letter, digit, '-',
# '_' or '.' touching either end, and no '-', '.' or ':' followed by one after it), and beginning as the
# card networks' numbers begin (2-6 and 8; not 1, as epoch milliseconds do).
_CARD_LIKE = re.compile(r"(?<![\w.-])[2-68](?:[ -]?\d){11,18}(?![\w]|[-.:]\w)")
# Any such run at all, wherever it stands: what a merchant's free text is refused for.
_ANY_CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){11,18}\d(?!\d)")


def _mask(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"[card ****{digits[-4:]}]" if luhn.is_valid(digits) else match.group(0)


def redact_card_numbers(text: str) -> str:
    """Mask every Luhn-valid card-like number in `text`, keeping its last four digits; ids, timestamps and
    amounts stay as they are."""
    return _CARD_LIKE.sub(_mask, text)


def contains_card_number(text: str) -> bool:
    """Whether free text holds a Luhn-valid run of 12-19 digits anywhere (stricter than the log filter)."""
    return _ANY_CARD_LIKE.sub(_mask, text) != text


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
            # The traceback stays, with any card number in it masked: operators need the error.
            text = logging.Formatter().formatException(record.exc_info)
            redacted = redact_card_numbers(text)
            if redacted != text:
                record.exc_info, record.exc_text = None, redacted
        return True


class JsonFormatter(_JsonFormatter):
    """JSON lines; non-serialisable extras (such as the request object) are left out."""

    def process_log_record(self, log_data: dict) -> dict:
        log_data.pop("request", None)
        return log_data
