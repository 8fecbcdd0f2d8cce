"""A WSGI application for tests/deploy/test_gunicorn_worker.py: ``/slow`` holds its thread for a while, every other
path answers at once; both answer with the id of the worker process that served them."""

import os
import time

SLOW_SECONDS = 2.0


def application(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(SLOW_SECONDS)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
