"""The admin as a whole (every model usable) and the admin of users, municipalities and memberships."""

import re
from html import unescape

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.forms import CheckboxInput, MultiWidget
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.accounts.admin import ReadOnlyAdminMixin
from backend.accounts.models import Department, Membership, Municipality, PartnerOrganization, User
from backend.core.formsets import ConstraintCheckedInlineFormSet
from backend.energy.models import EmissionFactor, InventoryEntry
from backend.projects.invitations import invitation_create
from backend.projects.stages import Stage
from backend.strategy.models import Strategy
from tests.factories import (
    CommentFactory,
    DepartmentFactory,
    MembershipFactory,
    MunicipalityFactory,
    PartnerOrganizationFactory,
    TaskFactory,
    UserFactory,
)
from tests.factories.attachments import attach
from workflows.services import project_transition


def staff(user, *codenames: str):
    """Let a town user into the admin with the given model permissions."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def browser(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def submitted_form(response) -> dict:
    """What the browser submits when the user saves the rendered change form without touching it."""
    data = {}

    def add(form) -> None:
        for field in form:
            value, widget = field.value(), field.field.widget
            if isinstance(widget, CheckboxInput):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(widget, MultiWidget):
                for index, part in enumerate(widget.decompress(value)):
                    data[f"{field.html_name}_{index}"] = "" if part is None else part
            else:
                data[field.html_name] = "" if value is None else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


@pytest.fixture(autouse=True)
def _attachments_in_a_temporary_folder(settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"


@pytest.fixture
def superuser(db):
    return UserFactory(username="operator", is_superuser=True, is_staff=True)


def add_rows_of_every_kind(town, round_number: int) -> None:
    """At least one more row of every Rámec model, written the way the application writes them."""
    municipality = MunicipalityFactory()
    department = DepartmentFactory(municipality=municipality)
    PartnerOrganizationFactory(municipality=municipality)
    MembershipFactory(user=UserFactory(), role="staff", department=department)
    moved = town.project(Stage.IDEA)
    project_transition(project=moved, actor=town.user("manager"), transition="submit")
    waiting = town.project(Stage.FUNDING)
    town.allow_self_approval("start_implementation")  # the head's request is their approval: a decision row
    project_transition(project=waiting, actor=town.user("lead_head"), transition="start_implementation")
    TaskFactory(project=moved, assignee=town.user("staff"))
    CommentFactory(project=moved, author=town.user("staff"))
    Strategy.objects.create(municipality=town.municipality, title=f"Strategie {round_number}")
    invitation_create(
        actor=town.user("manager"), email=f"host{round_number}@example.org", organization=town.firm, projects=[moved]
    )
    attach(moved, town.user("staff"), name=f"zápis {round_number}.pdf")


@pytest.fixture
def every_kind_of_row(town):
    add_rows_of_every_kind(town, 1)
    Group.objects.create(name="Koordinátoři")


RAMEC_APPS = ("accounts", "projects", "workflows")
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
RAMEC_MODELS = [model for model, _ in REGISTERED if model._meta.app_label in RAMEC_APPS]


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[model._meta.label for model, _ in REGISTERED])
def test_every_admin_page_answers_for_a_superuser(superuser, every_kind_of_row, model, model_admin):
    client = browser(superuser)
    request = RequestFactory().get("/")
    request.user = superuser

    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "changelist"), {"q": "a"}).status_code == 200
    assert client.get(admin_url(model, "add")).status_code == (200 if model_admin.has_add_permission(request) else 403)
    first = model.objects.first()
    if model._meta.app_label in RAMEC_APPS:
        assert first is not None, f"no {model._meta.label} row to open"
    if first is not None:
        assert client.get(admin_url(model, "change", first.pk)).status_code == 200


@pytest.mark.parametrize("model", RAMEC_MODELS, ids=[model._meta.label for model in RAMEC_MODELS])
def test_every_list_costs_the_same_number_of_queries_for_more_rows(superuser, town, every_kind_of_row, model):
    client = browser(superuser)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(admin_url(model, "changelist")).status_code == 200
        return len(queries)

    before = queries_for_list()
    add_rows_of_every_kind(town, 2)
    add_rows_of_every_kind(town, 3)

    assert queries_for_list() == before


class TestUserAdmin:
    def test_shows_the_language_and_the_memberships(self, town, superuser):
        response = browser(superuser).get(admin_url(User, "change", town.user("lead_head").pk))

        content = response.content.decode()
        assert 'name="language"' in content
        # Roles are granted and withdrawn (membership_grant), never rewritten in place.
        assert "Odbor životního prostředí a energetiky" in content
        assert 'name="memberships-0-role"' not in content
        assert 'name="memberships-TOTAL_FORMS"' in content

    def test_creates_a_user_with_a_language(self, superuser):
        response = browser(superuser).post(
            admin_url(User, "add"),
            {
                "username": "pm.svoboda",
                "usable_password": "true",
                "password1": "Ramec-heslo-2026",
                "password2": "Ramec-heslo-2026",
                "first_name": "Petr",
                "last_name": "Svoboda",
                "email": "svoboda@vzorov.cz",
                "language": "en",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
        )

        assert response.status_code == 302
        assert User.objects.get(username="pm.svoboda").language == "en"

    def test_a_coordinator_sees_only_the_people_of_their_municipality(self, town, superuser):
        coordinator = staff(town.user("coordinator"), "view_user", "change_user")

        listing = browser(coordinator).get(admin_url(User, "changelist"))

        shown = {user.username for user in listing.context["cl"].result_list}
        everyone_but_lhota = {user.username for role, user in town.users.items() if role != "other_coordinator"}
        assert shown == everyone_but_lhota

    def test_a_coordinator_cannot_hand_out_django_rights(self, town):
        coordinator = staff(town.user("coordinator"), "view_user", "change_user")
        client = browser(coordinator)
        url = admin_url(User, "change", town.user("staff").pk)
        page = client.get(url)
        assert 'name="is_superuser"' not in page.content.decode()

        response = client.post(url, {**submitted_form(page), "is_superuser": "on", "language": "en"})

        assert response.status_code == 302
        changed = User.objects.get(pk=town.user("staff").pk)
        assert (changed.language, changed.is_superuser) == ("en", False)


class TestMunicipalityAdmin:
    def test_lists_each_municipality_with_its_number_of_departments(self, town, superuser):
        listing = browser(superuser).get(admin_url(Municipality, "changelist"))

        counts = {row.name: row.department_count for row in listing.context["cl"].result_list}
        assert counts == {"Město Vzorov": 2, "Obec Lhota": 0}

    def test_only_platform_operators_add_municipalities(self, town):
        coordinator = staff(town.user("coordinator"), "view_municipality", "add_municipality", "change_municipality")

        assert browser(coordinator).get(admin_url(Municipality, "add")).status_code == 403

    def test_a_coordinator_edits_only_their_own_municipality(self, town):
        coordinator = staff(town.user("coordinator"), "view_municipality", "change_municipality")
        client = browser(coordinator)

        assert client.get(admin_url(Municipality, "change", town.municipality.pk)).status_code == 200
        assert client.get(admin_url(Municipality, "change", town.other_municipality.pk)).status_code == 404


class TestMembershipAdmin:
    def test_offers_only_the_departments_of_the_users_own_municipality(self, town):
        DepartmentFactory(municipality=town.other_municipality, code="VYS", name="Odbor výstavby")
        coordinator = staff(town.user("other_coordinator"), "view_membership", "add_membership")

        content = browser(coordinator).get(admin_url(Membership, "add")).content.decode()

        assert "Odbor výstavby" in content
        assert "Odbor dopravy" not in content
        assert "Město Vzorov" not in content

    def test_refuses_a_department_of_another_municipality(self, town):
        coordinator = staff(town.user("other_coordinator"), "view_membership", "add_membership")

        response = browser(coordinator).post(
            admin_url(Membership, "add"),
            {
                "user": coordinator.pk,
                "municipality": town.other_municipality.pk,
                "role": "staff",
                "department": town.tra.pk,
            },
        )

        assert response.status_code == 200
        assert list(response.context["adminform"].form.errors) == ["department"]
        assert not Membership.objects.filter(department=town.tra, user=coordinator).exists()


def test_a_coordinator_cannot_edit_someone_who_also_belongs_to_another_municipality(town):
    """A password reset of a person with a role elsewhere would open the other municipality's data."""
    from tests.factories import MembershipFactory

    outsider = town.user("other_coordinator")
    MembershipFactory(user=outsider, role="partner", department=None, organization=town.ngo)
    coordinator = staff(town.user("coordinator"), "view_user", "change_user")
    client = browser(coordinator)

    assert client.get(admin_url(User, "change", outsider.pk)).status_code in (302, 404)
    response = client.post(
        f"/admin/accounts/user/{outsider.pk}/password/",
        {"password1": "Uplne-nove-heslo-42", "password2": "Uplne-nove-heslo-42"},
    )
    assert response.status_code in (302, 404)
    outsider.refresh_from_db()
    assert not outsider.check_password("Uplne-nove-heslo-42")
    assert client.get(admin_url(User, "change", town.user("staff").pk)).status_code == 200


