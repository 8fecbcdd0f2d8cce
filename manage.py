#!/usr/bin/env python
"""Django's command-line utility for Rámec."""

import os
import sys
from pathlib import Path

# Names whose presence means the environment is configured (production, CI, a developer's .env).
CONFIGURATION = ("DEBUG", "SECRET_KEY", "DATABASE_URL")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    # A checkout with no configuration at all is the local demo (SQLite under var/), so that plain
    # `manage.py makemigrations --check` or `shell` work. Anything configured, and the web server
    # (wsgi/asgi) always, keeps the rule: DEBUG off refuses to start without SECRET_KEY and DATABASE_URL.
    unconfigured = not any(os.environ.get(name) for name in CONFIGURATION)
    if unconfigured and not (Path(__file__).resolve().parent / ".env").is_file():
        os.environ["DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
