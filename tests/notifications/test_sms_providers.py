"""Aliyun SMS and Tencent Cloud SMS end to end against local fakes of both providers (no network):
signatures checked against the published examples and by the fakes themselves, codes that arrive
and can be used, refusals, tampered keys, replays, and delivery receipts."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import requests
from django.core import checks

from regulars.accounts import services as account_services
from regulars.core.errors import DomainError
from regulars.notifications import sms
from regulars.notifications.channels import ChannelError
from regulars.notifications.models import SmsMessage
from tests.fakes import serving

pytestmark = pytest.mark.django_db

KEY_ID, SECRET = "LTAI-test-id", "test-secret-42"
PHONE = "+8613800000777"
TEMPLATES = json.dumps(
    {
        "code": {"template": "SMS_100001", "params": ["code"]},
        "offer": {"template": "SMS_100003", "params": ["shop", "title"]},
    }
)


# ---- the signers against the providers' published examples ------------------------------------


def test_the_aliyun_signature_matches_the_published_example():
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sms.aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_the_tencent_tc3_signature_matches_the_published_example():
    authorization = sms.tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        host="cvm.tencentcloudapi.com",
        payload=b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], '
        b'"Name": "instance-name"}]}',
        timestamp=1551113065,
    )
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


# ---- local fakes ------------------------------------------------------------------------------


class FakeProviders(BaseHTTPRequestHandler):
    """Aliyun's RPC endpoint (GET /) and Tencent's API 3.0 endpoint (POST /), each checking the
    request the way its documentation says the real one does."""

    sent: list = []
    raw: list = []
    nonces: set = set()
    clock_ahead = 0  # seconds the provider's clock is ahead (a replay arriving late)

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - Aliyun
        FakeProviders.raw.append(("GET", self.path, dict(self.headers), b""))
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        signature = params.pop("Signature", "")
        encode = lambda text: quote(text, safe="~")  # noqa: E731 - RFC 3986, written apart from ours
        query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
        to_sign = "GET&%2F&" + encode(query)
        expected = base64.b64encode(
            hmac.new(f"{SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if params.get("AccessKeyId") != KEY_ID:
            return self._answer(404, {"Code": "InvalidAccessKeyId.NotFound"})
        if not hmac.compare_digest(signature, expected):
            return self._answer(400, {"Code": "SignatureDoesNotMatch", "Message": "bad sign"})
        if params["SignatureNonce"] in FakeProviders.nonces:
            return self._answer(400, {"Code": "SignatureNonceUsed", "Message": "replayed"})
        FakeProviders.nonces.add(params["SignatureNonce"])
        sent_at = dt.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        skew = time.time() + FakeProviders.clock_ahead - sent_at.replace(tzinfo=dt.UTC).timestamp()
        if abs(skew) > 15 * 60:
            return self._answer(400, {"Code": "InvalidTimeStamp.Expired"})
        if params["TemplateCode"] not in ("SMS_100001", "SMS_100003"):
            return self._answer(200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"})
        if not (params["PhoneNumbers"].isdigit() and len(params["PhoneNumbers"]) == 11):
            return self._answer(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "号码格式"})
        FakeProviders.sent.append(("aliyun", params))
        self._answer(200, {"Code": "OK", "Message": "OK", "BizId": f"9{len(self.sent):05d}^0"})

    def do_POST(self):  # noqa: N802 - Tencent
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeProviders.raw.append(("POST", self.path, dict(self.headers), body))
        stamp = int(self.headers["X-TC-Timestamp"])
        day = dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d")
        canonical = (
            f"POST\n/\n\ncontent-type:{self.headers['Content-Type']}\n"
            f"host:{self.headers['Host']}\n\ncontent-type;host\n{hashlib.sha256(body).hexdigest()}"
        )
        to_sign = (
            f"TC3-HMAC-SHA256\n{stamp}\n{day}/sms/tc3_request\n"
            f"{hashlib.sha256(canonical.encode()).hexdigest()}"
        )
        key = f"TC3{SECRET}".encode()
        for part in (day, "sms", "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        given = self.headers["Authorization"]
        if f"Credential={KEY_ID}/" not in given:
            return self._answer(
                200, {"Response": {"Error": {"Code": "AuthFailure.SecretIdNotFound"}}}
            )
        if not given.endswith(f"Signature={expected}"):
            error = {"Code": "AuthFailure.SignatureFailure", "Message": "bad signature"}
            return self._answer(200, {"Response": {"Error": error}})
        if abs(time.time() + FakeProviders.clock_ahead - stamp) > 300:
            error = {"Code": "AuthFailure.SignatureExpire", "Message": "too old"}
            return self._answer(200, {"Response": {"Error": error}})
        request = json.loads(body)
        number = request["PhoneNumberSet"][0]
        if request["TemplateId"] not in ("SMS_100001", "SMS_100003"):
            status = {"Code": "FailedOperation.TemplateIncorrectOrUnapproved", "Message": "no"}
        elif not (number.startswith("+86") and len(number) == 14):
            status = {"Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "bad"}
        else:
            FakeProviders.sent.append(("tencent", request))
            status = {"Code": "Ok", "Message": "send success", "SerialNo": f"2640:{len(self.sent)}"}
        self._answer(200, {"Response": {"SendStatusSet": [status], "RequestId": "r-1"}})

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    FakeProviders.sent, FakeProviders.raw, FakeProviders.nonces = [], [], set()
    FakeProviders.clock_ahead = 0
    settings.REGULARS_SMS_KEY_ID, settings.REGULARS_SMS_KEY_SECRET = KEY_ID, SECRET
    settings.REGULARS_SMS_SIGN_NAME = "熟客"
    settings.REGULARS_SMS_APP_ID = "1400000001"
    settings.REGULARS_SMS_TEMPLATES = TEMPLATES
    settings.REGULARS_SMS_RECEIPT_TOKEN = "receipt-secret"
    with serving(FakeProviders) as url:
        settings.REGULARS_SMS_URL = url + "/"
        yield FakeProviders


def sent_code(fake) -> str:
    kind, request = fake.sent[-1]
    if kind == "aliyun":
        return json.loads(request["TemplateParam"])["code"]
    return request["TemplateParamSet"][0]


# ---- end to end -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_a_sign_up_code_arrives_as_a_template_and_proves_the_phone(settings, provider, backend):
    settings.REGULARS_SMS_BACKEND = backend
    account_services.send_phone_code(phone=PHONE, purpose="sign_up")
    kind, request = provider.sent[-1]
    if backend == "aliyun":
        assert request["PhoneNumbers"] == "13800000777" and request["TemplateCode"] == "SMS_100001"
        assert request["SignName"] == "熟客" and request["OutId"].startswith("code-")
    else:
        assert request["PhoneNumberSet"] == [PHONE] and request["TemplateId"] == "SMS_100001"
        assert request["SmsSdkAppId"] == "1400000001"
    found = account_services.check_phone_code(PHONE, "sign_up", sent_code(provider))
    assert found.phone == PHONE
    logged = SmsMessage.objects.get()
    assert (logged.kind, logged.provider, logged.status) == ("code", backend, "sent")
    assert logged.to_masked == "138****0777" and logged.reference


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_refusals_say_the_text_could_not_be_sent_and_log_nothing(settings, provider, backend):
    settings.REGULARS_SMS_BACKEND = backend
    settings.REGULARS_SMS_TEMPLATES = json.dumps({"code": {"template": "SMS_UNAPPROVED"}})
    with pytest.raises(DomainError, match="could not be sent"):
        account_services.send_phone_code(phone=PHONE, purpose="sign_up")
    settings.REGULARS_SMS_TEMPLATES = json.dumps({"offer": {"template": "SMS_100003"}})
    with pytest.raises(ChannelError, match="no SMS template"):  # a kind with no template
        sms.send(sms.Sms(to=PHONE, text="x", message_id="c1", kind="code"))
    settings.REGULARS_SMS_TEMPLATES = TEMPLATES
    with pytest.raises(ChannelError) as dead:  # a number the provider will never reach
        sms.send(sms.Sms(to="+86138000", text="x", message_id="c2", kind="code"))
    assert dead.value.gone
    assert not SmsMessage.objects.exists() and not provider.sent


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_a_wrong_secret_is_caught_by_the_provider(settings, provider, backend):
    settings.REGULARS_SMS_BACKEND = backend
    settings.REGULARS_SMS_KEY_SECRET = "someone-elses"
    with pytest.raises(ChannelError, match="Signature"):
        sms.send(sms.Sms(to=PHONE, text="x", message_id="t1", kind="code", params={"code": "1"}))
    assert not provider.sent


def test_a_replayed_aliyun_request_is_refused_and_ours_never_repeat_a_nonce(settings, provider):
    settings.REGULARS_SMS_BACKEND = "aliyun"
    for n in range(2):
        sms.send(sms.Sms(to=PHONE, text="x", message_id=f"r{n}", kind="code", params={"code": "1"}))
    assert len(provider.sent) == 2
    _method, path, _headers, _body = provider.raw[0]
    replayed = requests.get(settings.REGULARS_SMS_URL.rstrip("/") + path, timeout=5).json()
    assert replayed["Code"] == "SignatureNonceUsed" and len(provider.sent) == 2


def test_a_replayed_tencent_request_is_refused_once_its_minutes_are_over(settings, provider):
    settings.REGULARS_SMS_BACKEND = "tencent"
    sms.send(sms.Sms(to=PHONE, text="x", message_id="r1", kind="code", params={"code": "1"}))
    _method, _path, headers, body = provider.raw[0]
    provider.clock_ahead = 600  # the same request, ten minutes later
    keep = {k: v for k, v in headers.items() if k.lower() != "content-length"}
    replayed = requests.post(settings.REGULARS_SMS_URL, data=body, headers=keep, timeout=5).json()
    assert replayed["Response"]["Error"]["Code"] == "AuthFailure.SignatureExpire"
    assert len(provider.sent) == 1


# ---- delivery receipts ------------------------------------------------------------------------


def test_receipts_mark_texts_delivered_or_failed_once(client, settings, provider):
    settings.REGULARS_SMS_BACKEND = "aliyun"
    sms.send(sms.Sms(to=PHONE, text="x", message_id="code-1", kind="code", params={"code": "1"}))
    sms.send(sms.Sms(to=PHONE, text="x", message_id="code-2", kind="code", params={"code": "2"}))
    first, second = SmsMessage.objects.order_by("id")
    push = [
        {"biz_id": first.reference, "out_id": "code-1", "success": True, "err_code": "DELIVERED"},
        {"biz_id": second.reference, "out_id": "code-2", "success": False, "err_code": "MK:0001"},
    ]
    url = "/api/v1/sms/aliyun/receipts"
    answer = client.post(f"{url}?token=receipt-secret", push, content_type="application/json")
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "成功"}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("delivered", "failed")
    assert "MK:0001" in second.error
    # A replayed or contradicting report changes nothing: the first report is final.
    push[1]["success"] = True
    client.post(f"{url}?token=receipt-secret", push, content_type="application/json")
    second.refresh_from_db()
    assert second.status == "failed"
    # Without the secret, or with something that is not a report, nothing is read.
    assert (
        client.post(f"{url}?token=guess", push, content_type="application/json").status_code == 403
    )
    garbage = client.post(f"{url}?token=receipt-secret", "{}", content_type="application/json")
    assert garbage.status_code == 400
    assert client.post("/api/v1/sms/baidu/receipts?token=receipt-secret").status_code == 404


def test_a_tencent_receipt_finds_its_text_by_serial_number(client, settings, provider):
    settings.REGULARS_SMS_BACKEND = "tencent"
    sms.send(sms.Sms(to=PHONE, text="x", message_id="code-9", kind="code", params={"code": "9"}))
    logged = SmsMessage.objects.get()
    push = [
        {
            "sid": logged.reference,
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "mobile": "13800000777",
        }
    ]
    answer = client.post(
        "/api/v1/sms/tencent/receipts?token=receipt-secret", push, content_type="application/json"
    )
    assert answer.json() == {"result": 0, "errmsg": "OK"}
    logged.refresh_from_db()
    assert logged.status == "delivered" and logged.reported_at is not None


def test_the_settings_are_checked_at_start(settings):
    from regulars.notifications.checks import sms_settings

    settings.REGULARS_SMS_BACKEND = "aliyun"
    settings.REGULARS_SMS_KEY_ID = ""
    settings.REGULARS_SMS_TEMPLATES = ""
    ids = {problem.id for problem in sms_settings()}
    assert {"notifications.E003", "notifications.E004"} <= ids
    settings.REGULARS_SMS_TEMPLATES = '{"code": {"template": "SMS_1", "params": ["pin"]}}'
    assert [problem.id for problem in sms_settings()] == ["notifications.E002"]
    settings.REGULARS_SMS_BACKEND = "pigeon"
    assert [problem.id for problem in sms_settings()] == ["notifications.E001"]
    assert all(isinstance(problem, checks.Error) for problem in sms_settings())
