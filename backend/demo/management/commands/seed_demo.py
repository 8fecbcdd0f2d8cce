"""``manage.py seed_demo``: the fictional town Město Vzorov, Obec Lhota, their people and projects."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.demo.builder import DemoDataError, demo_seed, demo_summary
from backend.demo.data import DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Create the demo towns, accounts (password “demo”) and projects in every stage. "
        "Safe to run again: what exists is kept, nothing is duplicated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo accounts have a password everyone knows).",
        )

    def handle(self, *args, force: bool = False, verbosity: int = 1, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates accounts whose password is “demo”. "
                "Run it in the local demo (DEBUG=true), or pass --force if this database really is a demo."
            )
        log = self.stdout.write if verbosity >= 2 else None
        try:
            report = demo_seed(log=log)  # one transaction: on any error nothing stays
        except DemoDataError as error:
            raise CommandError(f"Nothing was seeded: {error}") from error
        if verbosity < 1:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(report.projects_created)} projects created, "
                f"{len(report.projects_skipped)} already there."
            )
        )
        self.stdout.write(f"{len(report.accounts)} accounts (password “{DEMO_PASSWORD}”): {', '.join(report.accounts)}")
        for line in demo_summary():
            self.stdout.write(line)
