"""A municipality's local catalogue of open data (LKOD) in DCAT-AP-CZ, as JSON-LD documents.

The catalogue follows the open formal norm "Rozhraní katalogů otevřených dat: DCAT-AP-CZ" (OFN, version of
2021-01-11, on DCAT-AP 2.0.1; https://ofn.gov.cz/rozhraní-katalogů-otevřených-dat/2021-01-11/), in its variant
"DCAT-AP Dokumenty": one JSON-LD document for the catalogue (``/obec/<slug>/katalog.jsonld``) that names the IRIs
of its datasets, and one JSON-LD document per dataset at that IRI (``/obec/<slug>/katalog/<dataset>.jsonld``),
which the national catalogue (NKOD) harvests once the town registers the catalogue's address there.

Field names are the Czech keys of the norm's JSON-LD context (``@context`` below): a catalogue has ``typ``
"Katalog", ``název``, ``popis``, ``poskytovatel`` and ``datová_sada``; a dataset ``typ`` "Datová sada",
``název``, ``popis``, ``poskytovatel``, ``klíčové_slovo``, ``téma``, ``periodicita_aktualizace``, optionally
``prvek_rúian`` and ``distribuce``; a distribution ``typ`` "Distribuce", ``soubor_ke_stažení``, ``přístupové_url``,
``typ_média``, ``formát`` and ``podmínky_užití`` ("Specifikace podmínek užití" with the four conditions of the
OFN on conditions of use). Texts are language maps in Czech and English.

- The publisher is the municipality as an authority of public power in the register of rights and duties (RPP),
  its IRI built from the IČO: ``https://rpp-opendata.egon.gov.cz/odrpp/zdroj/orgán-veřejné-moci/<IČO>`` (the
  form the MV ČR catalogue and the Královéhradecký kraj catalogue use, github.com/opendata-mvcr/lkod-mvcr and
  github.com/krhk/opendata ``katalog.jsonld``).
- Themes are the EU "data theme" authority table (publications.europa.eu/resource/authority/data-theme/…),
  periodicity the EU "frequency" table, formats the EU "file-type" table, media types IANA's.
- The datasets hold no personal data: projects name no person (backend.portal.public), ideas never their authors.

Every IRI is absolute on ``SITE_URL``, so the catalogue is the same whichever host name it was asked on.
tests/portal/test_catalog.py expands each document with a JSON-LD processor against the norm's context: every key
here must be one of the norm's terms, or the test fails.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backend.portal.models import Portal

CONTEXT = (
    "https://ofn.gov.cz/rozhraní-katalogů-otevřených-dat/2021-01-11/kontexty/rozhraní-katalogů-otevřených-dat.jsonld"
)
PUBLISHER_BASE = "https://rpp-opendata.egon.gov.cz/odrpp/zdroj/orgán-veřejné-moci/"
RUIAN_MUNICIPALITY_BASE = "https://linked.cuzk.cz/resource/ruian/obec/"
DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPE = "http://www.iana.org/assignments/media-types/"
JSONLD_CONTENT_TYPE = "application/ld+json"
LANGUAGES = ("cs", "en")

# The conditions of use (OFN "Podmínky užití otevřených dat"): facts about data the town produces itself.
CONDITIONS_OF_USE = {
    "typ": "Specifikace podmínek užití",
    "autorské_dílo": "https://data.gov.cz/podmínky-užití/neobsahuje-autorská-díla/",
    "databáze_jako_autorské_dílo": "https://data.gov.cz/podmínky-užití/není-autorskoprávně-chráněnou-databází/",
    "databáze_chráněná_zvláštními_právy": (
        "https://data.gov.cz/podmínky-užití/není-chráněna-zvláštním-právem-pořizovatele-databáze/"
    ),
    "osobní_údaje": "https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/",
}


@dataclass(frozen=True)
class Format:
    """A way to download a dataset: the route of its file, the EU file type and the IANA media type."""

    route: str
    file_type: str
    media_type: str


@dataclass(frozen=True)
class Dataset:
    key: str
    title: Promise
    description: Promise
    keywords: tuple[Promise, ...]
    themes: tuple[str, ...]
    formats: tuple[Format, ...]


def _json_and_csv(name: str) -> tuple[Format, ...]:
    """The two downloads every dataset has: ``portal:<name>_json`` and ``portal:<name>_csv`` (backend.portal.feeds)."""
    return (
        Format(f"portal:{name}_json", "JSON", "application/json"),
        Format(f"portal:{name}_csv", "CSV", "text/csv"),
    )


DATASETS = (
    Dataset(
        key="projekty",
        title=_("Smart City projects of %(name)s"),
        description=_(
            "The public Smart City projects of %(name)s: title, summary, thematic area, stage of the way from the "
            "idea to completion, planned dates, estimated cost and place."
        ),
        keywords=(_("Smart City"), _("projects"), _("investments"), _("public portal")),
        themes=("GOVE", "REGI"),
        formats=_json_and_csv("projects"),
    ),
    Dataset(
        key="milniky",
        title=_("Milestones of the Smart City projects of %(name)s"),
        description=_(
            "The dated milestones of the public Smart City projects of %(name)s: the day each project reached "
            "each stage of its way."
        ),
        keywords=(_("Smart City"), _("projects"), _("milestones")),
        themes=("GOVE", "REGI"),
        formats=_json_and_csv("milestones"),
    ),
    Dataset(
        key="podnety",
        title=_("Citizen ideas of %(name)s"),
        description=_(
            "The published ideas citizens brought to %(name)s: title, description, thematic area, place, the "
            "town's official answer and the number of supports. Authors are never named."
        ),
        keywords=(_("citizen ideas"), _("participation"), _("Smart City")),
        themes=("GOVE", "SOCI"),
        formats=_json_and_csv("ideas"),
    ),
)
DATASET_KEYS = frozenset(dataset.key for dataset in DATASETS)


def publisher_iri(ico: str) -> str:
    return PUBLISHER_BASE + ico


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _in_languages(text: Callable[[], str]) -> dict[str, str]:
    """A language map: the text in each language of the catalogue."""
    values = {}
    for language in LANGUAGES:
        with translation.override(language):
            values[language] = str(text())
    return values


def catalog_iri(portal: Portal) -> str:
    return _absolute(reverse("portal:catalog", args=[portal.slug]))


def dataset_iri(portal: Portal, dataset: Dataset) -> str:
    return _absolute(reverse("portal:catalog_dataset", args=[portal.slug, dataset.key]))


def catalog_document(portal: Portal) -> dict:
    """The catalogue: who publishes it and the IRIs of its datasets."""
    name = {"name": portal.municipality.name}
    return {
        "@context": CONTEXT,
        "iri": catalog_iri(portal),
        "typ": "Katalog",
        "název": _in_languages(lambda: _("Open data of the Smart City projects of %(name)s") % name),
        "popis": _in_languages(
            lambda: (
                _(
                    "The local catalogue of open data of the public portal of %(name)s: projects, their milestones "
                    "and citizen ideas."
                )
                % name
            )
        ),
        "poskytovatel": publisher_iri(portal.municipality.ico),
        "domovská_stránka": _absolute(reverse("portal:municipality", args=[portal.slug])),
        "datová_sada": [dataset_iri(portal, dataset) for dataset in DATASETS],
    }


def dataset_document(portal: Portal, key: str) -> dict | None:
    """One dataset with its distributions; None for an unknown key."""
    dataset = next((dataset for dataset in DATASETS if dataset.key == key), None)
    if dataset is None:
        return None
    name = {"name": portal.municipality.name}
    iri = dataset_iri(portal, dataset)
    document = {
        "@context": CONTEXT,
        "iri": iri,
        "typ": "Datová sada",
        "název": _in_languages(lambda: dataset.title % name),
        "popis": _in_languages(lambda: dataset.description % name),
        "poskytovatel": publisher_iri(portal.municipality.ico),
        "klíčové_slovo": {language: _keywords(dataset, language) for language in LANGUAGES},
        "téma": [DATA_THEME + theme for theme in dataset.themes],
        # Projects, milestones and ideas change whenever the town works on them, not on a schedule.
        "periodicita_aktualizace": FREQUENCY + "IRREG",
        "dokumentace": _absolute(reverse("portal:municipality", args=[portal.slug])),
        "distribuce": [_distribution(portal, dataset, format_) for format_ in dataset.formats],
    }
    if portal.ruian_code:
        document["prvek_rúian"] = [RUIAN_MUNICIPALITY_BASE + str(portal.ruian_code)]
    return document


def _keywords(dataset: Dataset, language: str) -> list[str]:
    with translation.override(language):
        return [str(keyword) for keyword in dataset.keywords]


def _distribution(portal: Portal, dataset: Dataset, format_: Format) -> dict:
    url = _absolute(reverse(format_.route, args=[portal.slug]))
    return {
        "typ": "Distribuce",
        "iri": f"{dataset_iri(portal, dataset)}#{format_.file_type.lower()}",
        "název": _in_languages(
            lambda: (
                _("%(dataset)s as %(format)s")
                % {
                    "dataset": dataset.title % {"name": portal.municipality.name},
                    "format": format_.file_type,
                }
            )
        ),
        "podmínky_užití": CONDITIONS_OF_USE,
        "soubor_ke_stažení": url,
        "přístupové_url": url,
        "typ_média": MEDIA_TYPE + format_.media_type,
        "formát": FILE_TYPE + format_.file_type,
    }