class TestConfigurationGoesThroughTheServices:
    """The coordinator's configuration is saved by the same services the application uses."""

    def test_a_role_is_granted_from_the_persons_page(self, town):
        coordinator = staff(town.user("coordinator"), "view_user", "change_user", "add_membership", "view_membership")
        client = browser(coordinator)
        person = town.user("staff")
        url = admin_url(User, "change", person.pk)
        data = submitted_form(client.get(url))
        rows = int(data["memberships-TOTAL_FORMS"])
        new_row = {"municipality": town.municipality.pk, "role": "manager", "department": town.env.pk}

        response = client.post(
            url,
            {
                **data,
                "memberships-TOTAL_FORMS": rows + 1,
                **{f"memberships-{rows}-{name}": value for name, value in new_row.items()},
            },
        )

        assert response.status_code == 302
        roles = set(Membership.objects.filter(user=person).values_list("role", "department__code"))
        assert roles == {("staff", "TRA"), ("manager", "ENV")}

    def test_a_coordinator_cannot_rewrite_a_role_in_place(self, town):
        coordinator = staff(town.user("coordinator"), "view_membership", "change_membership")
        membership = Membership.objects.get(user=town.user("staff"))

        response = browser(coordinator).post(
            admin_url(Membership, "change", membership.pk),
            {
                "user": membership.user_id,
                "municipality": town.municipality.pk,
                "role": "head",
                "department": town.tra.pk,
            },
        )

        assert response.status_code == 403
        assert Membership.objects.get(pk=membership.pk).role == "staff"

    def test_a_new_person_needs_a_role_in_the_coordinators_municipality(self, town):
        coordinator = staff(town.user("coordinator"), "view_user", "add_user", "change_user", "add_membership")

        response = browser(coordinator).post(
            admin_url(User, "add"),
            {
                "username": "pm.svoboda",
                "usable_password": "true",
                "password1": "Ramec-heslo-2026",
                "password2": "Ramec-heslo-2026",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
        )

        assert response.status_code == 200
        assert "Give the person a role in your municipality." in response.content.decode()
        assert not User.objects.filter(username="pm.svoboda").exists()

    def test_switching_a_person_off_ends_their_sessions_at_once(self, town):
        coordinator = staff(town.user("coordinator"), "view_user", "change_user")
        client = browser(coordinator)
        person = town.user("staff")
        their_browser = browser(person)
        assert their_browser.get("/profile/").status_code == 200
        url = admin_url(User, "change", person.pk)
        data = submitted_form(client.get(url))
        del data["is_active"]

        assert client.post(url, data).status_code == 302

        assert not User.objects.get(pk=person.pk).is_active
        assert their_browser.get("/profile/").status_code == 302  # to the sign-in page

    def test_a_coordinator_cannot_switch_themselves_off(self, town):
        coordinator = staff(town.user("coordinator"), "view_user", "change_user")
        client = browser(coordinator)
        url = admin_url(User, "change", coordinator.pk)
        data = submitted_form(client.get(url))
        del data["is_active"]

        response = client.post(url, data, follow=True)

        assert User.objects.get(pk=coordinator.pk).is_active
        assert "You cannot deactivate your own account." in response.content.decode()

    def test_a_department_and_a_partner_organisation_are_added_for_the_own_municipality(self, town):
        coordinator = staff(town.user("coordinator"), "add_department", "add_partnerorganization")
        client = browser(coordinator)

        added = client.post(
            admin_url(Department, "add"),
            {"municipality": town.municipality.pk, "code": "ICT", "name": "Odbor informatiky"},
        )
        elsewhere = client.post(
            admin_url(Department, "add"),
            {"municipality": town.other_municipality.pk, "code": "X", "name": "Cizí odbor"},
        )
        organisation = client.post(
            admin_url(PartnerOrganization, "add"),
            {"municipality": town.municipality.pk, "name": "Vzorovská univerzita", "kind": "university", "website": ""},
        )

        assert (added.status_code, elsewhere.status_code, organisation.status_code) == (302, 200, 302)
        assert set(Department.objects.filter(code__in=["ICT", "X"]).values_list("code", flat=True)) == {"ICT"}
        assert PartnerOrganization.objects.filter(municipality=town.municipality, name="Vzorovská univerzita").exists()


def form_errors(response) -> list[str]:
    """The error messages the admin shows on the form, in page order."""
    return [
        unescape(message)
        for message in re.findall(
            r"<li>([^<]*)</li>",
            "".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)),
        )
    ]


