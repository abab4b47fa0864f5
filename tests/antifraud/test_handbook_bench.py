"""The public benchmark's harness at a small size: the handbook's simulated payments go through payproc's
own scoring (features, rules, label windows fed a week late) and the model trained on one week ranks the
test week's fraud far better than the rules alone."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import handbook_bench

from antifraud.rule_documents import parse_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_handbook_simulation_through_payproc_features_and_model(db):
    document = parse_yaml((ROOT / "config" / "antifraud_rules.yaml").read_text())
    scenario = handbook_bench.Scenario(customers=300, terminals=600)

    result = handbook_bench.run(scenario, document)

    assert result.train > 1000 and result.test > 1000 and result.frauds > 100
    assert result.model["auc_roc"] > result.rules["auc_roc"] + 0.2
    assert result.model["average_precision"] > 2 * result.rules["average_precision"]
    table = handbook_bench.table(result, scenario)
    assert "tuned XGBoost (handbook)" in table and "payproc: features + LightGBM" in table
    assert "merchant_fraud_labels" in table  # a terminal is a merchant: its fraud labels, a week late, count
