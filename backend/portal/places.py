"""Where the public projects and the published ideas are: a list by place, and a map over it when a tile server
is configured.

Without ``PORTAL_MAP_TILE_URL`` (the default) the page is a list grouped by address or locality and loads no
script. With it the page also carries a vendored Leaflet (``static/vendor/leaflet``, BSD-2-Clause, its licence
beside it) and a small script that draws the markers of ``mista.json`` over the same list; the page's CSP then
lets images come from the tile server's origin and from nowhere else new.

``mista.json`` answers at most ``POINTS_LIMIT`` markers, whatever the number of projects: all of a town's when it
has fewer (the map then loads once), else the first ones and ``"truncated": true``, and the map asks again for the
area it shows as it moves (``?bbox=west,south,east,north`` in degrees, the parameter of OGC API Features).
"""

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from backend.portal.public import BoundingBox, PlaceCursor, public_place_page, public_points
from backend.portal.selectors import portal_get_open
from backend.portal.views import public_page

PAGE_SIZE = 50
# The page of places is read after or before a place (``?after=`` / ``?before=``, see PlaceCursor), not by number:
# its time does not grow with the number of places, and no count of them all is needed.
CURSORS = ("after", "before")
# Markers one answer of mista.json carries at most: a map stays readable (and its answer small) at any size.
POINTS_LIMIT = 200
GEOJSON_CONTENT_TYPE = "application/geo+json"


def tile_origin() -> str:
    """The scheme and host of the tile server ('' without one, or for an address that is not http(s))."""
    parts = urlsplit(settings.PORTAL_MAP_TILE_URL)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


@public_page
def places(request: HttpRequest, slug: str) -> HttpResponse:
    portal = portal_get_open(slug=slug)
    try:
        after, before = (PlaceCursor.parse(request.GET[name]) if name in request.GET else None for name in CURSORS)
    except ValueError:
        after = before = None
        error, status = _("This link to a page of places is not valid. Start again from the first page."), 400
    else:
        error, status = "", 200
    page = public_place_page(municipality=portal.municipality, size=PAGE_SIZE, after=after, before=before)
    origin = tile_origin()
    context = {
        "portal": portal,
        "error": error,
        "places": page.places,
        "first_page": page.previous is not None or bool(error) or after is not None or before is not None,
        "previous_query": urlencode({"before": page.previous.token}) if page.previous else "",
        "next_query": urlencode({"after": page.next.token}) if page.next else "",
        "map_tiles": settings.PORTAL_MAP_TILE_URL if origin else "",
        "map_attribution": settings.PORTAL_MAP_ATTRIBUTION,
        "points_limit": POINTS_LIMIT,
    }
    response = render(request, "portal/places.html", context, status=status)
    if origin:
        policy = dict(settings.SECURE_CSP)
        policy["img-src"] = [*policy.get("img-src", ()), origin]
        response._csp_config = policy
    return response


def _bounding_box(value: str) -> BoundingBox:
    """``west,south,east,north`` in degrees; values beyond the globe (a map zoomed far out) are clamped to it.
    Raises ValueError for anything else."""
    try:
        numbers = [Decimal(part.strip()) for part in value.split(",")]
    except InvalidOperation:
        raise ValueError(value) from None
    if len(numbers) != 4 or not all(number.is_finite() for number in numbers):
        raise ValueError(value)
    west, south, east, north = (
        min(max(number, -limit), limit) for number, limit in zip(numbers, (180, 90, 180, 90), strict=True)
    )
    if west > east or south > north:
        raise ValueError(value)
    return BoundingBox(west=west, south=south, east=east, north=north)


@public_page
def points_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The public projects with coordinates as GeoJSON (RFC 7946: longitude first), the map's markers: at most
    ``POINTS_LIMIT``, within ``?bbox=`` if given; ``truncated`` says whether more are there."""
    portal = portal_get_open(slug=slug)
    bbox = None
    if "bbox" in request.GET:
        try:
            bbox = _bounding_box(request.GET["bbox"])
        except ValueError:
            message = _("The bbox parameter must be four numbers in degrees: west,south,east,north.")
            return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
    found = public_points(municipality=portal.municipality, limit=POINTS_LIMIT, bbox=bbox)
    features = [
        {
            "type": "Feature",
            "id": point.id,
            "geometry": {"type": "Point", "coordinates": [float(point.longitude), float(point.latitude)]},
            "properties": {
                "title": point.title,
                "place": point.place,
                "url": reverse("portal:project", args=[portal.slug, point.id]),
            },
        }
        for point in found.points
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "numberReturned": len(features),
            "truncated": found.truncated,
        },
        content_type=GEOJSON_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