class TestDuplicatesAreFormErrors:
    """A role, department or organisation that already exists is refused on the form in Czech, never a 500."""

    @staticmethod
    def czech_browser(user) -> Client:
        client = Client(headers={"Accept-Language": "cs"})
        client.force_login(user)
        return client

    def coordinator(self, town) -> Client:
        coordinator = staff(town.user("coordinator"))
        coordinator.user_permissions.add(
            *Permission.objects.filter(content_type__app_label__in=["accounts", "projects"])
        )
        return self.czech_browser(coordinator)

    def add_memberships(self, client, person, *rows: dict):
        url = admin_url(User, "change", person.pk)
        data = submitted_form(client.get(url))
        first = int(data["memberships-TOTAL_FORMS"])
        for index, row in enumerate(rows, start=first):
            data.update({f"memberships-{index}-{name}": value for name, value in row.items()})
        data["memberships-TOTAL_FORMS"] = first + len(rows)
        return client.post(url, data)

    @pytest.mark.parametrize(
        ("role", "message"),
        [
            ("staff", "Tato osoba už má tuto roli v tomto odboru."),
            ("partner", "Tato osoba už je hostem této partnerské organizace."),
            ("coordinator", "Tato osoba už je koordinátorem této obce."),
        ],
    )
    def test_a_role_the_person_already_has(self, town, role, message):
        membership = Membership.objects.filter(municipality=town.municipality, role=role).first()
        before = Membership.objects.count()

        response = self.coordinator(town).post(
            admin_url(Membership, "add"),
            {
                "user": membership.user_id,
                "municipality": town.municipality.pk,
                "role": role,
                "department": membership.department_id or "",
                "organization": membership.organization_id or "",
            },
        )

        assert response.status_code == 200
        assert message in form_errors(response)
        assert Membership.objects.count() == before

    def test_the_same_new_role_twice_on_a_persons_page(self, town):
        person = town.user("staff")
        row = {"municipality": town.municipality.pk, "role": "manager", "department": town.env.pk}

        response = self.add_memberships(self.coordinator(town), person, row, row)

        assert response.status_code == 200
        assert "Tato osoba už má tuto roli v tomto odboru." in form_errors(response)
        assert set(Membership.objects.filter(user=person).values_list("role", flat=True)) == {"staff"}

    def test_a_role_the_person_already_has_on_their_page(self, town):
        person = town.user("staff")
        row = {"municipality": town.municipality.pk, "role": "staff", "department": town.tra.pk}

        response = self.add_memberships(self.coordinator(town), person, row)

        assert response.status_code == 200
        assert "Tato osoba už má tuto roli v tomto odboru." in form_errors(response)
        assert Membership.objects.filter(user=person).count() == 1

    def test_the_same_role_in_two_departments_is_two_roles(self, town):
        person = town.user("staff")
        rows = [
            {"municipality": town.municipality.pk, "role": "manager", "department": department.pk}
            for department in (town.env, town.tra)
        ]

        assert self.add_memberships(self.coordinator(town), person, *rows).status_code == 302

        assert Membership.objects.filter(user=person, role="manager").count() == 2

    def test_a_new_person_with_the_same_role_twice(self, town):
        row = {"municipality": town.municipality.pk, "role": "staff", "department": town.env.pk}
        data = {
            "username": "pm.svoboda",
            "usable_password": "true",
            "password1": "Ramec-heslo-2026",
            "password2": "Ramec-heslo-2026",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "0",
            **{f"memberships-{index}-{name}": value for index in (0, 1) for name, value in row.items()},
        }

        response = self.coordinator(town).post(admin_url(User, "add"), data)

        assert response.status_code == 200
        assert "Tato osoba už má tuto roli v tomto odboru." in form_errors(response)
        assert not User.objects.filter(username="pm.svoboda").exists()

    def test_the_same_department_code_twice_on_the_municipalitys_page(self, town):
        client = self.coordinator(town)
        url = admin_url(Municipality, "change", town.municipality.pk)
        data = submitted_form(client.get(url))
        first = int(data["departments-TOTAL_FORMS"])
        for index, name in ((first, "Odbor A"), (first + 1, "Odbor B")):
            data.update({f"departments-{index}-code": "ICT", f"departments-{index}-name": name})
        data["departments-TOTAL_FORMS"] = first + 2

        response = client.post(url, data)

        assert response.status_code == 200
        assert "Opravte duplicitní data v poli kód." in form_errors(response)
        assert not Department.objects.filter(code="ICT").exists()

    @pytest.mark.parametrize(
        ("model", "data", "message"),
        [
            (
                Department,
                {"code": "ENV", "name": "Druhý odbor"},
                "Položka Odbor s touto kombinací hodnot v polích Obec a Kód již existuje.",
            ),
            (
                PartnerOrganization,
                {"name": "Zelená Vzorov, z.s.", "kind": "ngo", "website": ""},
                "Položka Partnerská organizace s touto kombinací hodnot v polích Obec a Název již existuje.",
            ),
        ],
    )
    def test_configuration_that_already_exists(self, town, model, data, message):
        before = model.objects.count()

        response = self.coordinator(town).post(admin_url(model, "add"), {"municipality": town.municipality.pk, **data})

        assert response.status_code == 200
        assert message in form_errors(response)
        assert model.objects.count() == before


