"""The portal's feeds and open data: an Atom feed of public updates per municipality; its public projects, their
milestones and the published citizen ideas as JSON and as CSV (streamed). Each reads only the records of
backend.portal.public; backend.portal.catalog describes them in the DCAT-AP-CZ catalogue."""

import csv
import dataclasses
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from backend.core.errors import NotFound
from backend.core.markdown import render_markdown
from backend.portal.catalog import JSONLD_CONTENT_TYPE, catalog_document, dataset_document
from backend.portal.ideas import idea_list_public
from backend.portal.models import Portal
from backend.portal.public import (
    PublicIdea,
    PublicProject,
    PublicUpdate,
    public_idea_card,
    public_milestone_rows,
    public_project_card,
    public_project_queryset,
    public_update_list,
)
from backend.portal.selectors import portal_get_open
from backend.portal.serializers import PublicProjectSerializer
from backend.portal.views import public_page
from backend.projects.exports import BYTE_ORDER_MARK, CHUNK_SIZE, CSV_CONTENT_TYPE, DELIMITER, defuse
from backend.projects.exports import _Line as CsvLine
from backend.projects.exports import _text as csv_text

FEED_ITEMS = 50

CSV_COLUMNS = (
    (_("id"), lambda project: project.id),
    (_("title"), lambda project: project.title),
    (_("public summary"), lambda project: project.public_summary),
    (_("stage"), lambda project: project.stage_label),
    (_("thematic area"), lambda project: project.thematic_area_label),
    (_("planned start"), lambda project: project.planned_start),
    (_("planned end"), lambda project: project.planned_end),
    (_("estimated cost (CZK)"), lambda project: project.estimated_cost),
    (_("address"), lambda project: project.address),
    (_("RÚIAN address code"), lambda project: project.ruian_code),
    (_("latitude"), lambda project: project.latitude),
    (_("longitude"), lambda project: project.longitude),
    (_("in stage since"), lambda project: project.in_stage_since),
)
MILESTONE_CSV_COLUMNS = (
    (_("project id"), lambda row: row.project_id),
    (_("project"), lambda row: row.project_title),
    (_("stage"), lambda row: row.stage_label),
    (_("reached on"), lambda row: row.reached_at),
    (_("current stage"), lambda row: gettext("yes") if row.is_current else gettext("no")),
)
IDEA_CSV_COLUMNS = (
    (_("id"), lambda idea: idea.id),
    (_("title"), lambda idea: idea.title),
    (_("description"), lambda idea: idea.description),
    (_("thematic area"), lambda idea: idea.thematic_area_label),
    (_("place"), lambda idea: idea.place),
    (_("answer"), lambda idea: idea.answer_state_label),
    (_("official answer"), lambda idea: idea.answer),
    (_("published at"), lambda idea: idea.published_at),
    (_("supports"), lambda idea: idea.support_count),
    (_("project id"), lambda idea: idea.project_id),
)


