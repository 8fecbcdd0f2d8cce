"""WSGI entry point (gunicorn backend.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

application = get_wsgi_application()
# Every view module is imported now, while the worker starts, not by its first request: gunicorn recycles a worker
# every ~1,000 requests (docker/gunicorn.conf.py), and each new one answered its first request ~0.4 s late, with
# the requests that came meanwhile waiting behind the import. An import error stops the worker at start instead.
get_resolver().url_patterns  # noqa: B018  (the property imports the URLconf and every module it names)
