from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from antifraud.admin_views import analytics_page
from payproc.http.errors import not_found
from payproc.http.health import HealthView, ReadyView
from payproc.observability.views import metrics
from transactions.sandbox_http import sandbox_authorize

urlpatterns = [
    path("", include("transactions.api.urls")),
    path("", include("alerts.api.urls")),
    path("", include("antifraud.api.urls")),
    path("health", HealthView.as_view(), name="health"),
    path("metrics", metrics, name="metrics"),
    path("ready", ReadyView.as_view(), name="ready"),
    path("schema", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(url_name="schema", authentication_classes=[], permission_classes=[]),
        name="docs",
    ),
    path("admin/analytics/", analytics_page, name="admin-analytics"),
    path("", include("access.urls")),
    path("admin/", admin.site.urls),
    *(
        [path("sandbox/provider/authorizations", sandbox_authorize, name="sandbox-provider")]
        if settings.SANDBOX_PROVIDER_HTTP
        else []
    ),
    # Anything else is the API's JSON 404, in DEBUG too (Django's debug page is HTML).
    re_path(r"^(?!admin/|static/)", not_found),
]

handler400 = "payproc.http.errors.bad_request"
handler404 = "payproc.http.errors.not_found"
handler500 = "payproc.http.errors.server_error"
