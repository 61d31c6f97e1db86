"""Alipay open platform (支付宝开放平台): page pay (a computer's browser) and wap pay (a phone's),
asynchronous notifications, refunds and trade queries, with `RSA2` signatures.

The protocol, as Alipay documents it:
* a request is a set of parameters (app_id, method, charset, sign_type=RSA2, timestamp in
  Beijing time, version 1.0, biz_content as JSON, notify_url…); its `sign` is RSA-SHA256
  (PKCS#1 v1.5) with the app's private key over the parameters sorted by name and joined as
  `k=v&k=v` (raw values; `sign` itself and empty values left out), base64;
* page and wap pay are a redirect of the buyer's browser to the gateway with those parameters;
  refunds and queries are POSTed, and the answer's `<method>_response` object is signed by
  Alipay over its exact JSON text;
* notifications are form posts signed the same way (`sign` and `sign_type` left out), checked
  with Alipay's public key; Alipay keeps resending until it reads the plain text `success`.

Amounts are yuan strings with two decimals. `out_trade_no` is our payment reference.
"""

import base64
import json
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings

from regulars.core import clock

GATEWAY = "https://openapi.alipay.com/gateway.do"
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


class AlipayError(Exception):
    """Alipay refused (`code`/`sub_code`), could not be reached, or answered unsigned."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


def _pem(text: str, kind: str) -> bytes:
    """Alipay's console hands keys out as bare base64; PEM files work too."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        return text.encode()
    body = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n".encode()


def content_to_sign(params: dict) -> str:
    return "&".join(
        f"{key}={value}"
        for key, value in sorted(params.items())
        if key not in ("sign", "sign_type") and value not in ("", None)
    )


def rsa2_sign(private_key_text: str, content: str) -> str:
    key = serialization.load_pem_private_key(_pem(private_key_text, "PRIVATE KEY"), password=None)
    return base64.b64encode(
        key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()


def rsa2_verify(public_key_text: str, content: str, signature: str) -> bool:
    key = serialization.load_pem_public_key(_pem(public_key_text, "PUBLIC KEY"))
    try:
        key.verify(
            base64.b64decode(signature), content.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class App:
    """The merchant's Alipay application (`REGULARS_ALIPAY_*`)."""

    app_id: str
    private_key: str
    alipay_public_key: str
    gateway: str = GATEWAY

    @classmethod
    def from_settings(cls) -> "App":
        return cls(
            settings.REGULARS_ALIPAY_APP_ID,
            settings.REGULARS_ALIPAY_PRIVATE_KEY,
            settings.REGULARS_ALIPAY_PUBLIC_KEY,
            settings.REGULARS_ALIPAY_URL or GATEWAY,
        )

    def configured(self) -> bool:
        return all((self.app_id, self.private_key, self.alipay_public_key))


def signed_params(app: App, method: str, biz: dict, **extra) -> dict:
    params = {
        "app_id": app.app_id,
        "method": method,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        # Alipay compares it with its own clock: the machine's, whatever is pinned
        "timestamp": clock.real_now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        "version": "1.0",
        "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        **{key: value for key, value in extra.items() if value},
    }
    params["sign"] = rsa2_sign(app.private_key, content_to_sign(params))
    return params


def pay_url(app: App, payment, *, notify_url: str, return_url: str, phone: bool) -> str:
    """Where to send the buyer: the cashier page (computer) or the phone cashier (wap)."""
    biz = {
        "out_trade_no": payment.reference,
        "total_amount": f"{payment.amount:.2f}",
        "subject": (payment.merchant.name or "Regulars")[:256],
        "product_code": "QUICK_WAP_WAY" if phone else "FAST_INSTANT_TRADE_PAY",
    }
    method = "alipay.trade.wap.pay" if phone else "alipay.trade.page.pay"
    params = signed_params(app, method, biz, notify_url=notify_url, return_url=return_url)
    return f"{app.gateway}?{urlencode(params)}"


def call(app: App, method: str, biz: dict) -> dict:
    """A signed POST; the answer's signature over its `<method>_response` text is checked."""
    try:
        response = requests.post(app.gateway, data=signed_params(app, method, biz), timeout=10)
        text = response.text
    except requests.RequestException as error:
        raise AlipayError(f"unreachable: {error}") from None
    name = method.replace(".", "_") + "_response"
    try:
        signature = json.loads(text)["sign"]
        body = signed_text(text, name)
    except (ValueError, KeyError, TypeError):
        raise AlipayError(f"no signed {name}: {text[:200]}") from None
    if not rsa2_verify(app.alipay_public_key, body, signature):
        raise AlipayError("the answer is not signed by Alipay")
    answer = json.loads(body)
    if answer.get("code") != "10000":
        code = answer.get("sub_code") or answer.get("code", "")
        raise AlipayError(f"{code}: {answer.get('sub_msg') or answer.get('msg')}", code)
    return answer


def signed_text(text: str, name: str) -> str:
    """The `name` object exactly as Alipay sent it (the signature covers those bytes, so it is
    cut out of the answer, not re-encoded): from its opening brace to the matching one."""
    start = re.search(rf'"{re.escape(name)}"\s*:\s*\{{', text)
    if start is None:
        raise ValueError(f"no {name}")
    depth, in_string, escaped = 0, False, False
    for index in range(start.end() - 1, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start.end() - 1 : index + 1]
    raise ValueError(f"{name} is cut short")


def query(app: App, reference: str) -> dict:
    """The trade as Alipay knows it (`trade_status`); one it never saw is WAIT_BUYER_PAY."""
    try:
        return call(app, "alipay.trade.query", {"out_trade_no": reference})
    except AlipayError as error:
        if error.code == "ACQ.TRADE_NOT_EXIST":
            return {"out_trade_no": reference, "trade_status": "WAIT_BUYER_PAY"}
        raise


def refund(app: App, payment, request_no: str) -> dict:
    """Give the whole payment back; `out_request_no` makes a retried refund the same refund."""
    return call(
        app,
        "alipay.trade.refund",
        {
            "out_trade_no": payment.reference,
            "refund_amount": f"{payment.amount:.2f}",
            "out_request_no": request_no,
        },
    )


def notification(app: App, form: dict) -> dict:
    """The notification's fields, once its signature and app id check out."""
    if form.get("sign_type", "RSA2") != "RSA2" or not rsa2_verify(
        app.alipay_public_key, content_to_sign(form), form.get("sign", "")
    ):
        raise AlipayError("the notification is not signed by Alipay")
    if form.get("app_id") != app.app_id:
        raise AlipayError("the notification is for another app")
    return form


def yuan(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))
