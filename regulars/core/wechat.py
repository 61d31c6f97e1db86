"""WeChat's official account (公众号), shared by WeChat Pay's JSAPI and WeChat notices: the
silent web login that tells a visitor's OpenID, and the account's access token.

The login (`snsapi_base`) happens inside WeChat's browser: the visitor is sent to WeChat, which
sends them back with a code; the code, traded with the account's AppSecret, gives the OpenID of
this visitor for this account. The access token (for sending template messages) is fetched with
the AppSecret and cached until shortly before it expires.
"""

import requests
from django.conf import settings
from django.core.cache import cache


class WeChatError(Exception):
    """WeChat refused (`code`: its errcode) or could not be reached."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


OAUTH_AUTHORIZE = "https://open.weixin.qq.com/connect/oauth2/authorize"
OAUTH_API = "https://api.weixin.qq.com"


def authorize_url(appid: str, redirect_uri: str, state: str) -> str:
    """Where WeChat's browser asks WeChat who the buyer is (silently: `snsapi_base` gives only
    their OpenID for this official account)."""
    from urllib.parse import urlencode

    query = urlencode(
        {
            "appid": appid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    return f"{OAUTH_AUTHORIZE}?{query}#wechat_redirect"


def _get(path: str, params: dict, wanted: str) -> dict:
    """GET one of WeChat's APIs; the answer must hold `wanted`, else its errcode is raised."""
    try:
        answer = requests.get(
            (settings.REGULARS_WECHAT_OAUTH_URL or OAUTH_API) + path, params=params, timeout=10
        ).json()
    except (requests.RequestException, ValueError) as error:
        raise WeChatError(f"WeChat unreachable: {error}") from None
    if not answer.get(wanted):
        code = str(answer.get("errcode", ""))
        raise WeChatError(f"WeChat refused {path}: {code} {answer.get('errmsg')}", code)
    return answer


def openid_from_code(appid: str, secret: str, code: str) -> str:
    """Trade the code WeChat handed back for the visitor's OpenID."""
    params = {"appid": appid, "secret": secret, "code": code, "grant_type": "authorization_code"}
    return _get("/sns/oauth2/access_token", params, "openid")["openid"]


def access_token(appid: str, secret: str, *, fresh: bool = False) -> str:
    """The official account's access token (valid 7,200 s; kept 7,000 s, shared by processes
    through the cache). `fresh` replaces one WeChat says expired."""
    key = f"wechat:access-token:{appid}"
    token = None if fresh else cache.get(key)
    if token:
        return token
    params = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    answer = _get("/cgi-bin/token", params, "access_token")
    cache.set(key, answer["access_token"], min(7000, int(answer.get("expires_in", 7200)) - 200))
    return answer["access_token"]
