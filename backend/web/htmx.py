"""One way to answer a page or its fragment: full page for normal requests, the partial for htmx."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def htmx_partial(request: HttpRequest) -> bool:
    """True for htmx requests that want a fragment: not boosted navigation, not a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(
    request: HttpRequest, template: str, context: dict, *, fragment: str | None = None, status: int = 200
) -> HttpResponse:
    """Render ``template``, or only its ``{% partialdef fragment %}`` when htmx asks for a fragment."""
    name = f"{template}#{fragment}" if fragment and htmx_partial(request) else template
    response = render(request, name, context, status=status)
    # The same URL answers a page or a fragment: caches and the browser's history must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
