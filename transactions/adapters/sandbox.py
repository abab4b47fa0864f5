"""The sandbox provider: approves every card except the documented test cards (README, "Sandbox test cards")."""

from .ports import Authorization, AuthorizationRequest, Operation, OperationResult, ProviderUnavailable

# Outcomes by the card's last four digits.
SANDBOX_DECLINES = {"0002": "do_not_honor", "9995": "insufficient_funds", "9979": "stolen_card"}
SANDBOX_FAILURES = {"0119": "processing_error", "0341": "provider_timeout"}
SANDBOX_REFUND_FAILURES = {"0705": "refund_declined"}  # authorizes and captures; its refunds fail


class SandboxProvider:
    name = "sandbox"

    def authorize(self, request: AuthorizationRequest) -> Authorization:
        if request.card_last4 in SANDBOX_FAILURES:
            raise ProviderUnavailable(SANDBOX_FAILURES[request.card_last4])
        if request.card_last4 in SANDBOX_DECLINES:
            return Authorization(approved=False, decline_reason=SANDBOX_DECLINES[request.card_last4])
        return Authorization(approved=True, reference=f"sandbox_{request.transaction_id}")

    def capture(self, request: Operation) -> OperationResult:
        return OperationResult(succeeded=True, reference=f"sandbox_{request.operation_id}")

    def cancel(self, request: Operation) -> OperationResult:
        return OperationResult(succeeded=True, reference=f"sandbox_{request.operation_id}")

    def refund(self, request: Operation) -> OperationResult:
        if request.card_last4 in SANDBOX_REFUND_FAILURES:
            return OperationResult(succeeded=False, failure_reason=SANDBOX_REFUND_FAILURES[request.card_last4])
        return OperationResult(succeeded=True, reference=f"sandbox_{request.operation_id}")
