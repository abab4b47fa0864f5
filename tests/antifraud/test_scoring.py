"""Rules, lists and thresholds, scored against real PostgreSQL and Redis."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from antifraud.adapters import get_velocity_store
from antifraud.adapters.redis_velocity import RedisVelocityStore
from antifraud.facts import PaymentFacts
from antifraud.models import FraudDecision, FraudRule, RiskThresholds
from antifraud.scoring import assess
from antifraud.services.decisions import decide_transaction
from antifraud.services.lists import add_list_entry
from antifraud.services.rule_sets import save_rule
from eventbus.models import OutboxEvent
from transactions.models import Transaction


def _assess(tx: Transaction):
    return assess(PaymentFacts.of(tx), velocity=get_velocity_store())


def test_tests_use_the_redis_velocity_store():
    assert isinstance(get_velocity_store(), RedisVelocityStore)


def test_no_rule_fired_approves_with_score_zero(make_payment, thresholds):
    assessment = _assess(make_payment())

    assert (assessment.score, assessment.outcome, assessment.fired) == (0, "approve", [])


def test_amount_above_threshold_per_currency(make_payment, rule, thresholds):
    rule("large", "amount_above", 30, thresholds={"USD": 10000})

    fired = _assess(make_payment(amount="100.01")).fired
    assert [(f.rule, f.score, f.observed) for f in fired] == [("large", 30, "amount 100.01 USD above 100.00 USD")]
    assert _assess(make_payment(amount="100.00")).fired == []
    assert _assess(make_payment(amount="500", currency="JPY")).fired == []  # no JPY threshold


def test_velocity_count_fires_past_the_limit_with_the_observed_value(make_payment, rule, thresholds):
    rule("card_velocity", "velocity", 45, key="card", measure="count", window_seconds=60, limit=3)

    results = [_assess(make_payment()) for _ in range(5)]

    assert [r.score for r in results] == [0, 0, 0, 45, 45]
    assert results[3].fired[0].observed == "4 payments for this card in 60 s, limit 3"
    assert results[4].fired[0].observed == "5 payments for this card in 60 s, limit 3"


def test_velocity_is_per_key_and_rescoring_the_same_payment_does_not_count_twice(make_payment, rule, thresholds):
    rule("card_velocity", "velocity", 45, key="card", measure="count", window_seconds=60, limit=1)
    first = make_payment()

    assert _assess(first).score == 0
    assert _assess(first).score == 0  # redelivered: same member, same count
    assert _assess(make_payment(card_number="5555555555554444")).score == 0  # another card
    assert _assess(make_payment()).score == 45


def test_velocity_window_slides(make_payment, rule, thresholds):
    rule("card_velocity", "velocity", 45, key="card", measure="count", window_seconds=60, limit=1)
    old = make_payment()
    Transaction.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(seconds=61))
    old.refresh_from_db()
    _assess(old)

    assert _assess(make_payment()).score == 0


def test_velocity_sum_in_minor_units(make_payment, rule, thresholds):
    rule("card_sum", "velocity", 30, key="card", measure="sum", window_seconds=3600, limit=10000)

    assert _assess(make_payment(amount="60.00")).score == 0
    fired = _assess(make_payment(amount="40.01")).fired
    assert fired[0].observed == "100.01 USD for this card in 3600 s, limit 100.00 USD"


def test_card_testing_counts_distinct_cards_per_ip(make_payment, rule, thresholds):
    rule("card_testing", "card_testing", 60, key="ip", window_seconds=600, distinct_cards=2)
    cards = ["4242424242424242", "5555555555554444", "4111111111111111"]

    scores = [_assess(make_payment(card_number=card)).score for card in cards]
    again = _assess(make_payment(card_number=cards[0])).score

    assert scores == [0, 0, 60]
    assert again == 60  # still three distinct cards in the window


def test_card_testing_counts_small_amounts(make_payment, rule, thresholds):
    rule(
        "tiny",
        "card_testing",
        60,
        key="ip",
        window_seconds=600,
        distinct_cards=50,
        small_amount_minor=100,
        small_count=2,
    )

    scores = [_assess(make_payment(amount="0.50")).score for _ in range(3)]

    assert scores == [0, 0, 60]
    assert _assess(make_payment(amount="50.00")).score == 0  # not small


def test_a_card_with_a_second_email_fires_from_that_payment_with_what_it_saw(make_payment, rule, thresholds):
    rule("emails_per_card", "linked_entities", 40, key="card", of="email", window_seconds=3600, limit=1)

    first = _assess(make_payment(customer={"email": "owner@example.com"}))
    same = _assess(make_payment(customer={"email": "OWNER@example.com"}))  # the same person paying again
    other = _assess(make_payment(customer={"email": "thief@example.net"}))

    assert (first.score, same.score, other.score) == (0, 0, 40)
    assert other.fired[0].observed == "2 different e-mails for this card in 3600 s, limit 1"


def test_linked_entities_count_per_key_and_forget_after_the_window(make_payment, rule, thresholds):
    rule("cards_per_email", "linked_entities", 30, key="email", of="card", window_seconds=60, limit=1)
    _assess(make_payment(card_number="4242424242424242"))
    assert _assess(make_payment(card_number="5555555555554444", customer={"email": "b@example.com"})).score == 0

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert _assess(make_payment(card_number="5555555555554444")).score == 0  # the first card aged out
    assert _assess(make_payment(card_number="4111111111111111")).score == 30


def test_the_shipped_rules_decline_a_stolen_card_from_its_second_use_with_a_new_identity(make_payment, db):
    from django.core.management import call_command

    call_command("load_fraud_rules", verbosity=0)
    owner = {"email": "owner@example.com", "ip": "203.0.113.7", "country": "US"}
    thief = {"email": "thief@example.net", "ip": "198.51.100.9", "country": "BR"}

    assert _assess(make_payment(amount="20.00", customer=owner, device_id="phone-1")).outcome == "approve"
    again = _assess(make_payment(amount="20.00", customer=owner, device_id="phone-1"))
    assert again.outcome == "approve"  # an ordinary shopper paying twice
    stolen = _assess(make_payment(amount="20.00", customer=thief, device_id="laptop-9"))
    assert stolen.outcome == "decline"
    assert {"emails_per_card_1h", "countries_per_card_1h", "devices_per_card_1h"} <= {f.rule for f in stolen.fired}


def test_bin_country_mismatch(make_payment, rule, thresholds):
    rule("bin_country", "bin_country_mismatch", 25)

    us_card_gb_customer = _assess(make_payment(customer={"country": "GB"}))
    us_card_us_customer = _assess(make_payment(customer={"country": "US"}))

    assert us_card_gb_customer.fired[0].observed == "card issued in US, customer in GB"
    assert us_card_us_customer.fired == []


def test_first_seen_card_with_high_amount(make_payment, rule, thresholds):
    rule("first_seen", "first_seen_card_high_amount", 30, thresholds={"USD": 50000})

    first = _assess(make_payment(amount="600.00"))
    second = _assess(make_payment(amount="600.00"))

    assert first.score == 30 and "first payment with this card" in first.fired[0].observed
    assert second.score == 0


def test_scores_add_up_to_at_most_100_and_thresholds_decide(make_payment, rule, thresholds):
    rule("a", "amount_above", 40, thresholds={"USD": 100})
    assert _assess(make_payment()).outcome == "approve"
    rule("b", "bin_country_mismatch", 20)
    assert _assess(make_payment(customer={"country": "GB"})).outcome == "review"  # 60
    rule("c", "first_seen_card_high_amount", 70, thresholds={"USD": 100})
    result = _assess(make_payment(card_number="5555555555554444", customer={"country": "GB"}))
    assert (result.score, result.outcome) == (100, "decline")  # 130 capped


def test_merchant_thresholds_override_the_global_ones(make_payment, rule, thresholds, merchant):
    rule("a", "amount_above", 40, thresholds={"USD": 100})
    RiskThresholds.objects.create(merchant=merchant, review_at=30, decline_at=40)

    assert _assess(make_payment()).outcome == "decline"


def test_merchant_scoped_rule_applies_only_to_that_merchant(make_payment, rule, thresholds):
    from transactions.api_keys import create_merchant

    other, _ = create_merchant(name="Other")
    rule("other_only", "amount_above", 40, merchant=other, thresholds={"USD": 100})

    assert _assess(make_payment()).fired == []


def test_disabled_rule_does_not_fire(make_payment, rule, thresholds):
    disabled = rule("a", "amount_above", 40, thresholds={"USD": 100})
    disabled.enabled = False
    save_rule(rule=disabled, actor="test")

    assert _assess(make_payment()).fired == []


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("email", "Jane@Example.com"),
        ("email_domain", "example.com"),
        ("ip", "203.0.113.0/24"),
        ("ip", "203.0.113.7"),
        ("bin", "424242"),
        ("country", "us"),
        ("device", "dev-9"),
    ],
)
def test_block_list_hit_declines(make_payment, thresholds, kind, value):
    add_list_entry(list_type="block", kind=kind, value=value, reason="chargebacks")

    result = _assess(make_payment(device_id="dev-9"))

    assert result.outcome == "decline"
    assert result.fired[0].type == "block_list"


def test_block_list_by_card_fingerprint(make_payment, thresholds):
    tx = make_payment()
    add_list_entry(list_type="block", kind="card_fingerprint", value=tx.card_fingerprint)

    assert _assess(make_payment()).outcome == "decline"
    assert _assess(make_payment(card_number="5555555555554444")).outcome == "approve"


def test_allow_list_hit_approves_despite_the_score(make_payment, rule, thresholds):
    rule("a", "amount_above", 90, thresholds={"USD": 100})
    add_list_entry(list_type="allow", kind="email", value="jane@example.com")

    result = _assess(make_payment())

    assert (result.score, result.outcome) == (90, "approve")


@pytest.mark.parametrize(("action", "outcome"), [("review", "review"), ("decline", "decline")])
def test_a_rule_that_always_acts_decides_whatever_its_points(make_payment, rule, thresholds, action, outcome):
    acting = rule("sanctioned_bin", "bin_country_mismatch", 0)
    acting.action = action
    save_rule(rule=acting, actor="test")

    result = _assess(make_payment(customer={"country": "DE"}))  # a US card, billed in DE

    assert (result.score, result.outcome) == (0, outcome)
    assert result.fired[0].as_dict()["action"] == action
    assert [factor.text for factor in result.explanation] == [
        f"card issued in US, customer in DE (rule sanctioned_bin always {action}s)"
    ]
    assert _assess(make_payment(customer={"country": "US"})).outcome == "approve"  # it acts only when it fires


def test_an_always_review_rule_does_not_soften_a_decline_and_the_allow_list_comes_first(make_payment, rule, thresholds):
    rule("big", "amount_above", 90, thresholds={"USD": 100})
    acting = rule("review_foreign", "bin_country_mismatch", 0)
    acting.action = "review"
    save_rule(rule=acting, actor="test")

    add_list_entry(list_type="allow", kind="email", value="regular@example.com")

    assert _assess(make_payment(customer={"country": "DE"})).outcome == "decline"
    assert _assess(make_payment(customer={"country": "DE", "email": "regular@example.com"})).outcome == "approve"


def test_an_acting_rule_in_shadow_acts_on_nothing(make_payment, rule, thresholds):
    acting = rule("sanctioned_bin", "bin_country_mismatch", 0)
    acting.action, acting.mode = "decline", "shadow"
    save_rule(rule=acting, actor="test")

    result = _assess(make_payment(customer={"country": "DE"}))

    assert (result.outcome, [hit.rule for hit in result.shadow]) == ("approve", ["sanctioned_bin"])


def test_block_wins_over_allow(make_payment, thresholds):
    add_list_entry(list_type="allow", kind="email", value="jane@example.com")
    add_list_entry(list_type="block", kind="country", value="US")

    assert _assess(make_payment()).outcome == "decline"


@pytest.mark.parametrize(
    ("rule_type", "parameters"),
    [
        ("amount_above", {}),
        ("amount_above", {"thresholds": {"USD": -1}}),
        ("velocity", {"key": "card"}),
        ("velocity", {"key": "shoe", "window_seconds": 60, "limit": 3}),
        ("velocity", {"key": "card", "window_seconds": 60, "limit": 3, "measure": "avg"}),
        ("card_testing", {"key": "ip", "window_seconds": 60}),
        ("linked_entities", {"key": "card", "of": "card", "window_seconds": 60, "limit": 1}),
        ("linked_entities", {"key": "card", "of": "shoe", "window_seconds": 60, "limit": 1}),
        ("linked_entities", {"key": "card", "of": "email", "window_seconds": 60}),
        ("nonsense", {}),
    ],
)
def test_rule_parameters_are_validated(db, rule_type, parameters):
    with pytest.raises(ValidationError):
        save_rule(rule=FraudRule(name="bad", rule_type=rule_type, score=10, parameters=parameters), actor="test")
    assert not FraudRule.objects.exists()


def test_rule_changes_are_recorded_with_before_and_after(rule):
    created = rule("large", "amount_above", 30, thresholds={"USD": 10000})
    created.score = 35
    save_rule(rule=created, actor="alice")

    from audit.models import AuditEntry

    changes = list(AuditEntry.objects.filter(object_type="antifraud.FraudRule").order_by("at", "id"))
    assert [(c.action, c.actor) for c in changes] == [("fraudrule.add", "test"), ("fraudrule.change", "alice")]
    assert changes[1].before["score"] == 30 and changes[1].after["score"] == 35


def test_decision_is_stored_emitted_and_moves_the_payment(make_payment, rule, thresholds):
    rule("a", "amount_above", 60, thresholds={"USD": 100})
    tx = make_payment()

    decision = decide_transaction(transaction_id=tx.id)

    tx.refresh_from_db()
    assert tx.status == "review"
    assert decision.fired_rules == [
        {"rule": "a", "type": "amount_above", "score": 60, "observed": "amount 49.99 USD above 1.00 USD"}
    ]
    event = OutboxEvent.objects.get(event_type="antifraud.decision")
    assert event.envelope["data"]["decision"] == "review" and event.envelope["data"]["score"] == 60
    assert "thresholds" not in str(event.envelope["data"]["fired_rules"])
    assert decide_transaction(transaction_id=tx.id) == decision  # idempotent
    assert FraudDecision.objects.count() == 1


def test_fraud_decline_sets_the_decline_reason(make_payment, thresholds):
    add_list_entry(list_type="block", kind="email", value="jane@example.com")
    tx = make_payment()

    decide_transaction(transaction_id=tx.id)

    tx.refresh_from_db()
    assert (tx.status, tx.decline_reason) == ("declined", "fraud_suspected")


def test_window_total_drops_expired_amounts_and_ignores_redelivery():
    store = get_velocity_store()

    def record(member: str, amount: int, at: float) -> tuple[int, int]:
        stats = store.record(window="sum-test", member=member, amount=amount, at=at, window_seconds=60)
        return stats.count, stats.total

    assert record("a", 100, 1_000.0) == (1, 100)
    assert record("b", 50, 1_030.0) == (2, 150)
    assert record("c", 10, 1_070.0) == (2, 60)  # "a" left the window
    assert record("c", 10, 1_070.0) == (2, 60)  # the same payment again counts once
    assert record("d", 5, 1_200.0) == (1, 5)


def test_rules_stay_in_memory_until_a_rule_changes(make_payment, thresholds, rule, django_assert_num_queries):
    big = rule("big", "amount_above", 30, thresholds={"USD": 1000})
    assert _assess(make_payment()).score == 30
    facts = PaymentFacts.of(make_payment())

    with django_assert_num_queries(1):  # the list lookup only: rules and thresholds come from memory
        assert assess(facts, velocity=get_velocity_store()).score == 30

    big.score = 40
    big.save()
    assert _assess(make_payment()).score == 40
    big.delete()
    assert _assess(make_payment()).score == 0


def test_first_seen_fires_for_a_value_without_an_earlier_payment_and_again_on_a_rescore(make_payment, rule, thresholds):
    rule("new_email", "first_seen", 15, key="email", window_seconds=86400)
    first = make_payment(customer={"email": "new@example.com"})

    assert _assess(first).fired[0].observed == "first payment with this e-mail in 1 days"
    assert _assess(first).score == 15  # the same payment scored again is still the first
    assert _assess(make_payment(customer={"email": "NEW@example.com"})).score == 0  # seen before
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert _assess(make_payment(customer={"email": "new@example.com"})).score == 15  # aged out


def test_first_seen_with_thresholds_fires_only_above_the_amount(make_payment, rule, thresholds):
    rule("new_device_big", "first_seen", 20, key="device", window_seconds=3600, thresholds={"USD": 50000})

    assert _assess(make_payment(amount="400.00", device_id="d1")).score == 0
    big = _assess(make_payment(amount="600.00", device_id="d2"))
    assert big.fired[0].observed == "first payment with this device in 3600 s, 600.00 USD above 500.00 USD"
    assert _assess(make_payment(amount="600.00", device_id="d2")).score == 0  # the device is known now


def test_the_shipped_rules_on_new_customers(make_payment, db):
    from django.core.management import call_command

    call_command("load_fraud_rules", verbosity=0)
    shopper = {"email": "new@example.com", "ip": "203.0.113.7", "country": "US"}

    first = _assess(make_payment(amount="20.00", customer=shopper, device_id="phone-1"))
    assert first.outcome == "approve" and {f.rule for f in first.fired} == {"new_email_90d", "new_device_90d"}
    # A family member pays with the same card on the same device, with an e-mail of their own.
    relative = _assess(
        make_payment(amount="20.00", customer={**shopper, "email": "kid@example.com"}, device_id="phone-1")
    )
    assert relative.outcome == "approve"
    # A new customer whose card was issued abroad (GB BIN 450875, customer in US) goes to review.
    abroad = _assess(
        make_payment(
            amount="20.00",
            card_number="4508750000000009",
            customer={"email": "expat@example.com", "country": "US"},
            device_id="laptop-2",
        )
    )
    assert abroad.outcome == "review"
    assert {f.rule for f in abroad.fired} == {"bin_country_mismatch", "new_email_90d", "new_device_90d"}


def test_first_seen_parameters_are_checked(db):
    with pytest.raises(ValidationError):
        save_rule(rule=FraudRule(name="x", rule_type="first_seen", score=5, parameters={"key": "moon"}), actor="t")
    with pytest.raises(ValidationError):
        save_rule(rule=FraudRule(name="x", rule_type="first_seen", score=5, parameters={"key": "email"}), actor="t")


def test_amount_spike_compares_with_the_cards_own_average_once_it_has_a_history(make_payment, rule, thresholds):
    rule("spike", "amount_spike", 25, key="card", window_seconds=86400, factor=5, min_payments=2)

    scores = [_assess(make_payment(amount=amount)).score for amount in ("20.00", "300.00", "25.00", "40.00")]
    assert scores == [0, 0, 0, 0]  # 300.00 had one earlier payment only; 40.00 is not 5x the average
    spike = _assess(make_payment(amount="900.00"))
    assert spike.fired[0].observed == (
        "amount 900.00 USD is 9x this card's average of 96.25 USD over 4 earlier payments, limit 5x"
    )
    assert _assess(make_payment(amount="90.00", currency="EUR")).score == 0  # another currency, no history


def test_ip_country_mismatch_compares_the_registry_country_of_the_address(make_payment, rule, thresholds):
    rule("ip_not_billing", "ip_country_mismatch", 20, against="billing")
    rule("ip_not_card", "ip_country_mismatch", 10, against="card")

    home = _assess(make_payment(customer={"ip": "8.8.8.8", "country": "US"}))  # a US block, a US test card
    abroad = _assess(make_payment(customer={"ip": "1.0.16.1", "country": "GB"}))  # a block assigned to JP
    private = _assess(make_payment(customer={"ip": "10.0.0.7", "country": "GB"}))

    assert home.fired == [] and private.fired == []  # private addresses have no country: silent
    assert sorted(f.observed for f in abroad.fired) == [
        "IP address in JP, billing country GB",
        "IP address in JP, card issued in US",
    ]
    with pytest.raises(ValidationError):
        save_rule(rule=FraudRule(name="x", rule_type="ip_country_mismatch", score=5, parameters={}), actor="t")


def test_a_batch_of_window_updates_in_redis_counts_like_one_update_at_a_time():
    """Hundreds of updates (several script calls), one window touched many times, members expiring and
    repeated: the same counts and totals as the same updates sent one at a time."""
    import random
    import uuid

    from antifraud.adapters.ports import WindowUpdate

    rng = random.Random(7)
    draws = [(rng.randrange(5), rng.randrange(300)) for _ in range(450)]

    def updates(prefix: str) -> list[WindowUpdate]:
        # A member is a payment: a repeat (a redelivery) has the same amount.
        return [
            WindowUpdate(f"test:{prefix}:{window}", f"m{member}", 100 + member, 1000.0 + n, 60)
            for n, (window, member) in enumerate(draws)
        ]

    store = get_velocity_store()
    batched = store.record_many(updates(uuid.uuid4().hex))
    one_by_one = [store.record_many([update])[0] for update in updates(uuid.uuid4().hex)]

    assert batched == one_by_one
    assert len({stats.count for stats in batched}) > 10  # windows grew and shrank as members expired


def test_window_updates_go_on_after_redis_loses_its_scripts():
    """Redis restarted or SCRIPT FLUSH: the store loads its script again and the batch counts once."""
    import uuid

    from antifraud.adapters.ports import WindowUpdate

    store = get_velocity_store()
    window = f"test:{uuid.uuid4().hex}"
    store.record_many([WindowUpdate(window, "m1", 100, 1000.0, 60)])
    store._client.script_flush()

    stats = store.record_many([WindowUpdate(window, "m2", 50, 1001.0, 60), WindowUpdate(window, "m2", 50, 1001.0, 60)])

    assert [(found.count, found.total) for found in stats] == [(2, 150), (2, 150)]
