"""Every console page and Swagger UI under the strict Content-Security-Policy, in a real browser: the
browser reports no violation, and each page carries the security headers."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from tests.browser.test_analyst_console import browser_page, flagged_payment  # noqa: F401 - shared fixtures

REPORT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def pages(flagged_payment) -> list[str]:  # noqa: F811
    """Made before the browser starts (no ORM inside Playwright's loop): every admin list and add page,
    the payment's review page, analytics and the API docs."""
    User.objects.create_superuser("root", password="correct-horse-battery")
    urls = [reverse("admin:index"), reverse("admin-analytics"), "/docs"]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(type("Request", (), {"user": User.objects.get(username="root")})()):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    urls.append(reverse("admin:antifraud_reviewqueueitem_change", args=[flagged_payment.pk]))
    urls += [reverse("mfa-manage"), reverse("mfa-setup")]  # the setup page shows its QR code as inline SVG
    return urls


def test_no_console_page_violates_the_content_security_policy(live_server, pages, browser_page):  # noqa: F811
    page = browser_page
    page.add_init_script(REPORT_VIOLATIONS)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")

    violations, missing_headers = {}, {}
    for url in pages:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        if url == "/docs":
            page.wait_for_selector(".swagger-ui .info")  # Swagger UI rendered the schema
        if found := page.evaluate("window.__violations"):
            violations[url] = found
        headers = response.headers
        wanted = {
            "content-security-policy": "script-src 'self'",
            "permissions-policy": "camera=()",
            "x-frame-options": "DENY",
            "referrer-policy": "same-origin",
        }
        if absent := [name for name, part in wanted.items() if part not in headers.get(name, "")]:
            missing_headers[url] = absent

    assert violations == {}
    assert missing_headers == {}
    assert len(pages) > 20