class UpdatesFeed(Feed):
    """The newest public updates of a municipality's public projects."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=settings.PORTAL_CACHE_SECONDS)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def get_object(self, request: HttpRequest, slug: str) -> Portal:
        try:
            return portal_get_open(slug=slug)
        except NotFound as error:
            raise Http404(str(error)) from None

    def title(self, portal: Portal) -> str:
        return gettext("Updates of Smart City projects – %(name)s") % {"name": portal.municipality.name}

    def subtitle(self, portal: Portal) -> str:
        return gettext("Public updates of the projects of %(name)s.") % {"name": portal.municipality.name}

    def link(self, portal: Portal) -> str:
        return reverse("portal:municipality", args=[portal.slug])

    def items(self, portal: Portal) -> list[PublicUpdate]:
        self._portal = portal
        return public_update_list(municipality=portal.municipality, limit=FEED_ITEMS)

    def item_title(self, update: PublicUpdate) -> str:
        return f"{update.project_title}: {update.title}"

    def item_description(self, update: PublicUpdate) -> str:
        return str(render_markdown(update.body))

    def item_link(self, update: PublicUpdate) -> str:
        return reverse("portal:project", args=[self._portal.slug, update.project_id]) + f"#update-{update.id}"

    def item_guid(self, update: PublicUpdate) -> str:
        return f"tag:ramec,{update.published_at:%Y-%m-%d}:update-{update.id}"

    def item_pubdate(self, update: PublicUpdate):
        return update.published_at

    def item_updateddate(self, update: PublicUpdate):
        return update.published_at


def _cards(portal: Portal) -> Iterator[PublicProject]:
    projects = public_project_queryset(municipality=portal.municipality).order_by("id")
    for project in projects.iterator(chunk_size=CHUNK_SIZE):
        yield public_project_card(project)


def _ideas(portal: Portal) -> Iterator[PublicIdea]:
    for idea in idea_list_public(portal=portal).order_by("id").iterator(chunk_size=CHUNK_SIZE):
        yield public_idea_card(idea)


def _portal_or_404(slug: str) -> Portal:
    try:
        return portal_get_open(slug=slug)
    except NotFound as error:
        raise Http404(str(error)) from None


@public_page
def projects_json(request: HttpRequest, slug: str) -> HttpResponse:
    """Every public project of the municipality (open data: an export, so the whole list)."""
    portal = portal_get_open(slug=slug)
    context = {"request": request, "slug": slug}
    data = PublicProjectSerializer(list(_cards(portal)), many=True, context=context).data
    return JsonResponse(
        {"municipality": portal.municipality.name, "projects": data}, json_dumps_params={"ensure_ascii": False}
    )


@public_page
def milestones_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The dated milestones of every public project of the municipality."""
    portal = portal_get_open(slug=slug)
    return _records_json(portal, "milestones", public_milestone_rows(municipality=portal.municipality))


@public_page
def ideas_json(request: HttpRequest, slug: str) -> HttpResponse:
    """Every published citizen idea of the municipality, with its answer and support."""
    portal = portal_get_open(slug=slug)
    return _records_json(portal, "ideas", _ideas(portal))


def _records_json(portal: Portal, name: str, records: Iterable) -> JsonResponse:
    rows = [dataclasses.asdict(record) for record in records]
    return JsonResponse(
        {"municipality": portal.municipality.name, name: rows}, json_dumps_params={"ensure_ascii": False}
    )


def _csv_response(portal: Portal, name: str, columns, rows: Callable[[], Iterable]) -> StreamingHttpResponse:
    """Rows as CSV for Czech Excel, streamed, publicly cacheable; ``rows`` is called while streaming."""
    language = translation.get_language()
    writer = csv.writer(CsvLine(), delimiter=DELIMITER, lineterminator="\r\n")

    def lines() -> Iterator[str]:
        with translation.override(language):
            yield BYTE_ORDER_MARK + writer.writerow([defuse(str(label)) for label, _value in columns])
            for row in rows():
                yield writer.writerow([csv_text(value(row)) for _label, value in columns])

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    filename = f"{portal.slug}-{name}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, public=True, max_age=settings.PORTAL_CACHE_SECONDS)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@require_GET
def projects_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Every public project of the municipality as CSV (one query whatever its length)."""
    portal = _portal_or_404(slug)
    return _csv_response(portal, "projects", CSV_COLUMNS, lambda: _cards(portal))


@require_GET
def milestones_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The dated milestones of every public project as CSV (two queries whatever their number)."""
    portal = _portal_or_404(slug)
    return _csv_response(
        portal, "milestones", MILESTONE_CSV_COLUMNS, lambda: public_milestone_rows(municipality=portal.municipality)
    )


@require_GET
def ideas_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Every published citizen idea as CSV (one query whatever their number)."""
    portal = _portal_or_404(slug)
    return _csv_response(portal, "ideas", IDEA_CSV_COLUMNS, lambda: _ideas(portal))


@public_page
def catalog(request: HttpRequest, slug: str) -> HttpResponse:
    """The municipality's local catalogue of open data (DCAT-AP-CZ, JSON-LD): see backend.portal.catalog."""
    portal = portal_get_open(slug=slug)
    return _jsonld(catalog_document(portal))


@public_page
def catalog_dataset(request: HttpRequest, slug: str, dataset: str) -> HttpResponse:
    portal = portal_get_open(slug=slug)
    document = dataset_document(portal, dataset)
    if document is None:
        raise NotFound(gettext("Dataset not found."))
    return _jsonld(document)


def _jsonld(document: dict) -> HttpResponse:
    return JsonResponse(document, content_type=JSONLD_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
