"""Anti-fraud errors: reviews, rule proposals, analytics. Kinds in payproc/errors.py."""

from payproc.errors import Conflict, DomainError, Forbidden, Unavailable


class AnalyticsUnavailable(Unavailable):
    code = "analytics_unavailable"
    default_message = "The analytics store cannot be reached right now; payments are not affected. Retry later."


class ReasonRequired(DomainError):
    code = "reason_required"
    default_message = "A reason is required to approve or decline a payment."


class AlreadyReviewed(Conflict):
    code = "already_reviewed"


class NothingToChange(DomainError):
    code = "nothing_to_change"
    default_message = "The proposed rule set is the live one: there is nothing to approve."


class ProposalClosed(Conflict):
    code = "proposal_closed"
    default_message = "This proposal was already approved, rejected or withdrawn."


class SelfApproval(Forbidden):
    code = "self_approval"
    default_message = "You proposed this change: another Risk admin must approve it."


class ProposalOutdated(Conflict):
    code = "proposal_outdated"


class NothingToList(DomainError):
    code = "nothing_to_list"
    default_message = "The payment has no value of that kind to put on a list."


class TooFewLabels(DomainError):
    code = "too_few_labels"


class ModelNotInState(Conflict):
    code = "model_not_in_state"
