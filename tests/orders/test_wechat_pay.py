"""WeChat Pay API v3 end to end against a local fake of the platform (generated keys and
certificate, no network): pay by QR and on a phone, a notification applied once, tampered and
stale notifications refused, a lost notification completed by reconciliation, refunds."""

import base64
import datetime as dt
import html
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from regulars.core import clock
from regulars.orders import payments, services, wechatpay
from regulars.orders.models import OrderStatus, PaymentEvent, PaymentStatus
from tests.fakes import serving
from tests.orders import wechat_fake
from tests.orders.wechat_fake import WeChatPayFake

pytestmark = pytest.mark.django_db

CALLBACK = "/api/v1/payments/wechat/callback"


@pytest.fixture
def wechat(settings):
    merchant_key = wechat_fake.new_key()
    WeChatPayFake.reset(merchant_key)
    wechatpay.forget_certificates()
    with serving(WeChatPayFake) as url:
        settings.REGULARS_WECHATPAY_URL = url
        settings.REGULARS_WECHATPAY_MCHID = wechat_fake.MCHID
        settings.REGULARS_WECHATPAY_APPID = wechat_fake.APPID
        settings.REGULARS_WECHATPAY_SERIAL_NO = wechat_fake.MERCHANT_SERIAL
        settings.REGULARS_WECHATPAY_PRIVATE_KEY = wechat_fake.pem(merchant_key)
        settings.REGULARS_WECHATPAY_APIV3_KEY = wechat_fake.APIV3_KEY
        settings.REGULARS_PUBLIC_URL = "https://regulars.example.cn"
        yield WeChatPayFake
    wechatpay.forget_certificates()


def order_paid_by_wechat(salon, consumer):
    _owner, store, haircut, _wash = salon
    order, redirect = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="wechat"
    )
    return order, order.payments.get(), redirect


def post_notification(client, headers, body):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return client.post(CALLBACK, body, content_type="application/json", **extra)


def test_wechat_pay_is_offered_only_when_configured(settings, wechat, consumer, salon):
    assert ("wechat", "WeChat Pay") in payments.choices_for(consumer, salon[0].merchant.pk)
    settings.REGULARS_WECHATPAY_APIV3_KEY = "too-short"
    assert "wechat" not in dict(payments.choices_for(consumer, salon[0].merchant.pk))


def test_scan_pay_and_the_notification_pays_the_order_once(client, wechat, salon, consumer):
    order, payment, redirect = order_paid_by_wechat(salon, consumer)
    assert redirect == f"/pay/wechat/{payment.reference}/"
    client.force_login(consumer)
    page = client.get(redirect)
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.content.decode()
    placed = wechat.orders[payment.reference]
    assert placed["total"] == 6800  # ¥68.00 in fen
    assert placed["notify"] == "https://regulars.example.cn/api/v1/payments/wechat/callback"
    # The platform certificate was fetched once to check the answer, and kept.
    assert [p for _m, p, _b in wechat.requests].count("/v3/certificates") == 1

    wechat.pay(payment.reference)
    headers, body = wechat.notification(payment.reference)
    answer = post_notification(client, headers, body)
    assert answer.status_code == 200 and answer.json() == {"result": "applied"}
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID and payment.provider_transaction.startswith("42000")
    # WeChat Pay retries a notification until it hears 200: the same one again changes nothing.
    assert post_notification(client, headers, body).json() == {"result": "duplicate"}
    assert PaymentEvent.objects.filter(payment=payment).count() == 1
    # The paid order's page no longer asks for money.
    assert client.get(redirect).status_code == 302


def test_a_phone_browser_is_handed_to_wechat(client, wechat, salon, consumer):
    _order, payment, redirect = order_paid_by_wechat(salon, consumer)
    client.force_login(consumer)
    phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
    answer = client.get(redirect, HTTP_USER_AGENT=phone)
    assert answer.status_code == 302 and answer["Location"].startswith("https://wx.tenpay.com/")
    posted = next(json.loads(b) for _m, p, b in wechat.requests if p.endswith("/h5"))
    assert posted["scene_info"]["h5_info"] == {"type": "Wap"}


def test_tampered_forged_or_stale_notifications_are_refused(client, wechat, salon, consumer):
    order, payment, _redirect = order_paid_by_wechat(salon, consumer)
    services.wechat_code_url(payment)
    wechat.pay(payment.reference)
    headers, body = wechat.notification(payment.reference)
    envelope = json.loads(body)
    envelope["resource"]["ciphertext"] = envelope["resource"]["ciphertext"][::-1]
    tampered = json.dumps(envelope).encode()
    assert post_notification(client, headers, tampered).status_code == 400
    forged = {**headers, **wechat.signed_headers(body, key=wechat_fake.new_key())}
    assert post_notification(client, forged, body).status_code == 400
    stale = {**headers, **wechat.signed_headers(body, at=int(clock.real_now().timestamp()) - 600)}
    assert post_notification(client, stale, body).status_code == 400
    unsigned = {"Content-Type": "application/json"}
    assert post_notification(client, unsigned, body).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and not PaymentEvent.objects.exists()


