"""Payment providers: how an order gets paid and refunded.

A provider starts a payment (returning where to send the buyer), verifies and parses the
provider's asynchronous callback, and refunds. Built in:

* `store` — pay at the counter: the cashier takes the money when confirming consumption;
* `sandbox` — behaves like an external gateway (a redirect to its own payment page, an HMAC-signed
  asynchronous callback, refunds) for development and tests. It takes no money, so it is off in
  production unless `REGULARS_SANDBOX_PAYMENTS=1` with a secret of one's own (settings refuse
  the public default, and `check --deploy` fails on it).

A provider that is not `available()` is neither offered, nor accepted for a new payment, nor
believed when it calls back.

* `wechat` — WeChat Pay API v3 (orders/wechatpay.py), on when its settings are complete;
* `alipay` — Alipay's open platform with RSA2 (orders/alipay.py), likewise.

A provider that can be asked about a payment (`reconcile`) lets the daily
reconciliation complete payments whose notification never came.
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regulars.core.errors import DomainError
from regulars.orders.errors import Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackEvent:
    event_id: str
    kind: str  # "payment.succeeded" | "payment.failed"
    reference: str
    amount: Decimal
    transaction: str
    payload: dict


class StoreProvider:
    key = "store"
    title = _lazy("Paid at the shop")  # how the audit log and statements name the provider
    online = False

    def available(self) -> bool:
        return True

    def choice_for(self, user, merchant_id: int) -> str:
        return _("Pay at the shop")

    def start(self, payment) -> str | None:
        return None

    def parse_callback(self, body: bytes, headers) -> CallbackEvent:
        raise DomainError(_("Pay-at-store payments have no callback."), code=Problem.NO_CALLBACK)

    def refund(self, payment) -> None:
        """Money taken at the counter is returned at the counter."""


class SandboxProvider:
    key = "sandbox"
    title = _lazy("Sandbox (test payments)")
    online = True

    def available(self) -> bool:
        return settings.REGULARS_SANDBOX_PAYMENTS

    def choice_for(self, user, merchant_id: int) -> str:
        return _("Pay online now")

    @staticmethod
    def _secret() -> bytes:
        return settings.REGULARS_SANDBOX_PAY_SECRET.encode()

    def sign(self, body: bytes) -> str:
        return hmac.new(self._secret(), body, hashlib.sha256).hexdigest()

    def start(self, payment) -> str:
        return reverse("orders:sandbox_gateway", args=[payment.reference])

    def callback_body(self, *, payment, event_id: str, succeeded: bool = True) -> bytes:
        """What the sandbox gateway sends back after the buyer paid (or gave up)."""
        return json.dumps(
            {
                "id": event_id,
                "type": "payment.succeeded" if succeeded else "payment.failed",
                "reference": payment.reference,
                "amount": str(payment.amount),
                "transaction": f"sbx_{payment.reference[-12:]}",
            },
            sort_keys=True,
        ).encode()

    def parse_callback(self, body: bytes, headers) -> CallbackEvent:
        if not hmac.compare_digest(self.sign(body), headers.get("X-Signature") or ""):
            raise DomainError(
                _("The payment callback's signature is wrong."), code=Problem.BAD_SIGNATURE
            )
        try:
            data = json.loads(body)
            return CallbackEvent(
                event_id=str(data["id"]),
                kind=str(data["type"]),
                reference=str(data["reference"]),
                amount=Decimal(str(data["amount"])),
                transaction=str(data.get("transaction", "")),
                payload=data,
            )
        except (ValueError, KeyError, TypeError, ArithmeticError):
            raise DomainError(
                _("The payment callback is malformed."), code=Problem.BAD_CALLBACK
            ) from None

    def refund(self, payment) -> None:
        """The sandbox refunds at once; a real gateway would be called here."""


class HostedProvider:
    """A provider whose buyer pays on the provider's side, reached through our page
    `orders:<key>_pay`, that reports back to `/api/v1/payments/<key>/callback`. Subclasses name
    their key and title and give `account()` (the settings, with `configured()`)."""

    key = ""
    title = ""
    online = True

    def available(self) -> bool:
        return self.account().configured()

    def choice_for(self, user, merchant_id: int) -> str:
        return str(self.title)

    def start(self, payment) -> str:
        return reverse(f"orders:{self.key}_pay", args=[payment.reference])

    def notify_url(self) -> str:
        return settings.REGULARS_PUBLIC_URL.rstrip("/") + reverse(
            "api:payment_callback", kwargs={"provider": self.key}
        )


class WeChatPayProvider(HostedProvider):
    """WeChat Pay API v3 (orders/wechatpay.py): the buyer scans a QR code in WeChat (Native), or
    a phone browser is handed to WeChat (H5); notifications and refunds as WeChat Pay signs
    them. On when the merchant account's settings are complete (`REGULARS_WECHATPAY_*`)."""

    key = "wechat"
    title = _lazy("WeChat Pay")

    @staticmethod
    def account():
        from . import wechatpay

        return wechatpay.Merchant.from_settings()

    def parse_callback(self, body: bytes, headers) -> CallbackEvent:
        from . import wechatpay

        account = self.account()
        try:
            envelope, resource = wechatpay.notification(account, headers, body)
        except wechatpay.WeChatPayError as error:
            log.warning("WeChat Pay notification refused: %s", error)
            raise DomainError(
                _("The payment callback's signature is wrong."), code=Problem.BAD_SIGNATURE
            ) from None
        if resource.get("mchid") != account.mchid or not envelope.get("id"):
            raise DomainError(_("The payment callback is malformed."), code=Problem.BAD_CALLBACK)
        return event_from_wechat(envelope["id"], envelope.get("event_type", ""), resource)

    def reconcile(self, payment) -> CallbackEvent | None:
        """What WeChat Pay says of a payment we never heard back about (None: not paid)."""
        from . import wechatpay

        found = wechatpay.query(self.account(), payment.reference)
        if found.get("trade_state") != "SUCCESS":
            return None
        return event_from_wechat(f"query-{found['transaction_id']}", "TRANSACTION.SUCCESS", found)

    def refund(self, payment) -> None:
        from . import wechatpay

        try:
            wechatpay.refund(
                self.account(), payment, self.notify_url(), refund_no="r" + payment.reference
            )
        except wechatpay.WeChatPayError as error:
            raise DomainError(
                _("WeChat Pay did not take the refund: %(error)s") % {"error": error},
                code=Problem.REFUND_FAILED,
            ) from None


