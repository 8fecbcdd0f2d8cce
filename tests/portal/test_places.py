"""Public projects and published ideas by place: a list without a tile server, a map over the same list with one."""

from decimal import Decimal

import pytest
from django.urls import reverse

from backend.portal.models import Idea, IdeaStatus
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
TILES = "https://tiles.example.org/{z}/{x}/{y}.png"


def _public(town, title, address, **fields):
    return ProjectFactory(lead_department=town.env, is_public=True, title=title, address=address, **fields)


def _idea(town, title, place, status=IdeaStatus.PUBLISHED):
    return Idea.objects.create(
        municipality=town.municipality,
        title=title,
        description="x",
        place=place,
        author_name="Jana",
        author_email="jana@example.org",
        status=status,
    )


def test_without_a_tile_server_the_places_are_a_list_grouped_by_place_and_no_script(client, town, portal, settings):
    settings.PORTAL_MAP_TILE_URL = ""
    _public(town, "Lavičky", "Náměstí Míru")
    _public(town, "Osvětlení", "Nádražní 780")
    ProjectFactory(lead_department=town.env, title="Interní", address="Náměstí Míru")
    _idea(town, "Strom", "Náměstí Míru")
    _idea(town, "Nepublikovaný", "Náměstí Míru", status=IdeaStatus.PENDING)
    _public(town, "Bez adresy", "")
    response = client.get(reverse("portal:places", args=["vzorov"]))
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    text = response.content.decode()
    assert text.index("Nádražní 780") < text.index("Náměstí Míru")
    square = text[text.index("Náměstí Míru") :]
    assert "Lavičky" in square and "Podnět: <a" in square and "Strom" in square
    for hidden in ("Interní", "Nepublikovaný", "Bez adresy"):
        assert hidden not in text
    assert "<script" not in text
    assert "portal-map" not in text
    assert "tiles.example.org" not in response["Content-Security-Policy"]


def test_with_a_tile_server_the_map_is_drawn_over_the_same_list_from_our_static_files(client, town, portal, settings):
    settings.PORTAL_MAP_TILE_URL = TILES
    settings.PORTAL_MAP_ATTRIBUTION = "© přispěvatelé OpenStreetMap"
    _public(town, "Lavičky", "Náměstí Míru", latitude=Decimal("49.4"), longitude=Decimal("15.59"))
    response = client.get(reverse("portal:places", args=["vzorov"]))
    text = response.content.decode()
    assert "Lavičky" in text
    assert 'id="portal-map"' in text and 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in text
    assert "/static/vendor/leaflet/leaflet.js" in text and "/static/portal/map.js" in text
    policy = response["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert img_src.split() == ["img-src", "'self'", "data:", "https://tiles.example.org"]
    assert "tiles.example.org" not in policy.replace(img_src, "")


def test_the_points_are_geojson_of_public_projects_with_coordinates(client, town, portal):
    shown = _public(town, "Lavičky", "Náměstí Míru", latitude=Decimal("49.396700"), longitude=Decimal("15.587900"))
    _public(town, "Bez souřadnic", "Nádražní 780")
    ProjectFactory(lead_department=town.env, title="Interní", latitude=Decimal("49.1"), longitude=Decimal("15.1"))
    response = client.get(reverse("portal:points_json", args=["vzorov"]))
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [15.5879, 49.3967]}
    assert feature["properties"]["title"] == "Lavičky"
    assert feature["properties"]["url"] == reverse("portal:project", args=["vzorov", shown.pk])


@pytest.mark.parametrize("count", [1, 12])
def test_the_places_page_and_the_points_cost_fixed_queries(client, town, portal, count, django_assert_num_queries):
    for number in range(count):
        _public(town, f"Projekt {number}", f"Ulice {number}", latitude=Decimal("49.4"), longitude=Decimal("15.5"))
        _idea(town, f"Podnět {number}", f"Ulice {number}")
    with django_assert_num_queries(3):  # the portal, the count, the page of places
        assert client.get(reverse("portal:places", args=["vzorov"])).status_code == 200
    with django_assert_num_queries(2):  # the portal, the points
        assert client.get(reverse("portal:points_json", args=["vzorov"])).status_code == 200


def test_the_places_list_is_paginated(client, town, portal):
    for number in range(51):
        _idea(town, f"Podnět {number:02}", f"Ulice {number:02}")
    first = client.get(reverse("portal:places", args=["vzorov"])).content.decode()
    assert first.count('class="card place-group"') == 50
    second = client.get(reverse("portal:places", args=["vzorov"]) + "?page=2").content.decode()
    assert second.count('class="card place-group"') == 1
