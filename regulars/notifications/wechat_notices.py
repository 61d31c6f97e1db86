"""Notices in WeChat: an inbox message about an order, a booking or a complaint also goes to the
person's WeChat, as a template message of the platform's official account, when they asked for
it (a `WeChatBinding`, their consent recorded) and the operator registered a template for that
kind of message.

WeChat sends only approved templates whose fields the template defines (`thing1`, `time2`…), so
the operator maps each kind to a template and its fields to our words in
`REGULARS_WECHAT_TEMPLATES` (JSON): `{"booking": {"template": "…", "fields": {"thing1": "title",
"thing2": "body"}}}`; a field may take `title` or `body` (cut at 20 characters, the limit of a
`thing` field). A person who no longer follows the account (errcode 43004) is unbound, as if they
had opted out; an expired access token is replaced once.
"""

import functools
import json
import logging

import requests
from django.conf import settings

from regulars.core import wechat

log = logging.getLogger(__name__)

# Which inbox messages are which kind, by the start of their dedupe key.
KIND_OF_KEY = {
    "reservation": "booking",  # confirmed, declined, the reminder before
    "order": "order",
    "punch-card": "order",  # a punch card about to run out
    "ticket-closed": "complaint",  # the customer's complaint answered
    "ticket-open": "complaint",  # staff: a new complaint
    "ticket-escalated": "complaint",  # staff: an overdue one escalated to them
}
KINDS = ("order", "booking", "complaint")
WORDS = ("title", "body")
GONE = {"43004", "40003"}  # not following the account; an OpenID not of this account
EXPIRED_TOKEN = {"40001", "42001"}


class NoticeError(Exception):
    def __init__(self, message: str, *, gone: bool = False):
        super().__init__(message)
        self.gone = gone


@functools.lru_cache(maxsize=4)
def parse_templates(raw: str) -> dict:
    if not raw.strip():
        return {}
    try:
        given = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"REGULARS_WECHAT_TEMPLATES is not JSON: {error}") from None
    for kind, entry in given.items():
        fields = entry.get("fields", {})
        if kind not in KINDS or not entry.get("template") or set(fields.values()) - set(WORDS):
            raise ValueError(
                f"REGULARS_WECHAT_TEMPLATES[{kind!r}]: a kind of {KINDS} with a template id and "
                f"fields taking {WORDS}"
            )
    return given


def kind_of(dedupe_key: str) -> str | None:
    return KIND_OF_KEY.get(dedupe_key.split(":", 1)[0])


def enabled() -> bool:
    return bool(
        settings.REGULARS_WECHATPAY_APPID
        and settings.REGULARS_WECHAT_APP_SECRET
        and parse_templates(settings.REGULARS_WECHAT_TEMPLATES)
    )


def send(*, openid: str, kind: str, title: str, body: str, link: str) -> str:
    """Send one template message; returns WeChat's msgid."""
    entry = parse_templates(settings.REGULARS_WECHAT_TEMPLATES).get(kind)
    if entry is None:
        raise NoticeError(f"no WeChat template for {kind!r} notices")
    words = {"title": title, "body": body}
    payload = {
        "touser": openid,
        "template_id": entry["template"],
        "url": settings.REGULARS_PUBLIC_URL.rstrip("/") + link if link else "",
        "data": {field: {"value": words[word][:20]} for field, word in entry["fields"].items()},
    }
    appid, secret = settings.REGULARS_WECHATPAY_APPID, settings.REGULARS_WECHAT_APP_SECRET
    for attempt in range(2):
        try:
            token = wechat.access_token(appid, secret, fresh=attempt > 0)
            answer = requests.post(
                (settings.REGULARS_WECHAT_OAUTH_URL or wechat.OAUTH_API)
                + "/cgi-bin/message/template/send",
                params={"access_token": token},
                data=json.dumps(payload, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
                timeout=10,
            ).json()
        except (requests.RequestException, ValueError, wechat.WeChatError) as error:
            raise NoticeError(f"WeChat unreachable: {error}") from None
        code = str(answer.get("errcode", 0))
        if code == "0":
            return str(answer.get("msgid", ""))
        if code not in EXPIRED_TOKEN:
            break
    raise NoticeError(f"WeChat refused: {code} {answer.get('errmsg')}", gone=code in GONE)
