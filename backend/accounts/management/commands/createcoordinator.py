"""``manage.py createcoordinator``: the first municipality and its Smart City coordinator in a fresh installation.

The municipality gets the default approval policies (``workflows.receivers``); the coordinator can sign in to the
application and to the admin, where they add departments, people and policies. Running the same command again
changes nothing and says so; it never changes an existing account or its password.
"""

import getpass
import os

from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from backend.accounts.admin_site import READ_ONLY_MODELS
from backend.accounts.models import Department, Membership, Municipality, Region, Role, User
from backend.accounts.services import department_create, membership_grant, municipality_create
from backend.core.validators import validate_ico

PASSWORD_VARIABLE = "RAMEC_COORDINATOR_PASSWORD"

# The coordinators' admin group; the demo's group of the same name (backend.demo.data) has the same permissions.
COORDINATOR_GROUP = "Koordinátoři"
_COORDINATOR_APPS = ("accounts", "projects", "workflows", "energy", "strategy")
# Project work and history are written only by the services, so coordinators only view them in the admin.
_READ_ONLY_MODELS = {tuple(label.split(".")) for label in READ_ONLY_MODELS}


class Command(BaseCommand):
    help = (
        "Create a municipality (with the default approval policies) and its Smart City coordinator, who signs "
        f"in to the application and the admin. The password comes from --password, ${PASSWORD_VARIABLE} or a "
        "prompt. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="Name, e.g. “Město Vzorov”.")
        parser.add_argument("--ico", required=True, help="The municipality's IČO (8 digits).")
        parser.add_argument("--region", required=True, choices=Region.values, help="Region (kraj).")
        parser.add_argument("--username", required=True, help="The coordinator's user name.")
        parser.add_argument("--email", required=True, help="The coordinator's e-mail (notifications go there).")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--language", default="cs", choices=[code for code, _ in settings.LANGUAGES], help="Language of e-mails."
        )
        parser.add_argument(
            "--department",
            action="append",
            default=[],
            metavar="CODE=NAME",
            help="A department to create as well, e.g. “ENV=Odbor životního prostředí”; repeat for more.",
        )
        parser.add_argument(
            "--password",
            help=f"The password; shell history and the process list show it, ${PASSWORD_VARIABLE} does not.",
        )
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="Never prompt; fail if no password is given."
        )

    def handle(self, *args, **options) -> None:
        ico = options["ico"].strip()
        name = options["municipality"].strip()
        region = options["region"]
        username = options["username"].strip()
        email = options["email"].strip()
        if not email:
            raise CommandError("Nothing was created: the coordinator needs an e-mail address (--email).")
        departments = _parse_departments(options["department"])
        try:
            validate_ico(ico)
        except ValidationError as error:
            raise CommandError(f"Nothing was created: {' '.join(error.messages)}") from error

        municipality = Municipality.objects.filter(ico=ico).first()
        if municipality is not None and (municipality.name, municipality.region) != (name, region):
            raise CommandError(
                f"Nothing was created: IČO {ico} already belongs to “{municipality.name}” "
                f"({municipality.get_region_display()}). Check the IČO, or give that name and region."
            )
        user = User.objects.filter(username=username).first()
        if user is not None:
            if municipality is None or not _is_coordinator(user, municipality):
                raise CommandError(
                    f"Nothing was created: the user “{username}” already exists and is not the coordinator of "
                    f"“{name}”. Choose another user name, or give them the role in the admin."
                )
            _, created_departments = self._create(municipality=municipality, user=None, departments=departments)
            self.stdout.write(
                f"Nothing to do: “{username}” already coordinates “{municipality.name}”; the account and its "
                "password are unchanged."
            )
            self._report_departments(created_departments)
            return

        user = User(
            username=username,
            email=email,
            first_name=options["first_name"].strip(),
            last_name=options["last_name"].strip(),
            language=options["language"],
            # The admin is where a coordinator configures departments, people and policies; it asks for both
            # is_staff and the coordinator role (backend.accounts.admin_site).
            is_staff=True,
        )
        municipality_created = municipality is None
        if municipality is None:
            municipality = Municipality(name=name, ico=ico, region=region)
        try:  # everything is checked before the password is asked for
            user.full_clean(exclude=["password"])
            municipality.full_clean()
        except ValidationError as error:
            raise CommandError(f"Nothing was created: {_describe(error)}") from error
        user.set_password(self._password(options, user))
        try:
            municipality, created_departments = self._create(
                municipality=municipality, user=user, departments=departments
            )
        except ValidationError as error:
            raise CommandError(f"Nothing was created: {_describe(error)}") from error

        if municipality_created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created the municipality “{municipality.name}” (IČO {municipality.ico}, "
                    f"{municipality.get_region_display()}) with the default approval policies."
                )
            )
        self._report_departments(created_departments)
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write(
            self.style.SUCCESS(f"Created the coordinator “{user.username}” <{user.email}> of “{municipality.name}”.")
        )
        self.stdout.write(f"They sign in at {site}/ and add departments, people and policies at {site}/admin/.")

    @transaction.atomic
    def _create(
        self, *, municipality: Municipality, user: User | None, departments: list[tuple[str, str]]
    ) -> tuple[Municipality, list[Department]]:
        """Everything in one transaction: on any error nothing stays."""
        if municipality.pk is None:
            municipality = municipality_create(name=municipality.name, ico=municipality.ico, region=municipality.region)
        if user is not None:
            user.save()
            user.groups.add(_coordinator_group())
            membership_grant(user=user, role=Role.COORDINATOR, municipality=municipality)
        existing = set(Department.objects.filter(municipality=municipality).values_list("code", flat=True))
        return municipality, [
            department_create(municipality=municipality, code=code, name=department_name)
            for code, department_name in departments
            if code not in existing
        ]

    def _report_departments(self, departments: list[Department]) -> None:
        for department in departments:
            self.stdout.write(self.style.SUCCESS(f"Created the department {department}."))

    def _password(self, options: dict, user: User) -> str:
        password = options["password"] or os.environ.get(PASSWORD_VARIABLE, "")
        if not password:
            if not options["interactive"] or not _stdin_is_a_terminal():
                raise CommandError(
                    f"Nothing was created: give the coordinator's password in ${PASSWORD_VARIABLE} or with "
                    "--password, or run the command in a terminal to be asked for it."
                )
            password = getpass.getpass("Coordinator's password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("Nothing was created: the two passwords differ.")
        try:
            validate_password(password, user=user)
        except ValidationError as error:
            raise CommandError(f"Nothing was created: the password is too weak. {' '.join(error.messages)}") from error
        return password


def _parse_departments(values: list[str]) -> list[tuple[str, str]]:
    departments = []
    for value in values:
        code, separator, name = value.partition("=")
        if not separator or not code.strip() or not name.strip():
            raise CommandError(f"Nothing was created: --department needs CODE=NAME, not “{value}”.")
        departments.append((code.strip(), name.strip()))
    return departments


def _is_coordinator(user: User, municipality: Municipality) -> bool:
    return Membership.objects.filter(user=user, municipality=municipality, role=Role.COORDINATOR).exists()


def _coordinator_group() -> Group:
    for app_label in _COORDINATOR_APPS:
        # Permissions are made by post_migrate; make sure they exist even in a database that was flushed.
        create_permissions(apps.get_app_config(app_label), verbosity=0)
    group, created = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    if not created:
        return group  # an operator may have tuned its permissions since; keep them
    permissions = Permission.objects.select_related("content_type").filter(
        content_type__app_label__in=_COORDINATOR_APPS
    )
    group.permissions.set(
        [
            permission
            for permission in permissions
            if (permission.content_type.app_label, permission.content_type.model) not in _READ_ONLY_MODELS
            or permission.codename.startswith("view_")
        ]
    )
    return group


def _stdin_is_a_terminal() -> bool:
    return os.isatty(0)


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)
