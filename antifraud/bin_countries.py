"""BIN → issuing country, from config/bin_countries.csv (longest matching prefix wins)."""

import csv
from functools import lru_cache
from pathlib import Path

from django.conf import settings


@lru_cache(maxsize=1)
def _table(path: str) -> dict[str, str]:
    with Path(path).open(newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {row["bin_prefix"].strip(): row["country"].strip().upper() for row in rows}


def bin_country(card_bin: str) -> str:
    """The ISO 3166 alpha-2 country of the issuer, or "" when the BIN is not in the table."""
    table = _table(settings.BIN_COUNTRIES_FILE)
    for length in range(len(card_bin), 0, -1):
        country = table.get(card_bin[:length])
        if country:
            return country
    return ""
