"""A DSO's strategy shared by its member municipalities: the members' staff read it (web and API) and link their
projects to its measures, which its coverage counts; changing it stays with the DSO's own staff (403 for a
member); a non-member and partner guests get 404, as for a strategy that does not exist.

The DSO "Mikroregion Vzorovsko" has Město Vzorov and Obec Lhota as members and its own coordinator; Obec Dolní
Újezd is not a member.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from backend.accounts.models import MunicipalityKind
from backend.projects.services import project_update
from backend.projects.stages import Stage
from backend.strategy.coverage import strategy_coverage
from backend.strategy.models import ItemKind, Measure, Strategy
from backend.strategy.selectors import goal_list, measure_list
from backend.strategy.services import strategy_adopt, strategy_create, strategy_item_add
from tests.factories import DepartmentFactory, MembershipFactory, MunicipalityFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dso(town):
    dso = MunicipalityFactory(name="Mikroregion Vzorovsko", kind=MunicipalityKind.DSO)
    dso.members.set([town.municipality, town.other_municipality])
    town.users["dso_coordinator"] = UserFactory(username="dso.coordinator")
    MembershipFactory(user=town.users["dso_coordinator"], role="coordinator", department=None, municipality=dso)
    third = MunicipalityFactory(name="Obec Dolní Újezd")
    town.users["third_staff"] = UserFactory(username="ujezd.staff")
    MembershipFactory(user=town.users["third_staff"], role="staff", department=DepartmentFactory(municipality=third))
    town.users["lhota_manager"] = UserFactory(username="lhota.manager")
    lhota_department = DepartmentFactory(municipality=town.other_municipality, code="OŽP")
    MembershipFactory(user=town.users["lhota_manager"], role="manager", department=lhota_department)
    return {"dso": dso, "third": third, "lhota_department": lhota_department}


@pytest.fixture
def dso_strategy(town, dso) -> Strategy:
    coordinator = town.user("dso_coordinator")
    strategy = strategy_create(
        actor=coordinator, municipality=dso["dso"], title="Strategie Mikroregionu Vzorovsko", period_start=2025
    )
    strategy_item_add(actor=coordinator, strategy=strategy, kind=ItemKind.GOAL, data={"code": "1", "title": "Cyklo"})
    strategy_item_add(
        actor=coordinator,
        strategy=strategy,
        kind=ItemKind.MEASURE,
        data={"code": "1.1", "title": "Cyklostezky mezi obcemi", "goal": "1"},
    )
    return strategy_adopt(
        actor=coordinator,
        strategy=strategy,
        resolution_body="assembly",
        resolution_number="VH 3/2025",
        resolution_date=date(2025, 3, 1),
    )


# fmt: off
#                        web page  API detail  propose an amendment
MATRIX = {
    "dso_coordinator":   (200,      200,        200),
    "coordinator":       (200,      200,        403),   # Vzorov, a member
    "manager":           (200,      200,        403),
    "staff":             (200,      200,        403),
    "other_coordinator": (200,      200,        403),   # Lhota, a member
    "lhota_manager":     (200,      200,        403),
    "third_staff":       (404,      404,        404),   # not a member
    "partner":           (404,      404,        404),
    "partner_not_invited": (404,    404,        404),
}
# fmt: on


@pytest.mark.parametrize("role", list(MATRIX))
def test_who_reads_the_dsos_strategy(client, town, dso_strategy, role):
    user = town.user(role)
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    observed = (
        client.get(reverse("strategy:detail", kwargs={"pk": dso_strategy.pk})).status_code,
        api.get(f"/api/v1/strategies/{dso_strategy.pk}/").status_code,
        client.get(reverse("strategy:amendment_create", kwargs={"pk": dso_strategy.pk})).status_code,
    )
    assert observed == MATRIX[role]


def test_a_member_reads_it_as_a_member_and_it_is_in_their_list(client, town, dso_strategy):
    client.force_login(town.user("manager"))
    page = client.get(reverse("strategy:detail", kwargs={"pk": dso_strategy.pk})).content.decode()
    assert "Vaše obec je členem Mikroregion Vzorovsko" in page
    assert "Město Vzorov, Obec Lhota" in page  # the members, by name
    assert "Navrhnout změnu" not in page
    assert "Strategie Mikroregionu Vzorovsko" in client.get(reverse("strategy:list")).content.decode()
    client.force_login(town.user("third_staff"))
    assert "Strategie Mikroregionu Vzorovsko" not in client.get(reverse("strategy:list")).content.decode()


def test_members_pms_link_their_projects_and_the_coverage_counts_them(client, town, dso, dso_strategy):
    measure = Measure.objects.get(strategy=dso_strategy, code="1.1")
    vzorov = town.project(Stage.IMPLEMENTATION, title="Cyklostezka Vzorov–Lhota")
    client.force_login(town.user("manager"))
    url = reverse("strategy:project_measures", kwargs={"project_pk": vzorov.pk})
    assert "Cyklostezky mezi obcemi" in client.get(url).content.decode()
    assert client.post(url, {"measures": [measure.pk]}).status_code == 302

    lhota = ProjectFactory(lead_department=dso["lhota_department"], manager=town.user("lhota_manager"))
    project_update(actor=town.user("lhota_manager"), project=lhota, strategic_measures=[measure])

    coverage = strategy_coverage(
        strategy=dso_strategy,
        goals=list(goal_list(strategy=dso_strategy)),
        measures=list(measure_list(strategy=dso_strategy)),
    )
    assert coverage.of_measure(measure).projects == 2
    assert set(measure.projects.all()) == {vzorov, lhota}


def test_a_non_members_project_may_not_serve_the_dsos_measures(town, dso, dso_strategy):
    measure = Measure.objects.get(strategy=dso_strategy, code="1.1")
    outsider_department = DepartmentFactory(municipality=dso["third"], code="ST")
    manager = UserFactory(username="ujezd.manager")
    MembershipFactory(user=manager, role="manager", department=outsider_department)
    project = ProjectFactory(lead_department=outsider_department, manager=manager)
    with pytest.raises(ValidationError) as refused:
        project_update(actor=manager, project=project, strategic_measures=[measure])
    assert "strategic_measures" in refused.value.message_dict
    assert not measure.projects.exists()


def test_the_dsos_staff_do_not_see_the_members_own_strategies(client, town, dso, dso_strategy, strategy):
    """Membership lets the members read the group's strategy, not the other way round."""
    client.force_login(town.user("dso_coordinator"))
    assert client.get(reverse("strategy:detail", kwargs={"pk": strategy.pk})).status_code == 404
    client.force_login(town.user("other_coordinator"))  # Lhota reads the DSO's strategy, not Vzorov's
    assert client.get(reverse("strategy:detail", kwargs={"pk": strategy.pk})).status_code == 404


def test_the_admin_form_keeps_members_for_groups_of_municipalities(town, dso):
    from backend.accounts.admin import MunicipalityAdminForm

    def form(instance, kind, members):
        data = {
            "name": instance.name,
            "kind": kind,
            "ico": instance.ico,
            "region": instance.region,
            "assessment_threshold": instance.assessment_threshold,
            "members": [member.pk for member in members],
        }
        return MunicipalityAdminForm(data, instance=instance)

    assert form(dso["dso"], MunicipalityKind.DSO, [town.municipality, dso["third"]]).is_valid()
    town_with_members = form(town.municipality, MunicipalityKind.MUNICIPALITY, [dso["third"]])
    assert not town_with_members.is_valid() and "members" in town_with_members.errors
    group_in_group = form(dso["dso"], MunicipalityKind.DSO, [dso["dso"]])
    assert not group_in_group.is_valid() and "members" in group_in_group.errors
