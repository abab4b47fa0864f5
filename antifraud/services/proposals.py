"""Maker-checker for the rule set: a Risk admin proposes a whole rule set document with a reason; another
Risk admin approves it (it goes live as one new version) or rejects it. Nobody approves their own
proposal, a proposal made on an older version must be made again, and every step is in the audit log."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import record

from ..errors import NothingToChange, ProposalClosed, ProposalOutdated, ReasonRequired, SelfApproval
from ..models import ProposalStatus, RuleProposal, RuleSetVersion
from ..rule_documents import Change, clean_document, diff_documents, live_document
from .rule_sets import apply_document, current_rules_version


def propose_rules(*, document: Any, actor: str, reason: str) -> RuleProposal:
    """Record a proposal of the whole rule set; raises ValidationError for a document that does not hold."""
    reason = reason.strip()
    if not reason:
        raise ReasonRequired("Say why: a reason is required.")
    document = clean_document(document)
    live = live_document()
    if document == live:
        raise NothingToChange()
    with transaction.atomic():
        proposal = RuleProposal.objects.create(
            document=document, reason=reason[:500], proposed_by=actor, based_on_version=current_rules_version()
        )
        changes = [f"{change.kind} {change.subject}" for change in diff_documents(live, document)]
        record(actor=actor, action="ruleproposal.add", target=proposal, after={"changes": changes}, note=reason)
    return proposal


def proposal_changes(proposal: RuleProposal) -> list[Change]:
    """What the proposal changes in the rule set it was made on."""
    base = RuleSetVersion.objects.filter(number=proposal.based_on_version).first()
    return diff_documents(base.document if base else live_document(), proposal.document)


def _open(proposal_id: int) -> RuleProposal:
    proposal = RuleProposal.objects.select_for_update().get(pk=proposal_id)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ProposalClosed()
    return proposal


def approve_proposal(*, proposal_id: int, actor: str, note: str = "") -> RuleSetVersion | None:
    """Put the proposal live as the next version, in one transaction with its audit entries."""
    with transaction.atomic():
        proposal = _open(proposal_id)
        if proposal.proposed_by == actor:
            raise SelfApproval()
        live_version = current_rules_version()
        if proposal.based_on_version != live_version:
            raise ProposalOutdated(
                f"The live rules changed since this was proposed (version {proposal.based_on_version}, now "
                f"{live_version}); reject it and propose the change again from the live rules."
            )
        version = apply_document(
            proposal.document,
            actor=actor,
            author=proposal.proposed_by,
            approved_by=actor,
            summary=f"proposal #{proposal.pk}: {proposal.reason}",
        )
        _close(proposal, status=ProposalStatus.APPROVED, actor=actor, note=note, version=version)
    return version


def reject_proposal(*, proposal_id: int, actor: str, note: str) -> RuleProposal:
    """Another Risk admin rejects it (a reason required); its maker withdrawing it needs none."""
    with transaction.atomic():
        proposal = _open(proposal_id)
        withdrawn = proposal.proposed_by == actor
        if not withdrawn and not note.strip():
            raise ReasonRequired("Say why the proposal is rejected.")
        _close(
            proposal,
            status=ProposalStatus.WITHDRAWN if withdrawn else ProposalStatus.REJECTED,
            actor=actor,
            note=note.strip(),
        )
    return proposal


def _close(
    proposal: RuleProposal, *, status: str, actor: str, note: str, version: RuleSetVersion | None = None
) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at = status, actor, timezone.now()
    proposal.decision_note, proposal.published_version = note[:500], version
    proposal.save()
    verb = {ProposalStatus.APPROVED: "approve", ProposalStatus.REJECTED: "reject"}.get(status, "withdraw")
    after = {"status": status, "version": version.number if version else None}
    record(actor=actor, action=f"ruleproposal.{verb}", target=proposal, after=after, note=note)
