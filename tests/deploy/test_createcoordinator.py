"""``manage.py createcoordinator`` bootstraps a fresh installation: a municipality with its default approval policies
and a coordinator who signs in; on any error nothing is created, and running it again changes nothing.
"""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import translation

from backend.accounts.management.commands import createcoordinator
from backend.accounts.models import Department, Membership, Municipality, Role, User
from backend.demo.builder import _group_permissions
from backend.demo.data import COORDINATORS, GROUPS
from tests.factories import MunicipalityFactory, UserFactory
from tests.factories.accounts import valid_ico
from workflows.models import ApprovalPolicy
from workflows.policies import DEFAULT_POLICIES

pytestmark = pytest.mark.django_db

ICO = valid_ico(291536)
PASSWORD = "Zelena-Vzorov-2026!"
BASE = (
    "--municipality",
    "Město Vzorov",
    "--ico",
    ICO,
    "--region",
    "vysocina",
    "--username",
    "koordinator",
    "--email",
    "petra.svobodova@vzorov.example",
)


def create(*arguments: str) -> str:
    """Run the command; messages of the model's validators follow the active language, English here."""
    output = io.StringIO()
    with translation.override("en"):
        call_command("createcoordinator", *arguments, stdout=output)
    return output.getvalue()


def assert_nothing_created() -> None:
    assert not Municipality.objects.exists()
    assert not User.objects.filter(username="koordinator").exists()
    assert not ApprovalPolicy.objects.exists()
    assert not Department.objects.exists()


def test_creates_the_municipality_with_default_policies_and_a_coordinator_who_signs_in(client):
    output = create(*BASE, "--first-name", "Petra", "--last-name", "Svobodová", "--password", PASSWORD)

    municipality = Municipality.objects.get()
    assert (municipality.name, municipality.ico, municipality.region) == ("Město Vzorov", ICO, "vysocina")
    assert set(municipality.approval_policies.values_list("transition", flat=True)) == set(DEFAULT_POLICIES)
    coordinator = User.objects.get(username="koordinator")
    assert (coordinator.email, coordinator.get_full_name()) == ("petra.svobodova@vzorov.example", "Petra Svobodová")
    assert Membership.objects.filter(user=coordinator, municipality=municipality, role=Role.COORDINATOR).exists()
    assert "Created the municipality “Město Vzorov”" in output and "Created the coordinator “koordinator”" in output

    token = client.post("/api/v1/auth/token/", {"username": "koordinator", "password": PASSWORD})
    assert token.status_code == 200
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert me.status_code == 200
    # The admin is where the coordinator configures the policies, departments and people of the new municipality.
    assert client.login(username="koordinator", password=PASSWORD)
    assert client.get("/admin/workflows/approvalpolicy/").status_code == 200
    assert client.get("/admin/accounts/department/add/").status_code == 200


def test_the_coordinators_group_has_the_demo_coordinators_permissions():
    create(*BASE, "--password", PASSWORD)

    group = Group.objects.get(name=createcoordinator.COORDINATOR_GROUP)
    [demo_coordinators] = [spec for spec in GROUPS if spec.name == COORDINATORS]
    assert group.name == COORDINATORS
    assert set(group.permissions.all()) == set(_group_permissions(spec=demo_coordinators))
    assert User.objects.get(username="koordinator").groups.get() == group


def test_the_password_may_come_from_the_environment(client, monkeypatch):
    monkeypatch.setenv(createcoordinator.PASSWORD_VARIABLE, PASSWORD)

    create(*BASE, "--no-input")

    assert client.login(username="koordinator", password=PASSWORD)


