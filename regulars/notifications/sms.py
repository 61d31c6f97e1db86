"""Text messages: the gateways, the templates Chinese providers require, and delivery receipts.

`REGULARS_SMS_BACKEND` chooses the gateway:
* `file` (default) — one JSON line per message in `var/sms.log` (development, the demo);
* `console` — logs it;
* `http` — POSTs JSON `{"to", "text", "id"}` to `REGULARS_SMS_URL` with a bearer key;
* `aliyun` — Alibaba Cloud SMS (dysmsapi `SendSms`, RPC signature with HMAC-SHA1);
* `tencent` — Tencent Cloud SMS (API 3.0 `SendSms`, `TC3-HMAC-SHA256`).

Chinese providers send only pre-approved templates: a message is a template id plus values for
its variables, never free text. Every message Regulars sends has a *kind* with named variables
(`KINDS`); the operator registers a template for each kind with the provider and maps it in
`REGULARS_SMS_TEMPLATES` (JSON: `{"code": {"template": "SMS_123", "params": ["code"]}}` — for
Tencent the order of `params` is the order of the template's {1}, {2}…). The text backends send
the message's own wording instead.

Every message sent through a provider is logged as an `SmsMessage` (number masked); the
providers' delivery receipts, pushed to `/api/v1/sms/<provider>/receipts?token=…`, mark it
delivered or failed, and a flash deal's delivery that never arrived is marked failed too.
"""

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings

from regulars.core import clock

from .channels import ChannelError

log = logging.getLogger(__name__)

# What each kind of message says and the variables its template may use.
KINDS = {
    "code": ("code", "minutes"),  # a code that proves a phone (sign-up, sign-in, reset)
    "account_exists": (),  # a sign-up code asked for a number that already has an account
    "offer": ("shop", "title", "body"),  # a shop's flash deal or message to its customers
}


@dataclass(frozen=True)
class Template:
    template: str
    params: tuple[str, ...]


@functools.lru_cache(maxsize=4)
def parse_templates(raw: str) -> dict[str, Template]:
    """`REGULARS_SMS_TEMPLATES` read (and checked by `manage.py check`: an unknown kind or
    variable is a typo that would otherwise surface as codes nobody receives)."""
    if not raw.strip():
        return {}
    try:
        given = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"REGULARS_SMS_TEMPLATES is not JSON: {error}") from None
    templates = {}
    for kind, entry in given.items():
        if kind not in KINDS:
            raise ValueError(f"REGULARS_SMS_TEMPLATES: unknown kind {kind!r} ({', '.join(KINDS)})")
        params = tuple(entry.get("params", ()))
        unknown = set(params) - set(KINDS[kind])
        if unknown or not entry.get("template"):
            raise ValueError(
                f"REGULARS_SMS_TEMPLATES[{kind!r}]: needs a template id and params from "
                f"{KINDS[kind]}, not {sorted(unknown)}"
            )
        templates[kind] = Template(str(entry["template"]), params)
    return templates


@dataclass(frozen=True)
class Sms:
    to: str  # E.164
    text: str  # the message in words, for gateways that send text
    message_id: str  # ours: the provider's OutId / SessionContext, and the log's key
    kind: str = "offer"
    params: dict | None = None


def _template_for(sms: Sms) -> tuple[Template, list[str]]:
    template = parse_templates(settings.REGULARS_SMS_TEMPLATES).get(sms.kind)
    if template is None:
        raise ChannelError(f"no SMS template is registered for {sms.kind!r} messages")
    values = [str((sms.params or {}).get(name, ""))[:35] for name in template.params]
    return template, values


def _mainland(number: str) -> str:
    return number.removeprefix("+86") if number.startswith("+86") else number.lstrip("+")


# ---- text gateways ----------------------------------------------------------------------------


class FileSms:
    """Development: one JSON line per message in var/sms.log."""

    def send(self, sms: Sms) -> str:
        path = Path(settings.VAR_DIR) / "sms.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"to": sms.to, "text": sms.text, "id": sms.message_id, "at": clock.now().isoformat()},
            ensure_ascii=False,
        )
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return ""


class ConsoleSms:
    def send(self, sms: Sms) -> str:
        log.info("SMS to %s (%s): %s", sms.to, sms.message_id, sms.text)
        return ""


class HttpSms:
    """A provider's HTTP API: JSON in, 2xx means accepted. `id` lets the provider deduplicate."""

    def send(self, sms: Sms) -> str:
        try:
            response = requests.post(
                settings.REGULARS_SMS_URL,
                json={"to": sms.to, "text": sms.text, "id": sms.message_id},
                headers={"Authorization": f"Bearer {settings.REGULARS_SMS_KEY}"},
                timeout=10,
            )
        except requests.RequestException as error:
            raise ChannelError(str(error)) from None
        if response.status_code >= 400:
            raise ChannelError(
                f"SMS provider answered {response.status_code}: {response.text[:200]}",
                gone=response.status_code == 422,
            )
        return ""


# ---- Alibaba Cloud (Aliyun) SMS ---------------------------------------------------------------


