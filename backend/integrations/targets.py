"""Where webhooks may go, and the one HTTP POST that sends them.

A registered URL must not point into the server's own network (loopback, private, link-local addresses: the
cloud metadata service, the database), or a coordinator's endpoint would become a way to probe it. The name is
resolved when sending and the connection goes to the address that was checked, so a DNS answer that changes
between the check and the connection (rebinding) cannot slip through. Tests allow private targets by setting.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EXCERPT_CHARACTERS = 1000


class TargetRefused(Exception):
    """The URL may not receive webhooks (scheme, address); the message is for people."""


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return settings.WEBHOOK_ALLOW_PRIVATE_TARGETS or address.is_global


def url_validate(url: str) -> None:
    """Refuse, with a Czech message for the form, a URL that could never be a permitted target.

    Names are not resolved here (the address may change before the first event); sending checks them.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError(_("Enter an address starting with https://."), code="scheme")
    if parts.scheme == "http" and not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        raise ValidationError(_("Webhooks are sent over HTTPS only: enter an address starting with https://."))
    if parts.username or parts.password:
        raise ValidationError(_("Do not put a name or password into the address; the signature proves the sender."))
    host = parts.hostname
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if (host == "localhost" or host.endswith((".localhost", ".local", ".internal"))) and not (
            settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
        ):
            raise ValidationError(_("Webhooks may not be sent to this server's own network.")) from None
        return
    if not _address_allowed(address):
        raise ValidationError(_("Webhooks may not be sent to this server's own network."))


def _resolve(host: str, port: int) -> str:
    """One permitted address of ``host``; refused if any of its addresses is not permitted."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise TargetRefused(_("The address of the server could not be found (%(error)s).") % {"error": error}) from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses or not all(_address_allowed(address) for address in addresses):
        raise TargetRefused(_("Webhooks may not be sent to this server's own network."))
    return str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the name, while the connection goes to the checked address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` once, without following redirects; never raises for what the network or receiver does.

    Waits at most WEBHOOK_TIMEOUT_SECONDS for the connection and for each read, and reads at most
    WEBHOOK_MAX_RESPONSE_BYTES of the answer.
    """
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        url_validate(url)
        address = _resolve(parts.hostname, port)
    except (ValidationError, TargetRefused) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        return Answer(status_code=None, duration_ms=elapsed(), error=message)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address=address, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST",
            target,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": "Ramec-Webhooks/1",
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        content = response.read(settings.WEBHOOK_MAX_RESPONSE_BYTES)
        return Answer(
            status_code=response.status,
            duration_ms=elapsed(),
            excerpt=content[:EXCERPT_CHARACTERS].decode("utf-8", errors="replace")[:EXCERPT_CHARACTERS],
        )
    except (OSError, http.client.HTTPException) as error:
        return Answer(status_code=None, duration_ms=elapsed(), error=f"{type(error).__name__}: {error}"[:500])
    finally:
        connection.close()
