"""Answering a method a view does not have with 405 before authentication or permissions run."""

from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request


class MethodCheckedFirst:
    """For views whose permission check would otherwise answer any method (a webhook without its secret
    configured says 403 even to TRACE): a method the view does not implement is 405, as RFC 9110 says."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):  # type: ignore[attr-defined]
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
