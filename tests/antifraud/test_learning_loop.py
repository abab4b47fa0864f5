"""The learning loop end to end on the labelled traffic generator: the rules send many of a merchant
selling abroad's ordinary shoppers to review; after the merchant's chargebacks (through the API) and the
analysts' reviews, a trained and activated model reviews far fewer of them and still flags the fraud."""

import io
import sys
from pathlib import Path

from django.core.management import call_command

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from learning_loop import rates, run_loop, table

from antifraud.models import FraudModelVersion, FraudReport, ModelStatus


def test_labels_train_a_model_that_reviews_fewer_foreign_shoppers_and_keeps_the_fraud(db, settings, thresholds):
    settings.RATE_LIMIT_PER_API_KEY = "100000/second"
    call_command("load_fraud_rules", stdout=io.StringIO())  # the shipped rules, as `make run` loads them

    result = run_loop(history_days=4, fresh_days=1, scale=1)  # as make bench-fraud: 2 days vary too much

    assert FraudModelVersion.objects.get().status == ModelStatus.LIVE, result.training  # it beat the rules
    assert (
        FraudReport.objects.count()
        == result.labels["selling abroad"]["reported"] + result.labels["present population"]["reported"]
    )
    before, after = rates(result.before["selling abroad"]), rates(result.after["selling abroad"])
    assert before["reviewed"] > 0.05  # the rules review many foreign shoppers of this merchant
    assert after["reviewed"] < before["reviewed"] / 2
    # Training is deterministic (LightGBM's seed, the history in decision order): this run gives 95.7 %
    # flagged, 0.8 % declined, 3.8 % reviewed (24.5 % under the rules).
    assert after["recall"] >= 0.9 and after["declined"] <= 0.01, table(result)
