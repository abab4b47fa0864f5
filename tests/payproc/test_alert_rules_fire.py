"""The alert rules, evaluated by Prometheus's own promtool against the metrics the code exports.

Each scenario drives payproc into a failure (a payment stuck pending, beat gone quiet, a dead letter,
a backed-up queue or outbox), scrapes the exposition the way Prometheus would, and feeds those
samples to `promtool test rules`: the rule must fire, and stay quiet on a healthy scrape.
"""

import shutil
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
import yaml
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "config" / "prometheus_rules.yml"
pytestmark = pytest.mark.django_db


def _rule(name: str) -> dict:
    return next(rule for rule in yaml.safe_load(RULES.read_text())["groups"][0]["rules"] if rule["alert"] == name)


def _scrape(text: str, *, job: str, names: set[str]) -> list[tuple[str, float]]:
    """The samples of `names` in an exposition, as series strings with the target's labels."""
    series = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in names:
                labels = {**sample.labels, "job": job, "instance": f"{job}:9100"}
                rendered = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
                series.append((f"{sample.name}{{{rendered}}}", sample.value))
    assert series, f"no {names} in the exposition"
    return series


def _web_metrics() -> str:
    return Client(REMOTE_ADDR="10.1.2.3").get("/metrics").content.decode()


def _filled(template: str, labels: dict) -> str:
    """An annotation as Prometheus renders it for these labels (job and instance: empty when absent)."""
    for name in {"job", "instance", *labels}:
        template = template.replace(f"{{{{ $labels.{name} }}}}", labels.get(name, ""))
    return template


