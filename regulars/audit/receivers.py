"""What goes into the audit log, gathered in one place: every ledger row, coupon redemption,
payment, refund and settlement entry, and every change of who may do what or who looks after
which customer. Each app announces these as domain events sent by its services; this app
listens (no save hooks)."""

from django.dispatch import receiver

from regulars.accounts.events import personal_data_erased, personal_data_exported
from regulars.core.observability import BUSINESS_EVENTS
from regulars.counter.events import bill_paid, bill_refunded
from regulars.counter.models import Bill, BillRefund
from regulars.customers.events import customers_reassigned
from regulars.membership.events import (
    card_purchase_recorded,
    points_moved,
    tier_decided,
    value_moved,
)
from regulars.membership.models import PointsEntry, Purchase, TierDecision, ValueEntry
from regulars.merchants.events import staff_invited, staff_joined, staff_role_changed
from regulars.merchants.models import Role, StaffInvitation, StaffMember
from regulars.orders.events import payment_refunded, payment_succeeded, settlement_recorded
from regulars.orders.models import SettlementEntry
from regulars.promotions.events import coupon_redeemed
from regulars.promotions.models import Redemption
from regulars.punchcards.events import punch_card_refunded, punch_card_transferred
from regulars.punchcards.models import PunchEntry

from .models import AuditAction
from .services import record


@receiver(value_moved)
def stored_value_moved(sender, entry: ValueEntry, written_by_statement: bool, **kwargs):
    if written_by_statement:
        BUSINESS_EVENTS.labels(f"value.{entry.kind}").inc()  # its line is already written
        return
    record(
        action=f"value.{entry.kind}",
        merchant_id=entry.merchant_id,
        actor=entry.created_by,
        subject=entry,
        summary=f"{entry.card} {entry.reason}".strip(),
        amount=entry.principal_delta + entry.bonus_delta,
        detail={
            "card_id": entry.card_id,
            "principal": str(entry.principal_delta),
            "bonus": str(entry.bonus_delta),
            "idempotency_key": entry.idempotency_key,
        },
    )


@receiver(points_moved)
def points_entry(sender, entry: PointsEntry, **kwargs):
    record(
        action=f"points.{entry.kind}",
        merchant_id=entry.merchant_id,
        actor=entry.created_by,
        subject=entry,
        summary=f"{entry.card} {entry.delta:+d} {entry.reason}".strip(),
        detail={
            "card_id": entry.card_id,
            "points": entry.delta,
            "idempotency_key": entry.idempotency_key,
        },
    )


@receiver(tier_decided)
def tier_decision(sender, decision: TierDecision, **kwargs):
    record(
        action=AuditAction.CARD_TIER,
        merchant_id=decision.merchant_id,
        actor=decision.decided_by,
        subject=decision,
        summary=f"{decision.card} {decision.from_tier} → {decision.to_tier}: {decision.reason}",
        detail={
            "card_id": decision.card_id,
            "from_tier": decision.from_tier_id,
            "to_tier": decision.to_tier_id,
        },
    )


@receiver(card_purchase_recorded)
def card_purchase(sender, purchase: Purchase, **kwargs):
    record(
        action=AuditAction.CARD_PURCHASE,
        merchant_id=purchase.merchant_id,
        actor=purchase.recorded_by,
        subject=purchase,
        summary=f"{purchase.card} {purchase.description}".strip(),
        amount=purchase.amount,
        detail={"card_id": purchase.card_id, "voids": purchase.voids_id},
    )


@receiver(coupon_redeemed)
def coupon_used(sender, redemption: Redemption, **kwargs):
    record(
        action=AuditAction.COUPON_REDEEM,
        merchant_id=redemption.merchant_id,
        actor=redemption.redeemed_by,
        subject=redemption,
        summary=f"{redemption.campaign.name} {redemption.coupon.code}",
        amount=-redemption.discount,
        detail={"bill": str(redemption.bill), "order_id": redemption.order_id},
    )


@receiver(bill_paid)
def bill_rung_up(sender, bill: Bill, **kwargs):
    tenders = list(bill.tenders.all())
    record(
        action=AuditAction.BILL_PAID,
        merchant_id=bill.merchant_id,
        actor=bill.cashier,
        subject=bill,
        summary=f"{bill.number} ¥{bill.total}",
        amount=bill.total,
        detail={
            "number": bill.number,
            "lines": bill.lines.count(),
            "tenders": [(tender.kind, str(tender.amount)) for tender in tenders],
            "member_savings": str(bill.member_savings),
            "coupon": str(bill.coupon_discount),
            "points_used": bill.points_used,
        },
    )


@receiver(bill_refunded)
def bill_given_back(sender, refund: BillRefund, **kwargs):
    record(
        action=AuditAction.BILL_REFUNDED,
        merchant_id=refund.merchant_id,
        actor=refund.refunded_by,
        subject=refund.bill,
        summary=f"{refund.bill.number} −¥{refund.amount} {refund.reason}",
        amount=-refund.amount,
        detail={
            "refund_id": refund.pk,
            "lines": [
                (line.line_id, line.quantity, str(line.amount)) for line in refund.lines.all()
            ],
            "tenders": [(tender.kind, str(tender.amount)) for tender in refund.tenders.all()],
            "points_returned": refund.points_returned,
            "points_taken_back": refund.points_taken_back,
            "points_shortfall": refund.points_shortfall,
            "coupon_restored": refund.coupon_restored,
            "reason": refund.reason,
        },
    )


