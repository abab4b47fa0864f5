"""The review queue: analysts triage payments in review, decide with a reason, and block or allow."""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from iptocc import country_code

from audit.services import notes_for
from payproc.errors import DomainError

from .card_bins import bin_country
from .learning.explanations import explain_decision
from .models import ReviewQueueItem
from .selectors import related_payments, review_queue, with_fired_rule
from .services.lists import list_payment_value
from .services.reviews import note_payment, review_transaction


class RuleFiredFilter(admin.SimpleListFilter):
    title = "rule fired"
    parameter_name = "rule"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        from .models import FraudRule

        return [(name, name) for name in FraudRule.objects.order_by("name").values_list("name", flat=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return with_fired_rule(queryset, self.value())
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "waiting"
    parameter_name = "age"
    _ranges = {
        "1h": (None, timedelta(hours=1)),
        "1d": (timedelta(hours=1), timedelta(days=1)),
        "old": (timedelta(days=1), None),
    }

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("1h", "under an hour"), ("1d", "1 to 24 hours"), ("old", "over a day")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in self._ranges:
            return queryset
        low, high = self._ranges[self.value()]
        now = timezone.now()
        if low:
            queryset = queryset.filter(created_at__lte=now - low)
        if high:
            queryset = queryset.filter(created_at__gt=now - high)
        return queryset


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(admin.ModelAdmin):
    list_display = ("created_at", "merchant", "amount_display", "score", "top_rule", "customer_email", "card_last4")
    list_filter = ("merchant", "currency", RuleFiredFilter, AgeFilter)
    ordering = ("created_at", "id")  # total, so the admin adds no "-pk" and the queue index serves it
    sortable_by = ("created_at", "amount_display", "score")
    list_per_page = 50
    show_full_result_count = False  # one COUNT for the filtered list, not a second for the whole table
    actions = ("approve_selected", "decline_selected")
    change_form_template = "admin/antifraud/review_payment.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return review_queue()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def _can_review(self, request: HttpRequest) -> bool:
        return request.user.has_perm("transactions.review_transaction")

    def _can_note(self, request: HttpRequest) -> bool:
        return request.user.has_perm("transactions.note_transaction")

    def has_review_permission(self, request: HttpRequest) -> bool:
        """The bulk approve / decline actions (`permissions=["review"]`)."""
        return self._can_review(request)

    def _can_open(self, request: HttpRequest) -> bool:
        """The payment page shows the customer's e-mail, address, card and history: payments' view
        permission, besides the queue's."""
        return self.has_view_permission(request) and request.user.has_perm("transactions.view_transaction")

    @admin.display(description="amount", ordering="amount_minor")
    def amount_display(self, obj: ReviewQueueItem) -> str:
        return f"{obj.amount} {obj.currency}"

    @admin.display(description="score", ordering="fraud_decision__score")
    def score(self, obj: ReviewQueueItem) -> int | None:
        decision = getattr(obj, "fraud_decision", None)
        return decision.score if decision else None

    @admin.display(description="main reason")
    def top_rule(self, obj: ReviewQueueItem) -> str:
        decision = getattr(obj, "fraud_decision", None)
        if not decision or not decision.fired_rules:
            return ""
        rule = max(decision.fired_rules, key=lambda item: item["score"])
        return f"{rule['rule']}: {rule['observed']}"

    # --- bulk decisions -----------------------------------------------------------------------
    def _decide_many(self, request: HttpRequest, queryset: QuerySet, outcome: str) -> HttpResponse | None:
        if not self._can_review(request):
            self.message_user(request, "You may not decide payments.", messages.ERROR)
            return None
        reason = request.POST.get("reason", "").strip()
        if "confirm" not in request.POST or not reason:
            return TemplateResponse(
                request,
                "admin/antifraud/review_bulk_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "title": f"{outcome.capitalize()} payments",
                    "outcome": outcome,
                    "payments": queryset,
                    "action": f"{outcome}_selected",
                    "missing_reason": "confirm" in request.POST,
                    "opts": self.model._meta,
                },
            )
        done = 0
        for tx in queryset:
            try:
                review_transaction(
                    transaction_id=tx.pk, analyst=request.user.get_username(), outcome=outcome, reason=reason
                )
                done += 1
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        self.message_user(request, f"{outcome.capitalize()}d {done} payment(s).", messages.SUCCESS)
        return None

    @admin.action(description="Approve selected payments (reason required)", permissions=["review"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide_many(request, queryset, "approve")

    @admin.action(description="Decline selected payments (reason required)", permissions=["review"])
    def decline_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide_many(request, queryset, "decline")

    # --- the payment page ---------------------------------------------------------------------
    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        from transactions.models import Transaction

        if not self._can_open(request):
            raise PermissionDenied
        tx = (
            Transaction.objects.select_related("merchant", "fraud_decision", "fraud_report")
            .filter(pk=object_id)
            .first()
        )
        if tx is None:
            return HttpResponseRedirect(reverse("admin:antifraud_reviewqueueitem_changelist"))
        if request.method == "POST":
            return self._act(request, tx)
        decision = getattr(tx, "fraud_decision", None)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Payment {tx.id}",
            "tx": tx,
            "card_country": bin_country(tx.card_bin),
            "ip_country": country_code(tx.customer_ip) if tx.customer_ip else None,
            "decision": decision,
            "explanation": explain_decision(decision) if decision else [],
            "fraud_report": getattr(tx, "fraud_report", None),
            "history": tx.history.all(),
            "related": related_payments(tx),
            "can_review": self._can_review(request) and tx.status == "review",
            "can_list": request.user.has_perm("antifraud.add_listentry"),
            "can_note": self._can_note(request),
            "opts": self.model._meta,
            "notes": notes_for(tx),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def _act(self, request: HttpRequest, tx: object) -> HttpResponse:
        action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
        analyst = request.user.get_username()
        try:
            if action in {"approve", "decline"}:
                if not self._can_review(request):
                    raise DomainError("You may not decide payments.")
                review_transaction(transaction_id=tx.pk, analyst=analyst, outcome=action, reason=reason)
                self.message_user(request, f"Payment {action}d.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:antifraud_reviewqueueitem_changelist"))
            if action.startswith(("block:", "allow:")):
                if not request.user.has_perm("antifraud.add_listentry"):
                    raise DomainError("You may not change the lists.")
                list_type, kind = action.split(":", 1)
                list_payment_value(tx=tx, list_type=list_type, kind=kind, reason=reason, analyst=analyst)
                self.message_user(request, f"Added {kind} to the {list_type} list.", messages.SUCCESS)
            elif action == "note":
                if not self._can_note(request):
                    raise DomainError("You may not add notes to payments.")
                note_payment(tx=tx, analyst=analyst, note=reason)
                self.message_user(request, "Note added.", messages.SUCCESS)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(request.path)