def test_a_code_with_invisible_characters_is_the_same_code(town):
    """A zero-width space or a space around a department's code made a second, look-alike department.
    (Strategy measures are written through amendments, never in the admin: see backend.strategy.)"""
    before = Department.objects.count()

    response = (
        TestDuplicatesAreFormErrors()
        .coordinator(town)
        .post(
            admin_url(Department, "add"),
            {"municipality": town.municipality.pk, "code": f" {town.env.code}\u200b", "name": "Dvojník"},
        )
    )

    assert response.status_code == 200
    assert len(form_errors(response)) == 1 and "již existuje" in form_errors(response)[0]
    assert Department.objects.count() == before


def test_an_assessment_threshold_above_100_is_a_czech_field_error(town):
    """Not the database's check constraint by its name ("Omezení municipality_threshold_at_most_100…")."""
    client = TestDuplicatesAreFormErrors().coordinator(town)
    url = admin_url(Municipality, "change", town.municipality.pk)
    data = {**submitted_form(client.get(url)), "assessment_threshold": "150"}

    response = client.post(url, data)

    assert response.status_code == 200
    assert form_errors(response) == ["Hodnota musí být menší nebo rovna 100."]
    assert Municipality.objects.get(pk=town.municipality.pk).assessment_threshold != 150


def test_every_inline_of_the_admin_checks_its_rows_against_each_other():
    """Rows of an inline are checked against each other for conditional unique constraints too."""
    inlines = [inline for model_admin in admin.site._registry.values() for inline in model_admin.inlines]
    editable = [inline for inline in inlines if not issubclass(inline, ReadOnlyAdminMixin)]

    assert {inline.model for inline in editable} == {Membership, Department, EmissionFactor, InventoryEntry}
    assert all(issubclass(inline.formset, ConstraintCheckedInlineFormSet) for inline in editable)
