"""WeChat Pay API v3 (微信支付): Native (a QR code scanned in WeChat) and H5 (a phone browser
handed to WeChat) payments, notifications, refunds, order queries and platform certificates.

The protocol, as WeChat Pay documents it:
* every request carries `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
  signature=…,timestamp=…,serial_no=…`, the signature being RSA-SHA256 (PKCS#1 v1.5) with the
  merchant's API private key over "METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n";
* every answer and every notification is signed by a *platform certificate*
  (`Wechatpay-Serial`, `-Timestamp`, `-Nonce`, `-Signature` over "TIMESTAMP\\nNONCE\\nBODY\\n");
  an answer or notification whose signature does not verify, or whose timestamp is more than
  five minutes off, is not believed;
* notifications carry their content encrypted (`AEAD_AES_256_GCM` with the APIv3 key, the
  notification's nonce and associated data);
* platform certificates are downloaded from /v3/certificates (themselves encrypted with the
  APIv3 key) and kept in memory; an unknown serial triggers one refresh (certificates rotate).

Amounts are in fen (integers). `out_trade_no` is our payment reference.
"""

import base64
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from regulars.core import clock

log = logging.getLogger(__name__)

API = "https://api.mch.weixin.qq.com"
SKEW_SECONDS = 300


class WeChatPayError(Exception):
    """WeChat Pay refused (`code`: its error code), could not be reached, or answered something
    not signed by it."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def yuan(fen_amount: int) -> Decimal:
    return (Decimal(fen_amount) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Merchant:
    """The merchant account's credentials (`REGULARS_WECHATPAY_*`)."""

    mchid: str
    appid: str
    serial_no: str  # the merchant API certificate's serial
    private_key_pem: str
    apiv3_key: str  # 32 characters
    base_url: str = API

    @classmethod
    def from_settings(cls) -> "Merchant":
        return cls(
            settings.REGULARS_WECHATPAY_MCHID,
            settings.REGULARS_WECHATPAY_APPID,
            settings.REGULARS_WECHATPAY_SERIAL_NO,
            settings.REGULARS_WECHATPAY_PRIVATE_KEY,
            settings.REGULARS_WECHATPAY_APIV3_KEY,
            settings.REGULARS_WECHATPAY_URL or API,
        )

    def configured(self) -> bool:
        return all((self.mchid, self.appid, self.serial_no, self.private_key_pem)) and (
            len(self.apiv3_key.encode()) == 32
        )


def request_signature(private_key_pem: str, message: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    signed = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signed).decode()


def authorization(merchant: Merchant, method: str, path: str, body: str) -> str:
    timestamp, nonce = str(int(clock.real_now().timestamp())), secrets.token_hex(16)
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n"
    signature = request_signature(merchant.private_key_pem, message)
    return (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{merchant.mchid}",nonce_str="{nonce}",'
        f'signature="{signature}",timestamp="{timestamp}",serial_no="{merchant.serial_no}"'
    )


