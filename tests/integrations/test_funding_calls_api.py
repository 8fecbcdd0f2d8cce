"""The funding calls API: read by municipal staff, kept by the coordinator, same errors as the rest of the API."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from backend.integrations import funding_calls
from backend.integrations.models import FundingCall
from backend.projects.stages import Stage
from tests.api.conftest import api_client
from tests.factories import FundingApplicationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/funding-calls/"


def _call(town, **fields) -> FundingCall:
    values = {"programme": "irop", "number": "IROP-104", "name": "Energetické úspory", "closes": date(2027, 3, 1)}
    return funding_calls.funding_call_create(
        actor=town.user("coordinator"), municipality=town.municipality, **(values | fields)
    )


def test_the_coordinator_creates_changes_and_deletes_a_call(town):
    client = api_client(town.user("coordinator"))
    created = client.post(
        URL, {"programme": "op_zp", "number": "OPZP-12", "name": "Srážková voda", "closes": "2027-09-30"}
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["municipality"], body["number"], body["application_count"]) == (town.municipality.pk, "OPZP-12", 0)
    changed = client.patch(f"{URL}{body['id']}/", {"closes": "2027-10-15"})
    assert (changed.status_code, changed.json()["closes"]) == (200, "2027-10-15")
    assert client.delete(f"{URL}{body['id']}/").status_code == 204
    assert not FundingCall.objects.filter(pk=body["id"]).exists()


def test_bad_input_is_a_czech_field_error_and_nothing_is_saved(town):
    client = api_client(town.user("coordinator"))
    response = client.post(URL, {"programme": "nope", "number": "X", "name": "Y"})
    assert response.status_code == 400
    errors = response.json()
    assert "closes" in str(errors) and "programme" in str(errors)
    assert "Toto pole je vyžadováno." in str(errors)
    assert not FundingCall.objects.exists()


def test_a_call_with_an_application_is_not_deleted(town):
    call = _call(town, closes=timezone.localdate() + timedelta(days=30))
    application = FundingApplicationFactory(project=town.project(Stage.FUNDING, ready=False), status="planned")
    funding_calls.funding_application_call_set(actor=town.user("coordinator"), application=application, call=call)
    client = api_client(town.user("coordinator"))
    assert client.get(f"{URL}{call.pk}/").json()["application_count"] == 1
    response = client.delete(f"{URL}{call.pk}/")
    assert response.status_code == 400
    assert "Výzvu nelze smazat: odkazuje na ni 1 žádost o dotaci." in str(response.json())
    assert FundingCall.objects.filter(pk=call.pk).exists()


@pytest.mark.parametrize(
    ("role", "read", "change"),
    [("manager", 200, 403), ("staff", 200, 403), ("partner", 404, 404), ("other_coordinator", 404, 404)],
)
def test_who_reads_and_who_keeps_the_calls(town, role, read, change):
    call = _call(town)
    client = api_client(town.user(role))
    assert client.get(f"{URL}{call.pk}/").status_code == read
    assert client.patch(f"{URL}{call.pk}/", {"name": "Jiná"}).status_code == change
    assert client.delete(f"{URL}{call.pk}/").status_code == change
    call.refresh_from_db()
    assert call.name == "Energetické úspory"
    if role == "manager":
        assert (
            client.post(URL, {"programme": "irop", "number": "A", "name": "B", "closes": "2027-01-01"}).status_code
            == 403
        )


def test_a_shared_call_is_read_but_not_changed(town):
    shared = FundingCall.objects.create(programme="nzu", number="NZU-1", name="Sdílená", closes=date(2027, 1, 1))
    client = api_client(town.user("coordinator"))
    assert client.get(f"{URL}{shared.pk}/").json()["municipality"] is None
    assert client.patch(f"{URL}{shared.pk}/", {"name": "X"}).status_code == 403


@pytest.mark.parametrize("count", [1, 20])
def test_the_list_costs_the_same_for_1_and_20_calls(town, count, django_assert_num_queries):
    for index in range(count):
        call = _call(town, number=f"IROP-{index}")
        if index == 0:
            application = FundingApplicationFactory(project=town.project(Stage.FUNDING, ready=False))
            funding_calls.funding_application_call_set(
                actor=town.user("coordinator"), application=application, call=call
            )
    client = api_client(town.user("manager"))
    with django_assert_num_queries(2):  # the user's roles, the page of calls with their application counts
        response = client.get(URL)
    assert len(response.json()["results"]) == count
    assert response.json()["results"][0]["application_count"] == 1


def test_the_calls_are_in_the_openapi_schema(town):
    schema = api_client(town.user("manager")).get("/api/v1/schema/").content.decode()
    assert "/api/v1/funding-calls/{id}/" in schema and "FundingCall" in schema
