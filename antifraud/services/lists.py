"""Block and allow lists: which entries a payment matches, and changing them (audited)."""

import ipaddress
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from audit.services import delete_audited, record, save_audited, snapshot
from transactions.models import Transaction

from ..card_bins import bin_country
from ..errors import NothingToList
from ..facts import PaymentFacts
from ..models import ListEntry, ListKind, ListType


@dataclass(frozen=True, slots=True)
class ListHit:
    list_type: str
    kind: str
    value: str


def normalise_entry(kind: str, value: str) -> str:
    """The stored form of a list value, so that lookups are exact."""
    value = value.strip()
    if kind in {ListKind.EMAIL, ListKind.EMAIL_DOMAIN}:
        return value.lower()
    if kind == ListKind.COUNTRY:
        return value.upper()
    if kind == ListKind.IP:
        return str(ipaddress.ip_network(value, strict=False)) if "/" in value else str(ipaddress.ip_address(value))
    return value


def _candidates(facts: PaymentFacts) -> dict[str, set[str]]:
    candidates = {
        ListKind.CARD_FINGERPRINT: {facts.card_fingerprint},
        ListKind.BIN: {facts.card_bin},
        ListKind.EMAIL: {facts.email},
        ListKind.EMAIL_DOMAIN: {facts.email_domain},
        ListKind.COUNTRY: {facts.country, bin_country(facts.card_bin)},
        ListKind.DEVICE: {facts.device_id},
        ListKind.IP: {facts.ip},
    }
    return {kind: {value for value in values if value} for kind, values in candidates.items()}


def list_hits(facts: PaymentFacts) -> list[ListHit]:
    """Every block or allow entry the payment matches (CIDR entries included)."""
    return list_hits_many([facts])[0]


def list_hits_many(payments: list[PaymentFacts]) -> list[list[ListHit]]:
    """`list_hits` for each payment of a batch, in one query for the whole batch."""
    candidates = [_candidates(facts) for facts in payments]
    wanted: dict[str, set[str]] = {}
    for per_kind in candidates:
        for kind, values in per_kind.items():
            wanted.setdefault(kind, set()).update(values)
    # Every wanted kind with every wanted value: two lookups on the (kind, value) index rather than one
    # branch per kind, which the ORM compiled for each batch (1.2 ms of CPU a batch). An entry of one
    # kind whose value a payment offers only for another is fetched too, and left out below.
    kinds = [kind for kind, values in wanted.items() if values]
    query = Q(kind__in=kinds, value__in=set().union(*(wanted[kind] for kind in kinds))) if kinds else Q()
    if any(facts.ip for facts in payments):
        query |= Q(kind=ListKind.IP, value__contains="/")  # networks (their own index), matched below
    entries, networks = [], []
    for entry in ListEntry.objects.filter(query) if query else []:
        if entry.kind == ListKind.IP and "/" in entry.value:
            networks.append((entry, ipaddress.ip_network(entry.value)))
        else:
            entries.append(entry)
    results = []
    for facts, per_kind in zip(payments, candidates, strict=True):
        hits = [
            ListHit(entry.list_type, entry.kind, entry.value)
            for entry in entries
            if entry.value in per_kind.get(entry.kind, ())
        ]
        if facts.ip:
            address = ipaddress.ip_address(facts.ip)
            hits += [ListHit(e.list_type, e.kind, e.value) for e, network in networks if address in network]
        results.append(hits)
    return results


def add_list_entry(*, list_type: str, kind: str, value: str, reason: str = "", created_by: str = "") -> ListEntry:
    """Put a value on a list (once: adding it again changes nothing), audited as `created_by`."""
    if list_type not in ListType.values or kind not in ListKind.values:
        raise ValueError(f"unknown list {list_type!r} or kind {kind!r}")
    with transaction.atomic():
        entry, created = ListEntry.objects.get_or_create(
            list_type=list_type,
            kind=kind,
            value=normalise_entry(kind, value),
            defaults={"reason": reason, "created_by": created_by},
        )
        if created:
            record(
                actor=created_by or "system", action="listentry.add", target=entry, after=snapshot(entry), note=reason
            )
    return entry


def save_list_entry(*, entry: ListEntry, actor: str) -> ListEntry:
    """Add or edit an entry as given (the admin form), value normalised, audited."""
    entry.value = normalise_entry(entry.kind, entry.value)
    entry.created_by = entry.created_by or actor
    save_audited(entry, actor=actor, note=entry.reason)
    return entry


def remove_list_entry(*, entry: ListEntry, actor: str) -> None:
    delete_audited(entry, actor=actor)


def remove_list_value(*, list_type: str, kind: str, value: str, actor: str) -> int:
    """Take a value off a list; returns how many entries went (0 or 1)."""
    entries = ListEntry.objects.filter(list_type=list_type, kind=kind, value=normalise_entry(kind, value))
    removed = 0
    for entry in entries:
        remove_list_entry(entry=entry, actor=actor)
        removed += 1
    return removed


# What an analyst can list straight from a payment's page, and where the value comes from.
_FROM_PAYMENT = {
    ListKind.CARD_FINGERPRINT: "card_fingerprint",
    ListKind.EMAIL: "customer_email",
    ListKind.IP: "customer_ip",
    ListKind.DEVICE: "device_id",
}


def list_payment_value(*, tx: Transaction, list_type: str, kind: str, reason: str, analyst: str) -> ListEntry:
    """Block or allow the payment's card, e-mail, IP or device; the payment's notes say so too."""
    value = getattr(tx, _FROM_PAYMENT[kind], "") if kind in _FROM_PAYMENT else ""
    if list_type not in ListType.values or not value:
        raise NothingToList()
    with transaction.atomic():  # the list entry and the payment's note together
        entry = add_list_entry(list_type=list_type, kind=kind, value=value, reason=reason, created_by=analyst)
        record(
            actor=analyst,
            action=f"list.{list_type}",
            target=tx,
            after={"kind": kind, "value": entry.value},
            note=reason,
        )
    return entry