def test_a_payment_whose_notification_never_came_is_completed_by_reconciliation(
    wechat, salon, consumer
):
    order, payment, _redirect = order_paid_by_wechat(salon, consumer)
    services.wechat_code_url(payment)  # the buyer saw the QR code ...
    wechat.pay(payment.reference)  # ... and paid, but the notification was lost
    found = services.reconcile_payments(now=clock.now() + dt.timedelta(minutes=10))
    assert (found.asked, found.completed, found.mismatches) == (1, 1, [])
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    # Asking again finds nothing left to do.
    again = services.reconcile_payments(now=clock.now() + dt.timedelta(minutes=20))
    assert (again.asked, again.completed, again.mismatches) == (0, 0, [])


def test_money_for_a_cancelled_order_found_by_reconciliation_goes_back(wechat, salon, consumer):
    order, payment, _redirect = order_paid_by_wechat(salon, consumer)
    services.wechat_code_url(payment)
    services.cancel_order(consumer=consumer, order_id=order.pk)
    wechat.pay(payment.reference)  # paid after cancelling, notification lost
    services.reconcile_payments(now=clock.now() + dt.timedelta(minutes=10))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert [r["out_trade_no"] for r in wechat.refunds] == [payment.reference]
    assert wechat.refunds[0]["amount"] == {"refund": 6800, "total": 6800, "currency": "CNY"}


def test_a_refund_is_asked_of_wechat_and_its_notification_recorded(client, wechat, salon, consumer):
    order, payment, _redirect = order_paid_by_wechat(salon, consumer)
    services.wechat_code_url(payment)
    wechat.pay(payment.reference)
    post_notification(client, *wechat.notification(payment.reference))
    services.refund_order(consumer=consumer, order_id=order.pk)
    assert [r["out_refund_no"] for r in wechat.refunds] == [f"r{payment.reference}"]
    answer = post_notification(client, *wechat.notification(payment.reference, "REFUND.SUCCESS"))
    assert answer.json() == {"result": "applied"}
    kinds = list(PaymentEvent.objects.filter(payment=payment).values_list("kind", flat=True))
    assert sorted(kinds) == ["payment.succeeded", "refund.succeeded"]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED


def test_an_answer_not_signed_by_the_platform_is_not_believed(client, wechat, salon, consumer):
    _order, payment, redirect = order_paid_by_wechat(salon, consumer)
    wechatpay.refresh_certificates(wechatpay.Merchant.from_settings())
    wechat.platform_key = wechat_fake.new_key()  # someone else answers in WeChat Pay's name
    client.force_login(consumer)
    answer = client.get(redirect, follow=True)
    assert "WeChat Pay is not answering" in answer.content.decode()


def test_inside_wechat_the_buyer_logs_in_silently_and_pays_in_place(
    client, settings, wechat, salon, consumer
):
    settings.REGULARS_WECHAT_APP_SECRET = wechat_fake.APP_SECRET
    settings.REGULARS_WECHAT_OAUTH_URL = settings.REGULARS_WECHATPAY_URL
    _order, payment, redirect = order_paid_by_wechat(salon, consumer)
    client.force_login(consumer)
    inside = "Mozilla/5.0 (iPhone) Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI"
    asked = client.get(redirect, HTTP_USER_AGENT=inside)
    login = urlsplit(asked["Location"])
    query = {name: values[0] for name, values in parse_qs(login.query).items()}
    assert login.netloc == "open.weixin.qq.com" and query["scope"] == "snsapi_base"
    assert query["appid"] == wechat_fake.APPID and query["redirect_uri"].endswith(
        "/pay/wechat-login/"
    )
    # WeChat sends the buyer back with a code; a code WeChat does not know logs nobody in.
    refused = client.get("/pay/wechat-login/", {"code": "stolen", "state": query["state"]})
    assert refused.status_code == 302 and "wechat_openid" not in client.session
    assert (
        client.get("/pay/wechat-login/", {"code": "good-code", "state": "forged"}).status_code
        == 400
    )
    back = client.get("/pay/wechat-login/", {"code": "good-code", "state": query["state"]})
    assert back["Location"] == redirect and client.session["wechat_openid"] == wechat_fake.OPENID
    page = client.get(redirect, HTTP_USER_AGENT=inside).content.decode()
    bridge = json.loads(html.unescape(page.split('data-wechat-jsapi="')[1].split('"')[0]))
    assert bridge["appId"] == wechat_fake.APPID and bridge["package"].startswith("prepay_id=wx")
    # The bridge request is signed with the merchant key, as WeChat's client checks it.
    merchant_key = serialization.load_pem_private_key(
        settings.REGULARS_WECHATPAY_PRIVATE_KEY.encode(), password=None
    )
    message = (
        f"{bridge['appId']}\n{bridge['timeStamp']}\n{bridge['nonceStr']}\n{bridge['package']}\n"
    )
    merchant_key.public_key().verify(
        base64.b64decode(bridge["paySign"]),
        message.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    placed = next(json.loads(b) for _m, p, b in wechat.requests if p.endswith("/jsapi"))
    assert placed["payer"] == {"openid": wechat_fake.OPENID}
    assert placed["out_trade_no"] == payment.reference
