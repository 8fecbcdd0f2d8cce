"""gunicorn's settings for the web container (``gunicorn --config docker/gunicorn.conf.py backend.wsgi``).

Everything tunable comes from the environment (see docker/.env.example). Requests are logged by Rámec's
RequestLogMiddleware, so gunicorn's own access log stays off; its error log uses the same JSON formatter.
"""

import os

from gunicorn.glogging import Logger

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in _TRUE


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threads share one process's psycopg pool: keep DATABASE_POOL_MAX_SIZE at least GUNICORN_THREADS.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# gunicorn's threaded worker, but one that takes a new connection only while a thread of its own is free, so that
# connections go to the worker that can serve them (backend/core/gunicorn_worker.py says why).
worker_class = "backend.core.gunicorn_worker.FreeThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (docker stop) workers finish the requests they have; compose's stop_grace_period is longer.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 1000
max_requests_jitter = 100
# The workers' heartbeat files on a tmpfs (gunicorn's advice for containers): an overlay file system can stall them.
_SHARED_MEMORY = "/dev/shm"  # noqa: S108  (a heartbeat, no data)
worker_tmp_dir = _SHARED_MEMORY if os.path.isdir(_SHARED_MEMORY) else None
# Whose X-Forwarded-* headers gunicorn believes: the reverse proxy's address (Django trusts X-Forwarded-Proto through
# SECURE_PROXY_SSL_HEADER, so the web port must be reachable only through that proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket: it would be written under $HOME, which the unprivileged user cannot write in the image.
control_socket_disable = True

# Rámec's RequestLogMiddleware writes one line per request (with request id, user and duration): no access log here.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


class JsonLogger(Logger):
    """gunicorn's own messages (start, workers, timeouts) as JSON lines too, unless LOG_JSON is off."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        if _flag("LOG_JSON", default=not _flag("DEBUG", default=False)):
            from backend.core.logging import JsonFormatter

            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())


logger_class = JsonLogger
