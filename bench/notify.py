"""Benchmark of notification fan-out: one transition on a project watched by 1, 100 and 1,000 people.

    .venv/bin/python bench/notify.py [--watchers 1 100 1000] [--runs 3]

Needs the local PostgreSQL (``DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/ramec) and Redis
(``REDIS_URL``, default redis://127.0.0.1:6379/0). Like bench/api.py it uses a database of its own
(``<name>_notify_bench``, created and migrated on first use), plus a Redis queue of its own, a real Celery
worker subprocess (``celery -A backend worker --pool=solo``) and an aiosmtpd sink on a free local port.

Each run creates a project in ``idea`` watched by N people and the manager submits it (a transition
without approval). Watchers hear of ``project_transitioned`` by digest by default; the benchmark sets
their preference to immediate e-mail, so every watcher gets an in-app row and an e-mail now. Printed,
as medians over the runs:
- transition: ``project_transition`` from call to commit, with the fan-out in its transaction
  (recipients, then the in-app rows and the e-mail outbox, one INSERT … SELECT each) and the publish of one
  task after commit;
- commit → in-app rows: until every recipient's notification row is visible. They commit with the
  transition, so this is ~0 by design; the goal (1,000 in-app rows in under 1 s) applies to
  "transition" + this;
- commit → e-mails: until the SMTP sink accepted every watcher's e-mail (one task sends all of an
  event's e-mails, one after another), and the resulting e-mails per second;
- ratios of each size to the single watcher.
With the defaults it takes two to three minutes, most of it the 1,000-watcher runs' e-mails.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ramec"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
QUEUE = f"ramec-bench-notify-{os.getpid()}-{uuid.uuid4().hex[:6]}"
WAIT_SECONDS = 180


class SmtpSink:
    """Accepts and counts e-mails (aiosmtpd handler)."""

    def __init__(self) -> None:
        self.accepted = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.accepted += 1
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return self.accepted

    def reset(self) -> None:
        with self.lock:
            self.accepted = 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare_environment(smtp_port: int) -> tuple[str, str]:
    base_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/notify.py measures PostgreSQL: set DATABASE_URL to a PostgreSQL server.")
    prefix, name = base_url.rsplit("/", 1)
    bench_url = f"{prefix}/{name.split('?')[0]}_notify_bench"
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    os.environ.update(
        {
            "DATABASE_URL": bench_url,
            "REDIS_URL": redis_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "DJANGO_SETTINGS_MODULE": "backend.settings",
        }
    )
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return bench_url, redis_url


def _check_services(database_url: str, redis_url: str) -> None:
    import psycopg
    import redis

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(f"bench/notify.py needs PostgreSQL: {error}")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        sys.exit(f"bench/notify.py needs Redis at {redis_url}: {error}")


def _seed(max_watchers: int):
    """The town, its manager and head, and ``max_watchers`` staff who want transitions by immediate e-mail."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from backend.accounts.models import Department, Membership, Municipality, User
    from backend.core.validators import ico_check_digit
    from backend.notifications.models import Channel, NotificationPreference
    from backend.projects.models import EventKind

    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.filter(name="Notifikov").first()
    if municipality is None:
        municipality = Municipality.objects.create(
            name="Notifikov", ico="7654321" + str(ico_check_digit("7654321")), region="vysocina"
        )
    department, _ = Department.objects.get_or_create(
        municipality=municipality, code="ENV", defaults={"name": "Odbor životního prostředí"}
    )
    people = {}
    for username, role in (("bench.notify.pm", "manager"), ("bench.notify.head", "head")):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, email=f"{username}@example.cz", password=None)
            Membership.objects.create(user=user, municipality=municipality, role=role, department=department)
        people[role] = user
    existing = User.objects.filter(username__startswith="bench.notify.watcher.").count()
    if existing < max_watchers:
        unusable = make_password(None)
        watchers = User.objects.bulk_create(
            [
                User(
                    username=f"bench.notify.watcher.{number}",
                    email=f"watcher{number}@example.cz",
                    first_name="Hlídač",
                    last_name=f"Číslo {number}",
                    password=unusable,
                    language="cs" if number % 2 else "en",
                )
                for number in range(existing, max_watchers)
            ],
            batch_size=1000,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=user, municipality=municipality, role="staff", department=department)
                for user in watchers
            ],
            batch_size=1000,
        )
        NotificationPreference.objects.bulk_create(
            [
                NotificationPreference(user=user, kind=EventKind.PROJECT_TRANSITIONED, channel=Channel.IMMEDIATE)
                for user in watchers
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
    watcher_ids = list(
        User.objects.filter(username__startswith="bench.notify.watcher.").order_by("pk").values_list("pk", flat=True)
    )
    return municipality, department, people["manager"], watcher_ids


def _start_worker(smtp_port: int) -> subprocess.Popen:
    celery = ROOT / ".venv" / "bin" / "celery"
    command = [str(celery)] if celery.exists() else [sys.executable, "-m", "celery"]
    command += [
        "-A",
        "backend",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        QUEUE,
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "warning",
        "-n",
        f"{QUEUE}@%h",
    ]
    environment = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}"}
    # Its banner goes nowhere; warnings and errors (stderr) still show.
    return subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, start_new_session=True
    )