@receiver(punch_card_refunded)
def punch_card_given_back(sender, entry: PunchEntry, **kwargs):
    record(
        action=AuditAction.PUNCH_CARD_REFUNDED,
        merchant_id=entry.merchant_id,
        actor=entry.created_by,
        subject=entry.card,
        summary=f"{entry.card.plan.name} {entry.card.number} −¥{entry.amount}",
        amount=-(entry.amount or 0),
        detail={"uses_taken": -entry.delta, "reason": entry.reason},
    )


@receiver(punch_card_transferred)
def punch_card_given_away(sender, entry: PunchEntry, giver, **kwargs):
    record(
        action=AuditAction.PUNCH_CARD_TRANSFERRED,
        merchant_id=entry.merchant_id,
        actor=giver,
        subject=entry.card,
        summary=f"{entry.card.plan.name} {entry.card.number}: {entry.reason}",
        detail={"uses_left": entry.card.uses_left, "to": entry.card.consumer_id},
    )


@receiver(payment_succeeded)
def payment_received(sender, payment, **kwargs):
    record(
        action=AuditAction.PAYMENT_SUCCEEDED,
        merchant_id=payment.merchant_id,
        actor=payment.payer,
        subject=payment,
        summary=f"{payment.provider} {payment.reference} ({payment.purpose})",
        amount=payment.amount,
        detail={
            "order_id": payment.order_id,
            "transaction": payment.provider_transaction,
            "provider": payment.provider,
            "reference": payment.reference,
            "purpose": payment.purpose,
        },
    )


@receiver(payment_refunded)
def payment_given_back(sender, payment, order, reason: str = "", reason_code: str = "", **kwargs):
    record(
        action=AuditAction.PAYMENT_REFUNDED,
        merchant_id=payment.merchant_id,
        subject=payment,
        summary=f"{payment.provider} {payment.reference} {reason}".strip(),
        amount=-payment.amount,
        detail={
            "order_id": getattr(order, "pk", None),
            "reason": reason,
            "reason_code": reason_code,
            "provider": payment.provider,
            "reference": payment.reference,
        },
    )


@receiver(settlement_recorded)
def settlement_entry(sender, entry: SettlementEntry, **kwargs):
    record(
        action=AuditAction.SETTLEMENT,
        merchant_id=entry.merchant_id,
        subject=entry,
        summary=f"{entry.kind} #{entry.order_id}",
        amount=entry.net,
        detail={
            "gross": str(entry.gross),
            "commission": str(entry.commission),
            "kind": entry.kind,
            "order_code": entry.order.code,
        },
    )


@receiver(staff_joined)
def staff_added(sender, staff_member: StaffMember, **kwargs):
    person = staff_member.user
    record(
        action=AuditAction.STAFF_ADDED,
        merchant_id=staff_member.merchant_id,
        subject=staff_member,
        summary=f"{person} → {Role(staff_member.role).label}",
        detail={"user_id": person.pk, "role": staff_member.role, "name": str(person)},
    )


@receiver(staff_role_changed)
def role_changed(
    sender, staff_member: StaffMember, role_before: str, active_before: bool, **kwargs
):
    person = staff_member.user
    common = {"merchant_id": staff_member.merchant_id, "subject": staff_member}
    if role_before != staff_member.role:
        record(
            action=AuditAction.STAFF_ROLE,
            summary=f"{person}: {Role(role_before).label} → {Role(staff_member.role).label}",
            detail={
                "user_id": person.pk,
                "before": role_before,
                "after": staff_member.role,
                "name": str(person),
            },
            **common,
        )
    if active_before != staff_member.is_active:
        record(
            action=AuditAction.STAFF_REACTIVATED
            if staff_member.is_active
            else AuditAction.STAFF_DEACTIVATED,
            summary=str(person),
            detail={"user_id": person.pk, "name": str(person)},
            **common,
        )


@receiver(staff_invited)
def invitation_sent(sender, invitation: StaffInvitation, **kwargs):
    record(
        action=AuditAction.STAFF_INVITED,
        merchant_id=invitation.merchant_id,
        actor=invitation.invited_by,
        subject=invitation,
        summary=f"{invitation.phone or invitation.email} → {Role(invitation.role).label}",
        detail={"role": invitation.role, "name": invitation.phone or invitation.email},
    )


@receiver(customers_reassigned)
def customers_moved(sender, merchant_id, changed_by, reason, moves, **kwargs):
    from django.contrib.auth import get_user_model

    afters = {after for _customer, _before, after in moves if after}
    names = ", ".join(str(u) for u in get_user_model().objects.filter(pk__in=afters)[:10])
    record(
        action=AuditAction.OWNERSHIP,
        merchant_id=merchant_id,
        actor=changed_by,
        summary=f"{len(moves)} → {names or '—'} {reason}".strip(),
        detail={
            "moves": [{"customer_id": c, "before": b, "after": a} for c, b, a in moves[:1000]],
            "count": len(moves),
            "reason": reason,
            "names": names,
        },
    )


@receiver(personal_data_exported)
def personal_data_downloaded(sender, user, **kwargs):
    record(action=AuditAction.PERSONAL_DATA_EXPORT, merchant_id=None, actor=user, subject=user)


@receiver(personal_data_erased)
def personal_data_gone(sender, user_id, **kwargs):
    record(
        action=AuditAction.PERSONAL_DATA_ERASURE,
        merchant_id=None,
        summary=f"#{user_id}",
        detail={"user_id": user_id},
    )
