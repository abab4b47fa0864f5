from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from antifraud.card_bins import csv_rows, import_card_bins, package_rows
from antifraud.models import CardBin


class Command(BaseCommand):
    help = (
        "Replace the card BIN table (issuer country, brand, type, issuer) from the smartbindb package "
        "(requirements/card-bins.txt) or from a CSV with the columns bin,country[,brand,card_type,category,issuer]."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", help="your acquirer's or card network's BIN file as CSV")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the table has rows")

    def handle(self, *args: Any, csv: str | None, if_empty: bool, **options: Any) -> None:
        if if_empty and CardBin.objects.exists():
            self.stdout.write("card BINs already imported; nothing to do")
            return
        try:
            if csv:
                source, rows = Path(csv).name, csv_rows(Path(csv).read_text())
            else:
                source, rows = package_rows()
            imported, skipped = import_card_bins(rows, source=source)
        except (OSError, ValueError) as exc:
            raise CommandError(f"card BINs not imported: {exc}") from exc
        self.stdout.write(f"imported {imported} card BINs from {source}; skipped {skipped} rows (no BIN or country)")
