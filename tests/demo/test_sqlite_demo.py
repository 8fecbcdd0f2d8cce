"""`make run`'s demo is the one place Rámec runs on SQLite, so nothing else in the suite (PostgreSQL) would notice a
query SQLite refuses: migrate and seed a fresh SQLite file in a process of its own, as `make run` does, then ask
every public page and a signed-in coordinator's main screens for an answer."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
from django.test import Client
from backend.accounts.models import User
public = [
    "/", "/obec/vzorov/", "/obec/vzorov/podnety/", "/obec/vzorov/mista/", "/obec/vzorov/mista.json",
    "/obec/vzorov/pripominky/", "/obec/vzorov/katalog.jsonld", "/obec/vzorov/katalog/projekty.jsonld",
    "/obec/vzorov/projekty.json", "/obec/vzorov/projekty.csv", "/obec/vzorov/milniky.csv", "/obec/vzorov/podnety.json",
    "/obec/vzorov/aktuality.atom", "/obec/lhota/",
]
anonymous = Client()
for url in public:
    print("public", url, anonymous.get(url, HTTP_HOST="localhost").status_code)
staff = Client()
staff.force_login(User.objects.get(username="coordinator"))
for url in ["/", "/projects/", "/board/", "/approvals/", "/energie/", "/ideas/", "/integrations/calls/"]:
    print("coordinator", url, staff.get(url, HTTP_HOST="localhost").status_code)
"""


def test_the_sqlite_demo_migrates_seeds_and_serves_its_pages(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CI", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="backend.settings",
        ATTACHMENTS_ROOT=str(tmp_path / "attachments"),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stderr[-4000:]
    answers = [line.split() for line in result.stdout.splitlines() if line.startswith(("public ", "coordinator "))]
    assert len(answers) == 21, result.stdout
    # "/" sends the anonymous visitor to sign in; everything else answers.
    wrong = [answer for answer in answers if answer[2] not in ({"200", "302"} if answer[1] == "/" else {"200"})]
    assert not wrong, f"{wrong}\n{result.stderr[-4000:]}"
