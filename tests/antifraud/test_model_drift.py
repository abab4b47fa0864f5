"""Drift: a daily PSI of the risk score and top features against the model's validation window, exported
as a metric; on a shifted population Prometheus's alert rule fires (promtool, on the real exposition)."""

import numpy as np
import pytest
from django.test import Client

from antifraud.learning.drift import bins, psi
from antifraud.learning.training import train_model
from antifraud.services.decisions import decide_transaction
from antifraud.services.fraud_models import activate_model
from antifraud.tasks import measure_model_drift
from tests.antifraud.learning_history import make_history
from tests.payproc.test_alert_rules_fire import _fires, _scrape

FOREIGN_CARD = "4556737586899855"


def test_psi_is_near_zero_for_the_same_population_and_large_for_a_shifted_one():
    rng = np.random.default_rng(3)
    reference = bins(rng.normal(50, 10, 5000), [30, 40, 50, 60, 70])

    assert psi(reference, rng.normal(50, 10, 5000)) < 0.02
    assert psi(reference, rng.normal(65, 10, 5000)) > 0.2
    assert psi(reference, []) is None


@pytest.fixture
def live_model(merchant, settings, thresholds):
    settings.FRAUD_MODEL_MIN_FRAUD_LABELS = 8
    make_history(merchant)
    version = train_model(label_delay_days=0, actor="manage.py:ops")
    assert activate_model(number=version.number, actor="manage.py:ops")
    return version


def test_a_shifted_population_pages_through_the_drift_alert(live_model, make_payment, tmp_path):
    for _ in range(60):  # every payment now looks like the fraud of the training history
        decide_transaction(transaction_id=make_payment(card_number=FOREIGN_CARD, amount="850.00").id)

    drift = measure_model_drift()[live_model.number]

    assert drift["payments"] == 60 and drift["psi"]["risk_score"] > 0.2
    exposition = Client(REMOTE_ADDR="10.1.2.3").get("/metrics").content.decode()
    series = _scrape(exposition, job="payproc-web", names={"payproc_fraud_model_psi"})
    drifted = [
        {"model": str(live_model.number), "status": "live", "measure": measure}
        for measure, value in drift["psi"].items()
        if value > 0.2
    ]
    assert {"model": "1", "status": "live", "measure": "risk_score"} in drifted
    steady = [{"series": name, "values": f"{value:g}x15"} for name, value in series]
    _fires("PayprocScoringModelDrift", steady, expected=drifted, eval_minutes=3, tmp_path=tmp_path)
