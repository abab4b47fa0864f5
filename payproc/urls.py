from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularSwaggerSplitView

from antifraud.admin_views import analytics_page
from payproc.http.errors import not_found
from payproc.http.health import HealthView, ReadyView
from payproc.http.openapi import SchemaView
from payproc.observability.views import metrics
from transactions.sandbox_http import sandbox_authorize, sandbox_operation

urlpatterns = [
    path("", include("transactions.api.urls")),
    path("", include("alerts.api.urls")),
    path("", include("antifraud.api.urls")),
    path("", include("webhooks.api.urls")),
    path("health", HealthView.as_view(), name="health"),
    path("metrics", metrics, name="metrics"),
    path("ready", ReadyView.as_view(), name="ready"),
    path("schema", SchemaView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(url_name="schema", authentication_classes=[], permission_classes=[]),
        name="docs",
    ),
    path("admin/analytics/", analytics_page, name="admin-analytics"),
    path("", include("access.urls")),
    path("admin/", admin.site.urls),
    *(
        [
            path("sandbox/provider/authorizations", sandbox_authorize, name="sandbox-provider"),
            re_path(
                r"^sandbox/provider/(?P<operation>captures|cancellations|refunds)$",
                sandbox_operation,
                name="sandbox-provider-operation",
            ),
        ]
        if settings.SANDBOX_PROVIDER_HTTP
        else []
    ),
    # Anything else is the API's JSON 404, in DEBUG too (Django's debug page is HTML).
    re_path(r"^(?!admin/|static/)", csrf_exempt(not_found)),  # a POST to no route is a 404, not a CSRF 403
]

handler400 = "payproc.http.errors.bad_request"
handler404 = "payproc.http.errors.not_found"
handler500 = "payproc.http.errors.server_error"
