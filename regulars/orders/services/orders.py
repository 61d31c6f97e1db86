"""Writes for orders, payments and settlement.

Concurrency: an order's state changes through conditional UPDATEs (`... WHERE status = 'paid'`),
so of two cashiers scanning one code at once only one changes the row.
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock, codes
from regulars.core.errors import DomainError, NotFound
from regulars.core.money import to_money
from regulars.merchants.models import CatalogItem, Store
from regulars.merchants.permissions import Action, StaffContext
from regulars.orders.errors import Problem
from regulars.team.models import TeamMember

from .. import discounts as discounts_registry
from .. import payments, selectors
from ..events import payment_refunded, payment_succeeded, settlement_recorded
from ..models import (
    USED_STATUSES,
    Order,
    OrderDiscount,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
    SettlementEntry,
    SettlementKind,
)
from .reservations import refuse_discovery_only

MAX_QUANTITY = 99


# ---- orders --------------------------------------------------------------------------------


def _unique_code() -> str:
    for _attempt in range(10):
        code = codes.new_code()
        if not Order.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not draw a unique order code")  # 10 collisions in 10^11: never


def place_order(
    *,
    consumer,
    store_id: int,
    lines: list[tuple[int, int]],
    payment_method: str = "",
    discounts: dict[str, dict] | None = None,
    now: dt.datetime | None = None,
) -> tuple[Order, str | None]:
    """Create an order for services of one store; returns it and where to pay (None at the store
    or when discounts cover everything). `discounts` maps a discount source ("points", "coupon")
    to what the buyer asked of it; without a payment method, the first one the buyer has."""
    now = now or clock.now()
    store = (
        Store.objects.select_related("category", "category__parent", "merchant")
        .filter(pk=store_id, is_active=True, merchant__is_active=True)
        .first()
    )
    if store is None:
        raise NotFound(_("No such store."))
    provider = payments.provider(
        payment_method or payments.default_for(consumer, store.merchant_id)
    )
    refuse_discovery_only(store)
    order_lines, total = _priced_lines(store, lines)
    # The member price first (it applies by itself), then what the buyer asked for, on what is
    # left. Quotes check each discount before anything is written (a wrong card password still
    # counts).
    quotes = discounts_registry.automatic_quotes(
        consumer=consumer, store=store, lines=order_lines, subtotal=total
    )
    after_member_price = total - sum((quote.amount for quote in quotes), Decimal("0.00"))
    quotes += [
        discounts_registry.requested(key).quote(
            consumer=consumer,
            store=store,
            lines=order_lines,
            subtotal=after_member_price,
            params=params or {},
        )
        for key, params in (discounts or {}).items()
    ]
    discount = sum((quote.amount for quote in quotes), Decimal("0.00"))
    if discount > total:
        raise DomainError(
            _("The discounts exceed the order's total."),
            field="discounts",
            code=Problem.OUT_OF_RANGE,
        )
    return _create_order(consumer, store, order_lines, total, quotes, provider, now)


@dataclass(frozen=True)
class PricedLine:
    item: CatalogItem
    quantity: int
    amount: Decimal


MAX_LINES = 30


def _priced_lines(store: Store, lines: list[tuple[int, int]]) -> tuple[list[PricedLine], Decimal]:
    if not lines:
        raise DomainError(
            _("Choose at least one service."), field="lines", code=Problem.OUT_OF_RANGE
        )
    if len(lines) > MAX_LINES:
        raise DomainError(
            _("At most %(n)d different services in one order.") % {"n": MAX_LINES},
            field="lines",
            code=Problem.OUT_OF_RANGE,
        )
    items = CatalogItem.objects.in_bulk([item_id for item_id, _quantity in lines])
    priced, total = [], Decimal("0.00")
    for item_id, quantity in lines:
        item = items.get(item_id)
        if item is None or item.store_id != store.pk or not item.is_active:
            raise DomainError(
                _("This service is not sold by this store."),
                field="lines",
                code=Problem.UNKNOWN_CHOICE,
            )
        if not item.buyable:
            raise DomainError(
                _("“%(name)s” cannot be bought online.") % {"name": item.name},
                field="lines",
                code=Problem.NOT_ALLOWED,
            )
        if not 1 <= int(quantity) <= MAX_QUANTITY:
            raise DomainError(
                _("Quantity must be between 1 and %(n)d.") % {"n": MAX_QUANTITY},
                field="quantity",
                code=Problem.OUT_OF_RANGE,
            )
        amount = to_money(item.price * int(quantity))
        total += amount
        priced.append(PricedLine(item, int(quantity), amount))
    return priced, total


@transaction.atomic
def _create_order(consumer, store, order_lines, total, quotes, provider, now):
    discount = sum((quote.amount for quote in quotes), Decimal("0.00"))
    fully_discounted = discount == total
    order = Order.objects.create(
        merchant=store.merchant,
        store=store,
        consumer=consumer,
        total=total,
        discount=discount,
        payment_method=provider.key,
        code=_unique_code(),
        expires_at=now + dt.timedelta(days=store.merchant.order_validity_days),
        status=OrderStatus.PAID if fully_discounted else OrderStatus.PENDING_PAYMENT,
        paid_at=now if fully_discounted else None,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            merchant=store.merchant,
            order=order,
            item=line.item,
            name=line.item.name,
            unit_price=line.item.price,
            quantity=line.quantity,
            amount=line.amount,
        )
        for line in order_lines
    )
    for quote in quotes:
        reference = discounts_registry.source(quote.source).apply(order=order, quote=quote)
        OrderDiscount.objects.create(
            merchant=store.merchant,
            order=order,
            source=quote.source,
            amount=quote.amount,
            label=quote.label[:120],
            reference=reference[:80],
        )
    redirect = None
    if provider.online and not fully_discounted:
        payment = Payment.objects.create(
            merchant=store.merchant,
            order=order,
            payer=consumer,
            provider=provider.key,
            amount=order.amount_due,
            reference="pay_" + secrets.token_hex(12),
        )
        redirect = provider.start(payment)
    return order, redirect


def _release_discounts(order: Order) -> None:
    """The order will not be used: every discount source gives back what it took, once."""
    for discount in order.discounts.all():
        discounts_registry.source(discount.source).release(discount=discount)


def handle_callback(*, provider_key: str, body: bytes, signature: str = "", headers=None) -> str:
    """A payment provider's callback: verified, applied once. Returns "applied" or "duplicate".
    `headers` are the request's (providers that sign in several headers read them); `signature`
    alone stands for `X-Signature`."""
    provider = payments.provider(provider_key)
    event = provider.parse_callback(body, headers or {"X-Signature": signature})
    return apply_payment_event(provider, event)


def apply_payment_event(provider, event: "payments.CallbackEvent") -> str:
    """A verified provider event (a callback, or what reconciliation learned by asking), once."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(reference=event.reference, provider=provider.key)
            .first()
        )
        if payment is None:
            raise DomainError(_("Unknown payment."), code=Problem.UNKNOWN_PAYMENT)
        try:
            with transaction.atomic():
                PaymentEvent.objects.create(
                    payment=payment,
                    provider=provider.key,
                    event_id=event.event_id,
                    kind=event.kind,
                    payload=event.payload,
                )
        except IntegrityError:
            return "duplicate"
        if event.kind == "payment.succeeded":
            if event.amount != payment.amount:
                raise DomainError(
                    _("The paid amount does not match the order."), code=Problem.AMOUNT_MISMATCH
                )
            # The provider's word that money moved wins over an earlier "failed" for the payment.
            if payment.status in (PaymentStatus.STARTED, PaymentStatus.FAILED):
                payment.status = PaymentStatus.SUCCEEDED
                payment.provider_transaction = event.transaction
                payment.save(update_fields=["status", "provider_transaction", "updated_at"])
                _fulfil_or_give_back(payment)
        elif event.kind == "payment.failed" and payment.status == PaymentStatus.STARTED:
            payment.status = PaymentStatus.FAILED
            payment.save(update_fields=["status", "updated_at"])
    return "applied"


