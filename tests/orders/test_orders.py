import datetime as dt
from decimal import Decimal

import pytest

from regulars.core import clock, codes
from regulars.core.errors import DomainError
from regulars.merchants.models import Role
from regulars.merchants.permissions import StaffContext
from regulars.orders import payments, services
from regulars.orders.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
    SettlementEntry,
)
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def pay_by_sandbox(order: Order, event_id: str = "evt_1", succeeded: bool = True) -> str:
    payment = order.payments.get()
    provider = payments.PROVIDERS["sandbox"]
    body = provider.callback_body(payment=payment, event_id=event_id, succeeded=succeeded)
    return services.handle_callback(
        provider_key="sandbox", body=body, signature=provider.sign(body)
    )


def test_an_order_totals_its_lines_in_decimal_and_gets_a_checked_code(salon, consumer):
    _owner, store, haircut, wash = salon
    order, redirect = services.place_order(
        consumer=consumer,
        store_id=store.pk,
        lines=[(haircut.pk, 2), (wash.pk, 1)],
        payment_method="sandbox",
    )
    assert order.total == Decimal("264.50")
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert codes.is_well_formed(order.code)
    assert redirect == f"/pay/sandbox/{order.payments.get().reference}/"
    assert [(line.name, line.quantity, line.amount) for line in order.lines.all()] == [
        ("洗剪吹", 2, Decimal("136.00")),
        ("精洗打蜡", 1, Decimal("128.50")),
    ]


def test_a_signed_callback_pays_once_however_often_it_is_replayed(salon, consumer):
    _owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    results = [pay_by_sandbox(order) for _ in range(10)]
    assert results == ["applied"] + ["duplicate"] * 9
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert PaymentEvent.objects.count() == 1
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED


def test_a_forged_callback_changes_nothing(salon, consumer):
    _owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    body = payments.PROVIDERS["sandbox"].callback_body(
        payment=order.payments.get(), event_id="evt_x"
    )
    with pytest.raises(DomainError, match="signature"):
        services.handle_callback(provider_key="sandbox", body=body, signature="0" * 64)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and not PaymentEvent.objects.exists()


def test_the_cashier_confirms_a_paid_order_once_and_settlement_follows(salon, consumer):
    owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order)
    cashier = StaffContext(user=owner.user, merchant=owner.merchant, role=Role.CASHIER)
    confirmed = services.confirm_consumption(actor=cashier, code=codes.grouped(order.code))
    assert confirmed.status == OrderStatus.CONSUMED
    entry = SettlementEntry.objects.get()
    assert (entry.gross, entry.commission, entry.net) == (
        Decimal("68.00"),
        Decimal("2.04"),
        Decimal("65.96"),
    )
    with pytest.raises(DomainError, match="already used"):
        services.confirm_consumption(actor=cashier, code=order.code)
    assert SettlementEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [("1234", "not a valid order code"), ("123456789012", None)],
)
def test_wrong_codes_are_refused_with_a_reason(salon, consumer, typed, message):
    owner, _store, _haircut, _wash = salon
    with pytest.raises(DomainError) as refused:
        services.confirm_consumption(actor=owner, code=typed)
    assert refused.value.field == "code"
    if message:
        assert message in str(refused.value.message)


def test_an_unpaid_online_order_cannot_be_consumed(salon, consumer):
    owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    with pytest.raises(DomainError, match="not paid"):
        services.confirm_consumption(actor=owner, code=order.code)


def test_pay_at_store_orders_are_paid_and_consumed_at_the_counter(salon, consumer):
    owner, store, haircut, _wash = salon
    order, redirect = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="store"
    )
    assert redirect is None
    confirmed = services.confirm_consumption(actor=owner, code=order.code, collect_payment=True)
    assert confirmed.status == OrderStatus.CONSUMED and confirmed.paid_at is not None


def test_another_merchants_cashier_cannot_use_the_code(salon, consumer, owner_b):
    _owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order)
    with pytest.raises(DomainError, match="No order of this shop"):
        services.confirm_consumption(actor=owner_b, code=order.code)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_the_consumer_confirms_receipt_and_the_order_completes(salon, consumer):
    _owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    with pytest.raises(DomainError):
        services.confirm_receipt(consumer=consumer, order_id=order.pk)  # not paid
    pay_by_sandbox(order)
    done = services.confirm_receipt(consumer=consumer, order_id=order.pk)
    assert done.status == OrderStatus.COMPLETED
    assert SettlementEntry.objects.filter(order=order).count() == 1


def test_refunds_return_unused_paid_orders_only(salon, consumer):
    owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order)
    refunded = services.refund_order(consumer=consumer, order_id=order.pk)
    assert refunded.status == OrderStatus.REFUNDED
    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    with pytest.raises(DomainError):
        services.confirm_consumption(actor=owner, code=order.code)
    used, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(used, event_id="evt_2")
    services.confirm_consumption(actor=owner, code=used.code)
    with pytest.raises(DomainError, match="Only paid, unused"):
        services.refund_order(consumer=consumer, order_id=used.pk)


def test_housekeeping_expires_refunds_cancels_and_completes(salon, consumer):
    owner, store, haircut, _wash = salon
    unused, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(unused)
    unpaid, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    used, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(used, event_id="evt_3")
    services.confirm_consumption(actor=owner, code=used.code)
    later = clock.now() + dt.timedelta(days=120)
    result = services.expire_orders(now=later)
    assert result == {"expired": 1, "cancelled": 1, "completed": 1}
    statuses = {o.pk: o.status for o in Order.objects.all()}
    assert statuses == {
        unused.pk: OrderStatus.EXPIRED,
        unpaid.pk: OrderStatus.CANCELLED,
        used.pk: OrderStatus.COMPLETED,
    }


@pytest.mark.parametrize(
    ("lines", "method", "message"),
    [
        ([], "sandbox", "at least one"),
        ([("wash", 0)], "sandbox", "Quantity"),
        ([("wash", 1)], "bitcoin", "way of paying is not available"),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_created(salon, consumer, lines, method, message):
    _owner, store, _haircut, wash = salon
    lines = [(wash.pk, quantity) for _name, quantity in lines]
    with pytest.raises(DomainError, match=message):
        services.place_order(
            consumer=consumer, store_id=store.pk, lines=lines, payment_method=method
        )
    assert not Order.objects.exists()


def test_items_of_another_store_cannot_be_smuggled_into_an_order(salon, consumer, owner_b):
    from regulars.merchants import services as merchant_services
    from tests.conftest import make_store

    _owner, store, _haircut, _wash = salon
    other = make_store(owner_b, name="别家", category="barber")
    foreign = merchant_services.create_item(
        actor=owner_b,
        store_id=other.pk,
        data=merchant_services.ItemInput(name="x", price="1", buyable=True),
    )
    with pytest.raises(DomainError, match="not sold by this store"):
        services.place_order(
            consumer=consumer, store_id=store.pk, lines=[(foreign.pk, 1)], payment_method="sandbox"
        )
    assert make_person  # keep the helper import used
