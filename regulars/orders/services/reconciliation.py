"""Reconciliation with the payment providers, and the WeChat Pay page's calls.

A notification can be lost (a deploy, a network fault, the provider giving up after its retries).
Every payment still waiting after a few minutes is asked about (`reconcile_payments`, scheduled
daily and run when its buyer opens the payment page again): one the provider says succeeded is
completed through the same path a notification takes — so it pays its order, or, if the order was
cancelled or expired meanwhile, is refunded at once. Payments that succeeded here but that the
provider does not know as paid are reported to the operator (logged as errors, counted)."""

import dataclasses
import datetime as dt
import logging

from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.orders.errors import Problem

from .. import payments
from ..models import Payment, PaymentStatus
from .orders import apply_payment_event

log = logging.getLogger("regulars.reconciliation")

ASK_AFTER = dt.timedelta(minutes=5)  # a notification normally arrives within seconds
ASK_FOR = dt.timedelta(days=2)  # WeChat Pay closes unpaid orders long before this


@dataclasses.dataclass
class Reconciled:
    asked: int = 0
    completed: int = 0  # paid at the provider, never notified: applied now
    mismatches: list = dataclasses.field(default_factory=list)  # for the operator


def reconcile_payment(payment: Payment) -> str:
    """Ask the provider about one payment; "applied" when it turned out paid, else "unpaid"."""
    provider = payments.PROVIDERS.get(payment.provider)
    if provider is None or not hasattr(provider, "reconcile") or not provider.available():
        return "unpaid"
    try:
        event = provider.reconcile(payment)
    except DomainError:
        raise
    except Exception as error:  # noqa: BLE001 - the provider's client raised: say so, retry later
        log.warning("asking %s about %s failed: %s", payment.provider, payment.reference, error)
        raise DomainError(
            _("The payment provider could not be reached; try again in a minute."),
            code=Problem.PROVIDER_UNREACHABLE,
        ) from None
    if event is None:
        return "unpaid"
    return "applied" if apply_payment_event(provider, event) == "applied" else "unpaid"


def reconcile_payments(now: dt.datetime | None = None) -> Reconciled:
    """The daily pass: every online payment still waiting between five minutes and two days old
    is asked about; succeeded payments the provider does not know as paid are reported."""
    now = now or clock.now()
    result = Reconciled()
    askable = [key for key, p in payments.PROVIDERS.items() if hasattr(p, "reconcile")]
    waiting = Payment.objects.filter(
        provider__in=askable,
        status=PaymentStatus.STARTED,
        created_at__lte=now - ASK_AFTER,
        created_at__gte=now - ASK_FOR,
    ).order_by("id")
    for payment in waiting.iterator(chunk_size=200):
        result.asked += 1
        try:
            if reconcile_payment(payment) == "applied":
                result.completed += 1
                log.warning(
                    "completed %s: paid at %s, never notified", payment.reference, payment.provider
                )
        except DomainError as error:
            result.mismatches.append(f"{payment.reference}: {error.message}")
    succeeded = Payment.objects.filter(
        provider__in=askable,
        status=PaymentStatus.SUCCEEDED,
        updated_at__gte=now - dt.timedelta(days=1),
    )
    for payment in succeeded.iterator(chunk_size=200):
        provider = payments.PROVIDERS[payment.provider]
        if not provider.available():
            continue
        try:
            known = provider.reconcile(payment)
        except Exception as error:  # noqa: BLE001 - unreachable now: tomorrow's pass asks again
            log.warning("asking about %s failed: %s", payment.reference, error)
            continue
        if known is None or known.amount != payment.amount:
            mismatch = (
                f"{payment.reference}: paid here, not (or not this much) at {payment.provider}"
            )
            result.mismatches.append(mismatch)
    for mismatch in result.mismatches:
        log.error("payment reconciliation: %s", mismatch)
    return result


def wechat_code_url(payment: Payment) -> str:
    """The QR code's content for paying `payment` in WeChat (Native)."""
    from .. import wechatpay

    return _ask_wechat(payment, "native", wechatpay.native_code_url)


def wechat_h5_url(payment: Payment, client_ip: str) -> str:
    """Where a phone browser goes to pay `payment` in WeChat (H5)."""
    from .. import wechatpay

    return _ask_wechat(payment, "H5", wechatpay.h5_url, client_ip)


def wechat_bridge_request(payment: Payment, openid: str) -> dict:
    """What WeChat's browser needs to pay `payment` in place (JSAPI), for the buyer `openid`."""
    from .. import wechatpay

    def ask(account, payment, notify_url):
        return wechatpay.bridge_request(
            account, wechatpay.jsapi_prepay(account, payment, notify_url, openid)
        )

    return _ask_wechat(payment, "JSAPI", ask)


def wechat_openid(code: str) -> str:
    """The buyer's OpenID, from the code WeChat's silent login handed back."""
    from django.conf import settings

    from regulars.core import wechat

    try:
        return wechat.openid_from_code(
            settings.REGULARS_WECHATPAY_APPID, settings.REGULARS_WECHAT_APP_SECRET, code
        )
    except wechat.WeChatError as error:
        log.warning("WeChat login refused: %s", error)
        raise DomainError(
            _("WeChat could not confirm who you are; open the payment again."),
            code=Problem.PROVIDER_UNREACHABLE,
        ) from None


def alipay_url(payment: Payment, *, return_url: str, phone: bool) -> str:
    """Alipay's cashier for `payment` (signed here: no call to Alipay until the buyer arrives)."""
    from .. import alipay

    provider = payments.PROVIDERS["alipay"]
    return alipay.pay_url(
        provider.account(),
        payment,
        notify_url=provider.notify_url(),
        return_url=return_url,
        phone=phone,
    )


def _ask_wechat(payment: Payment, what: str, ask, *extra) -> str:
    from .. import wechatpay

    provider = payments.PROVIDERS["wechat"]
    try:
        return ask(provider.account(), payment, provider.notify_url(), *extra)
    except wechatpay.WeChatPayError as error:
        log.warning("WeChat Pay %s order %s refused: %s", what, payment.reference, error)
        raise DomainError(
            _("WeChat Pay is not answering; try again in a minute."),
            code=Problem.PROVIDER_UNREACHABLE,
        ) from None
