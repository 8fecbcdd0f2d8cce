"""Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over ``id.timestamp.body``."""

import base64
import hashlib
import hmac

from backend.integrations.models import SECRET_PREFIX


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_…`` secret: the bytes its base64 part encodes."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, message_id: str, timestamp: int, body: str) -> str:
    """One ``v1,<base64>`` signature of the message under one secret."""
    content = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(*, secrets: list[str], message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three headers; with several secrets (during a rotation) one signature each, separated by spaces."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret=secret, message_id=message_id, timestamp=timestamp, body=body) for secret in secrets
        ),
    }
