"""The web server's worker (backend.core.gunicorn_worker.FreeThreadWorker, docker/gunicorn.conf.py's worker_class)
takes a new connection only while one of its threads is free: with one worker busy, new clients are served by the
other at once, not queued behind the busy one. gunicorn's own gthread worker fails it all but by luck: each of the
eight new clients goes to whichever worker accepts first, so it passes about once in 2⁸ runs."""

import http.client
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.deploy.busy_app import SLOW_SECONDS
from tests.notifications.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "docker" / "gunicorn.conf.py"


def _gunicorn(port: int, *arguments: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.deploy.busy_app:application", "--config", str(CONF),
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning", *arguments],
        cwd=ROOT,
    )  # fmt: skip
    # Ready when both workers have answered (the second may still be starting when the first does).
    answered, deadline = set(), time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            answered.add(_get(port, "/"))
        except OSError:
            time.sleep(0.1)
        if len(answered) == 2:
            return server
    server.kill()
    pytest.fail(f"gunicorn's two workers did not both start ({len(answered)} answered)")


def _get(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        return connection.getresponse().read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("threads", [1, 2])
def test_new_clients_go_to_the_worker_with_a_free_thread(threads):
    port = free_port()
    server = _gunicorn(port, "--threads", str(threads))
    try:
        # Slow requests for all but one of the two workers' threads: one worker has every thread held (with
        # gunicorn's own gthread possibly more requests than threads), the other one thread free.
        slow = []
        for _ in range(2 * threads - 1):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/slow", headers={"Connection": "close"})
            slow.append(connection)
            time.sleep(0.2)  # the next one lands on a worker only once this one holds its thread
        started = time.monotonic()
        served_by = [_get(port, "/") for _ in range(8)]
        waited = time.monotonic() - started
        slow_served_by = Counter(connection.getresponse().read().decode() for connection in slow)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert max(slow_served_by.values()) == threads, "no worker took more slow requests than it has threads"
    full = {pid for pid, count in slow_served_by.items() if count == threads}
    assert full.isdisjoint(served_by), "no new client was queued behind the busy worker"
    assert waited < SLOW_SECONDS / 2