def _wait_ready(celery_app, worker: subprocess.Popen) -> None:
    """Until the worker answers a ping over the broker, so that its start-up is not measured."""
    name = f"{QUEUE}@{socket.gethostname()}"
    deadline = time.monotonic() + WAIT_SECONDS
    while not celery_app.control.ping(destination=[name], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit("bench/notify.py: the Celery worker did not start")


def _stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def _forget_queue(redis_url: str) -> None:
    """Drop the benchmark's queue, its bindings and its worker's remote-control binding from Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete(QUEUE)
    for key in client.scan_iter("_kombu.binding*"):
        if key.decode(errors="replace").endswith(f".{QUEUE}"):
            client.delete(key)
            continue
        kind = client.type(key)
        members = client.smembers(key) if kind == b"set" else client.zrange(key, 0, -1) if kind == b"zset" else []
        mine = [member for member in members if QUEUE in member.decode(errors="replace")]
        if mine:
            (client.srem if kind == b"set" else client.zrem)(key, *mine)
    client.close()


def _wait(condition, what: str) -> float:
    """Seconds until ``condition()`` holds, polling every millisecond."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > WAIT_SECONDS:
            sys.exit(f"bench/notify.py gave up waiting for {what} after {WAIT_SECONDS} s")
        time.sleep(0.001)
    return time.perf_counter() - started


def _one_run(*, municipality, department, manager, watcher_ids: list[int], sink: SmtpSink) -> tuple[float, ...]:
    from backend.notifications.models import Channel, Delivery, Notification
    from backend.projects.models import Event, EventKind, Project
    from workflows.services import project_transition

    project = Project.objects.create(
        municipality=municipality,
        lead_department=department,
        manager=manager,
        author=manager,
        title="Chytré veřejné osvětlení",
        description="Výměna svítidel za LED s řízením podle provozu.",
        thematic_area="energy",
    )
    project.watchers.add(*watcher_ids)
    sink.reset()

    started = time.perf_counter()
    project_transition(project=project, actor=manager, transition="submit")  # commits, then publishes one task
    transition_seconds = time.perf_counter() - started
    committed = time.perf_counter()

    event = Event.objects.get(project=project, kind=EventKind.PROJECT_TRANSITIONED)
    expected_rows = len(watcher_ids) + 1  # the watchers and the head of the lead department (the actor hears nothing)
    _wait(lambda: Notification.objects.filter(event=event).count() >= expected_rows, "the in-app rows")
    rows_seconds = time.perf_counter() - committed
    emails = Delivery.objects.filter(event=event, channel=Channel.IMMEDIATE).count()
    assert emails == len(watcher_ids), f"{emails} immediate e-mails for {len(watcher_ids)} watchers"
    _wait(lambda: sink.count() >= emails, f"{emails} e-mails at the SMTP sink")
    emails_seconds = time.perf_counter() - committed
    return transition_seconds, rows_seconds, emails_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watchers", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()

    warnings.filterwarnings("ignore", "No directory at")  # WhiteNoise: no collected static files here
    from aiosmtpd.controller import Controller

    smtp_port = _free_port()
    database_url, redis_url = _prepare_environment(smtp_port)
    _check_services(database_url, redis_url)

    import django

    django.setup()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    from backend.celery import app as celery_app

    celery_app.conf.task_default_queue = QUEUE
    municipality, department, manager, all_watchers = _seed(max(arguments.watchers))

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port, ready_timeout=10)
    controller.start()
    worker = _start_worker(smtp_port)
    results = {}
    try:
        # Warm-up: the worker starts, connects and renders once before anything is measured.
        _one_run(
            municipality=municipality, department=department, manager=manager, watcher_ids=all_watchers[:1], sink=sink
        )
        for size in arguments.watchers:
            samples = [
                _one_run(
                    municipality=municipality,
                    department=department,
                    manager=manager,
                    watcher_ids=all_watchers[:size],
                    sink=sink,
                )
                for _ in range(arguments.runs)
            ]
            results[size] = [statistics.median(column) for column in zip(*samples, strict=True)]
    finally:
        _stop_worker(worker)
        controller.stop()
        _forget_queue(redis_url)

    print(f"one transition (submit) per run; {arguments.runs} runs per size; medians; worker: 1 process, solo pool")
    header = ("watchers", "transition", "commit→in-app", "in-app total", "commit→e-mails", "e-mails/s")
    print("{:>9} {:>12} {:>14} {:>13} {:>15} {:>10}".format(*header))
    for size, (transition, rows, emails) in results.items():
        print(
            f"{size:>9} {transition * 1000:>9.1f} ms {rows * 1000:>11.1f} ms {(transition + rows) * 1000:>10.1f} ms "
            f"{emails * 1000:>12.1f} ms {size / emails:>10.0f}"
        )
    smallest = min(results)
    baseline = results[smallest]
    for size, (transition, _rows, emails) in results.items():
        if size != smallest:
            print(
                f"{size} / {smallest} watchers: transition × {transition / baseline[0]:.1f}, "
                f"e-mails × {emails / baseline[2]:.1f}"
            )
    if 1000 in results:
        transition, rows, _ = results[1000]
        verdict = "met" if transition + rows < 1 else "NOT met"
        print(f"goal: 1,000 in-app rows in under 1 s: {(transition + rows) * 1000:.0f} ms, {verdict}")


if __name__ == "__main__":
    main()
