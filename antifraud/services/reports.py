"""Merchants' fraud reports: one label per payment, the latest one standing, every change audited."""

from uuid import UUID

from django.conf import settings
from django.db import transaction

from audit.services import record
from eventbus.outbox import enqueue_event
from transactions.models import Merchant, Transaction
from transactions.selectors import transaction_get

from ..events import FRAUD_REPORT
from ..models import FraudReport


def report_fraud(*, merchant: Merchant, transaction_id: UUID, reason: str, note: str = "") -> tuple[FraudReport, bool]:
    """Label the merchant's payment; returns the report and whether anything changed. The same report
    again changes nothing (idempotent); another reason replaces the label, and the audit log keeps both."""
    tx: Transaction = transaction_get(merchant=merchant, transaction_id=transaction_id)
    with transaction.atomic():
        # The payment's row is the lock: concurrent first reports of one payment would both find no report
        # to lock and both insert one (an IntegrityError, answered 500).
        Transaction.objects.select_for_update().filter(pk=tx.pk).first()
        report = FraudReport.objects.filter(transaction=tx).first()
        if report is not None and (report.reason, report.note) == (reason, note):
            return report, False
        before = {"reason": report.reason, "note": report.note} if report is not None else None
        if report is None:
            report = FraudReport.objects.create(transaction=tx, reason=reason, note=note)
        else:
            report.reason, report.note = reason, note
            report.save(update_fields=["reason", "note", "updated_at"])
        record(
            actor=f"merchant:{merchant.pk}",
            action="fraud_report",
            target=tx,
            before=before,
            after={"reason": reason, "note": note},
        )
        # Analytics and the backtest learn the label; the note (free text) stays in the database.
        enqueue_event(
            event_type=FRAUD_REPORT,
            key=str(tx.id),
            topic=settings.TOPIC_DECISIONS,
            data={
                "transaction_id": str(tx.id),
                "merchant_id": str(tx.merchant_id),
                "reason": reason,
                "reported_at": report.updated_at.isoformat(),
            },
        )
        return report, True