def event_from_wechat(event_id: str, event_type: str, resource: dict) -> CallbackEvent:
    """A transaction or refund resource as the event the payment flow applies."""
    from . import wechatpay

    kinds = {"TRANSACTION.SUCCESS": "payment.succeeded", "REFUND.SUCCESS": "refund.succeeded"}
    try:
        amount = resource["amount"]
        paid = amount["refund"] if event_type.startswith("REFUND") else amount["total"]
        if event_type == "TRANSACTION.SUCCESS" and resource.get("trade_state") != "SUCCESS":
            event_type = "TRANSACTION.NOTPAID"
        return CallbackEvent(
            event_id=str(event_id)[:64],
            kind=kinds.get(event_type, event_type.lower()),
            reference=str(resource["out_trade_no"]),
            amount=wechatpay.yuan(int(paid)),
            transaction=str(resource.get("transaction_id", "")),
            payload=resource,
        )
    except (KeyError, TypeError, ValueError):
        raise DomainError(
            _("The payment callback is malformed."), code=Problem.BAD_CALLBACK
        ) from None


class AlipayProvider(HostedProvider):
    """Alipay (orders/alipay.py): the buyer's browser goes to Alipay's cashier (page pay on a
    computer, wap pay on a phone); notifications and answers checked with Alipay's public key.
    On when `REGULARS_ALIPAY_*` are set."""

    key = "alipay"
    title = _lazy("Alipay")
    # Alipay resends a notification until it reads exactly this.
    acknowledgement = "success"

    @staticmethod
    def account():
        from . import alipay

        return alipay.App.from_settings()

    def parse_callback(self, body: bytes, headers) -> CallbackEvent:
        from urllib.parse import parse_qsl

        from . import alipay

        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            found = alipay.notification(self.account(), form)
        except (alipay.AlipayError, UnicodeDecodeError) as error:
            log.warning("Alipay notification refused: %s", error)
            raise DomainError(
                _("The payment callback's signature is wrong."), code=Problem.BAD_SIGNATURE
            ) from None
        return event_from_alipay(found.get("notify_id", ""), found)

    def reconcile(self, payment) -> CallbackEvent | None:
        from . import alipay

        found = alipay.query(self.account(), payment.reference)
        if found.get("trade_status") not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return None
        return event_from_alipay(f"query-{found['trade_no']}", found)

    def refund(self, payment) -> None:
        from . import alipay

        try:
            alipay.refund(self.account(), payment, request_no="r" + payment.reference)
        except alipay.AlipayError as error:
            raise DomainError(
                _("Alipay did not take the refund: %(error)s") % {"error": error},
                code=Problem.REFUND_FAILED,
            ) from None


