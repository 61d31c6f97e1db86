"""What goes into the audit log, gathered in one place: every ledger row, coupon redemption,
payment, refund and settlement entry, and every change of who may do what or who looks after
which customer. Each app announces these through its models or signals; this app listens."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from regulars.accounts.signals import personal_data_erased, personal_data_exported
from regulars.core.observability import BUSINESS_EVENTS
from regulars.crm.signals import customers_reassigned
from regulars.membership.models import PointsEntry, Purchase, TierDecision, ValueEntry
from regulars.membership.signals import card_purchase_recorded
from regulars.merchants.models import Membership, Role, StaffInvitation
from regulars.orders.models import SettlementEntry
from regulars.orders.signals import payment_refunded, payment_succeeded
from regulars.promotions.models import Redemption
from regulars.promotions.signals import coupon_redeemed

from .models import AuditAction
from .services import record


@receiver(post_save, sender=ValueEntry)
def stored_value_moved(sender, instance: ValueEntry, created: bool, **kwargs):
    if created and getattr(instance, "written_by_statement", False):
        BUSINESS_EVENTS.labels(f"value.{instance.kind}").inc()  # its line is already written
    elif created:
        record(
            action=f"value.{instance.kind}",
            merchant_id=instance.merchant_id,
            actor=instance.created_by,
            subject=instance,
            summary=f"{instance.card} {instance.reason}".strip(),
            amount=instance.principal_delta + instance.bonus_delta,
            detail={
                "card_id": instance.card_id,
                "principal": str(instance.principal_delta),
                "bonus": str(instance.bonus_delta),
                "idempotency_key": instance.idempotency_key,
            },
        )


@receiver(post_save, sender=PointsEntry)
def points_moved(sender, instance: PointsEntry, created: bool, **kwargs):
    if created:
        record(
            action=f"points.{instance.kind}",
            merchant_id=instance.merchant_id,
            actor=instance.created_by,
            subject=instance,
            summary=f"{instance.card} {instance.delta:+d} {instance.reason}".strip(),
            detail={
                "card_id": instance.card_id,
                "points": instance.delta,
                "idempotency_key": instance.idempotency_key,
            },
        )


@receiver(post_save, sender=TierDecision)
def tier_decided(sender, instance: TierDecision, created: bool, **kwargs):
    if created:
        record(
            action=AuditAction.CARD_TIER,
            merchant_id=instance.merchant_id,
            actor=instance.decided_by,
            subject=instance,
            summary=f"{instance.card} {instance.from_tier} → {instance.to_tier}: {instance.reason}",
            detail={
                "card_id": instance.card_id,
                "from_tier": instance.from_tier_id,
                "to_tier": instance.to_tier_id,
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


@receiver(post_save, sender=SettlementEntry)
def settlement_entry(sender, instance: SettlementEntry, created: bool, **kwargs):
    if created:
        record(
            action=AuditAction.SETTLEMENT,
            merchant_id=instance.merchant_id,
            subject=instance,
            summary=f"{instance.kind} #{instance.order_id}",
            amount=instance.net,
            detail={
                "gross": str(instance.gross),
                "commission": str(instance.commission),
                "kind": instance.kind,
                "order_code": instance.order.code,
            },
        )


@receiver(pre_save, sender=Membership)
def remember_role_before(sender, instance: Membership, **kwargs):
    before = None
    if instance.pk:
        before = Membership.objects.filter(pk=instance.pk).values("role", "is_active").first()
    instance._audit_before = before


@receiver(post_save, sender=Membership)
def role_changed(sender, instance: Membership, created: bool, **kwargs):
    before = getattr(instance, "_audit_before", None)
    person = instance.user
    common = {"merchant_id": instance.merchant_id, "subject": instance}
    if created or before is None:
        record(
            action=AuditAction.STAFF_ADDED,
            summary=f"{person} → {Role(instance.role).label}",
            detail={"user_id": person.pk, "role": instance.role, "name": str(person)},
            **common,
        )
        return
    if before["role"] != instance.role:
        record(
            action=AuditAction.STAFF_ROLE,
            summary=f"{person}: {Role(before['role']).label} → {Role(instance.role).label}",
            detail={
                "user_id": person.pk,
                "before": before["role"],
                "after": instance.role,
                "name": str(person),
            },
            **common,
        )
    if before["is_active"] != instance.is_active:
        record(
            action=AuditAction.STAFF_REACTIVATED
            if instance.is_active
            else AuditAction.STAFF_DEACTIVATED,
            summary=str(person),
            detail={"user_id": person.pk, "name": str(person)},
            **common,
        )


@receiver(post_save, sender=StaffInvitation)
def staff_invited(sender, instance: StaffInvitation, created: bool, **kwargs):
    if created:
        record(
            action=AuditAction.STAFF_INVITED,
            merchant_id=instance.merchant_id,
            actor=instance.invited_by,
            subject=instance,
            summary=f"{instance.phone or instance.email} → {Role(instance.role).label}",
            detail={"role": instance.role, "name": instance.phone or instance.email},
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