class _NothingToPayFor(Exception):
    """The money arrived for an order that was cancelled, expired or already paid meanwhile."""


def _fulfil_or_give_back(payment: Payment) -> None:
    """Money arrived: pay its order (or let its listener fulfil it, e.g. a card top-up). When there
    is nothing left to pay for — the buyer cancelled, the order expired, the card was closed —
    the money goes back to the payer at once and the refund is recorded."""
    try:
        with transaction.atomic():
            if payment.order_id:
                now = clock.now()
                paid = Order.objects.filter(
                    pk=payment.order_id, status=OrderStatus.PENDING_PAYMENT
                ).update(status=OrderStatus.PAID, paid_at=now, updated_at=now)
                if not paid:
                    raise _NothingToPayFor()
            payment_succeeded.send(sender=Payment, payment=payment)
    except (_NothingToPayFor, DomainError) as why:
        if isinstance(why, _NothingToPayFor):
            _give_back(payment, reason_code=LATE_PAYMENT)
        else:
            _give_back(payment, reason=str(why.message), reason_code=why.code or "")


# Why money was given back, as a code the audit log words in its reader's language.
LATE_PAYMENT = "late_payment"


def _give_back(payment: Payment, *, reason: str = "", reason_code: str = "") -> None:
    payments.PROVIDERS[payment.provider].refund(payment)
    Payment.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.REFUNDED, updated_at=clock.now()
    )
    payment.status = PaymentStatus.REFUNDED
    payment_refunded.send(
        sender=Payment,
        payment=payment,
        order=payment.order,
        reason=reason,
        reason_code=reason_code,
    )


