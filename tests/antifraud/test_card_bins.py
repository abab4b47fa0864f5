"""The card BIN table: imported from the bundled smartbindb data or a CSV, behind the overrides file."""

import io
import pickle

import pytest
from django.core.management import CommandError, call_command
from stdnum import luhn

from antifraud import card_bins
from antifraud.card_bins import bin_country, csv_rows, import_card_bins
from antifraud.models import CardBin
from antifraud.services.decisions import decide_transaction


@pytest.fixture(autouse=True)
def _forget_lookups():
    yield
    card_bins._imported.cache_clear()  # the next test's database has other BINs


def _card(prefix: str) -> str:
    body = prefix + "0" * (15 - len(prefix))
    return body + luhn.calc_check_digit(body)


def test_a_csv_replaces_the_table_and_the_overrides_file_still_wins(db, tmp_path):
    path = tmp_path / "bins.csv"
    path.write_text(
        "bin,country,brand,card_type,issuer\n"
        "457173,dk,VISA,DEBIT,Vestjysk Bank\n"
        "424242,GB,VISA,CREDIT,Test\n"  # a test card: config/bin_countries.csv says US
        "12ab56,FR,,,\n"  # not a BIN
        "535110,XX1,,,\n"  # not a country
        "457173,SE,,,\n"  # a second row for one BIN
    )
    CardBin.objects.create(bin="999999", country="IN", source="old")

    call_command("import_card_bins", "--csv", str(path), stdout=io.StringIO())

    assert list(CardBin.objects.order_by("bin").values_list("bin", "country", "source")) == [
        ("424242", "GB", "bins.csv"),
        ("457173", "DK", "bins.csv"),
    ]
    assert (bin_country("457173"), bin_country("424242"), bin_country("999999")) == ("DK", "US", "")


def test_a_csv_without_the_columns_is_refused_and_changes_nothing(db, tmp_path):
    CardBin.objects.create(bin="457173", country="DK", source="before")
    path = tmp_path / "bins.csv"
    path.write_text("prefix,land\n457173,SE\n")

    with pytest.raises(CommandError, match="bin and country"):
        call_command("import_card_bins", "--csv", str(path))
    assert CardBin.objects.get().country == "DK"


def test_the_packaged_bin_data_imports_once_and_knows_real_issuers(db):
    out = io.StringIO()
    call_command("import_card_bins", "--if-empty", stdout=out)
    call_command("import_card_bins", "--if-empty", stdout=out)

    assert CardBin.objects.count() > 300_000
    assert "imported" in out.getvalue() and "already imported" in out.getvalue()
    assert CardBin.objects.get(bin="457173").issuer == "VESTJYSK BANK A/S"
    assert bin_country("45717312") == "DK"


def test_the_country_rule_fires_on_an_imported_bin(db, rule, thresholds, make_payment):
    import_card_bins(csv_rows("bin,country\n457173,DK\n"), source="test")
    rule("bin_country", "bin_country_mismatch", 25)

    abroad = decide_transaction(transaction_id=make_payment(card_number=_card("457173")).id)
    unknown = decide_transaction(transaction_id=make_payment(card_number=_card("670000")).id)

    assert abroad.fired_rules[0]["observed"] == "card issued in DK, customer in US"
    assert unknown.fired_rules == []  # an unknown BIN has no country: the rule stays silent


def test_the_package_data_file_is_read_as_plain_data_only():
    class Payload:
        def __reduce__(self):
            return (print, ("would run",))

    with pytest.raises(pickle.UnpicklingError, match="not plain data"):
        card_bins._DataOnly(io.BytesIO(pickle.dumps({"country_data": Payload()}))).load()
    assert card_bins._DataOnly(io.BytesIO(pickle.dumps({"country_data": {"DK": []}}))).load() == {
        "country_data": {"DK": []}
    }
