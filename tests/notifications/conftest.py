"""Real components for the notification tests: an SMTP server (aiosmtpd) and Celery workers as subprocesses.

Each test gets its own broker queue, so workers of parallel runs sharing one Redis database never take
each other's tasks, and stale messages of earlier runs never reach these workers.
"""

import asyncio
import contextlib
import email
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection

from backend.celery import app as celery_app
from backend.notifications import outbox

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"
WORKER_SITE_URL = "https://ramec.vzorov.example"


def wait_for(
    condition: Callable[[], object],
    *,
    timeout: float = 20.0,
    interval: float = 0.05,
    message: str | Callable[[], str] = "",
):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds with ``message``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            pytest.fail(f"Waited {timeout:.0f} s in vain for {text or condition}")
        time.sleep(interval)


# --- SMTP ---------------------------------------------------------------------------------------------


@dataclass
class SmtpSink:
    """A local SMTP server that keeps every message it accepted."""

    host: str = "127.0.0.1"
    port: int = 0
    # Seconds to wait before accepting the next N messages' DATA (a slow mail server).
    delays: list[float] = field(default_factory=list)
    data_started: threading.Event = field(default_factory=threading.Event)
    _messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)

    def count(self) -> int:
        with self._lock:
            return len(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def slow_down_next(self, seconds: float, *, messages: int = 1) -> None:
        with self._lock:
            self.delays = [seconds] * messages
        self.data_started.clear()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.data_started.set()
        with self._lock:
            delay = self.delays.pop(0) if self.delays else 0.0
        if delay:
            # The message is received but not yet accepted. If the client dies now, aiosmtpd cancels this
            # coroutine when the connection is lost, so the message is never recorded (never "delivered").
            await asyncio.sleep(delay)
        if server.transport is None or server.transport.is_closing():
            return "421 Client went away"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port, ready_timeout=10)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def plain_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# --- Redis and the queue ------------------------------------------------------------------------------


def broker_url() -> str:
    return os.environ.get("REDIS_URL", "")


def _redis_answers(url: str) -> bool:
    try:
        return bool(url) and redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return False


NO_REDIS_REASON = "needs Redis as Celery broker (not reachable; set REDIS_URL or start it on 127.0.0.1:6379)"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests that need the broker before any database is set up for them (not in CI: there they fail)."""
    needing = [item for item in items if "redis_broker" in getattr(item, "fixturenames", ())]
    if needing and not _in_ci() and not _redis_answers(broker_url()):
        for item in needing:
            item.add_marker(pytest.mark.skip(reason=NO_REDIS_REASON))


@pytest.fixture
def redis_broker() -> str:
    """The Redis URL the suite uses as broker; skips (or fails with CI=true) when Redis is not there."""
    url = broker_url()
    if not _redis_answers(url):
        if _in_ci():
            pytest.fail(f"CI=true: {NO_REDIS_REASON}")
        pytest.skip(NO_REDIS_REASON)
    return url


def _forget_queue(client: redis.Redis, queue: str) -> None:
    """Drop the test queue from Redis: its messages, its bindings (its workers' remote-control ones too) and
    any of its messages left unacknowledged by a killed worker."""
    client.delete(queue, *(f"{queue}\x06\x16{priority}" for priority in range(10)))
    for key in client.scan_iter("_kombu.binding*"):
        if key.decode(errors="replace").endswith(f".{queue}"):
            client.delete(key)
            continue
        kind = client.type(key)
        members = client.smembers(key) if kind == b"set" else client.zrange(key, 0, -1) if kind == b"zset" else []
        mine = [member for member in members if queue in member.decode(errors="replace")]
        if mine:
            (client.srem if kind == b"set" else client.zrem)(key, *mine)
    for tag, payload in client.hgetall("unacked").items():
        if unacked_routing_key(payload) == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


def unacked_routing_key(payload: bytes) -> str:
    try:
        return json.loads(payload)[2]
    except (ValueError, IndexError, TypeError):
        return ""


@pytest.fixture
def celery_queue(redis_broker) -> Iterator[str]:
    """A queue of this test's own: the web side publishes to it and the test's workers consume it."""
    queue = f"ramec-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    # A publish that failed in an earlier test must not keep this one from publishing.
    outbox._broker_paused_until = 0.0
    client = redis.Redis.from_url(redis_broker)
    try:
        yield queue
    finally:
        celery_app.conf.task_default_queue = previous
        outbox._broker_paused_until = 0.0
        _forget_queue(client, queue)
        client.close()


def queue_drained(queue: str) -> bool:
    """Every message of ``queue`` was taken and acknowledged (acks_late: only after the task finished)."""
    client = redis.Redis.from_url(broker_url())
    try:
        waiting = client.llen(queue)
        unacknowledged = [p for p in client.hvals("unacked") if unacked_routing_key(p) == queue]
        return waiting == 0 and not unacknowledged
    finally:
        client.close()


def use_broker(url: str) -> None:
    """Point the web side's Celery at ``url`` and forget pooled connections to the previous broker."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


# --- Workers ------------------------------------------------------------------------------------------


def worker_database_url() -> str:
    """The URL of the test database pytest-django created (``test_<name>``), for other processes."""
    database = connection.settings_dict
    credentials = database["USER"] or ""
    if database["PASSWORD"]:
        credentials += f":{database['PASSWORD']}"
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{database['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    name: str

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the worker answers a ping over the broker (it consumes its queues from then on)."""

        def answers() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited with {self.process.returncode}:\n{self.output()}")
            return bool(celery_app.control.ping(destination=[self.name], timeout=0.5))

        wait_for(answers, timeout=timeout, interval=0, message=lambda: f"the worker ready:\n{self.output()}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def pool_children(self) -> list[int]:
        """Process ids of the prefork pool's children (none for the solo pool)."""
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def kill(self) -> None:
        """SIGKILL the worker and its pool children: no shutdown, no acknowledgement, no cleanup."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def start_worker(transactional_db, celery_queue, smtp_server, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start ``celery -A backend worker`` subprocesses on the test database, the broker and the SMTP sink.

    Every worker started is SIGKILLed at teardown with its whole process group (pool children included:
    each worker runs in its own session), before the test database is flushed.
    """
    workers: list[Worker] = []
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": broker_url(),
        "EMAIL_URL": smtp_server.url,
        "EMAIL_TIMEOUT": "30",
        "SITE_URL": WORKER_SITE_URL,
        "PYTHONUNBUFFERED": "1",
    }

    def start(*, pool: str = "solo") -> Worker:
        number = len(workers) + 1
        log = tmp_path / f"worker-{number}.log"
        name = f"{celery_queue}-{number}@{socket.gethostname()}"
        command = [
            str(CELERY) if CELERY.exists() else sys.executable,
            *([] if CELERY.exists() else ["-m", "celery"]),
            "-A",
            "backend",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            celery_queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
            "-n",
            name,
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(process=process, log=log, name=name)
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.kill()  # no warm shutdown to wait for: the queue and its leftovers are dropped next


@pytest.fixture
def worker(start_worker) -> Worker:
    return start_worker()