@transaction.atomic
def record_external_payment(*, order_id: int, provider_key: str, reference: str) -> Order:
    """A provider that settles at once (stored value) reports the order paid, once."""
    provider = payments.provider(provider_key)
    order = Order.objects.select_for_update().get(pk=order_id)
    payment, created = Payment.objects.get_or_create(
        reference=reference,
        defaults={
            "merchant_id": order.merchant_id,
            "order": order,
            "payer_id": order.consumer_id,
            "provider": provider.key,
            "amount": order.amount_due,
            "status": PaymentStatus.SUCCEEDED,
        },
    )
    if created:
        Order.objects.filter(pk=order.pk, status=OrderStatus.PENDING_PAYMENT).update(
            status=OrderStatus.PAID, paid_at=clock.now(), updated_at=clock.now()
        )
    order.refresh_from_db()
    return order


def _consumed(order: Order) -> SettlementEntry:
    """Everything that follows a confirmed consumption: settlement, then listeners (member cards)."""
    from ..events import order_consumed

    entry = _settle(order)
    order_consumed.send(sender=Order, order=order)
    return entry


def _settle(order: Order) -> SettlementEntry:
    rate = order.merchant.commission_rate
    # The merchant funds its own discounts (points, coupons): the sale is what the buyer paid.
    gross = order.amount_due
    commission = to_money(gross * rate)
    entry, created = SettlementEntry.objects.get_or_create(
        idempotency_key=f"sale:{order.pk}",
        defaults={
            "merchant": order.merchant,
            "order": order,
            "kind": SettlementKind.SALE,
            "gross": gross,
            "commission_rate": rate,
            "commission": commission,
            "net": gross - commission,
        },
    )
    if created:
        settlement_recorded.send(sender=SettlementEntry, entry=entry)
    return entry


