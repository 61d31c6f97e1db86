"""A local WeChat Pay API v3, as its documentation describes it: it checks the merchant's request
signatures with the merchant's public key, signs every answer and notification with its own
platform certificate, encrypts notification resources and certificates with the APIv3 key, and
keeps orders and refunds. Keys and the certificate are generated per test (no network)."""

import base64
import datetime as dt
import json
import re
import secrets
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from regulars.core import clock

MCHID, APPID, MERCHANT_SERIAL = "1900000109", "wxd678efh567hg6787", "MERCHANTSERIAL01"
APIV3_KEY = "0123456789abcdef0123456789ABCDEF"
APP_SECRET, OPENID = "official-account-secret", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def platform_certificate(key, serial: int):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (fake)")])
    now = clock.real_now()  # a certificate's validity is checked against the machine's clock
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def encrypt(plain: bytes, associated: str) -> dict:
    nonce = secrets.token_hex(6)
    cipher = AESGCM(APIV3_KEY.encode()).encrypt(nonce.encode(), plain, associated.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "nonce": nonce,
        "associated_data": associated,
        "ciphertext": base64.b64encode(cipher).decode(),
    }


class WeChatPayFake(BaseHTTPRequestHandler):
    merchant_public_key = None
    platform_key = None
    certificate = None
    orders: dict = {}
    refunds: list = []
    requests: list = []

    @classmethod
    def reset(cls, merchant_key):
        cls.merchant_public_key = merchant_key.public_key()
        cls.platform_key = new_key()
        cls.certificate = platform_certificate(cls.platform_key, 0x5157F09E)
        cls.orders, cls.refunds, cls.requests = {}, [], []

    @classmethod
    def serial(cls) -> str:
        return format(cls.certificate.serial_number, "X")

    @classmethod
    def signed_headers(cls, body: bytes, *, at: int | None = None, key=None) -> dict:
        timestamp, nonce = str(at or int(time.time())), secrets.token_hex(16)
        message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
        signature = (key or cls.platform_key).sign(message, padding.PKCS1v15(), hashes.SHA256())
        return {
            "Wechatpay-Serial": cls.serial(),
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": base64.b64encode(signature).decode(),
        }

    # -- what the platform pushes ---------------------------------------------------------------

    @classmethod
    def pay(cls, reference: str) -> None:
        order = cls.orders[reference]
        order.update(trade_state="SUCCESS", transaction_id=f"42000{len(cls.orders):023d}")

    @classmethod
    def notification(cls, reference: str, event_type: str = "TRANSACTION.SUCCESS") -> tuple:
        """(headers, body) of the notification WeChat Pay POSTs to notify_url."""
        order = cls.orders[reference]
        if event_type.startswith("REFUND"):
            refund = next(r for r in cls.refunds if r["out_trade_no"] == reference)
            resource = {
                "mchid": MCHID,
                "out_trade_no": reference,
                "transaction_id": order["transaction_id"],
                "out_refund_no": refund["out_refund_no"],
                "refund_id": refund["refund_id"],
                "refund_status": "SUCCESS",
                "amount": {"total": order["total"], "refund": refund["amount"]["refund"]},
            }
            original = "refund"
        else:
            resource = cls.transaction(reference)
            original = "transaction"
        body = json.dumps(
            {
                "id": secrets.token_hex(18),
                "create_time": "2026-11-23T12:00:00+08:00",
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": "支付成功",
                "resource": {
                    **encrypt(json.dumps(resource).encode(), original),
                    "original_type": original,
                },
            }
        ).encode()
        return {**cls.signed_headers(body), "Content-Type": "application/json"}, body

    @classmethod
    def transaction(cls, reference: str) -> dict:
        order = cls.orders[reference]
        found = {
            "appid": APPID,
            "mchid": MCHID,
            "out_trade_no": reference,
            "trade_state": order["trade_state"],
            "amount": {"total": order["total"], "payer_total": order["total"], "currency": "CNY"},
        }
        if order.get("transaction_id"):
            found["transaction_id"] = order["transaction_id"]
        return found

    # -- the HTTP API ---------------------------------------------------------------------------

    def _answer(self, status: int, payload: dict | None) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        for name, value in self.signed_headers(body).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorized(self, body: bytes) -> bool:
        given = self.headers.get("Authorization", "")
        if not given.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        fields = dict(re.findall(r'(\w+)="([^"]*)"', given))
        if fields.get("mchid") != MCHID or fields.get("serial_no") != MERCHANT_SERIAL:
            return False
        if abs(time.time() - int(fields.get("timestamp", "0"))) > 300:
            return False
        message = (
            f"{self.command}\n{self.path}\n{fields['timestamp']}\n{fields['nonce_str']}\n".encode()
            + body
            + b"\n"
        )
        try:
            self.merchant_public_key.verify(
                base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:  # noqa: BLE001 - any failure is a refusal
            return False
        return True

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        WeChatPayFake.requests.append((self.command, self.path, body))
        if urlsplit(self.path).path == "/sns/oauth2/access_token":  # WeChat login, not Pay
            query = dict(parse_qsl(urlsplit(self.path).query))
            if query.get("appid") != APPID or query.get("secret") != APP_SECRET:
                return self._answer(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
            if query.get("code") != "good-code":
                return self._answer(200, {"errcode": 40029, "errmsg": "invalid code"})
            return self._answer(
                200, {"access_token": "t", "openid": OPENID, "scope": "snsapi_base"}
            )
        if not self._authorized(body):
            return self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        path = urlsplit(self.path).path
        if path == "/v3/certificates":
            cert = self.certificate.public_bytes(serialization.Encoding.PEM)
            return self._answer(
                200,
                {
                    "data": [
                        {
                            "serial_no": self.serial(),
                            "effective_time": "2026-01-01T00:00:00+08:00",
                            "expire_time": "2031-01-01T00:00:00+08:00",
                            "encrypt_certificate": encrypt(cert, "certificate"),
                        }
                    ]
                },
            )
        if path in (
            "/v3/pay/transactions/native",
            "/v3/pay/transactions/h5",
            "/v3/pay/transactions/jsapi",
        ):
            order = json.loads(body)
            if order["mchid"] != MCHID or order["appid"] != APPID:
                return self._answer(400, {"code": "PARAM_ERROR", "message": "mchid"})
            known = WeChatPayFake.orders.setdefault(
                order["out_trade_no"],
                {
                    "total": order["amount"]["total"],
                    "trade_state": "NOTPAY",
                    "notify": order["notify_url"],
                },
            )
            if known["total"] != order["amount"]["total"]:
                return self._answer(
                    400, {"code": "INVALID_REQUEST", "message": "参数与首次请求时不一致"}
                )
            if path.endswith("jsapi"):
                if order.get("payer", {}).get("openid") != OPENID:
                    return self._answer(400, {"code": "PARAM_ERROR", "message": "openid"})
                return self._answer(200, {"prepay_id": f"wx{order['out_trade_no'][-12:]}"})
            if path.endswith("native"):
                return self._answer(
                    200, {"code_url": f"weixin://wxpay/bizpayurl?pr={order['out_trade_no'][-8:]}"}
                )
            return self._answer(
                200,
                {
                    "h5_url": f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={order['out_trade_no']}"
                },
            )
        if path.startswith("/v3/pay/transactions/out-trade-no/"):
            reference = path.rsplit("/", 1)[1]
            if reference not in WeChatPayFake.orders:
                return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
            return self._answer(200, self.transaction(reference))
        if path == "/v3/refund/domestic/refunds":
            refund = json.loads(body)
            order = WeChatPayFake.orders.get(refund["out_trade_no"])
            if order is None or order["trade_state"] != "SUCCESS":
                return self._answer(400, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
            if refund["amount"]["refund"] > order["total"]:
                return self._answer(
                    400, {"code": "INVALID_REQUEST", "message": "退款金额超过订单金额"}
                )
            known = next(
                (r for r in WeChatPayFake.refunds if r["out_refund_no"] == refund["out_refund_no"]),
                None,
            )
            if known is None:
                known = {**refund, "refund_id": f"50000{len(WeChatPayFake.refunds):024d}"}
                WeChatPayFake.refunds.append(known)
            return self._answer(
                200,
                {
                    "refund_id": known["refund_id"],
                    "out_refund_no": known["out_refund_no"],
                    "status": "PROCESSING",
                },
            )
        return self._answer(404, {"code": "NOT_FOUND", "message": path})

    do_GET = do_POST = _handle  # noqa: N815 - http.server's names

    def log_message(self, *args):
        pass
