"""Where the public projects and the published ideas are: a list by place, and a map over it when a tile server
is configured.

Without ``PORTAL_MAP_TILE_URL`` (the default) the page is a list grouped by address or locality and loads no
script. With it the page also carries a vendored Leaflet (``static/vendor/leaflet``, BSD-2-Clause, its licence
beside it) and a small script that draws the markers of ``mista.json`` over the same list; the page's CSP then
lets images come from the tile server's origin and from nowhere else new.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from backend.portal.public import public_place, public_place_rows, public_points
from backend.portal.selectors import portal_get_open
from backend.portal.views import public_page

PAGE_SIZE = 50
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
    page = Paginator(public_place_rows(municipality=portal.municipality), PAGE_SIZE).get_page(request.GET.get("page"))
    origin = tile_origin()
    context = {
        "portal": portal,
        "page": page,
        "places": [public_place(row) for row in page.object_list],
        "map_tiles": settings.PORTAL_MAP_TILE_URL if origin else "",
        "map_attribution": settings.PORTAL_MAP_ATTRIBUTION,
    }
    response = render(request, "portal/places.html", context)
    if origin:
        policy = dict(settings.SECURE_CSP)
        policy["img-src"] = [*policy.get("img-src", ()), origin]
        response._csp_config = policy
    return response


@public_page
def points_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The public projects with coordinates as GeoJSON (RFC 7946: longitude first), the map's markers."""
    portal = portal_get_open(slug=slug)
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
        for point in public_points(municipality=portal.municipality)
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type=GEOJSON_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