@transaction.atomic
def confirm_consumption(
    *,
    actor: StaffContext,
    code: str,
    collect_payment: bool = False,
    served_by_id: int | None = None,
) -> Order:
    """The cashier scans or types an order's code: it is consumed exactly once. Who performed the
    service is recorded (`served_by_id`; otherwise the cashier's own team profile, if any)."""
    actor.require(Action.CONFIRM_CONSUMPTION)
    served_by = _team_member(actor, served_by_id)
    code = codes.normalize_code(code)
    if not codes.is_well_formed(code):
        raise DomainError(
            _("This is not a valid order code: check the digits."),
            field="code",
            code=Problem.BAD_CODE,
        )
    codes.guard_against_guessing(f"user:{actor.user.pk}")
    order = (
        Order.objects.select_related("merchant").filter(code=code, merchant=actor.merchant).first()
    )
    if order is None:
        codes.count_wrong_code(f"user:{actor.user.pk}")
        raise DomainError(
            _("No order of this shop has this code."), field="code", code=Problem.UNKNOWN_CODE
        )
    now = clock.now()
    allowed = [OrderStatus.PAID]
    if collect_payment and order.payment_method == payments.StoreProvider.key:
        allowed.append(OrderStatus.PENDING_PAYMENT)
    if order.expires_at < now:
        raise DomainError(
            _("This order expired on %(date)s.")
            % {"date": f"{timezone.localtime(order.expires_at):%Y-%m-%d}"},
            field="code",
            code=Problem.BAD_TIME,
        )
    # One statement decides: of two cashiers scanning at once, only one changes the row.
    changed = Order.objects.filter(pk=order.pk, status__in=allowed).update(
        status=OrderStatus.CONSUMED,
        consumed_at=now,
        consumed_by=actor.user,
        served_by=served_by,
        updated_at=now,
        paid_at=order.paid_at or now,
    )
    if not changed:
        order.refresh_from_db()
        reasons = {
            OrderStatus.CONSUMED: _("This order was already used on %(date)s."),
            OrderStatus.COMPLETED: _("This order was already used on %(date)s."),
            OrderStatus.PENDING_PAYMENT: _("This order is not paid yet."),
        }
        message = reasons.get(order.status, _("This order is %(status)s."))
        raise DomainError(
            message
            % {
                "date": f"{timezone.localtime(order.consumed_at or now):%Y-%m-%d %H:%M}",
                "status": order.get_status_display(),
            },
            field="code",
            code=Problem.ALREADY_USED if order.status in USED_STATUSES else Problem.WRONG_STATE,
        )
    order.refresh_from_db()
    _consumed(order)
    return order


def _team_member(actor: StaffContext, served_by_id) -> TeamMember | None:
    if served_by_id in (None, ""):
        return TeamMember.objects.filter(
            merchant=actor.merchant, user=actor.user, is_active=True
        ).first()
    found = TeamMember.objects.filter(merchant=actor.merchant, pk=int(served_by_id)).first()
    if found is None:
        raise DomainError(
            _("Choose someone on this shop's team."),
            field="served_by_id",
            code=Problem.UNKNOWN_CHOICE,
        )
    return found


@transaction.atomic
def confirm_receipt(*, consumer, order_id: int) -> Order:
    """The buyer confirms they received the service: paid or consumed orders become completed."""
    order = selectors.consumer_order(consumer, order_id)
    now = clock.now()
    changed = Order.objects.filter(
        pk=order.pk, status__in=[OrderStatus.PAID, OrderStatus.CONSUMED]
    ).update(
        status=OrderStatus.COMPLETED,
        completed_at=now,
        consumed_at=order.consumed_at or now,
        updated_at=now,
    )
    if not changed:
        raise DomainError(
            _("This order is %(status)s.") % {"status": order.get_status_display()},
            code=Problem.WRONG_STATE,
        )
    order.refresh_from_db()
    _consumed(order)
    return order


def _refund(order: Order, final_status: str) -> Order:
    now = clock.now()
    changed = Order.objects.filter(pk=order.pk, status=OrderStatus.PAID).update(
        status=final_status, refunded_at=now, updated_at=now
    )
    if not changed:
        raise DomainError(_("Only paid, unused orders can be refunded."), code=Problem.WRONG_STATE)
    for payment in order.payments.filter(status=PaymentStatus.SUCCEEDED):
        payments.provider(payment.provider).refund(payment)
        Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.REFUNDED, updated_at=now)
        payment_refunded.send(sender=Payment, payment=payment, order=order)
    _release_discounts(order)
    order.refresh_from_db()
    return order


