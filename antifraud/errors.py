"""Anti-fraud errors the API and the console show."""

from payproc.http.errors import API_ERROR, DomainError


class AnalyticsUnavailable(DomainError):
    status_code = 503
    error_type = API_ERROR
    code = "analytics_unavailable"
    default_message = "The analytics store cannot be reached right now; payments are not affected. Retry later."
