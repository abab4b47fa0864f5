"""Model versions, like rule sets: a trained candidate runs in shadow; one Risk admin proposes it, another
approves it to go live; a rollback puts the previous live version back. Every step is in the audit log,
and every process reloads the models on its next payment."""

from django.db import transaction
from django.utils import timezone

from audit.services import record

from ..errors import ModelNotInState, ReasonRequired, SelfApproval
from ..learning.scorer import forget_models
from ..models import FraudModelVersion, ModelStatus


def _locked(number: int, *states: str) -> FraudModelVersion:
    version = FraudModelVersion.objects.select_for_update().get(number=number)
    if version.status not in states:
        raise ModelNotInState(f"Model {number} is {version.status}; this needs it {' or '.join(states)}.")
    return version


def _go_live(version: FraudModelVersion) -> FraudModelVersion | None:
    """Make `version` the live one; returns the version it replaces. Call inside a transaction."""
    now = timezone.now()
    previous = FraudModelVersion.objects.select_for_update().filter(status=ModelStatus.LIVE).first()
    if previous is not None:
        previous.status, previous.live_until = ModelStatus.RETIRED, now
        previous.save(update_fields=["status", "live_until"])
    version.status, version.live_since, version.live_until = ModelStatus.LIVE, now, None
    version.save(update_fields=["status", "live_since", "live_until", "approved_by", "proposed_by", "proposed_at"])
    forget_models()
    return previous


def propose_model(*, number: int, actor: str, reason: str) -> FraudModelVersion:
    if not reason.strip():
        raise ReasonRequired("Say why: a reason is required.")
    with transaction.atomic():
        version = _locked(number, ModelStatus.SHADOW)
        version.status, version.proposed_by, version.proposed_at = ModelStatus.PROPOSED, actor, timezone.now()
        version.save(update_fields=["status", "proposed_by", "proposed_at"])
        record(actor=actor, action="fraudmodel.propose", target=version, note=reason.strip()[:500])
    return version


def approve_model(*, number: int, actor: str) -> FraudModelVersion:
    with transaction.atomic():
        version = _locked(number, ModelStatus.PROPOSED)
        if version.proposed_by == actor:
            raise SelfApproval("You proposed this model: another Risk admin must approve it.")
        version.approved_by = actor
        previous = _go_live(version)
        record(
            actor=actor,
            action="fraudmodel.approve",
            target=version,
            before={"live": previous.number if previous else None},
            after={"live": version.number},
        )
    return version


def reject_model(*, number: int, actor: str, note: str) -> FraudModelVersion:
    if not note.strip():
        raise ReasonRequired("Say why: a reason is required.")
    with transaction.atomic():
        version = _locked(number, ModelStatus.PROPOSED, ModelStatus.SHADOW)
        version.status = ModelStatus.REJECTED
        version.save(update_fields=["status"])
        record(actor=actor, action="fraudmodel.reject", target=version, note=note.strip()[:500])
    forget_models()
    return version


def activate_model(*, number: int, actor: str) -> bool:
    """The operator's way (`train_fraud_model --activate`): the candidate goes live at once, but only when
    it beats the live policy on its validation window. Returns whether it went live."""
    with transaction.atomic():
        version = _locked(number, ModelStatus.SHADOW, ModelStatus.PROPOSED)
        if not beats_live(version):
            record(actor=actor, action="fraudmodel.activate_refused", target=version, after=version.metrics)
            return False
        version.approved_by = actor
        previous = _go_live(version)
        record(
            actor=actor,
            action="fraudmodel.activate",
            target=version,
            before={"live": previous.number if previous else None, "metrics": version.live_metrics},
            after={"live": version.number, "metrics": version.metrics},
        )
    return True


def rollback_model(*, actor: str, reason: str) -> FraudModelVersion | None:
    """Retire the live model and put back the one live before it (rules alone when there was none).
    Returns the version live now."""
    if not reason.strip():
        raise ReasonRequired("Say why: a reason is required.")
    with transaction.atomic():
        live = FraudModelVersion.objects.select_for_update().filter(status=ModelStatus.LIVE).first()
        if live is None:
            raise ModelNotInState("No model is live: there is nothing to roll back.")
        before = (
            FraudModelVersion.objects.select_for_update()
            .filter(status=ModelStatus.RETIRED, live_since__isnull=False, live_since__lt=live.live_since)
            .order_by("-live_since")
            .first()
        )
        live.status, live.live_until = ModelStatus.RETIRED, timezone.now()
        live.save(update_fields=["status", "live_until"])
        if before is not None:
            # live_since stays: a second rollback goes further back, not forward to the one just retired.
            before.status, before.live_until = ModelStatus.LIVE, None
            before.save(update_fields=["status", "live_until"])
        record(
            actor=actor,
            action="fraudmodel.rollback",
            target=live,
            before={"live": live.number},
            after={"live": before.number if before else None},
            note=reason.strip()[:500],
        )
        forget_models()
    return before


def beats_live(version: FraudModelVersion) -> bool:
    """The candidate ranks fraud better than the policy live at training (average precision) and, at the
    live thresholds, flags as much fraud while troubling no more legitimate payments."""
    mine, live = version.metrics, version.live_metrics
    if mine.get("average_precision") is None:
        return False
    if live.get("average_precision") is not None and mine["average_precision"] <= live["average_precision"]:
        return False
    troubled = (mine.get("false_declines") or 0) + (mine.get("false_reviews") or 0)
    live_troubled = (live.get("false_declines") or 0) + (live.get("false_reviews") or 0)
    return (mine.get("recall") or 0) >= (live.get("recall") or 0) - 0.01 and troubled <= live_troubled