@transaction.atomic
def refund_order(*, consumer, order_id: int) -> Order:
    return _refund(selectors.consumer_order(consumer, order_id), OrderStatus.REFUNDED)


@transaction.atomic
def cancel_order(*, consumer, order_id: int) -> Order:
    order = selectors.consumer_order(consumer, order_id)
    changed = Order.objects.filter(pk=order.pk, status=OrderStatus.PENDING_PAYMENT).update(
        status=OrderStatus.CANCELLED, updated_at=clock.now()
    )
    if not changed:
        raise DomainError(
            _("Only unpaid orders can be cancelled; a paid one can be refunded."),
            code=Problem.WRONG_STATE,
        )
    _release_discounts(order)
    order.refresh_from_db()
    return order


def expire_orders(*, now: dt.datetime | None = None) -> dict:
    """Housekeeping: refund unused orders past validity, cancel stale unpaid ones, complete
    consumed ones the buyer never confirmed."""
    now = now or clock.now()
    expired = 0
    for order in Order.objects.filter(status=OrderStatus.PAID, expires_at__lt=now):
        with transaction.atomic():
            try:
                _refund(order, OrderStatus.EXPIRED)
                expired += 1
            except DomainError:
                continue
    stale = now - dt.timedelta(minutes=settings.REGULARS_UNPAID_ORDER_MINUTES)
    # Unpaid online orders (not pay-at-store ones) are let go after a while.
    cancelled = 0
    stale_orders = Order.objects.filter(
        status=OrderStatus.PENDING_PAYMENT, created_at__lt=stale
    ).exclude(payment_method=payments.StoreProvider.key)
    for order in stale_orders:
        with transaction.atomic():
            if Order.objects.filter(pk=order.pk, status=OrderStatus.PENDING_PAYMENT).update(
                status=OrderStatus.CANCELLED, updated_at=now
            ):
                _release_discounts(order)
                cancelled += 1
    completed = Order.objects.filter(
        status=OrderStatus.CONSUMED,
        consumed_at__lt=now - dt.timedelta(days=settings.REGULARS_AUTO_COMPLETE_DAYS),
    ).update(status=OrderStatus.COMPLETED, completed_at=now, updated_at=now)
    return {"expired": expired, "cancelled": cancelled, "completed": completed}


@transaction.atomic
def start_payment(
    *, payer, merchant_id: int, amount, purpose: str, return_url: str, provider_key: str = ""
) -> str:
    """Start an online payment that is not an order (e.g. a card top-up); returns where to pay."""
    provider = payments.provider(provider_key) if provider_key else payments.online_provider()
    if not provider.online:
        raise DomainError(
            _("Choose how to pay."), field="payment_method", code=Problem.CHOICE_REQUIRED
        )
    payment = Payment.objects.create(
        merchant_id=merchant_id,
        payer=payer,
        purpose=purpose[:40],
        return_url=return_url[:200],
        provider=provider.key,
        amount=to_money(amount),
        reference="pay_" + secrets.token_hex(12),
    )
    return provider.start(payment)


def sandbox_pay(*, reference: str, succeeded: bool = True) -> None:
    """The sandbox gateway's buyer pressed Pay (or Cancel): it sends its signed callback."""
    from ..tasks import deliver_sandbox_callback

    payment = Payment.objects.filter(
        reference=reference, provider=payments.SandboxProvider.key
    ).first()
    if payment is None or not payments.PROVIDERS["sandbox"].available():
        raise NotFound()
    provider = payments.PROVIDERS["sandbox"]
    body = provider.callback_body(
        payment=payment, event_id="evt_" + secrets.token_hex(10), succeeded=succeeded
    )
    # Asynchronous, as a real gateway's notification is; in the embedded mode it runs at once.
    transaction.on_commit(
        lambda: deliver_sandbox_callback.delay(body.decode(), provider.sign(body))
    )
