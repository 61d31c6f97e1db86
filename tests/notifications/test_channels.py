"""Web Push and SMS against local stand-ins for a browser's push service and an SMS provider."""

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from regulars.notifications import channels, sms
from regulars.notifications.models import PushSubscription
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


class Recorder:
    """A one-endpoint HTTP server in a thread that keeps every request and answers `status`."""

    def __init__(self, status: int = 201):
        self.requests: list[tuple[dict, bytes]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {key.lower(): value for key, value in self.headers.items()}
                recorder.requests.append((headers, body))
                self.send_response(recorder.status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                return

        self.status = status
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_web_push_is_encrypted_for_the_browser_and_signed_with_vapid(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    channels.vapid.cache_clear()
    # The browser's side: its own key pair and auth secret, as PushManager.subscribe() makes.
    browser_key = ec.generate_private_key(ec.SECP256R1())
    public = browser_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    secret = os.urandom(16)
    with Recorder() as push_service:
        device = PushSubscription.objects.create(
            consumer=make_person("13800000501"),
            endpoint=push_service.url + "push/abc",
            p256dh=b64(public),
            auth=b64(secret),
        )
        channels.send_push(device, {"title": "⚡ 洁丽洗衣", "url": "/deals/1/"})
    headers, body = push_service.requests[0]
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    assert channels.vapid_public_key() in headers["authorization"]
    plain = http_ece.decrypt(body, private_key=browser_key, auth_secret=secret, version="aes128gcm")
    assert json.loads(plain) == {"title": "⚡ 洁丽洗衣", "url": "/deals/1/"}
    channels.vapid.cache_clear()


def test_a_push_service_saying_gone_marks_the_subscription_dead(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    channels.vapid.cache_clear()
    browser_key = ec.generate_private_key(ec.SECP256R1())
    public = browser_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    with Recorder(status=410) as push_service:
        device = PushSubscription(
            endpoint=push_service.url, p256dh=b64(public), auth=b64(os.urandom(16))
        )
        with pytest.raises(channels.ChannelError) as failed:
            channels.send_push(device, {"title": "x"})
    assert failed.value.gone
    channels.vapid.cache_clear()


def test_the_http_sms_adapter_posts_to_the_provider_and_reports_refusals(settings):
    settings.REGULARS_SMS_BACKEND = "http"
    settings.REGULARS_SMS_KEY = "k-123"
    with Recorder(status=200) as provider:
        settings.REGULARS_SMS_URL = provider.url + "sms"
        sms.send(sms.Sms(to="+8613800000502", text="【洁丽洗衣】五折", message_id="d1"))
    headers, body = provider.requests[0]
    assert headers["authorization"] == "Bearer k-123"
    assert json.loads(body) == {"to": "+8613800000502", "text": "【洁丽洗衣】五折", "id": "d1"}
    with Recorder(status=500) as broken:
        settings.REGULARS_SMS_URL = broken.url
        with pytest.raises(channels.ChannelError, match="500"):
            sms.send(sms.Sms(to="+8613800000502", text="x", message_id="d2"))