def aliyun_encode(value: str) -> str:
    """Aliyun's percent-encoding: RFC 3986 unreserved characters kept, everything else encoded
    (space as %20, * as %2A, ~ kept)."""
    return quote(value, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Signature v1.0 of the RPC API: HMAC-SHA1 of `GET&%2F&<encoded sorted query>` keyed by the
    AccessKey secret and "&", base64."""
    query = "&".join(f"{aliyun_encode(k)}={aliyun_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_encode('/')}&{aliyun_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# Aliyun's codes that say the number itself is the problem (not worth retrying).
ALIYUN_DEAD_NUMBER = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT"}


class AliyunSms:
    endpoint = "https://dysmsapi.aliyuncs.com/"

    def send(self, sms: Sms) -> str:
        template, values = _template_for(sms)
        params = {
            "AccessKeyId": settings.REGULARS_SMS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": sms.message_id,
            "PhoneNumbers": _mainland(sms.to),
            "RegionId": "cn-hangzhou",
            "SignName": settings.REGULARS_SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": secrets.token_hex(16),
            "SignatureVersion": "1.0",
            "TemplateCode": template.template,
            "TemplateParam": json.dumps(
                dict(zip(template.params, values, strict=True)), ensure_ascii=False
            ),
            # the provider compares it with its own clock: the machine's, whatever is pinned
            "Timestamp": clock.real_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, settings.REGULARS_SMS_KEY_SECRET)
        try:
            response = requests.get(
                settings.REGULARS_SMS_URL or self.endpoint, params=params, timeout=10
            )
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ChannelError(f"Aliyun SMS unreachable: {error}") from None
        if answer.get("Code") != "OK":
            code = answer.get("Code", response.status_code)
            raise ChannelError(
                f"Aliyun SMS refused: {code} {answer.get('Message', '')}",
                gone=code in ALIYUN_DEAD_NUMBER,
            )
        return str(answer.get("BizId", ""))


# ---- Tencent Cloud SMS ------------------------------------------------------------------------


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    payload: bytes,
    timestamp: int,
    content_type: str = "application/json; charset=utf-8",
) -> str:
    """API 3.0's `TC3-HMAC-SHA256` for a POST to "/": the canonical request (content-type and
    host signed, the payload's SHA-256), the string to sign over the day's credential scope, and
    a signing key derived from the secret, the day and the service."""
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )

    def _hmac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    signing = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


TENCENT_DEAD_NUMBER = {
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
}


class TencentSms:
    endpoint = "https://sms.tencentcloudapi.com/"

    def send(self, sms: Sms) -> str:
        template, values = _template_for(sms)
        payload = json.dumps(
            {
                "PhoneNumberSet": [sms.to],
                "SmsSdkAppId": settings.REGULARS_SMS_APP_ID,
                "SignName": settings.REGULARS_SMS_SIGN_NAME,
                "TemplateId": template.template,
                "TemplateParamSet": values,
                "SessionContext": sms.message_id,
            },
            ensure_ascii=False,
        ).encode()
        url = settings.REGULARS_SMS_URL or self.endpoint
        host = "sms.tencentcloudapi.com"  # signed as the service's host even through a proxy
        timestamp = int(clock.real_now().timestamp())  # checked against the provider's clock
        headers = {
            "Authorization": tc3_authorization(
                secret_id=settings.REGULARS_SMS_KEY_ID,
                secret_key=settings.REGULARS_SMS_KEY_SECRET,
                service="sms",
                host=host,
                payload=payload,
                timestamp=timestamp,
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": "2021-01-11",
            "X-TC-Region": settings.REGULARS_SMS_REGION,
        }
        try:
            response = requests.post(url, data=payload, headers=headers, timeout=10)
            answer = response.json().get("Response", {})
        except (requests.RequestException, ValueError) as error:
            raise ChannelError(f"Tencent SMS unreachable: {error}") from None
        if "Error" in answer:
            error = answer["Error"]
            raise ChannelError(f"Tencent SMS refused: {error.get('Code')} {error.get('Message')}")
        status = (answer.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            raise ChannelError(
                f"Tencent SMS refused: {status.get('Code')} {status.get('Message')}",
                gone=status.get("Code") in TENCENT_DEAD_NUMBER,
            )
        return str(status.get("SerialNo", ""))


SMS_BACKENDS = {
    "file": FileSms,
    "console": ConsoleSms,
    "http": HttpSms,
    "aliyun": AliyunSms,
    "tencent": TencentSms,
}
TEMPLATE_PROVIDERS = {"aliyun", "tencent"}


def send(sms: Sms) -> None:
    """Send through the configured gateway; a provider's message is logged for its receipt."""
    backend = settings.REGULARS_SMS_BACKEND
    reference = SMS_BACKENDS[backend]().send(sms)
    if backend in TEMPLATE_PROVIDERS:
        from .services import record_sms

        record_sms(sms, provider=backend, reference=reference)


# ---- delivery receipts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    reference: str  # the provider's id of the message (BizId / sid)
    message_id: str  # ours, where the provider echoes it (Aliyun's out_id)
    delivered: bool
    error: str


def parse_receipts(provider: str, body: bytes) -> list[Receipt]:
    """The provider's push of delivery reports (a JSON array) as receipts; ValueError if the
    body is not one."""
    rows = json.loads(body.decode("utf-8"))
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError("a receipt push is a JSON array of objects")
    if provider == "aliyun":  # SmsReport: biz_id, out_id, success, err_code, err_msg
        return [
            Receipt(
                str(row.get("biz_id", "")),
                str(row.get("out_id", "")),
                bool(row.get("success")),
                f"{row.get('err_code', '')} {row.get('err_msg', '')}".strip(),
            )
            for row in rows
        ]
    if provider == "tencent":  # sid, report_status SUCCESS/FAIL, errmsg, description
        return [
            Receipt(
                str(row.get("sid", "")),
                "",
                row.get("report_status") == "SUCCESS",
                f"{row.get('errmsg', '')} {row.get('description', '')}".strip(),
            )
            for row in rows
        ]
    raise ValueError(f"no receipts from {provider!r}")


# What each provider expects back once a push is taken.
RECEIPT_ACKNOWLEDGEMENTS = {
    "aliyun": {"code": 0, "msg": "成功"},
    "tencent": {"result": 0, "errmsg": "OK"},
}
