"""The audit log: who moved value or changed who may do what, when, and from where.

Append-only, enforced by the database (a trigger refuses UPDATE and DELETE on PostgreSQL and
UPDATE on SQLite) as well as by the model. Rows keep plain ids of the merchant and the person,
not foreign-key constraints: a log must outlive what it talks about, and it is sharded with the
merchant's other rows (ARCHITECTURE, scale-out).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VALUE_TOPUP = "value.topup", _("Stored value topped up")
    VALUE_SPEND = "value.spend", _("Paid with stored value")
    VALUE_REFUND = "value.refund", _("Stored value refunded")
    VALUE_VOID = "value.void", _("Stored value entry voided")
    VALUE_RETURN = "value.return", _("Stored value put back by a bill refund")
    POINTS_EARN = "points.earn", _("Points earned")
    POINTS_SPEND = "points.spend", _("Points spent")
    POINTS_ADJUST = "points.adjust", _("Points adjusted")
    POINTS_EXPIRE = "points.expire", _("Points expired")
    POINTS_VOID = "points.void", _("Points voided")
    CARD_PURCHASE = "card.purchase", _("Purchase recorded on a card")
    CARD_TIER = "card.tier", _("Card tier set by decision")
    COUPON_REDEEM = "coupon.redeem", _("Coupon redeemed")
    BILL_PAID = "bill.paid", _("Bill paid at the counter")
    BILL_REFUNDED = "bill.refunded", _("Bill refunded at the counter")
    PUNCH_CARD_REFUNDED = "punchcard.refund", _("Punch card refunded")
    PUNCH_CARD_TRANSFERRED = "punchcard.transfer", _("Punch card given to someone else")
    PAYMENT_SUCCEEDED = "payment.succeeded", _("Payment received")
    PAYMENT_REFUNDED = "payment.refunded", _("Payment refunded")
    SETTLEMENT = "settlement", _("Settlement entry")
    STAFF_ADDED = "staff.added", _("Staff member added")
    STAFF_ROLE = "staff.role", _("Staff role changed")
    STAFF_DEACTIVATED = "staff.deactivated", _("Staff access ended")
    STAFF_REACTIVATED = "staff.reactivated", _("Staff access restored")
    STAFF_INVITED = "staff.invited", _("Staff member invited")
    OWNERSHIP = "customers.reassigned", _("Customers reassigned")
    PERSONAL_DATA_EXPORT = "privacy.export", _("Personal data downloaded")
    PERSONAL_DATA_ERASURE = "privacy.erasure", _("Personal data erased")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"))
    merchant_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(_("who"), max_length=120, blank=True)
    action = models.CharField(_("what"), max_length=40, choices=AuditAction.choices)
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    address = models.CharField(_("from where"), max_length=45, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["merchant_id", "at"], name="audit_merchant_time")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The audit log is append-only.")
