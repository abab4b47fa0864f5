"""Cursor pages of payments, newest first, with the page size and cursor checked rather than guessed."""

from typing import Any

from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


def _invalid(param: str, message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({param: [ErrorDetail(message, code=code)]})


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        """`limit` is an integer from 1 to 100 or absent; anything else is a 400, not the default size."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise _invalid("limit", f"limit must be an integer from 1 to {self.max_page_size}.", "invalid_limit")
        return int(raw)

    def decode_cursor(self, request: Request) -> Any:
        """A cursor that is not one this API handed out is the caller's error (400), not a missing page."""
        if request.query_params.get(self.cursor_query_param) == "":
            return None  # `cursor=` means the first page
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise _invalid(
                "cursor", "cursor is not one returned by this API (use next or previous).", "invalid_cursor"
            ) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size}
        return parameters
