"""In-process benchmarks: the analysts' review queue with 100,000 payments in review (`make bench`,
`scripts/bench.py queue`), and scoring throughput, decision latency, the shipped rules on labelled
traffic and the learning loop (`make bench-fraud`). The API and
the pipeline are measured over HTTP with real processes by scripts/bench/http.sh and pipeline.sh.

Runs against the services of scripts/services.sh, in a scratch PostgreSQL database of its own.
Prints figures; it asserts nothing (speed targets are read here, not enforced by tests).
"""

import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payproc.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/payproc_bench")
os.environ["KAFKA_BOOTSTRAP_SERVERS"] = os.environ.get("TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
os.environ["RATE_LIMIT_PER_API_KEY"] = "100000/second"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "500"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
BODY = json.dumps(
    {
        "amount": "49.99",
        "currency": "USD",
        "card_number": "4242424242424242",
        "expiry_month": 12,
        "expiry_year": 2034,
        "cvv": "123",
        "customer": {"email": "bench@example.com", "country": "US"},
    }
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run_threads(target: Callable[..., None], argument_lists: list[tuple]) -> float:
    """Run `target` once per argument tuple, each in its own thread; return the wall time in seconds."""
    threads = [threading.Thread(target=target, args=arguments) for arguments in argument_lists]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def figures(latencies: list[float]) -> str:
    return (
        f"p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms"
    )


def score_events(envelopes: list[dict], latencies: list[float]) -> None:
    from eventbus.handlers import run_handler

    try:
        for envelope in envelopes:
            started = time.perf_counter()
            run_handler(handler_name="antifraud.score", envelope=envelope)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        connections.close_all()


def fraud() -> None:
    """The scoring handler as a worker runs it: default rules, Redis velocity windows, PostgreSQL writes."""
    from transactions.services import Customer, PaymentRequest, create_transaction

    call_command("migrate", verbosity=0)
    call_command("load_fraud_rules", verbosity=0, stdout=open(os.devnull, "w"))
    from eventbus.models import OutboxEvent
    from transactions.api_keys import create_merchant

    merchant, _ = create_merchant(name=f"bench-fraud-{time.time()}")
    count = int(os.environ.get("BENCH_EVENTS", "1000"))
    envelopes = []
    for number in range(count):
        tx = create_transaction(
            merchant=merchant,
            payment=PaymentRequest(
                amount=Decimal("49.99" if number % 10 else "1500.00"),
                currency="USD",
                card_number="4242424242424242" if number % 3 else "5555555555554444",
                expiry_month=12,
                expiry_year=2034,
                cvv="123",
                customer=Customer(email=f"c{number % 50}@example.com", ip=f"198.51.100.{number % 200}", country="US"),
            ),
        )
        envelopes.append(OutboxEvent.objects.filter(key=str(tx.id)).order_by("id").first().envelope)
    latencies: list[float] = []
    score_events(envelopes[:20], [])  # warm-up
    work = envelopes[20:]
    chunks = [work[index::THREADS] for index in range(THREADS)]
    elapsed = run_threads(score_events, [(chunk, latencies) for chunk in chunks])
    print(
        f"fraud scoring: {len(latencies)} created events, {THREADS} threads, {len(latencies) / elapsed:.0f} events/s, "
        f"decision latency {figures(latencies)} (handler with idempotency record, PostgreSQL + Redis)"
    )
    labelled()
    learning()
    handbook()


def labelled() -> None:
    """The shipped rules against labelled traffic (scripts/fraud_traffic.py), each payment at its own time."""
    import time_machine
    from django_redis import get_redis_connection
    from fraud_traffic import Generator, report
    from learning_loop import store

    from antifraud.adapters import get_velocity_store
    from antifraud.facts import PaymentFacts
    from antifraud.scoring import assess
    from transactions.api_keys import create_merchant

    call_command("migrate", verbosity=0)
    call_command("load_fraud_rules", verbosity=0, stdout=open(os.devnull, "w"))
    get_redis_connection("default").flushdb()  # velocity windows of earlier runs
    merchant, _ = create_merchant(name=f"bench-labelled-{time.time()}")
    velocity, outcomes = get_velocity_store(), []
    generator = Generator(seed=int(os.environ.get("BENCH_SEED", "7")))
    traffic = generator.traffic(scale=int(os.environ.get("BENCH_SCALE", "5")))
    for payment in traffic:
        with time_machine.travel(payment.at, tick=False):
            tx = store(merchant, payment)
            assessment = assess(PaymentFacts.of(tx), velocity=velocity)
            outcomes.append((payment, assessment.outcome, tuple(rule.rule for rule in assessment.shadow)))
    print(f"labelled traffic: {len(traffic)} payments, shipped rules (config/antifraud_rules.yaml)")
    print(report(outcomes))


def learning() -> None:
    """The learning loop (scripts/learning_loop.py): rules only, labels, a model trained and activated,
    fresh traffic decided with it; the CPU of scoring with the live model against rules alone."""
    from django_redis import get_redis_connection
    from learning_loop import details, run_loop, table

    from antifraud.models import FraudModelVersion
    from transactions.models import Transaction

    # A scratch database: the loop starts with the shipped rules, no model and no history but its own.
    call_command("migrate", verbosity=0)
    call_command("load_fraud_rules", verbosity=0, stdout=open(os.devnull, "w"))
    get_redis_connection("default").flushdb()
    FraudModelVersion.objects.all().delete()
    Transaction.objects.all().delete()
    days, fresh = int(os.environ.get("BENCH_LEARNING_DAYS", "4")), int(os.environ.get("BENCH_FRESH_DAYS", "2"))
    result = run_loop(history_days=days, fresh_days=fresh, scale=1, seed=int(os.environ.get("BENCH_SEED", "7")))
    print(f"learning loop: {days} days of history, {fresh} of fresh traffic, two merchants")
    print(table(result))
    print(details(result))
    ordinary = [tx_id for tx_id, fraud in result.fresh if not fraud]
    scoring_cost(ordinary, "ordinary payments of the fresh traffic")
    scoring_cost([tx_id for tx_id, _ in result.fresh], "all the fresh traffic, 45 % fraud")


def handbook() -> None:
    """The Fraud Detection Handbook's simulator through payproc's features and model (handbook_bench.py);
    BENCH_HANDBOOK_CUSTOMERS (default the handbook's 5,000) scales it, terminals twice as many."""
    import handbook_bench

    from antifraud.rule_documents import parse_yaml

    customers = int(os.environ.get("BENCH_HANDBOOK_CUSTOMERS", "5000"))
    scenario = handbook_bench.Scenario(customers=customers, terminals=2 * customers)
    document = parse_yaml(Path(__file__).resolve().parents[1].joinpath("config/antifraud_rules.yaml").read_text())
    started = time.perf_counter()
    result = handbook_bench.run(scenario, document)
    print(handbook_bench.table(result, scenario))
    print(f"(simulated, scored and trained in {time.perf_counter() - started:.0f} s)")


def scoring_cost(transaction_ids: list[str], what: str) -> None:
    """CPU per payment of scoring (features, rules, lists, and the live model with the explanation of the
    payments it flags) against the same payments scored by the rules alone, in one process, same run."""
    from antifraud.adapters.memory_velocity import MemoryVelocityStore
    from antifraud.facts import PaymentFacts
    from antifraud.learning.scorer import ScoringModels, scoring_models
    from antifraud.scoring import assess_many
    from transactions.models import Transaction

    payments = [PaymentFacts.of(tx) for tx in Transaction.objects.filter(pk__in=transaction_ids).order_by("created_at")]
    batches = [payments[start : start + 20] for start in range(0, len(payments), 20)]
    live = scoring_models()
    figures: dict[str, list[float]] = {"rules alone": [], "live model": []}
    for _ in range(3):  # interleaved, the least of three: the machine's noise only ever adds
        for name, models in (("rules alone", ScoringModels()), ("live model", live)):
            velocity, started = MemoryVelocityStore(), time.process_time()
            for batch in batches:
                assess_many(batch, velocity=velocity, models=models)
            figures[name].append((time.process_time() - started) / len(payments) * 1e6)
    rules, model = min(figures["rules alone"]), min(figures["live model"])
    version = f"model {live.live.version}" if live.live else "no live model"
    print(
        f"scoring CPU per payment, {what} (in-process, {len(payments)} payments, batches of 20, least of 3): "
        f"rules alone {rules:.0f} us; with the live {version} {model:.0f} us ({model / rules - 1:+.1%})"
    )


QUEUE_SIZE = int(os.environ.get("BENCH_QUEUE_SIZE", "100000"))


def seed_review_queue() -> None:
    """Payments in review with their decisions, written in bulk (scoring them one by one would take long)."""
    from antifraud.models import FraudDecision
    from transactions.api_keys import create_merchant
    from transactions.models import Merchant, Transaction

    merchant = Merchant.objects.filter(name="bench-queue").first() or create_merchant(name="bench-queue")[0]
    missing = QUEUE_SIZE - Transaction.objects.filter(merchant=merchant, status="review").count()
    for start in range(0, max(missing, 0), 5000):
        batch = Transaction.objects.bulk_create(
            Transaction(
                merchant=merchant,
                status="review",
                amount_minor=1000 + n,
                currency=("USD", "EUR", "GBP")[n % 3],
                card_brand="visa",
                card_bin="424242",
                card_last4=f"{n % 10000:04d}",
                card_exp_month=12,
                card_exp_year=2034,
                card_fingerprint=f"bench{n % 5000:059d}",
                customer_email=f"c{n % 900}@example.com",
            )
            for n in range(start, min(start + 5000, missing))
        )
        FraudDecision.objects.bulk_create(
            FraudDecision(
                transaction=tx,
                score=50 + tx.amount_minor % 30,
                outcome="review",
                review_at=50,
                decline_at=80,
                fired_rules=[
                    {
                        "rule": ("large_amount", "bin_country_mismatch")[tx.amount_minor % 2],
                        "type": "amount_above",
                        "score": 50,
                        "observed": "bench",
                    }
                ],
            )
            for tx in batch
        )


def queue() -> None:
    """The review queue page as an analyst opens, sorts and filters it."""
    from django.contrib.auth import get_user_model

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed_review_queue()
    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does after a bulk load
    print(f"review queue: {QUEUE_SIZE} payments in review (seeded in {time.perf_counter() - started:.0f} s)")
    admin, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin)
    pages = {
        "oldest first": "/admin/antifraud/reviewqueueitem/",
        "by score": "/admin/antifraud/reviewqueueitem/?o=-4",
        "EUR, rule fired": "/admin/antifraud/reviewqueueitem/?currency__exact=EUR&rule=large_amount",
        "page 200": "/admin/antifraud/reviewqueueitem/?p=200",
    }
    for label, url in pages.items():
        timings = []
        for _ in range(6):
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.status_code
        print(f"  {label}: median {statistics.median(timings[1:]):.0f} ms ({url})")


if __name__ == "__main__":
    commands = {"fraud": fraud, "labelled": labelled, "learning": learning, "handbook": handbook, "queue": queue}
    commands[sys.argv[1] if sys.argv[1:] else "queue"]()
