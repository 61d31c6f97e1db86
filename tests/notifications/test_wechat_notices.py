"""Notices in WeChat against a local fake of the official-account API (no network): binding by
WeChat's silent login with consent, order/booking/complaint notices as templates, an expired
token replaced, an unfollowed account treated as opting out, a forged binding refused."""

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from regulars.accounts.models import ConsentRecord
from regulars.notifications import services
from regulars.notifications.models import InboxMessage, WeChatBinding
from regulars.orders import services as order_services
from tests.fakes import serving
from tests.orders.test_reservations import MONDAY_9AM, SUNDAY_NOON

pytestmark = pytest.mark.django_db

APPID, SECRET, OPENID = "wx0123456789abcdef", "official-secret", "oAbCdEf0123456789"
TEMPLATES = json.dumps(
    {
        "booking": {"template": "TPL-BOOKING", "fields": {"thing1": "title", "thing2": "body"}},
        "complaint": {"template": "TPL-COMPLAINT", "fields": {"thing1": "title"}},
    }
)
INSIDE_WECHAT = "Mozilla/5.0 (iPhone) Mobile/15E148 MicroMessenger/8.0.50"


class OfficialAccountFake(BaseHTTPRequestHandler):
    sent: list = []
    tokens: list = []
    unfollowed: set = set()

    def _answer(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if query.get("appid") != APPID or query.get("secret") != SECRET:
            return self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})
        if url.path == "/cgi-bin/token":
            OfficialAccountFake.tokens.append(f"tok-{len(self.tokens) + 1}")
            return self._answer({"access_token": self.tokens[-1], "expires_in": 7200})
        if url.path == "/sns/oauth2/access_token" and query.get("code") == "good-code":
            return self._answer({"access_token": "t", "openid": OPENID, "scope": "snsapi_base"})
        return self._answer({"errcode": 40029, "errmsg": "invalid code"})

    def do_POST(self):  # noqa: N802
        url = urlsplit(self.path)
        token = parse_qs(url.query).get("access_token", [""])[0]
        message = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if token != self.tokens[-1]:
            return self._answer({"errcode": 42001, "errmsg": "access_token expired"})
        if message["touser"] in self.unfollowed:
            return self._answer({"errcode": 43004, "errmsg": "require subscribe"})
        if message["template_id"] not in ("TPL-BOOKING", "TPL-COMPLAINT"):
            return self._answer({"errcode": 40037, "errmsg": "invalid template_id"})
        OfficialAccountFake.sent.append(message)
        return self._answer({"errcode": 0, "errmsg": "ok", "msgid": len(self.sent)})

    def log_message(self, *args):
        pass


@pytest.fixture
def account(settings):
    OfficialAccountFake.sent, OfficialAccountFake.tokens = [], []
    OfficialAccountFake.unfollowed = set()
    with serving(OfficialAccountFake) as url:
        settings.REGULARS_WECHAT_OAUTH_URL = url
        settings.REGULARS_WECHATPAY_APPID = APPID
        settings.REGULARS_WECHAT_APP_SECRET = SECRET
        settings.REGULARS_WECHAT_TEMPLATES = TEMPLATES
        settings.REGULARS_PUBLIC_URL = "https://regulars.example.cn"
        yield OfficialAccountFake


def confirmed_booking(salon, consumer, capture):
    owner, _store, haircut, _wash = salon
    booking = order_services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    with capture(execute=True):
        order_services.confirm_reservation(actor=owner, reservation_id=booking.pk)
    return booking


def test_a_person_binds_wechat_from_their_settings_with_consent(client, account, consumer):
    client.force_login(consumer)
    page = client.get("/me/messages/").content.decode()
    assert "data-wechat-notices" in page and "Receive notices in WeChat" in page
    outside = client.get("/me/messages/wechat/")
    assert outside["Location"] == "/me/messages/" and not WeChatBinding.objects.exists()
    asked = client.get("/me/messages/wechat/", HTTP_USER_AGENT=INSIDE_WECHAT)
    login = urlsplit(asked["Location"])
    state = parse_qs(login.query)["state"][0]
    assert login.netloc == "open.weixin.qq.com" and parse_qs(login.query)["appid"] == [APPID]
    assert (
        client.get(
            "/me/messages/wechat/done/", {"code": "good-code", "state": "forged"}
        ).status_code
        == 400
    )
    client.get("/me/messages/wechat/done/", {"code": "good-code", "state": state})
    assert WeChatBinding.objects.get(consumer=consumer).openid == OPENID
    consent = ConsentRecord.objects.filter(user=consumer, purpose="wechat").latest("id")
    assert consent.granted
    assert "Stop notices in WeChat" in client.get("/me/messages/").content.decode()
    client.post("/me/messages/wechat/stop/")
    assert not WeChatBinding.objects.exists()
    assert not ConsentRecord.objects.filter(user=consumer, purpose="wechat").latest("id").granted


def test_a_booking_notice_reaches_wechat_once_as_its_template(
    account, salon, consumer, django_capture_on_commit_callbacks
):
    services.bind_wechat(consumer=consumer, openid=OPENID)
    booking = confirmed_booking(salon, consumer, django_capture_on_commit_callbacks)
    [sent] = account.sent
    assert sent["touser"] == OPENID and sent["template_id"] == "TPL-BOOKING"
    assert sent["url"] == f"https://regulars.example.cn/me/reservations/{booking.pk}/"
    title = InboxMessage.objects.get(user=consumer).title
    assert sent["data"]["thing1"]["value"] == title[:20]  # WeChat's limit for a "thing" field
    assert "洗剪吹" in sent["data"]["thing2"]["value"]
    # The same event again (a replayed confirmation) is one inbox message, one notice.
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            user=consumer, title="again", dedupe_key=f"reservation:{booking.pk}:confirmed"
        )
    assert len(account.sent) == 1


def test_only_bound_people_and_registered_kinds_get_notices(
    account, salon, consumer, django_capture_on_commit_callbacks
):
    confirmed_booking(salon, consumer, django_capture_on_commit_callbacks)  # not bound
    services.bind_wechat(consumer=consumer, openid=OPENID)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=consumer, title="周末八折", dedupe_key="flash:9:1")  # an offer
        services.notify(user=consumer, title="已付款", dedupe_key="order:1:paid")  # no template
    assert account.sent == [] and InboxMessage.objects.filter(user=consumer).count() == 3


def test_an_expired_token_is_replaced_and_an_unfollowed_account_opts_out(
    account, salon, consumer, django_capture_on_commit_callbacks
):
    services.bind_wechat(consumer=consumer, openid=OPENID)
    from regulars.core import wechat

    wechat.access_token(APPID, SECRET)  # cached ...
    account.tokens.append("tok-rotated")  # ... then WeChat issues another elsewhere
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=consumer, title="投诉已处理", dedupe_key="ticket-closed:1:5")
    assert [m["template_id"] for m in account.sent] == ["TPL-COMPLAINT"]
    account.unfollowed.add(OPENID)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=consumer, title="投诉已处理", dedupe_key="ticket-closed:2:5")
    assert len(account.sent) == 1 and not WeChatBinding.objects.exists()
    withdrawn = ConsentRecord.objects.filter(user=consumer, purpose="wechat").latest("id")
    assert not withdrawn.granted and withdrawn.source == "wechat:unfollowed"


def test_the_templates_are_checked_at_start(settings):
    from regulars.notifications.checks import sms_settings

    settings.REGULARS_WECHAT_TEMPLATES = '{"offer": {"template": "T", "fields": {"a": "title"}}}'
    assert "notifications.E005" in {problem.id for problem in sms_settings()}
