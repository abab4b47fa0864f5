from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from antifraud.admin_views import percent
from antifraud.backtest import OUTCOMES, ROWS, BacktestResult, Rates, backtest
from antifraud.models import RuleProposal, RuleSetVersion
from antifraud.rule_documents import Document, live_document, parse_yaml


def _rates(draft: Rates, recorded: Rates) -> str:
    return (
        f"recall {percent(draft.recall)} (recorded {percent(recorded.recall)}); "
        f"false declines {percent(draft.false_declines)} ({percent(recorded.false_declines)}); "
        f"false reviews {percent(draft.false_reviews)} ({percent(recorded.false_reviews)})"
    )


def report(result: BacktestResult, title: str) -> str:
    lines = [
        f"Backtest of {title}, {result.start:%Y-%m-%d %H:%M} to {result.end:%Y-%m-%d %H:%M} UTC: "
        f"{result.payments} payments compared, {result.warmup_payments} replayed before for the windows, "
        f"{result.unscored} not yet decided",
        f"{'':12}{'draft rule set':>30}    {'as recorded':>30}",
        f"{'label':12}" + "".join(f"{o:>10}" for o in OUTCOMES) + "    " + "".join(f"{o:>10}" for o in OUTCOMES),
    ]
    for row in ROWS:
        draft = "".join(f"{result.draft[row][o]:>10}" for o in OUTCOMES)
        recorded = "".join(f"{result.recorded[row][o]:>10}" for o in OUTCOMES)
        lines.append(f"{row:12}{draft}    {recorded}")
    lines.append(_rates(result.draft_rates, result.recorded_rates))
    lines.append(f"{result.changed_count} payment(s) would change outcome" + (":" if result.changed else "."))
    for change in result.changed:
        rules = ", ".join(change.rules) or "no rule"
        lines.append(
            f"  {change.transaction_id}  {change.created_at:%Y-%m-%d %H:%M:%S}  {change.amount:>14}  {change.label:10}"
            f"  {change.before} -> {change.after} (score {change.score}: {rules})"
        )
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Replay stored payments in time order through a rule set (the live one, a proposal, a version or a "
        "YAML file) and print its confusion matrix against labels and the payments that would change outcome."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--proposal", type=int, help="a rule proposal's number")
        source.add_argument("--rules-version", type=int, help="a published rule set version")
        source.add_argument("--file", help="a rule set in YAML (the format of config/antifraud_rules.yaml)")
        parser.add_argument("--days", type=int, default=30, help="the period: the last N days (default 30)")
        parser.add_argument("--from", dest="start", help="ISO 8601 start instead of --days")
        parser.add_argument("--to", dest="end", help="ISO 8601 end (default now)")
        parser.add_argument("--merchant", help="one merchant's payments only")
        parser.add_argument("--show", type=int, default=20, help="how many changed payments to list")

    def _document(self, options: dict[str, Any]) -> tuple[Document, str]:
        if options["proposal"]:
            proposal = RuleProposal.objects.filter(pk=options["proposal"]).first()
            if proposal is None:
                raise CommandError(f"no rule proposal #{options['proposal']}")
            return proposal.document, f"proposal #{proposal.pk}"
        if options["rules_version"]:
            version = RuleSetVersion.objects.filter(number=options["rules_version"]).first()
            if version is None:
                raise CommandError(f"no rule set version {options['rules_version']}")
            return version.document, f"version {version.number}"
        if options["file"]:
            try:
                with open(options["file"]) as file:
                    return parse_yaml(file.read()), options["file"]
            except (OSError, ValidationError) as exc:
                messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                raise CommandError("cannot read the rule set:\n  " + "\n  ".join(messages)) from exc
        return live_document(), "the live rule set"

    def _instant(self, value: str | None, name: str) -> Any:
        if value is None:
            return None
        parsed = parse_datetime(value)
        if parsed is None:
            raise CommandError(f"--{name} is not an ISO 8601 date and time: {value!r}")
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.UTC)

    def handle(self, *args: Any, **options: Any) -> None:
        document, title = self._document(options)
        end = self._instant(options["end"], "to") or timezone.now()
        start = self._instant(options["start"], "from") or end - timedelta(days=options["days"])
        if start >= end:
            raise CommandError("the period is empty: --from must be before --to")
        result = backtest(document, start=start, end=end, merchant_id=options["merchant"], show=options["show"])
        self.stdout.write(report(result, title), ending="")
