"""How an audit line reads, in the reader's language.

A line is written once, often by a worker with no reader's language at hand, and read for years
by owners in Chinese or English. So a line stores facts — names, numbers, codes in `detail` — and
its sentence is worded here when it is read (the page, the CSV, the API's `description`). Lines
written before a fact was stored fall back to the summary they were written with.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regulars.counter.models import TenderKind
from regulars.membership.services import TOPUP_PURPOSE
from regulars.merchants.models import Role
from regulars.orders.models import SettlementKind
from regulars.orders.payments import PROVIDERS
from regulars.punchcards.services import PUNCH_PURPOSE

from .models import AuditAction, AuditEvent


def _role(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code


def _provider(key: str) -> str:
    found = PROVIDERS.get(key)
    return str(getattr(found, "title", key)) if found else key


def _purpose(purpose: str) -> str:
    if purpose.startswith(TOPUP_PURPOSE):
        return _("card top-up")
    if purpose.startswith(PUNCH_PURPOSE):
        return _("punch card")
    return _("order") if purpose == "order" else purpose


def _refund_reason(detail: dict) -> str:
    if detail.get("reason_code") == "late_payment":
        return _("The order was no longer waiting for payment when the money arrived.")
    return detail.get("reason", "")


def _payment(event: AuditEvent, detail: dict) -> str:
    text = _("%(provider)s payment %(reference)s for the %(purpose)s") % {
        "provider": _provider(detail["provider"]),
        "reference": detail.get("reference", ""),
        "purpose": _purpose(detail.get("purpose", "")),
    }
    if event.action == AuditAction.PAYMENT_REFUNDED:
        text = _("%(provider)s payment %(reference)s given back") % {
            "provider": _provider(detail["provider"]),
            "reference": detail.get("reference", ""),
        }
        reason = _refund_reason(detail)
        return _("%(what)s: %(why)s") % {"what": text, "why": reason} if reason else text
    return text


def _staff(event: AuditEvent, detail: dict) -> str:
    name = detail["name"]
    if event.action == AuditAction.STAFF_ROLE:
        return _("%(name)s: %(before)s → %(after)s") % {
            "name": name,
            "before": _role(detail["before"]),
            "after": _role(detail["after"]),
        }
    if event.action in (AuditAction.STAFF_ADDED, AuditAction.STAFF_INVITED):
        return _("%(name)s as %(role)s") % {"name": name, "role": _role(detail["role"])}
    return name


def _settlement(event: AuditEvent, detail: dict) -> str:
    kind = detail["kind"]
    label = SettlementKind(kind).label if kind in SettlementKind.values else kind
    return _("%(kind)s, order %(order)s") % {"kind": label, "order": detail["order_code"]}


def _reassigned(event: AuditEvent, detail: dict) -> str:
    count = detail.get("count", 0)
    text = ngettext(
        "%(count)s customer to %(names)s", "%(count)s customers to %(names)s", count
    ) % {"count": count, "names": detail["names"] or "—"}
    reason = detail.get("reason", "")
    return _("%(what)s: %(why)s") % {"what": text, "why": reason} if reason else text


def _bill(event: AuditEvent, detail: dict) -> str:
    tenders = "、".join(
        f"{TENDER_WORDS.get(kind, kind)} ¥{amount}" for kind, amount in detail["tenders"]
    )
    return _("Bill %(number)s: %(lines)s lines, paid by %(tenders)s") % {
        "number": detail["number"],
        "lines": detail["lines"],
        "tenders": tenders,
    }


TENDER_WORDS = {kind.value: kind.label for kind in TenderKind}


WORDING = {
    AuditAction.BILL_PAID: _bill,
    AuditAction.PAYMENT_SUCCEEDED: _payment,
    AuditAction.PAYMENT_REFUNDED: _payment,
    AuditAction.STAFF_ADDED: _staff,
    AuditAction.STAFF_ROLE: _staff,
    AuditAction.STAFF_INVITED: _staff,
    AuditAction.STAFF_DEACTIVATED: _staff,
    AuditAction.STAFF_REACTIVATED: _staff,
    AuditAction.SETTLEMENT: _settlement,
    AuditAction.OWNERSHIP: _reassigned,
}


def describe(event: AuditEvent) -> str:
    """The line's details as a sentence in the active language."""
    words = WORDING.get(event.action)
    if words is not None:
        try:
            return words(event, event.detail or {})
        except KeyError:  # written before this fact was stored
            pass
    return event.summary
