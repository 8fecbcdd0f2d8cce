"""Benchmark of the project list API against a raw baseline, on PostgreSQL.

    make bench-api            (or: .venv/bin/python bench/api.py [--projects 10000] [--runs 30])

Seeds a separate database (``<name>_bench``) with 10,000 projects, their tasks and comments, then prints:
- the median time of GET /api/v1/projects/ (first page of 50, token-authenticated, the full Django stack)
  divided by the median time of a raw psycopg query of the same page plus JSON encoding (goal ≤ 8);
- the median time of a deep page (cursor after 9,000 rows) divided by the first page (goal ≤ 1.2).
"""

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ramec"


def _prepare_environment() -> str:
    base_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/api.py measures PostgreSQL: set DATABASE_URL to a PostgreSQL server.")
    bench_url = base_url.rsplit("/", 1)[0] + "/" + base_url.rsplit("/", 1)[1].split("?")[0] + "_bench"
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.setdefault("API_THROTTLE_USER", "1000000/minute")
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    return bench_url


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _seed(project_count: int):
    """Bulk rows for measuring reads (not a demo: it bypasses the services on purpose, for speed)."""
    from django.core.management import call_command

    from backend.accounts.models import Department, Membership, Municipality, User
    from backend.core.validators import ico_check_digit
    from backend.projects.models import Comment, Project, Task

    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.filter(name="Benchmarkov").first()
    if municipality is None:
        municipality = Municipality.objects.create(
            name="Benchmarkov", ico="1234567" + str(ico_check_digit("1234567")), region="vysocina"
        )
    department, _ = Department.objects.get_or_create(municipality=municipality, code="ENV", defaults={"name": "ŽP"})
    user = User.objects.filter(username="bench.pm").first()
    if user is None:
        user = User.objects.create_user("bench.pm", password="bench", first_name="Petr", last_name="Měřický")
        Membership.objects.create(user=user, municipality=municipality, role="manager", department=department)
    existing = Project.objects.filter(municipality=municipality).count()
    if existing < project_count:
        projects = Project.objects.bulk_create(
            [
                Project(
                    municipality=municipality,
                    lead_department=department,
                    manager=user,
                    author=user,
                    title=f"Projekt č. {number}",
                    summary="Chytré veřejné osvětlení v ulici",
                    description="Popis " * 40,
                    thematic_area="energy",
                    estimated_cost=1_000_000 + number,
                )
                for number in range(existing, project_count)
            ],
            batch_size=2000,
        )
        Task.objects.bulk_create(
            [Task(project=project, title="Úkol", stage="idea") for project in projects for _ in range(3)],
            batch_size=5000,
        )
        Comment.objects.bulk_create(
            [Comment(project=project, author=user, body="Komentář") for project in projects for _ in range(2)],
            batch_size=5000,
        )
    return user


def _median_seconds(action, runs: int) -> float:
    action()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    arguments = parser.parse_args()

    warnings.filterwarnings("ignore", "No directory at")  # WhiteNoise: no collected static files here
    url = _prepare_environment()
    _create_database(url)
    import django

    django.setup()
    from django.db import connection
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user = _seed(arguments.projects)
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def api_first_page():
        response = client.get("/api/v1/projects/", {"page_size": 50})
        assert response.status_code == 200, response.content
        return response

    columns = (
        "id, title, summary, description, municipality_id, lead_department_id, manager_id, thematic_area, "
        "estimated_cost::text, assessment_score, assessment_summary, evaluation_summary, is_public, "
        "planned_start::text, planned_end::text, stage, stage_changed_at::text, created_at::text, updated_at::text"
    )

    def raw_first_page():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM projects_project WHERE municipality_id = %s "  # noqa: S608
                "ORDER BY created_at DESC, id DESC LIMIT 50",
                [user.memberships.get().municipality_id],
            )
            names = [column[0] for column in cursor.description]
            return json.dumps([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])

    # Walk to the 9,000th row with big pages, then measure a page of 50 from that cursor.
    next_url, walked = "/api/v1/projects/?page_size=200", 0
    while walked < min(9000, arguments.projects - 50):
        page = client.get(next_url).json()
        walked += len(page["results"])
        next_url = page["next"]
    deep_url = next_url.replace("page_size=200", "page_size=50")

    def api_deep_page():
        response = client.get(deep_url)
        assert response.status_code == 200 and len(response.json()["results"]) == 50
        return response

    first = _median_seconds(api_first_page, arguments.runs)
    raw = _median_seconds(raw_first_page, arguments.runs)
    deep = _median_seconds(api_deep_page, arguments.runs)
    print(f"projects in the database: {arguments.projects}; runs per measure: {arguments.runs}")
    print(f"API first page (50):        {first * 1000:8.2f} ms")
    print(f"raw psycopg + JSON (50):    {raw * 1000:8.2f} ms")
    print(f"API deep page (after {walked}): {deep * 1000:8.2f} ms")
    print(f"API / raw   = {first / raw:5.2f}   (goal ≤ 8)")
    print(f"deep / first = {deep / first:5.2f}   (goal ≤ 1.2)")


if __name__ == "__main__":
    main()
