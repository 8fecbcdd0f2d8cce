"""The WSGI module gunicorn loads: each worker imports every view when it starts, not on its first request."""

import subprocess
import sys

from tests.deploy.conftest import ROOT, production_environment

PROBE = "import sys, backend.wsgi; print(' '.join(sorted(set(sys.argv[1:]) & set(sys.modules))))"
VIEWS = ("backend.api.views", "backend.web.views", "backend.portal.views")


def test_importing_the_wsgi_module_loads_every_view_module():
    environment = production_environment(DATABASE_URL="postgres://postgres@127.0.0.1:5432/ramec", REDIS_URL="")
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *VIEWS], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == sorted(VIEWS)
