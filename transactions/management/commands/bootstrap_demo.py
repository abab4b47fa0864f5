import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from alerts.models import AlertRule
from antifraud.adapters import describe_analytics
from antifraud.models import FraudRule
from audit.services import command_actor
from transactions.api_keys import create_merchant, issue_api_key
from transactions.models import Merchant

DEMO_MERCHANT = "Demo merchant"
DEMO_ADMIN = "admin"


class Command(BaseCommand):
    help = "For `make run`: ensure a demo merchant and an admin user exist, and print fresh credentials."

    def handle(self, *args: object, **options: object) -> None:
        merchant = Merchant.objects.filter(name=DEMO_MERCHANT).first()
        if merchant is None:
            merchant, issued = create_merchant(name=DEMO_MERCHANT, mode="test", actor=command_actor())
        else:
            issued = issue_api_key(merchant=merchant, name="make run", mode="test", actor=command_actor())
        if not FraudRule.objects.exists():
            call_command("load_fraud_rules", stdout=self.stdout)
        if not AlertRule.objects.exists():
            call_command("load_alert_rules", stdout=self.stdout)
        call_command("import_card_bins", if_empty=True, stdout=self.stdout)
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
        self.stdout.write("")
        self.stdout.write(f"  Demo merchant API key : {issued.secret}")
        self.stdout.write(f"  Analytics             : {describe_analytics()}")
        self.stdout.write(
            f"  Admin                 : http://127.0.0.1:8080/admin/  user {DEMO_ADMIN}  password {password}"
        )
        self.stdout.write(
            "  Two-factor sign-in    : "
            + (
                "required: enrol an authenticator app at first sign-in"
                if settings.ADMIN_MFA_REQUIRED
                else "off for this demo (a password alone signs in); production settings require it"
            )
        )
        self.stdout.write("  Swagger UI            : http://127.0.0.1:8080/docs")
        self.stdout.write(
            f"  Try it                : export API_KEY={issued.secret}   (then the curl examples in README.md)"
        )
        self.stdout.write("")
