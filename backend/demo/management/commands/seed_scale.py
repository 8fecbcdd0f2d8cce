"""``manage.py seed_scale``: a large installation (one big town beside many small ones) for benchmarks."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.demo.data import DEMO_PASSWORD
from backend.demo.scale import SMALL_TOWN_PROJECTS, ScaleDataError, scale_seed


class Command(BaseCommand):
    help = (
        f"Bulk-load one town with --projects projects beside --municipalities towns of {SMALL_TOWN_PROJECTS}, "
        "each project with 2 departments, 5 tasks, 10 comments, 1 funding application, 2 KPIs and its history. "
        "Into an empty database: it refuses to load twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipalities", type=int, default=20, help="Towns of 200 projects beside the big one.")
        parser.add_argument("--projects", type=int, default=10_000, help="Projects of the big town.")
        parser.add_argument(
            "--town-projects", type=int, default=SMALL_TOWN_PROJECTS, help="Projects of each of the other towns."
        )
        parser.add_argument("--seed", type=int, default=12, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the accounts have a password everyone knows).",
        )

    def handle(
        self,
        *args,
        municipalities: int,
        projects: int,
        town_projects: int,
        seed: int,
        force: bool,
        verbosity: int = 1,
        **options,
    ):
        if not settings.DEBUG and not force:
            raise CommandError(
                f"seed_scale refuses to run with DEBUG off: it creates accounts whose password is “{DEMO_PASSWORD}”. "
                "Run it with DEBUG=true, or pass --force if this database really is for trying things out."
            )
        if min(municipalities, projects, town_projects) < 0:
            raise CommandError("--municipalities, --projects and --town-projects cannot be negative.")
        started = time.monotonic()
        try:
            report = scale_seed(
                municipalities=municipalities,
                projects=projects,
                town_projects=town_projects,
                seed=seed,
                log=self.stdout.write if verbosity >= 2 else None,
            )
        except ScaleDataError as error:
            raise CommandError(f"Nothing was loaded: {error}") from error
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {report.projects} projects in {report.municipalities} municipalities "
                    f"in {time.monotonic() - started:.0f} s (password of every account: “{DEMO_PASSWORD}”)."
                )
            )
            for label, count in sorted(report.rows.items()):
                self.stdout.write(f"  {label}: {count}")