def _fires(alert: str, input_series: list[dict], *, expected: list[dict], eval_minutes: int, tmp_path: Path) -> None:
    """Run promtool on one alert; `expected` is the list of label sets (beyond the rule's own) that fire."""
    rule = _rule(alert)
    annotations = rule.get("annotations", {})
    tests = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": input_series,
                "alert_rule_test": [
                    {
                        "eval_time": f"{eval_minutes}m",
                        "alertname": alert,
                        "exp_alerts": [
                            {
                                "exp_labels": {**{k: _filled(v, labels) for k, v in rule["labels"].items()}, **labels},
                                "exp_annotations": {key: _filled(value, labels) for key, value in annotations.items()},
                            }
                            for labels in expected
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / f"{alert}-{uuid.uuid4().hex[:6]}.yml"
    path.write_text(yaml.safe_dump(tests))
    result = subprocess.run(["promtool", "test", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def _growing(series: list[tuple[str, float]], per_minute: float) -> list[dict]:
    return [{"series": name, "values": f"{value:g}+{per_minute:g}x15"} for name, value in series]


@pytest.fixture(autouse=True)
def _promtool() -> None:
    assert shutil.which("promtool"), "scripts/services.sh installs promtool (Debian's prometheus package)"


def test_the_rule_file_is_valid_for_prometheus():
    result = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_payment_stuck_pending_fires_and_a_healthy_pipeline_does_not(make_payment, tmp_path):
    names = {"payproc_oldest_pending_payment_age_seconds"}
    healthy = _scrape(_web_metrics(), job="payproc-web", names=names)
    tx = make_payment()
    type(tx).objects.filter(pk=tx.pk).update(created_at=timezone.now() - timedelta(seconds=150))
    stuck = _scrape(_web_metrics(), job="payproc-web", names=names)

    _fires("PayprocPaymentsStuckPending", _growing(stuck, 60), expected=[{}], eval_minutes=3, tmp_path=tmp_path)
    quiet = [{"series": name, "values": f"{value:g}x15"} for name, value in healthy]
    _fires("PayprocPaymentsStuckPending", quiet, expected=[], eval_minutes=3, tmp_path=tmp_path)


def test_beat_gone_quiet_fires(tmp_path):
    from payproc.observability.tasks import beat_heartbeat

    with time_machine.travel(timezone.now() - timedelta(seconds=200), tick=False):
        beat_heartbeat.delay()
    quiet_beat = _scrape(_web_metrics(), job="payproc-web", names={"payproc_beat_heartbeat_age_seconds"})
    _fires("PayprocBeatDown", _growing(quiet_beat, 60), expected=[{}], eval_minutes=3, tmp_path=tmp_path)

    beat_heartbeat.delay()
    beating = _scrape(_web_metrics(), job="payproc-web", names={"payproc_beat_heartbeat_age_seconds"})
    steady = [{"series": name, "values": f"{value:g}x15"} for name, value in beating]
    _fires("PayprocBeatDown", steady, expected=[], eval_minutes=3, tmp_path=tmp_path)


def test_an_old_unpublished_outbox_event_fires(make_payment, tmp_path):
    from eventbus.models import OutboxEvent

    make_payment()  # its `created` event waits in the outbox: no relay runs here
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=400))
    backlog = _scrape(_web_metrics(), job="payproc-web", names={"payproc_outbox_oldest_unsent_age_seconds"})

    _fires("PayprocOutboxBacklog", _growing(backlog, 60), expected=[{}], eval_minutes=3, tmp_path=tmp_path)


def test_a_dead_letter_fires(tmp_path, django_capture_on_commit_callbacks):
    from eventbus.dead_letters import dead_letter_poison

    topic = f"payments.{uuid.uuid4().hex[:6]}"
    names = {"payproc_dead_letters_total"}
    with django_capture_on_commit_callbacks(execute=True):
        dead_letter_poison(b"{not an envelope", topic, "ValueError: unreadable")
    after = [(n, v) for n, v in _scrape(generate_latest(REGISTRY).decode(), job="payproc-worker", names=names)
             if f'topic="{topic}"' in n]  # fmt: skip
    [(series, value)] = after
    counter = [{"series": series, "values": f"0 {value:g}x15"}]
    labels = {"topic": topic, "reason": "unreadable"}
    _fires("PayprocDeadLetters", counter, expected=[labels], eval_minutes=3, tmp_path=tmp_path)


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_backed_up_celery_queue_fires(tmp_path):
    from eventbus.backlog import QueueDepth
    from payproc.celery import app

    queue = f"backlog-{uuid.uuid4().hex[:6]}"
    try:
        with app.producer_or_acquire() as producer:
            for _ in range(501):
                app.send_task("eventbus.tasks.relay_outbox", queue=queue, producer=producer)
        assert QueueDepth(app, queue=queue, max_age_seconds=0)() == 501
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)
    names = {"payproc_celery_queue_depth"}
    depth = [(n, v) for n, v in _scrape(generate_latest(REGISTRY).decode(), job="payproc-consumer", names=names)
             if f'queue="{queue}"' in n]  # fmt: skip
    _fires("PayprocCeleryBacklog", _growing(depth, 10), expected=[{"queue": queue}], eval_minutes=6, tmp_path=tmp_path)


def test_a_target_that_stops_answering_fires(tmp_path):
    target = {"job": "payproc-worker", "instance": "worker:9103"}
    up = [{"series": 'up{instance="worker:9103",job="payproc-worker"}', "values": "1 1 0x10"}]
    _fires("PayprocTargetDown", up, expected=[target], eval_minutes=5, tmp_path=tmp_path)


def test_a_payment_waiting_in_review_past_the_sla_fires(make_payment, settings, tmp_path):
    from transactions.models import Status, Transaction

    settings.REVIEW_SLA_SECONDS = 3600
    tx = make_payment()
    Transaction.objects.filter(pk=tx.pk).update(status=Status.REVIEW, created_at=timezone.now() - timedelta(hours=2))
    names = {"payproc_oldest_review_age_seconds", "payproc_review_sla_seconds"}
    scraped = _scrape(_web_metrics(), job="payproc-web", names=names)
    series = [
        {"series": name, "values": f"{value:g}+60x15" if "oldest" in name else f"{value:g}x15"}
        for name, value in scraped
    ]
    _fires("PayprocReviewQueueOverSla", series, expected=[{}], eval_minutes=6, tmp_path=tmp_path)

    settings.REVIEW_SLA_SECONDS = 3 * 3600  # within the SLA: quiet
    scraped = _scrape(_web_metrics(), job="payproc-web", names=names)
    steady = [{"series": name, "values": f"{value:g}x15"} for name, value in scraped]
    _fires("PayprocReviewQueueOverSla", steady, expected=[], eval_minutes=6, tmp_path=tmp_path)


def test_a_lockout_in_the_back_office_fires(tmp_path, django_user_model):
    from django.test import Client as Browser

    names = {"payproc_admin_lockouts_total"}
    before = _scrape(_web_metrics(), job="payproc-web", names=names)
    django_user_model.objects.create_user("mallory-target", password="right", is_staff=True)
    browser = Browser()
    for _ in range(10):
        browser.post("/admin/login/", {"username": "mallory-target", "password": "guess"}, REMOTE_ADDR="192.0.2.66")
    after = _scrape(_web_metrics(), job="payproc-web", names=names)

    [(series, locked)], [(_, earlier)] = after, before
    assert locked == earlier + 1
    quiet, burst = f"{earlier:g}x15", f"{earlier:g}x5 {locked:g}x10"
    _fires(
        "PayprocAdminLoginFailures",
        [{"series": series, "values": burst}],
        expected=[{}],
        eval_minutes=7,
        tmp_path=tmp_path,
    )
    _fires(
        "PayprocAdminLoginFailures",
        [{"series": series, "values": quiet}],
        expected=[],
        eval_minutes=7,
        tmp_path=tmp_path,
    )


def test_guesses_at_one_account_from_several_addresses_fire_the_distributed_attack_alert(tmp_path, django_user_model):
    from django.test import Client as Browser

    names = {"payproc_admin_distributed_login_attacks_total"}
    before = _scrape(_web_metrics(), job="payproc-web", names=names)
    django_user_model.objects.create_user("spread-target", password="right", is_staff=True)
    for n in range(4):
        Browser().post("/admin/login/", {"username": "spread-target", "password": "guess"}, REMOTE_ADDR=f"192.0.2.{n}")
    after = _scrape(_web_metrics(), job="payproc-web", names=names)

    [(series, attacked)], [(_, earlier)] = after, before
    assert attacked == earlier + 1
    for values, expected in ((f"{earlier:g}x5 {attacked:g}x10", [{}]), (f"{earlier:g}x15", [])):
        _fires(
            "PayprocAdminDistributedLoginAttack",
            [{"series": series, "values": values}],
            expected=expected,
            eval_minutes=7,
            tmp_path=tmp_path,
        )
