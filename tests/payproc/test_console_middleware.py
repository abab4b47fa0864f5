"""Sessions, CSRF, logins and messages belong to the console: the API gets none of them."""

from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import payment


def test_an_api_request_gets_no_session_or_csrf_cookie_even_with_a_session_cookie_sent(api, db):
    api.cookies["sessionid"] = "not-a-session"

    response = api.post("/transaction", payment(), format="json")

    assert response.status_code == 202
    assert not response.cookies
    assert "Vary" not in response or "Cookie" not in response["Vary"]


def test_the_console_keeps_its_login_session_and_csrf_protection(db):
    get_user_model().objects.create_superuser("root", "root@example.com", "a-long-password-1")
    browser = Client(enforce_csrf_checks=True)

    login_page = browser.get("/admin/login/")
    assert login_page.status_code == 200
    assert "csrftoken" in login_page.cookies

    refused = browser.post("/admin/login/", {"username": "root", "password": "a-long-password-1"})
    assert refused.status_code == 403  # no CSRF token

    token = login_page.cookies["csrftoken"].value
    accepted = browser.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": "a-long-password-1", "csrfmiddlewaretoken": token},
    )
    assert accepted.status_code == 302
    assert "sessionid" in accepted.cookies
    assert browser.get("/admin/").status_code == 200
