"""Public projects and published ideas by place: a list without a tile server, a map over the same list with one."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.portal import places
from backend.portal.models import Idea, IdeaStatus
from backend.portal.public import PlaceCursor, public_place_page
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
    assert 'id="portal-map-note" class="muted" hidden' in text
    assert "Mapa ukazuje nejvýše 200 projektů zobrazené oblasti" in text
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
    assert collection["numberReturned"] == 1 and collection["truncated"] is False


@pytest.mark.parametrize("count", [1, 12])
def test_the_places_page_and_the_points_cost_fixed_queries(
    client, town, portal, count, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(places, "POINTS_LIMIT", 5)  # 12 is over it: the points are cut, in the same queries
    for number in range(count):
        _public(town, f"Projekt {number}", f"Ulice {number}", latitude=Decimal("49.4"), longitude=Decimal("15.5"))
        _idea(town, f"Podnět {number}", f"Ulice {number}")
    with django_assert_num_queries(2):  # the portal, the page of places (no count)
        assert client.get(reverse("portal:places", args=["vzorov"])).status_code == 200
    for query in ("", "?bbox=15,49,16,50"):
        with django_assert_num_queries(2):  # the portal, the points (one more than the limit, to know if cut)
            response = client.get(reverse("portal:points_json", args=["vzorov"]) + query)
        assert len(response.json()["features"]) == min(count, 5)


def test_the_points_are_bounded_whatever_the_number_of_projects_and_say_when_they_are_cut(
    client, town, portal, monkeypatch
):
    monkeypatch.setattr(places, "POINTS_LIMIT", 3)
    projects = [
        _public(town, f"Projekt {n}", "", latitude=Decimal("49.4"), longitude=Decimal("15.5")) for n in range(4)
    ]
    collection = client.get(reverse("portal:points_json", args=["vzorov"])).json()
    assert [feature["id"] for feature in collection["features"]] == [project.pk for project in projects[:3]]
    assert collection["numberReturned"] == 3 and collection["truncated"] is True
    projects[-1].delete()
    collection = client.get(reverse("portal:points_json", args=["vzorov"])).json()
    assert collection["numberReturned"] == 3 and collection["truncated"] is False


def test_the_points_of_an_area_are_those_within_its_bbox(client, town, portal):
    square = _public(town, "Lavičky", "", latitude=Decimal("49.396700"), longitude=Decimal("15.587900"))
    pond = _public(town, "Molo", "", latitude=Decimal("49.420000"), longitude=Decimal("15.640000"))
    url = reverse("portal:points_json", args=["vzorov"])

    def ids(bbox: str) -> list[int]:
        response = client.get(url, {"bbox": bbox})
        assert response.status_code == 200 and "public" in response["Cache-Control"]
        return [feature["id"] for feature in response.json()["features"]]

    assert ids("15.58,49.39,15.60,49.40") == [square.pk]
    assert ids("15.6, 49.41, 15.7, 49.43") == [pond.pk]
    assert ids("15.587900,49.396700,15.587900,49.396700") == [square.pk]  # the edges belong to the area
    assert ids("16,50,17,51") == []
    assert ids("-200,-100,200,100") == [square.pk, pond.pk]  # a map zoomed out past the globe


@pytest.mark.parametrize(
    "bbox", ["", "abc", "15,49,16", "15,49,16,50,1", "16,49,15,50", "15,50,16,49", "nan,49,16,50", "15,49,inf,50"]
)
def test_a_bbox_that_is_no_area_is_refused_in_czech(client, portal, bbox):
    response = client.get(reverse("portal:points_json", args=["vzorov"]), {"bbox": bbox})
    assert response.status_code == 400
    assert response.json() == {"error": "Parametr bbox musí být čtyři čísla ve stupních: západ,jih,východ,sever."}
    assert "public" not in response.get("Cache-Control", "")


def test_the_places_list_is_paginated(client, town, portal):
    for number in range(51):
        _idea(town, f"Podnět {number:02}", f"Ulice {number:02}")
    first = client.get(reverse("portal:places", args=["vzorov"])).content.decode()
    assert first.count('class="card place-group"') == 50
    assert "Předchozí" not in first and "První stránka" not in first
    next_link = re.search(r'<a rel="next" href="([^"]+)">Další</a>', first).group(1)
    second = client.get(reverse("portal:places", args=["vzorov"]) + html.unescape(next_link)).content.decode()
    assert second.count('class="card place-group"') == 1 and "Ulice 50" in second
    assert 'rel="next"' not in second and "První stránka" in second
    previous_link = re.search(r'<a rel="prev" href="([^"]+)">Předchozí</a>', second).group(1)
    back = client.get(reverse("portal:places", args=["vzorov"]) + html.unescape(previous_link)).content.decode()
    assert back.count('class="card place-group"') == 50 and "Ulice 00" in back and "Ulice 49" in back


def test_pages_of_places_walk_every_place_once_in_order_both_ways(town, portal):
    """Projects and ideas at the same places (the order's ties: place, then kind, then id), read 3 at a time."""
    for number in range(5):
        _public(town, f"Projekt {number}", f"Ulice {number % 3}")
        _idea(town, f"Podnět {number}", f"Ulice {number % 2}")
    _public(town, "Náměstí", "Náměstí Míru")
    everything = public_place_page(municipality=town.municipality, size=100)
    assert len(everything.places) == 11 and everything.next is None and everything.previous is None
    assert [(place.place, place.kind) for place in everything.places][:3] == [
        ("Náměstí Míru", "project"),
        ("Ulice 0", "idea"),
        ("Ulice 0", "idea"),
    ]
    pages, cursor = [], None
    while True:
        page = public_place_page(municipality=town.municipality, size=3, after=cursor)
        pages.append(page.places)
        if page.next is None:
            break
        cursor = page.next
    assert [place for part in pages for place in part] == everything.places
    assert [len(part) for part in pages] == [3, 3, 3, 2]
    backwards = []
    cursor = PlaceCursor(place=pages[-1][0].place, kind=pages[-1][0].kind, id=pages[-1][0].id)
    while cursor is not None:
        page = public_place_page(municipality=town.municipality, size=3, before=cursor)
        backwards[:0] = page.places
        cursor = page.previous
    assert backwards + pages[-1] == everything.places


@pytest.mark.parametrize(
    "query", ["after=", "after=x", "after=project.abc.Ulice", "before=ideaa.1.Ulice", "after=idea.1"]
)
def test_a_bad_link_to_a_page_of_places_is_a_czech_400_with_the_first_page(client, town, portal, query):
    _idea(town, "Strom", "Náměstí Míru")
    response = client.get(reverse("portal:places", args=["vzorov"]) + "?" + query)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Tento odkaz na stránku míst není platný. Začněte znovu od první stránky." in text
    assert "Strom" in text
    assert "public" not in response.get("Cache-Control", "")
