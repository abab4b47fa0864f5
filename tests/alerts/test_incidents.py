"""Incidents: deduplication, silences, escalation over time, acknowledgement and auto-resolve."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from alerts.errors import IncidentStateError
from alerts.escalation import escalate_due_incidents
from alerts.evaluation import evaluate_event
from alerts.models import Incident, IncidentState, Notification, Silence
from alerts.services import (
    acknowledge_incident,
    resolve_incident,
    resolve_quiet_incidents,
)
from alerts.tasks import check_outbox_backlog
from audit.models import AuditEntry
from eventbus.models import OutboxEvent, ProcessedEvent

from .helpers import decision_event


def spike(count: int = 6, **kwargs) -> None:
    for _ in range(count):
        evaluate_event(decision_event(score=95, **kwargs))


def targets(**filters) -> list[str]:
    return list(Notification.objects.filter(kind="message", **filters).values_list("chat_id", flat=True))


def test_a_spike_opens_one_incident_and_notifies_once(fraud_spike_rule):
    spike(6)

    incident = Incident.objects.get()
    assert (incident.state, incident.severity, incident.match_count) == ("firing", "critical", 3)
    assert targets() == ["1001"]
    assert "Fraud spike at merchant" in Notification.objects.get().text
    assert len(incident.details["transaction_ids"]) == 3


def test_a_redelivered_event_is_not_counted_twice(fraud_spike_rule):
    spike(4)
    event = decision_event(score=95)
    evaluate_event(event)
    evaluate_event(event)

    assert Incident.objects.get().match_count == 2
    assert ProcessedEvent.objects.filter(event_id=event["event_id"], handler="alerts.evaluate").count() == 1


def test_each_merchant_gets_its_own_incident(fraud_spike_rule):
    spike(4)
    spike(4, merchant_id="6f1c9b7e-0000-4000-8000-000000000002")

    assert Incident.objects.count() == 2
    assert targets() == ["1001", "1001"]


def test_a_silence_records_the_incident_but_sends_nothing(fraud_spike_rule):
    now = timezone.now()
    Silence.objects.create(
        rule=fraud_spike_rule,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        reason="load test",
        created_by="olga",
    )
    spike(6)

    incident = Incident.objects.get()
    assert incident.match_count == 3
    assert not Notification.objects.exists()
    assert AuditEntry.objects.filter(action="incident.silenced", note__contains="load test").exists()


def test_a_silence_for_another_group_does_not_mute(fraud_spike_rule):
    now = timezone.now()
    Silence.objects.create(
        group_key="merchant=someone-else",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
        reason="other",
        created_by="olga",
    )
    spike(4)
    assert targets() == ["1001"]


def test_unacknowledged_incident_escalates_to_level_two_then_repeats_at_the_last_level(fraud_spike_rule):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        spike(4)
        assert escalate_due_incidents() == 0

        clock.shift(timedelta(seconds=599))
        assert escalate_due_incidents() == 0
        clock.shift(timedelta(seconds=2))
        assert escalate_due_incidents() == 1
        assert sorted(targets()) == ["1001", "2002", "2003"]
        assert Incident.objects.get().escalation_level == 1

        clock.shift(timedelta(seconds=1801))  # the rule's repeat interval
        assert escalate_due_incidents() == 1
        assert sorted(targets()) == ["1001", "2002", "2002", "2003", "2003"]
        assert "Still firing" in Notification.objects.order_by("-pk").first().text


def test_editing_the_policy_mid_incident_neither_skips_nor_repeats_a_step(fraud_spike_rule, policy):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        spike(4)
        assert Incident.objects.get().escalation_chain == [
            {"delay_seconds": 0, "targets": ["1001"]},
            {"delay_seconds": 600, "targets": ["2002", "2003"]},
        ]
        # Mid-incident, an admin puts a new first level in front and drops the second.
        level_two = policy.levels.get(position=1)
        level_two.position, level_two.delay_seconds, level_two.targets = 5, 60, ["9999"]
        level_two.save()
        policy.levels.filter(position=0).update(position=1)
        policy.levels.create(position=0, delay_seconds=0, targets=["7777"])

        clock.shift(timedelta(seconds=601))
        assert escalate_due_incidents() == 1

    assert sorted(targets()) == ["1001", "2002", "2003"]  # the chain it opened with, step by step
    spike(4, merchant_id="6f1c9b7e-0000-4000-8000-000000000002")  # a new incident takes the new chain
    newest = Incident.objects.order_by("-opened_at").first()
    assert [level["targets"] for level in newest.escalation_chain] == [["7777"], ["1001"], ["9999"]]


def test_acknowledging_stops_escalation(fraud_spike_rule, on_call_user, settings):
    settings.ALERTS_ACK_TIMEOUT_SECONDS = 0  # acknowledgements never run out
    with time_machine.travel(timezone.now(), tick=False) as clock:
        spike(4)
        incident = acknowledge_incident(incident_id=Incident.objects.get().pk, actor="olga")
        clock.shift(timedelta(hours=3))

        assert escalate_due_incidents() == 0
    assert targets() == ["1001"]
    assert AuditEntry.objects.filter(action="incident.acknowledge", actor="olga", object_id=str(incident.pk)).exists()
    update = Notification.objects.get(kind="update")
    assert "Acknowledged by olga" in update.text and update.reply_to.kind == "message"


def test_an_acknowledgement_nobody_follows_with_a_resolve_runs_out_and_the_incident_fires_again(
    fraud_spike_rule, on_call_user, settings
):
    settings.ALERTS_ACK_TIMEOUT_SECONDS = 1800
    with time_machine.travel(timezone.now(), tick=False) as clock:
        spike(4)
        incident = acknowledge_incident(incident_id=Incident.objects.get().pk, actor="olga")
        clock.shift(timedelta(seconds=1799))
        assert escalate_due_incidents() == 0
        assert Incident.objects.get().state == IncidentState.ACKNOWLEDGED

        clock.shift(timedelta(seconds=2))
        assert escalate_due_incidents() == 1  # firing again, and escalated on from level 1

    incident.refresh_from_db()
    assert incident.state == IncidentState.FIRING and incident.escalation_level == 1
    assert sorted(targets()) == ["1001", "2002", "2003"]
    latest = Notification.objects.filter(kind="message").order_by("-pk").first()
    assert "Acknowledged by olga, not resolved: firing again" in latest.text
    assert AuditEntry.objects.filter(action="incident.acknowledgement_expired", object_id=str(incident.pk)).exists()
    assert OutboxEvent.objects.filter(event_type="alerts.incident", envelope__data__change="refired").exists()
    # The buttons are back: the incident can be acknowledged again.
    assert acknowledge_incident(incident_id=incident.pk, actor="olga").state == IncidentState.ACKNOWLEDGED


def test_a_resolved_incident_never_fires_again_after_its_acknowledgement(fraud_spike_rule, settings):
    settings.ALERTS_ACK_TIMEOUT_SECONDS = 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        spike(4)
        incident = acknowledge_incident(incident_id=Incident.objects.get().pk, actor="olga")
        resolve_incident(incident_id=incident.pk, actor="olga")
        clock.shift(timedelta(hours=2))
        assert escalate_due_incidents() == 0
    assert Incident.objects.get().state == IncidentState.RESOLVED
    assert targets() == ["1001"]


def test_a_second_acknowledgement_is_refused_clearly(fraud_spike_rule):
    spike(4)
    incident = Incident.objects.get()
    acknowledge_incident(incident_id=incident.pk, actor="olga")

    with pytest.raises(IncidentStateError, match="already acknowledged by olga"):
        acknowledge_incident(incident_id=incident.pk, actor="piotr")
    resolve_incident(incident_id=incident.pk, actor="piotr")
    with pytest.raises(IncidentStateError, match="already resolved by piotr"):
        resolve_incident(incident_id=incident.pk, actor="olga")


def test_quiet_incidents_resolve_and_a_new_match_opens_a_new_one(fraud_spike_rule):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        spike(4)
        clock.shift(timedelta(seconds=899))
        assert resolve_quiet_incidents() == 0
        clock.shift(timedelta(seconds=2))
        assert resolve_quiet_incidents() == 1

        first = Incident.objects.get()
        assert (first.state, first.resolved_by) == (IncidentState.RESOLVED, "system")
        spike(1)  # the earlier matches have left the sliding window: below the threshold again
        assert Incident.objects.count() == 1
        spike(4)
        assert Incident.objects.filter(state="firing").count() == 1
        assert Incident.objects.count() == 2


def test_incident_changes_are_published_as_events(fraud_spike_rule):
    spike(4)
    acknowledge_incident(incident_id=Incident.objects.get().pk, actor="olga")

    changes = [e.envelope["data"]["change"] for e in OutboxEvent.objects.filter(event_type="alerts.incident")]
    assert changes == ["opened", "acknowledged"]


def test_a_backed_up_outbox_raises_an_incident_without_kafka(db, settings):
    from django.core.management import call_command

    call_command("load_alert_rules")
    old = OutboxEvent.objects.create(
        event_id="00000000-0000-4000-8000-000000000009", topic="t", key="k", event_type="x", envelope={}
    )
    OutboxEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=10))

    assert check_outbox_backlog() == 1
    incident = Incident.objects.get(rule__name="outbox-backlog")
    assert "1 unsent events" in incident.summary
    OutboxEvent.objects.all().delete()
    assert check_outbox_backlog() == 0


def test_a_silence_holds_escalation_and_the_first_level_hears_when_it_ends(fraud_spike_rule):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        now = timezone.now()
        Silence.objects.create(
            rule=fraud_spike_rule,
            starts_at=now,
            ends_at=now + timedelta(hours=2),
            reason="maintenance",
            created_by="olga",
        )
        spike(4)
        clock.shift(timedelta(hours=1))
        assert escalate_due_incidents() == 0  # still silenced: nothing due before the silence ends
        assert not Notification.objects.exists()

        clock.shift(timedelta(hours=1, seconds=1))
        assert escalate_due_incidents() == 1
        assert targets() == ["1001"]  # level 1 first, not straight to level 2
        assert Incident.objects.get().escalation_level == 0