def test_the_password_may_be_typed_at_a_prompt(client, monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr(createcoordinator, "_stdin_is_a_terminal", lambda: True)
    monkeypatch.setattr(createcoordinator.getpass, "getpass", lambda prompt: next(answers))

    create(*BASE)

    assert client.login(username="koordinator", password=PASSWORD)


def test_departments_can_be_created_with_it():
    output = create(
        *BASE,
        "--password",
        PASSWORD,
        "--department",
        "ENV=Odbor životního prostředí",
        "--department",
        "TRA=Odbor dopravy",
    )

    assert sorted(Department.objects.values_list("code", "name")) == [
        ("ENV", "Odbor životního prostředí"),
        ("TRA", "Odbor dopravy"),
    ]
    assert "Created the department ENV – Odbor životního prostředí." in output


def test_running_it_again_changes_nothing_and_keeps_the_password(client):
    create(*BASE, "--password", PASSWORD, "--department", "ENV=Odbor životního prostředí")

    output = create(*BASE, "--password", "Another-Password-2026", "--department", "ENV=Odbor životního prostředí")

    assert "Nothing to do" in output and "unchanged" in output
    assert Municipality.objects.count() == 1
    assert ApprovalPolicy.objects.count() == len(DEFAULT_POLICIES)
    assert Membership.objects.count() == 1
    assert Department.objects.count() == 1
    assert client.login(username="koordinator", password=PASSWORD)


def test_running_it_again_adds_departments_that_are_new():
    create(*BASE, "--password", PASSWORD)

    create(*BASE, "--department", "ICT=Odbor informatiky")

    assert list(Department.objects.values_list("code", flat=True)) == ["ICT"]


def test_a_second_coordinator_joins_an_existing_municipality():
    create(*BASE, "--password", PASSWORD)
    arguments = list(BASE)
    arguments[arguments.index("koordinator")] = "zastupce"

    create(*arguments, "--password", PASSWORD)

    municipality = Municipality.objects.get()
    assert set(municipality.memberships.values_list("user__username", flat=True)) == {"koordinator", "zastupce"}
    assert municipality.approval_policies.count() == len(DEFAULT_POLICIES)


def with_argument(name: str, value: str) -> list[str]:
    arguments = list(BASE)
    arguments[arguments.index(name) + 1] = value
    return arguments


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(with_argument("--ico", ICO[:7] + str((int(ICO[7]) + 1) % 10)), "invalid check digit", id="ico"),
        pytest.param(with_argument("--ico", "1234"), "exactly 8 digits", id="ico-format"),
        pytest.param(with_argument("--region", "bavaria"), "invalid choice", id="region"),
        pytest.param(with_argument("--email", "petra-at-vzorov"), "email", id="email"),
        pytest.param(with_argument("--email", " "), "e-mail address", id="no-email"),
        pytest.param(with_argument("--username", "koordinátor s mezerou"), "username", id="username"),
        pytest.param([*BASE, "--password", "heslo"], "too weak", id="weak-password"),
        pytest.param([*BASE, "--password", "koordinator2026"], "too weak", id="password-like-username"),
        pytest.param([*BASE, "--no-input"], createcoordinator.PASSWORD_VARIABLE, id="no-password"),
        pytest.param([*BASE, "--password", PASSWORD, "--department", "ENV"], "CODE=NAME", id="department-format"),
        # Fails only once the municipality and the user are saved: the transaction takes them back.
        pytest.param(
            [*BASE, "--password", PASSWORD, "--department", "A-CODE-FAR-TOO-LONG=Odbor"], "code", id="department-code"
        ),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_created(arguments, message):
    with pytest.raises(CommandError, match=message) as error:
        create(*arguments)

    assert_nothing_created()
    if "invalid choice" not in message:
        assert str(error.value).startswith("Nothing was created")


def test_typing_two_different_passwords_creates_nothing(monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(createcoordinator, "_stdin_is_a_terminal", lambda: True)
    monkeypatch.setattr(createcoordinator.getpass, "getpass", lambda prompt: next(answers))

    with pytest.raises(CommandError, match="differ"):
        create(*BASE)

    assert_nothing_created()


def test_an_existing_account_is_never_made_coordinator_silently():
    UserFactory(username="koordinator")

    with pytest.raises(CommandError, match="already exists and is not the coordinator"):
        create(*BASE, "--password", PASSWORD)

    assert not Municipality.objects.exists()
    assert not Membership.objects.exists()


def test_an_ico_already_registered_to_another_name_is_refused():
    MunicipalityFactory(name="Obec Lhota", ico=ICO, region="vysocina")

    with pytest.raises(CommandError, match="already belongs to “Obec Lhota”"):
        create(*BASE, "--password", PASSWORD)

    assert Municipality.objects.get().name == "Obec Lhota"
    assert not User.objects.filter(username="koordinator").exists()
