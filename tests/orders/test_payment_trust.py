"""Money that moves without being paid, and money paid for nothing: the sandbox gateway is off in
production, and a payment that arrives for an order that is gone goes back to the payer."""

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import pytest

from regulars.audit.models import AuditAction, AuditEvent
from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.membership import services as card_services
from regulars.membership.models import Card, CardStatus
from regulars.orders import payments, services
from regulars.orders.models import Order, OrderStatus, Payment, PaymentStatus
from tests.orders.test_orders import pay_by_sandbox
from tests.security.test_web_security import ROOT, _production_environment

pytestmark = pytest.mark.django_db


def online_order(consumer, salon):
    _owner, store, haircut, _wash = salon
    order, _pay_url = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    return order


def test_without_the_sandbox_nothing_is_paid_by_it(client, settings, salon, consumer):
    order = online_order(consumer, salon)  # started while the sandbox was on (a staging site)
    settings.REGULARS_SANDBOX_PAYMENTS = False
    _owner, store, haircut, _wash = salon
    assert [key for key, _label in payments.choices_for(consumer, store.merchant_id)] == ["store"]
    with pytest.raises(DomainError) as refused:
        services.place_order(
            consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
        )
    assert refused.value.code == "unavailable_payment_method"
    # Without a method the order takes the first the buyer has: the counter.
    at_the_counter, pay_url = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)]
    )
    assert at_the_counter.payment_method == "store" and pay_url is None
    # A correctly signed callback is not believed, and the gateway page is gone.
    provider = payments.PROVIDERS["sandbox"]
    payment = order.payments.get()
    body = provider.callback_body(payment=payment, event_id="evt_forged")
    answer = client.post(
        "/api/v1/payments/sandbox/callback",
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=provider.sign(body),
    )
    assert answer.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    client.force_login(consumer)
    assert client.get(f"/pay/sandbox/{payment.reference}/").status_code == 404


def test_without_an_online_provider_a_top_up_is_refused_clearly(settings, consumer, salon):
    owner = salon[0]
    card_services.design_program(actor=owner, title="会员卡", published=True)
    card = card_services.apply_for_card(consumer=consumer, merchant_id=owner.merchant.pk)
    settings.REGULARS_SANDBOX_PAYMENTS = False
    with pytest.raises(DomainError) as refused:
        card_services.start_online_top_up(consumer=consumer, card_id=card.pk, amount="100")
    assert refused.value.code == "no_online_payment"
    assert not Payment.objects.exists()


def _settings_probe(**env) -> str:
    probe = "from django.conf import settings as s; print(s.REGULARS_SANDBOX_PAYMENTS)"
    finished = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", probe],
        cwd=ROOT,
        env=_production_environment(**env),
        capture_output=True,
        text=True,
    )
    return finished.stdout.strip() or finished.stderr


def _deploy_check(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=_production_environment(**env),
        capture_output=True,
        text=True,
    )


def test_production_keeps_the_sandbox_off_unless_asked_with_a_secret_of_its_own(tmp_path):
    assert _settings_probe(var_dir=tmp_path) == "False"
    assert _settings_probe(var_dir=tmp_path, REGULARS_SANDBOX_PAYMENTS="1") == "False"
    refused = _deploy_check(var_dir=tmp_path, REGULARS_SANDBOX_PAYMENTS="1")
    assert refused.returncode != 0 and "regulars.E002" in refused.stderr
    own = {"REGULARS_SANDBOX_PAYMENTS": "1", "REGULARS_SANDBOX_PAY_SECRET": "staging-3f9a1c"}
    assert _settings_probe(var_dir=tmp_path, **own) == "True"
    assert "regulars.E002" not in _deploy_check(var_dir=tmp_path, **own).stderr


def _refund_lines(payment) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.PAYMENT_REFUNDED, subject_id=payment.pk)
    )


def test_a_payment_after_the_buyer_cancelled_goes_back_and_is_recorded(client, salon, consumer):
    order = online_order(consumer, salon)
    services.cancel_order(consumer=consumer, order_id=order.pk)
    assert pay_by_sandbox(order, event_id="evt_late") == "applied"
    order.refresh_from_db()
    payment = order.payments.get()
    assert order.status == OrderStatus.CANCELLED and payment.status == PaymentStatus.REFUNDED
    [line] = _refund_lines(payment)
    assert line.amount == Decimal("-68.00") and line.detail["reason_code"] == "late_payment"
    # A replay of the same notification refunds nothing twice.
    assert pay_by_sandbox(order, event_id="evt_late") == "duplicate"
    assert len(_refund_lines(payment)) == 1
    # The buyer sees it on the order, on the page and in the API.
    client.force_login(consumer)
    assert "has been refunded" in client.get(f"/me/orders/{order.pk}/").content.decode()
    answer = client.get(f"/api/v1/orders/{order.pk}").json()
    assert answer["payments"] == [{"provider": "sandbox", "amount": "68.00", "status": "refunded"}]


def test_a_payment_after_the_order_expired_unpaid_goes_back(salon, consumer):
    order = online_order(consumer, salon)
    services.expire_orders(now=clock.now() + dt.timedelta(minutes=31))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    pay_by_sandbox(order)
    assert order.payments.get().status == PaymentStatus.REFUNDED


def test_failed_then_succeeded_ends_paid_and_succeeded_then_failed_stays_paid(salon, consumer):
    order = online_order(consumer, salon)
    pay_by_sandbox(order, event_id="evt_fail", succeeded=False)
    assert order.payments.get().status == PaymentStatus.FAILED
    pay_by_sandbox(order, event_id="evt_ok")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.get().status == PaymentStatus.SUCCEEDED
    pay_by_sandbox(order, event_id="evt_fail_late", succeeded=False)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.get().status == PaymentStatus.SUCCEEDED


def test_a_top_up_for_a_card_suspended_meanwhile_goes_back(salon, consumer):
    owner = salon[0]
    card_services.design_program(actor=owner, title="会员卡", published=True)
    card = card_services.apply_for_card(consumer=consumer, merchant_id=owner.merchant.pk)
    card_services.start_online_top_up(consumer=consumer, card_id=card.pk, amount="100")
    Card.objects.filter(pk=card.pk).update(status=CardStatus.SUSPENDED)
    payment = Payment.objects.get()
    provider = payments.PROVIDERS["sandbox"]
    body = provider.callback_body(payment=payment, event_id="evt_topup")
    services.handle_callback(provider_key="sandbox", body=body, signature=provider.sign(body))
    payment.refresh_from_db()
    card.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and card.balance == 0
    assert len(_refund_lines(payment)) == 1
    assert not Order.objects.exists()
