"""The coordinator's form for the baseline emission inventory: MWh by sector × carrier, t CO₂ shown as computed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from backend.energy.models import EmissionInventory, InventoryEntry
from backend.energy.services import inventory_save

pytestmark = pytest.mark.django_db

NEW_URL = reverse("energy:inventory_new")


def _edit_url(inventory):
    return reverse("energy:inventory_edit", kwargs={"pk": inventory.pk})


def test_the_coordinator_enters_an_inventory_and_sees_its_co2(client, town):
    client.force_login(town.user("coordinator"))
    response = client.post(
        NEW_URL,
        {
            "year": "2022",
            "note": "Podle faktur 2022.",
            "mwh_public_lighting_electricity": "1500,5",
            "mwh_residential_natural_gas": "10000",
        },
    )
    inventory = EmissionInventory.objects.get(municipality=town.municipality, year=2022)
    assert response["Location"] == _edit_url(inventory)
    entries = dict(InventoryEntry.objects.filter(inventory=inventory).values_list("carrier", "mwh"))
    assert entries == {"electricity": Decimal("1500.5"), "natural_gas": Decimal(10000)}
    html = client.get(response["Location"]).content.decode()
    assert "Bilance emisí 2022 byla uložena." in html
    # The statutory set in force in 2022: electricity 0.86, natural gas 0.2 t CO₂/MWh.
    total = Decimal("1500.5") * Decimal("0.86") + 10000 * Decimal("0.2")
    assert f'id="inventory-total-co2">{total:,.1f}'.replace(",", "\u00a0").replace(".", ",") in html
    assert '<th scope="row">Veřejné osvětlení</th><td>Elektřina</td>' in html
    assert 'value="1500,500"' in html  # the form shows what was saved, the Czech way


def test_editing_replaces_the_entries(client, town):
    coordinator = town.user("coordinator")
    inventory = inventory_save(
        actor=coordinator,
        municipality=town.municipality,
        year=2019,
        entries={("residential", "natural_gas"): Decimal(100), ("tertiary", "electricity"): Decimal(5)},
    )
    client.force_login(coordinator)
    response = client.post(_edit_url(inventory), {"year": "2019", "mwh_tertiary_electricity": "7"})
    assert response.status_code == 302
    assert list(inventory.entries.values_list("sector", "carrier", "mwh")) == [("tertiary", "electricity", 7)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": "2022", "mwh_residential_lpg": "-1"}, "Hodnota musí být větší nebo rovna 0."),
        ({"year": "2022", "mwh_residential_lpg": "hodně"}, "Zadejte číslo."),
        ({"year": "2022"}, "Zadejte spotřebu alespoň jednoho sektoru a energonositele."),
        ({"year": "1890", "mwh_residential_lpg": "1"}, "Hodnota musí být větší nebo rovna 1990."),
    ],
)
def test_bad_input_saves_nothing_and_says_why_in_czech(client, town, data, message):
    client.force_login(town.user("coordinator"))
    response = client.post(NEW_URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EmissionInventory.objects.exists()


def test_a_second_inventory_of_the_same_year_is_refused(client, town):
    EmissionInventory.objects.create(municipality=town.municipality, year=2022)
    client.force_login(town.user("coordinator"))
    response = client.post(NEW_URL, {"year": "2022", "mwh_residential_lpg": "1"})
    assert response.status_code == 400
    assert "Obec už má bilanci emisí roku 2022." in response.content.decode()
    assert not InventoryEntry.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("partner", 404)])
def test_only_the_coordinator_enters_the_inventory(client, town, role, status):
    client.force_login(town.user(role))
    assert client.post(NEW_URL, {"year": "2022", "mwh_residential_lpg": "1"}).status_code == status
    assert not EmissionInventory.objects.exists()


def test_another_towns_inventory_is_404_and_not_listed(client, town):
    theirs = EmissionInventory.objects.create(municipality=town.other_municipality, year=2018)
    client.force_login(town.user("coordinator"))
    assert client.get(_edit_url(theirs)).status_code == 404
    assert client.post(_edit_url(theirs), {"year": "2018", "mwh_residential_lpg": "1"}).status_code == 404
    assert ">2018</a>" not in client.get(NEW_URL).content.decode()


@pytest.mark.parametrize("years", [1, 12])
def test_the_page_has_the_same_queries_for_1_and_12_inventories(client, town, years, django_assert_num_queries):
    coordinator = town.user("coordinator")
    for year in range(2000, 2000 + years):
        inventory = inventory_save(
            actor=coordinator,
            municipality=town.municipality,
            year=year,
            entries={("residential", "natural_gas"): Decimal(1), ("tertiary", "electricity"): Decimal(2)},
        )
    client.force_login(coordinator)
    with django_assert_num_queries(10):
        html = client.get(_edit_url(inventory)).content.decode()
    assert html.count('href="/energie/bilance/') == years + 1
