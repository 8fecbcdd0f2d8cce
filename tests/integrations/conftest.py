"""Real components for the integration tests: an HTTP receiver on 127.0.0.1 and Celery running its tasks inline.

``receiver``          a threaded HTTP server that records every request and answers the statuses queued in
                      ``receiver.answers`` (then 200); ``receiver.url`` is its address.
``celery_inline``     Celery runs a published task at once in this process (as the demo does), even where the
                      suite has a Redis broker and no worker.
``webhooks_to_localhost``  the receiver lives on loopback, which production refuses: allowed here.
"""

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend.celery import app as celery_app
from tests.web.conftest import as_role, lhota_project  # noqa: F401  (the web fixtures, for these pages too)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    url: str
    answers: deque = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    response_body: bytes = b"ok"
    delay_seconds: float = 0.0  # how long the receiver thinks before answering


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode()
            state.requests.append(
                Received(path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, body=body)
            )
            status = state.answers.popleft() if state.answers else 200
            if state.delay_seconds:
                time.sleep(state.delay_seconds)
            self.send_response(status)
            self.send_header("Content-Length", str(len(state.response_body)))
            self.end_headers()
            self.wfile.write(state.response_body)

        def log_message(self, *args):  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/ramec"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def celery_inline():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def webhooks_to_localhost(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
