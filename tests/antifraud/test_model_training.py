"""Training a fraud model on the deployment's own labelled history: a time split, metrics beside the live
policy's, a shadow candidate; too few labels is a clear refusal."""

import pytest
from django.core.management import CommandError, call_command

from antifraud.models import FraudModelVersion, ModelStatus
from audit.models import AuditEntry
from tests.antifraud.learning_history import make_history


@pytest.fixture
def few_labels_needed(settings):
    settings.FRAUD_MODEL_MIN_FRAUD_LABELS = 8


def test_training_stores_a_shadow_candidate_with_its_window_metrics_and_features(
    merchant, few_labels_needed, thresholds, capsys
):
    make_history(merchant)

    call_command("train_fraud_model", "--label-delay", "0")

    version = FraudModelVersion.objects.get()
    assert version.status == ModelStatus.SHADOW and version.number == 1
    assert version.train_end < version.validation_start  # older payments train, newer ones validate
    assert version.training_frauds >= 8 and version.training_payments > version.training_frauds
    assert version.metrics["auc_roc"] > 0.95 and version.metrics["average_precision"] > 0.9
    assert version.live_metrics["payments"] == version.metrics["payments"]
    assert {"recall", "false_declines", "false_reviews", "card_precision_at_100"} <= set(version.metrics)
    top_features = [name for name, _ in version.feature_importance[:3]]
    assert {"amount", "card_foreign"} & set(top_features)
    assert version.reference["risk_score"]["shares"] and version.reference["features"]
    output = capsys.readouterr().out
    assert "average precision" in output and "runs in shadow" in output
    assert AuditEntry.objects.filter(action="fraudmodel.train", actor__startswith="manage.py").exists()


def test_too_few_labels_exits_non_zero_saying_how_many_it_has_and_needs(merchant, settings, thresholds):
    settings.FRAUD_MODEL_MIN_FRAUD_LABELS = 500
    make_history(merchant, days=4)

    with pytest.raises(CommandError, match=r"has \d+ fraud .* needs at least 500"):
        call_command("train_fraud_model", "--label-delay", "0")
    assert not FraudModelVersion.objects.exists()


def test_the_label_delay_leaves_out_recent_unlabelled_payments_and_keeps_a_gap(merchant, few_labels_needed, thresholds):
    made = make_history(merchant)
    call_command("train_fraud_model", "--label-delay", "2")

    version = FraudModelVersion.objects.get()
    assert (version.validation_start - version.train_end).total_seconds() >= 2 * 86400
    legit = sum(1 for _, fraud in made if not fraud)
    # Against the real clock every payment of the history is older than 2 days: all count.
    assert version.training_payments + version.metrics["payments"] <= len(made)
    assert version.metrics["payments"] - version.metrics["frauds"] <= legit


def test_the_weekly_task_trains_a_shadow_candidate_and_never_puts_it_live(merchant, few_labels_needed, thresholds):
    from antifraud.tasks import train_candidate_model

    assert train_candidate_model() is None  # no labels yet: nothing trained, no failure
    make_history(merchant, days=20)  # the default label delay (7 days) lies between training and validation

    number = train_candidate_model()

    assert FraudModelVersion.objects.get(number=number).status == ModelStatus.SHADOW
    assert not FraudModelVersion.objects.filter(status=ModelStatus.LIVE).exists()
