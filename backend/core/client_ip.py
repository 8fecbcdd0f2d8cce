"""The client's address as the application may trust it: for lockouts and the audit log."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` proxies the address the outermost of them saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so only the last
    ``TRUSTED_PROXY_COUNT`` entries were written by our proxies; anything left of them came from the client
    and may be forged. Without the header (a request that bypassed the proxies) REMOTE_ADDR is the answer.
    """
    # A DRF Request wraps the Django one; both expose META.
    meta = request.META
    remote = _valid(meta.get("REMOTE_ADDR", "") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [entry for entry in (meta.get("HTTP_X_FORWARDED_FOR", "") or "").split(",") if entry.strip()]
    if len(forwarded) < proxies:
        return remote
    return _valid(forwarded[-proxies]) or remote
