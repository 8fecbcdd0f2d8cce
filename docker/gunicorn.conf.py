"""gunicorn's settings for the web container (``gunicorn --config docker/gunicorn.conf.py backend.wsgi``).

Everything tunable comes from the environment (see docker/.env.example). Requests are logged by Rámec's
RequestLogMiddleware, so gunicorn's own access log stays off; its error log uses the same JSON formatter.
"""

import os

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in _TRUE


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threads share one process's psycopg pool: keep DATABASE_POOL_MAX_SIZE at least GUNICORN_THREADS.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (docker stop) workers finish the requests they have; compose's stop_grace_period is longer.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 1000
max_requests_jitter = 100
# The heartbeat file on a tmpfs: a container's overlay file system can stall it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Whose X-Forwarded-* headers gunicorn believes: the reverse proxy's address (Django trusts X-Forwarded-Proto through
# SECURE_PROXY_SSL_HEADER, so the web port must be reachable only through that proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket: it would be written under $HOME, which the unprivileged user cannot write in the image.
control_socket_disable = True

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
_json = _flag("LOG_JSON", default=not _flag("DEBUG", default=False))
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "backend.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if _json else "plain",
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"level": loglevel.upper(), "handlers": ["console"]},
    "loggers": {
        # Not propagated: Django's LOGGING gives the root logger its own handler in each worker.
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