def decrypt(apiv3_key: str, resource: dict) -> bytes:
    """An `AEAD_AES_256_GCM` resource (notification content, a platform certificate)."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise WeChatPayError(f"unknown algorithm {resource.get('algorithm')!r}")
    try:
        return AESGCM(apiv3_key.encode()).decrypt(
            resource["nonce"].encode(),
            base64.b64decode(resource["ciphertext"]),
            (resource.get("associated_data") or "").encode(),
        )
    except (InvalidTag, KeyError, ValueError) as error:
        raise WeChatPayError("the resource does not decrypt with the APIv3 key") from error


# ---- platform certificates --------------------------------------------------------------------

_certificates: dict[str, x509.Certificate] = {}
_certificates_lock = threading.Lock()
_last_refresh = [0.0]


def forget_certificates() -> None:
    with _certificates_lock:
        _certificates.clear()
        _last_refresh[0] = 0.0


def refresh_certificates(merchant: Merchant) -> list[str]:
    """Download the platform certificates (GET /v3/certificates); returns their serials. The
    answer is checked against the certificate it names once decrypted (the first download
    cannot be checked against anything older)."""
    path = "/v3/certificates"
    response = requests.get(
        merchant.base_url + path,
        headers={
            "Authorization": authorization(merchant, "GET", path, ""),
            "Accept": "application/json",
        },
        timeout=10,
    )
    if response.status_code != 200:
        raise WeChatPayError(f"certificates: {response.status_code} {response.text[:200]}")
    found = {}
    for entry in response.json().get("data", []):
        pem = decrypt(merchant.apiv3_key, entry["encrypt_certificate"])
        found[entry["serial_no"]] = x509.load_pem_x509_certificate(pem)
    with _certificates_lock:
        _certificates.update(found)
        _last_refresh[0] = time.monotonic()
    verify(merchant, response.headers, response.content, refresh=False)
    return sorted(found)


def _certificate(merchant: Merchant, serial: str, refresh: bool) -> x509.Certificate:
    with _certificates_lock:
        known = _certificates.get(serial)
        recently = time.monotonic() - _last_refresh[0] < 60
    if known is None and refresh and not recently:
        refresh_certificates(merchant)
        with _certificates_lock:
            known = _certificates.get(serial)
    if known is None:
        raise WeChatPayError(f"no platform certificate with serial {serial!r}")
    now = clock.real_now()
    if not (known.not_valid_before_utc <= now <= known.not_valid_after_utc):
        raise WeChatPayError(f"platform certificate {serial} is not valid now")
    return known


def verify(merchant: Merchant, headers, body: bytes, *, refresh: bool = True) -> None:
    """Raise unless `body` is signed by a platform certificate within the last five minutes."""
    try:
        serial = headers["Wechatpay-Serial"]
        timestamp = headers["Wechatpay-Timestamp"]
        nonce = headers["Wechatpay-Nonce"]
        signature = base64.b64decode(headers["Wechatpay-Signature"])
    except (KeyError, ValueError) as error:
        raise WeChatPayError("unsigned: the Wechatpay-* headers are missing") from error
    if not timestamp.isdigit() or abs(clock.real_now().timestamp() - int(timestamp)) > SKEW_SECONDS:
        raise WeChatPayError("the signature's timestamp is more than five minutes off")
    public_key = _certificate(merchant, serial, refresh).public_key()
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    try:
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as error:
        raise WeChatPayError("the platform's signature does not verify") from error


# ---- calls ------------------------------------------------------------------------------------


def call(merchant: Merchant, method: str, path: str, payload: dict | None = None) -> dict:
    """A signed request; the answer is verified before it is read."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload else ""
    try:
        response = requests.request(
            method,
            merchant.base_url + path,
            data=body.encode() if body else None,
            headers={
                "Authorization": authorization(merchant, method, path, body),
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
            timeout=10,
        )
    except requests.RequestException as error:
        raise WeChatPayError(f"unreachable: {error}") from None
    if response.status_code >= 300:
        try:
            refusal = response.json()
        except ValueError:
            refusal = {"code": response.status_code, "message": response.text[:200]}
        code = str(refusal.get("code", ""))
        raise WeChatPayError(f"{code}: {refusal.get('message')}", code)
    verify(merchant, response.headers, response.content)
    return response.json() if response.content else {}


def order_payload(merchant: Merchant, payment, notify_url: str) -> dict:
    return {
        "appid": merchant.appid,
        "mchid": merchant.mchid,
        "description": (payment.merchant.name or "Regulars")[:127],
        "out_trade_no": payment.reference,
        "notify_url": notify_url,
        "amount": {"total": fen(payment.amount), "currency": "CNY"},
    }


def native_code_url(merchant: Merchant, payment, notify_url: str) -> str:
    """The `weixin://wxpay/bizpayurl?pr=…` to show as a QR code (asking again for the same
    out_trade_no returns the same code)."""
    return call(
        merchant,
        "POST",
        "/v3/pay/transactions/native",
        order_payload(merchant, payment, notify_url),
    )["code_url"]


def h5_url(merchant: Merchant, payment, notify_url: str, client_ip: str) -> str:
    """Where a phone browser goes to pay in WeChat."""
    payload = order_payload(merchant, payment, notify_url)
    payload["scene_info"] = {"payer_client_ip": client_ip, "h5_info": {"type": "Wap"}}
    return call(merchant, "POST", "/v3/pay/transactions/h5", payload)["h5_url"]


def query(merchant: Merchant, reference: str) -> dict:
    """The transaction as WeChat Pay knows it (`trade_state`: SUCCESS, NOTPAY, CLOSED, …); a
    payment WeChat Pay never heard of (its QR code never shown) is NOTPAY."""
    try:
        return call(
            merchant,
            "GET",
            f"/v3/pay/transactions/out-trade-no/{reference}?mchid={merchant.mchid}",
        )
    except WeChatPayError as error:
        if error.code == "ORDER_NOT_EXIST":
            return {"out_trade_no": reference, "trade_state": "NOTPAY"}
        raise


def refund(merchant: Merchant, payment, notify_url: str, refund_no: str) -> dict:
    """Give the whole payment back (`out_refund_no` makes a retried refund the same refund)."""
    return call(
        merchant,
        "POST",
        "/v3/refund/domestic/refunds",
        {
            "out_trade_no": payment.reference,
            "out_refund_no": refund_no,
            "notify_url": notify_url,
            "amount": {
                "refund": fen(payment.amount),
                "total": fen(payment.amount),
                "currency": "CNY",
            },
        },
    )


def notification(merchant: Merchant, headers, body: bytes) -> tuple[dict, dict]:
    """(the notification, its decrypted resource), after checking the platform's signature."""
    verify(merchant, headers, body)
    try:
        envelope = json.loads(body)
        resource = json.loads(decrypt(merchant.apiv3_key, envelope["resource"]))
    except (ValueError, KeyError, TypeError) as error:
        raise WeChatPayError("the notification is malformed") from error
    return envelope, resource


# ---- paying inside WeChat (JSAPI) ---------------------------------------------------------------


def jsapi_prepay(merchant: Merchant, payment, notify_url: str, openid: str) -> str:
    payload = order_payload(merchant, payment, notify_url)
    payload["payer"] = {"openid": openid}
    return call(merchant, "POST", "/v3/pay/transactions/jsapi", payload)["prepay_id"]


def bridge_request(merchant: Merchant, prepay_id: str) -> dict:
    """What the page hands to `WeixinJSBridge.invoke("getBrandWCPayRequest", …)`: signed with
    the merchant key over "appId\\ntimeStamp\\nnonceStr\\npackage\\n"."""
    timestamp, nonce = str(int(clock.real_now().timestamp())), secrets.token_hex(16)
    package = f"prepay_id={prepay_id}"
    message = f"{merchant.appid}\n{timestamp}\n{nonce}\n{package}\n"
    return {
        "appId": merchant.appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": request_signature(merchant.private_key_pem, message),
    }
