"""The web server's worker (backend.core.gunicorn_worker.FreeThreadWorker, docker/gunicorn.conf.py's worker_class)
takes a new connection only while one of its threads is free: with one worker busy, new clients are served by the
other at once, not queued behind the busy one (which gunicorn's own gthread worker does, about half the time)."""

import http.client
import subprocess
import sys
import time
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
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _get(port, "/")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    pytest.fail("gunicorn did not start")


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
        # Every thread of one worker held by a slow request.
        slow = []
        for _ in range(threads):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/slow", headers={"Connection": "close"})
            slow.append(connection)
            time.sleep(0.2)  # the next one lands on a worker only once this one holds its thread
        started = time.monotonic()
        served_by = {_get(port, "/") for _ in range(8)}
        waited = time.monotonic() - started
        busy = {connection.getresponse().read().decode() for connection in slow}
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert len(busy) == 1, "the slow requests filled one worker's threads"
    assert served_by.isdisjoint(busy), "no new client was queued behind the busy worker"
    assert waited < SLOW_SECONDS / 2
