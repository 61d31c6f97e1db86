"""Alipay end to end against a local fake of its open-platform gateway (generated RSA2 keys, no
network): the cashier redirect signed, a notification applied once and answered "success",
tampered and foreign notifications refused, a lost notification found on the buyer's return and
by the daily reconciliation, refunds."""

import base64
import datetime as dt
import json
import secrets
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from regulars.core import clock
from regulars.orders import alipay, services
from regulars.orders.models import OrderStatus, PaymentEvent, PaymentStatus
from tests.fakes import serving
from tests.orders.wechat_fake import new_key, pem

pytestmark = pytest.mark.django_db

APP_ID = "2021000000000001"
CALLBACK = "/api/v1/payments/alipay/callback"


def sign(key, content: str) -> str:
    return base64.b64encode(
        key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()


def canonical(params: dict) -> str:
    """Written apart from the product's: sorted, `k=v` joined by &, sign fields and blanks out."""
    kept = {k: v for k, v in params.items() if k not in ("sign", "sign_type") and v != ""}
    return "&".join(f"{k}={kept[k]}" for k in sorted(kept))


def bare(public_key) -> str:
    """A public key as Alipay's console shows it: base64 without PEM lines."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


class AlipayFake(BaseHTTPRequestHandler):
    app_public_key = None
    alipay_key = None
    trades: dict = {}
    refunds: list = []

    @classmethod
    def signed_by_app(cls, params: dict) -> bool:
        try:
            cls.app_public_key.verify(
                base64.b64decode(params["sign"]),
                canonical(params).encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:  # noqa: BLE001 - any failure is a refusal
            return False
        return params.get("app_id") == APP_ID and params.get("sign_type") == "RSA2"

    @classmethod
    def open(cls, params: dict) -> None:
        """The buyer arrived at the cashier with these parameters."""
        biz = json.loads(params["biz_content"])
        cls.trades[biz["out_trade_no"]] = {"total": biz["total_amount"], "status": "WAIT_BUYER_PAY"}

    @classmethod
    def pay(cls, reference: str) -> None:
        cls.trades[reference].update(
            status="TRADE_SUCCESS", trade_no=f"2026112322001{len(cls.trades):08d}"
        )

    @classmethod
    def notification(cls, reference: str, *, key=None, **changes) -> bytes:
        trade = cls.trades[reference]
        form = {
            "notify_time": "2026-11-23 12:00:00",
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "app_id": APP_ID,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "trade_no": trade["trade_no"],
            "out_trade_no": reference,
            "trade_status": trade["status"],
            "total_amount": trade["total"],
            "receipt_amount": trade["total"],
            "subject": "鑫安美发",
            **changes,
        }
        form["sign"] = sign(key or cls.alipay_key, canonical(form))
        return urlencode(form).encode()

    def _answer(self, name: str, payload: dict) -> None:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        body = f'{{"{name}":{text},"sign":"{sign(self.alipay_key, text)}"}}'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
        name = params.get("method", "").replace(".", "_") + "_response"
        if not self.signed_by_app(params):
            return self._answer(
                name,
                {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"},
            )
        biz = json.loads(params["biz_content"])
        trade = AlipayFake.trades.get(biz["out_trade_no"])
        if trade is None:
            return self._answer(
                name, {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
            )
        if params["method"] == "alipay.trade.query":
            found = {
                "code": "10000",
                "msg": "Success",
                "out_trade_no": biz["out_trade_no"],
                "trade_status": trade["status"],
                "total_amount": trade["total"],
                "buyer_pay_amount": trade["total"],
                "fund_bill_list": [{"amount": trade["total"], "fund_channel": "ALIPAYACCOUNT"}],
            }
            if trade.get("trade_no"):
                found["trade_no"] = trade["trade_no"]
            return self._answer(name, found)
        if params["method"] == "alipay.trade.refund":
            if trade["status"] != "TRADE_SUCCESS":
                return self._answer(
                    name,
                    {
                        "code": "40004",
                        "msg": "Business Failed",
                        "sub_code": "ACQ.TRADE_STATUS_ERROR",
                    },
                )
            if not any(r["out_request_no"] == biz["out_request_no"] for r in AlipayFake.refunds):
                AlipayFake.refunds.append(biz)
            return self._answer(
                name,
                {
                    "code": "10000",
                    "msg": "Success",
                    "fund_change": "Y",
                    "refund_fee": biz["refund_amount"],
                    "out_trade_no": biz["out_trade_no"],
                },
            )
        return self._answer(name, {"code": "40004", "sub_code": "isv.invalid-method"})

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    app_key, alipay_key = new_key(), new_key()
    AlipayFake.app_public_key, AlipayFake.alipay_key = app_key.public_key(), alipay_key
    AlipayFake.trades, AlipayFake.refunds = {}, []
    with serving(AlipayFake) as url:
        settings.REGULARS_ALIPAY_URL = url + "/gateway.do"
        settings.REGULARS_ALIPAY_APP_ID = APP_ID
        settings.REGULARS_ALIPAY_PRIVATE_KEY = pem(app_key)
        settings.REGULARS_ALIPAY_PUBLIC_KEY = bare(alipay_key.public_key())
        settings.REGULARS_PUBLIC_URL = "https://regulars.example.cn"
        yield AlipayFake


def at_the_cashier(client, salon, consumer, *, phone=False):
    _owner, store, haircut, _wash = salon
    order, redirect = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="alipay"
    )
    client.force_login(consumer)
    agent = "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36" if phone else "Mozilla/5.0"
    answer = client.get(redirect, HTTP_USER_AGENT=agent)
    assert answer.status_code == 302
    params = dict(parse_qsl(urlsplit(answer["Location"]).query, keep_blank_values=True))
    return order, order.payments.get(), params


def notify(client, body: bytes):
    return client.post(CALLBACK, body, content_type="application/x-www-form-urlencoded")


def test_the_cashier_redirect_is_signed_and_the_notification_pays_once(
    client, gateway, salon, consumer
):
    order, payment, params = at_the_cashier(client, salon, consumer)
    assert gateway.signed_by_app(params) and params["method"] == "alipay.trade.page.pay"
    assert json.loads(params["biz_content"])["total_amount"] == "68.00"
    assert params["notify_url"] == "https://regulars.example.cn/api/v1/payments/alipay/callback"
    gateway.open(params)
    gateway.pay(payment.reference)
    body = gateway.notification(payment.reference)
    answer = notify(client, body)
    assert answer.status_code == 200 and answer.content == b"success"  # or Alipay resends
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert notify(client, body).content == b"success"  # a resent notification: nothing new
    assert PaymentEvent.objects.filter(payment=payment).count() == 1


def test_a_phone_goes_to_the_phone_cashier(client, gateway, salon, consumer):
    _order, _payment, params = at_the_cashier(client, salon, consumer, phone=True)
    assert params["method"] == "alipay.trade.wap.pay"
    assert json.loads(params["biz_content"])["product_code"] == "QUICK_WAP_WAY"


def test_tampered_forged_or_foreign_notifications_are_refused(client, gateway, salon, consumer):
    order, payment, params = at_the_cashier(client, salon, consumer)
    gateway.open(params)
    gateway.pay(payment.reference)
    body = gateway.notification(payment.reference).decode()
    tampered = body.replace("total_amount=68.00", "total_amount=0.01")
    assert notify(client, tampered.encode()).status_code == 400
    assert notify(client, gateway.notification(payment.reference, key=new_key())).status_code == 400
    foreign = gateway.notification(payment.reference, app_id="2021999999999999")
    assert notify(client, foreign).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and not PaymentEvent.objects.exists()


def test_a_lost_notification_is_found_on_return_and_by_the_daily_pass(
    client, gateway, salon, consumer
):
    order, payment, params = at_the_cashier(client, salon, consumer)
    gateway.open(params)
    gateway.pay(payment.reference)  # paid; the notification is lost
    back = client.get(params["return_url"].removeprefix("http://testserver"))
    assert back.status_code == 302 and back["Location"] == f"/me/orders/{order.pk}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    # A second buyer whose notification is lost and who never comes back: the daily pass.
    other, other_payment, other_params = at_the_cashier(client, salon, consumer)
    gateway.open(other_params)
    gateway.pay(other_payment.reference)
    found = services.reconcile_payments(now=clock.now() + dt.timedelta(minutes=10))
    assert (found.completed, found.mismatches) == (1, [])
    other.refresh_from_db()
    assert other.status == OrderStatus.PAID


def test_a_refund_goes_to_alipay_once(client, gateway, salon, consumer):
    order, payment, params = at_the_cashier(client, salon, consumer)
    gateway.open(params)
    gateway.pay(payment.reference)
    notify(client, gateway.notification(payment.reference))
    services.refund_order(consumer=consumer, order_id=order.pk)
    assert gateway.refunds == [
        {
            "out_trade_no": payment.reference,
            "refund_amount": "68.00",
            "out_request_no": f"r{payment.reference}",
        }
    ]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED


def test_an_answer_not_signed_by_alipay_is_not_believed(gateway, salon, consumer, client):
    _order, payment, params = at_the_cashier(client, salon, consumer)
    gateway.open(params)
    gateway.alipay_key = new_key()
    with pytest.raises(alipay.AlipayError, match="not signed by Alipay"):
        alipay.query(alipay.App.from_settings(), payment.reference)


def test_the_signed_text_is_cut_out_exactly():
    text = '{"x_response":{"msg":"a\\"}{","list":[{"n":1}]},"sign":"s"}'
    assert alipay.signed_text(text, "x_response") == '{"msg":"a\\"}{","list":[{"n":1}]}'
