"""Second factors kept encrypted: authenticators move from django-otp's TOTP table (plaintext hex secrets)
into access.Authenticator (encrypted), and stored recovery codes are replaced by their keyed digests.
Digests cannot be undone: going back leaves recovery codes that no longer match (users make new ones)."""

import django.db.models.deletion
import django_otp.plugins.otp_totp.models
import payproc.encryption
from django.conf import settings
from django.db import migrations, models

from payproc.encryption import digests

_MOVED_FIELDS = ("user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count",
                 "created_at", "last_used_at", "key", "step", "t0", "digits", "tolerance", "drift", "last_t")


def _move(source, target):
    for device in source.objects.all():
        target.objects.create(**{field: getattr(device, field) for field in _MOVED_FIELDS})
    source.objects.all().delete()


def encrypt_second_factors(apps, schema_editor):
    _move(apps.get_model("otp_totp", "TOTPDevice"), apps.get_model("access", "Authenticator"))
    for token in apps.get_model("otp_static", "StaticToken").objects.filter(token__regex=r"^.{1,8}$"):
        token.token = digests(token.token, "recovery codes")[0]
        token.save(update_fields=["token"])


def decrypt_authenticators(apps, schema_editor):
    _move(apps.get_model("access", "Authenticator"), apps.get_model("otp_totp", "TOTPDevice"))


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name='Authenticator',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key', payproc.encryption.EncryptedTextField(default=django_otp.plugins.otp_totp.models.default_key)),
                ('step', models.PositiveSmallIntegerField(default=30)),
                ('t0', models.BigIntegerField(default=0)),
                ('digits', models.PositiveSmallIntegerField(default=6)),
                ('tolerance', models.PositiveSmallIntegerField(default=1)),
                ('drift', models.SmallIntegerField(default=0)),
                ('last_t', models.BigIntegerField(default=-1, help_text='The time step of the last code taken: none twice.')),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'authenticator app',
                'abstract': False,
            },
        ),
        migrations.RunPython(encrypt_second_factors, decrypt_authenticators),
    ]