def event_from_alipay(event_id: str, found: dict) -> CallbackEvent:
    """A notification's (or a query's) fields as the event the payment flow applies."""
    from . import alipay

    status = found.get("trade_status", "")
    kind = (
        "payment.succeeded"
        if status in ("TRADE_SUCCESS", "TRADE_FINISHED")
        else f"trade.{status.lower()}"
    )
    try:
        return CallbackEvent(
            event_id=str(event_id or f"{found['trade_no']}-{status}")[:64],
            kind=kind,
            reference=str(found["out_trade_no"]),
            amount=alipay.yuan(found["total_amount"]),
            transaction=str(found.get("trade_no", "")),
            payload={k: v for k, v in found.items() if k != "sign"},
        )
    except (KeyError, ArithmeticError, ValueError):
        raise DomainError(
            _("The payment callback is malformed."), code=Problem.BAD_CALLBACK
        ) from None


PROVIDERS = {
    provider.key: provider
    for provider in (StoreProvider(), SandboxProvider(), WeChatPayProvider(), AlipayProvider())
}


def choices_for(user, merchant_id: int) -> list[tuple[str, str]]:
    """How this buyer can pay this shop: online first, then whatever else applies to them."""
    usable = [p for p in PROVIDERS.values() if p.available()]
    ordered = sorted(usable, key=lambda p: not p.online)
    found = [(p.key, p.choice_for(user, merchant_id)) for p in ordered]
    return [(key, label) for key, label in found if label]


def default_for(user, merchant_id: int) -> str:
    """The first way this buyer can pay this shop (an online provider when one is switched on)."""
    choices = choices_for(user, merchant_id)
    return choices[0][0] if choices else StoreProvider.key


def online_provider():
    """The provider online payments that are not orders (a card top-up) go through."""
    for candidate in PROVIDERS.values():
        if candidate.online and candidate.available():
            return candidate
    raise DomainError(
        _("Paying online is not switched on here: top up at the shop's counter."),
        field="payment_method",
        code=Problem.NO_ONLINE_PAYMENT,
    )


def register(new_provider) -> None:
    """Other apps add providers (member cards add stored-value payment) without orders knowing them."""
    PROVIDERS[new_provider.key] = new_provider


def provider(key: str):
    found = PROVIDERS.get(key)
    if found is None or not found.available():
        raise DomainError(
            _("This way of paying is not available."),
            field="payment_method",
            code=Problem.UNAVAILABLE_PAYMENT_METHOD,
        )
    return found
