"""How a message leaves Regulars besides the inbox: Web Push (SMS: sms.py).

Web Push follows RFC 8030 (delivery), RFC 8291 (payload encryption, aes128gcm) and RFC 8292
(VAPID), through pywebpush. The VAPID key pair comes from `REGULARS_VAPID_PRIVATE_KEY` (PEM); in
the embedded mode one is generated once into the var directory.
"""

import base64
import functools
import json
import logging
import threading
from pathlib import Path

import requests
from django.conf import settings

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """The provider refused or could not be reached; `gone` means the address is dead for good."""

    def __init__(self, message: str, *, gone: bool = False):
        super().__init__(message)
        self.gone = gone


# ---- Web Push ------------------------------------------------------------------------------

_key_lock = threading.Lock()


@functools.cache
def vapid():
    """The VAPID key pair (a py_vapid `Vapid`)."""
    from py_vapid import Vapid

    configured = getattr(settings, "REGULARS_VAPID_PRIVATE_KEY", "")
    if configured:
        return Vapid.from_pem(configured.encode())
    path = Path(settings.VAR_DIR) / "vapid_private.pem"
    with _key_lock:
        if not path.exists():
            key = Vapid()
            key.generate_keys()
            path.parent.mkdir(parents=True, exist_ok=True)
            key.save_key(str(path))
            path.chmod(0o600)
    return Vapid.from_file(str(path))


def vapid_public_key() -> str:
    """The application server key a browser subscribes with (base64url, uncompressed point)."""
    from cryptography.hazmat.primitives import serialization

    raw = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def send_push(subscription, payload: dict) -> None:
    """Encrypt `payload` for one browser and hand it to its push service."""
    from pywebpush import WebPushException, webpush

    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=vapid(),
            vapid_claims={"sub": settings.REGULARS_VAPID_SUBJECT},
            ttl=3600,
            timeout=10,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        raise ChannelError(str(error), gone=status in (404, 410)) from None
    except requests.RequestException as error:
        raise ChannelError(str(error)) from None
