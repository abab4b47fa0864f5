"""Webhook signing secrets are encrypted at rest with FIELD_ENCRYPTION_KEYS, and `rotate_encryption_key`
moves them to a new key; the TOTP and recovery-code pages are never cached."""

import io
import json

from cryptography.fernet import Fernet
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client

from webhooks.models import WebhookSecret

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _stored() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhooksecret")
        [(token,)] = cursor.fetchall()
    return token


def _create(api) -> str:
    response = api.post(
        "/webhook_endpoints",
        data=json.dumps({"url": "http://hooks.example.test/payproc", "events": ["*"]}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["secret"]


def test_a_signing_secret_is_stored_encrypted_and_read_back_as_given(api, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    secret = _create(api)

    token = _stored()
    assert secret not in token and secret.split("_", 1)[-1] not in token
    assert Fernet(OLD.encode()).decrypt(token.encode()).decode() == secret
    assert WebhookSecret.objects.get().secret == secret


def test_rotating_the_key_re_encrypts_every_secret_under_the_new_one(api, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    secret = _create(api)
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]  # the new key first; the old one still reads

    printed = io.StringIO()
    call_command("rotate_encryption_key", stdout=printed)

    assert "webhooks.WebhookSecret.secret: 1 re-encrypted" in printed.getvalue()
    assert Fernet(NEW.encode()).decrypt(_stored().encode()).decode() == secret
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key dropped: everything still reads
    assert WebhookSecret.objects.get().secret == secret


def test_the_two_factor_pages_are_never_cached(db):
    client = Client()
    client.force_login(User.objects.create_user("ann", password="pw", is_staff=True))
    for page in ("/admin/mfa/", "/admin/mfa/setup/", "/admin/mfa/verify/"):
        response = client.get(page)
        assert "no-store" in response.get("Cache-Control", ""), (page, response.status_code)
