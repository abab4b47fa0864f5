from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from antifraud.errors import TooFewLabels
from antifraud.learning.metrics import ROWS
from antifraud.learning.training import train_model
from antifraud.models import FraudModelVersion
from antifraud.services.fraud_models import activate_model
from audit.services import command_actor


def metrics_table(version: FraudModelVersion) -> str:
    def cell(metrics: dict[str, Any], key: str, form: str) -> str:
        value = metrics.get(key)
        return "-" if value is None else form.format(value)

    lines = [f"{'on the validation window':30} {'model ' + str(version.number):>12} {'live policy':>12}"]
    for title, key, form in ROWS:
        lines.append(f"{title:30} {cell(version.metrics, key, form):>12} {cell(version.live_metrics, key, form):>12}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Train a fraud model on the labelled history and store it as a shadow candidate. With --activate it "
        "goes live only if it beats the live policy on the validation window."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--label-delay",
            type=int,
            default=settings.FRAUD_MODEL_LABEL_DELAY_DAYS,
            metavar="DAYS",
            help="Unlabelled approved payments older than this count as legitimate (0: all of them).",
        )
        parser.add_argument("--activate", action="store_true", help="Go live if the candidate beats the live policy.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["label_delay"] < 0:
            raise CommandError("--label-delay is a number of days, 0 or more")
        actor = command_actor()
        try:
            version = train_model(label_delay_days=options["label_delay"], actor=actor)
        except TooFewLabels as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"model {version.number}: trained on {version.training_payments} payments "
            f"({version.training_frauds} fraud) from {version.train_start:%Y-%m-%d %H:%M} to "
            f"{version.train_end:%Y-%m-%d %H:%M}; validated on {version.validation_start:%Y-%m-%d %H:%M} to "
            f"{version.validation_end:%Y-%m-%d %H:%M}"
        )
        self.stdout.write(metrics_table(version))
        top = ", ".join(f"{name} {share:.0%}" for name, share in version.feature_importance[:5])
        self.stdout.write(f"top features: {top}")
        if not options["activate"]:
            self.stdout.write(f"model {version.number} runs in shadow; a Risk admin proposes it to go live.")
        elif activate_model(number=version.number, actor=actor):
            self.stdout.write(self.style.SUCCESS(f"model {version.number} is live."))
        else:
            self.stdout.write(
                f"model {version.number} does not beat the live policy on the validation window: it stays in shadow."
            )
