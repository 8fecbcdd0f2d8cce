"""Where webhooks may go, and the one HTTP POST that sends them.

A registered URL must not point into the server's own network (loopback, private, link-local addresses: the
cloud metadata service, the database), or a coordinator's endpoint would become a way to probe it. The name is
resolved when sending and the connection goes to the address that was checked, so a DNS answer that changes
between the check and the connection (rebinding) cannot slip through. Tests allow private targets by setting.
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
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


class _Deadline:
    """The whole attempt's time limit. Socket timeouts bound each connect and each read, so a receiver that drips
    a byte a second would hold the worker for as long as it likes; at the deadline this cuts the socket from a
    timer thread, which wakes the worker's blocking read (headers or body, plain or TLS) with an error."""

    def __init__(self, *, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.passed = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def expired(self) -> bool:
        return self.passed or time.monotonic() >= self.ends

    def remaining(self, *, at_most: float) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            self.passed = True
            raise TimeoutError("attempt deadline passed")
        return min(left, at_most)

    def watch(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._socket = sock
            if self.passed:
                self._cut_socket()
        return sock

    def _cut(self) -> None:
        with self._lock:
            self.passed = True
            self._cut_socket()

    def _cut_socket(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):  # already closed by the worker
                self._socket.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float, deadline: _Deadline) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self._deadline = deadline

    def _open(self) -> socket.socket:
        timeout = self._deadline.remaining(at_most=self.timeout)
        return self._deadline.watch(socket.create_connection((self._address, self.port), timeout))

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection, http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float, deadline: _Deadline) -> None:
        http.client.HTTPSConnection.__init__(self, host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address
        self._deadline = deadline

    def connect(self) -> None:
        # The certificate is checked against the name, while the connection goes to the checked address.
        # The handshake runs after the deadline watches the TLS socket, so a dripping handshake is cut too.
        sock = self._context.wrap_socket(self._open(), server_hostname=self.host, do_handshake_on_connect=False)
        self.sock = self._deadline.watch(sock)
        sock.do_handshake()


def _read_limited(response: http.client.HTTPResponse, *, sock: socket.socket, deadline: _Deadline, limit: int) -> bytes:
    """At most ``limit`` bytes of the answer, in chunks, each read bounded by what is left of the deadline."""
    chunks: list[bytes] = []
    size = 0
    while size < limit and not response.isclosed():  # it closes itself once the whole answer is read
        sock.settimeout(deadline.remaining(at_most=settings.WEBHOOK_TIMEOUT_SECONDS))
        chunk = response.read1(min(8192, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` once, without following redirects; never raises for what the network or receiver does.

    Waits at most WEBHOOK_TIMEOUT_SECONDS for the connection and for each read, at most
    WEBHOOK_ATTEMPT_DEADLINE_SECONDS for the whole attempt (connection, request, answer), and reads at most
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
    deadline = _Deadline(seconds=settings.WEBHOOK_ATTEMPT_DEADLINE_SECONDS)
    connection = connection_class(
        parts.hostname, port, address=address, timeout=settings.WEBHOOK_TIMEOUT_SECONDS, deadline=deadline
    )
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
        sock = connection.sock  # held here: http.client lets go of it once a "Connection: close" answer begins
        response = connection.getresponse()
        content = _read_limited(response, sock=sock, deadline=deadline, limit=settings.WEBHOOK_MAX_RESPONSE_BYTES)
        if deadline.expired():
            raise TimeoutError
        return Answer(
            status_code=response.status,
            duration_ms=elapsed(),
            excerpt=content[:EXCERPT_CHARACTERS].decode("utf-8", errors="replace")[:EXCERPT_CHARACTERS],
        )
    except (OSError, http.client.HTTPException) as error:
        if deadline.expired():
            message = _("The receiver did not finish answering within %(seconds)s s.") % {
                "seconds": f"{deadline.seconds:g}"
            }
            return Answer(status_code=None, duration_ms=elapsed(), error=message)
        return Answer(status_code=None, duration_ms=elapsed(), error=f"{type(error).__name__}: {error}"[:500])
    finally:
        deadline.cancel()
        connection.close()
