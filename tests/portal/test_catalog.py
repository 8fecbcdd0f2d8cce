"""The municipality's DCAT-AP-CZ local catalogue (LKOD) and the open data it describes.

The documents are checked twice: against the norm's structure (the context and the class of each document, the
required keys with their types, IRIs from the right code lists, every distribution answers 200 with the media type
it states), and with a JSON-LD processor (pyld) that expands them against the norm's context, served from
tests/portal/dcat_ap_cz.py and never fetched: every key we write must expand to the norm's property, and the
triples NKOD harvests (the classes, the publisher, the datasets, the distributions and their URLs) must be there.
"""

import csv
import io
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from pyld import jsonld

from backend.portal.catalog import CONTEXT, DATASET_KEYS, publisher_iri
from backend.portal.models import Idea, IdeaStatus
from tests.factories import ProjectFactory
from tests.portal.dcat_ap_cz import CLASSES, DCAT, DCT, PU, RDF_TYPE, TEXTS, document_loader, term_iri

pytestmark = pytest.mark.django_db

LANGUAGES = {"cs", "en"}
DATA_THEMES = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCIES = "http://publications.europa.eu/resource/authority/frequency/"
FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
CONDITIONS = {"autorské_dílo", "databáze_jako_autorské_dílo", "databáze_chráněná_zvláštními_právy", "osobní_údaje"}


def _path(iri: str) -> str:
    assert iri.startswith(settings.SITE_URL.rstrip("/") + "/"), iri
    return urlsplit(iri).path


def _language_map(value) -> None:
    assert isinstance(value, dict) and set(value) == LANGUAGES, value
    assert all(isinstance(text, str) and text.strip() for text in value.values()), value


def _get(client, iri: str):
    response = client.get(_path(iri))
    assert response.status_code == 200, iri
    return response


def test_the_catalogue_names_its_publisher_by_ico_and_lists_three_datasets(client, portal):
    response = client.get(reverse("portal:catalog", args=["vzorov"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert "public" in response["Cache-Control"]
    catalog = response.json()
    assert catalog["@context"] == CONTEXT
    assert CONTEXT == (
        "https://ofn.gov.cz/rozhraní-katalogů-otevřených-dat/2021-01-11/kontexty/rozhraní-katalogů-otevřených-dat.jsonld"
    )
    assert catalog["typ"] == "Katalog"
    assert _path(catalog["iri"]) == reverse("portal:catalog", args=["vzorov"])
    assert catalog["název"]["cs"] == "Otevřená data projektů Smart City – Město Vzorov"
    assert catalog["název"]["en"] == "Open data of the Smart City projects of Město Vzorov"
    _language_map(catalog["popis"])
    assert catalog["poskytovatel"] == (
        f"https://rpp-opendata.egon.gov.cz/odrpp/zdroj/orgán-veřejné-moci/{portal.municipality.ico}"
    )
    assert len(catalog["datová_sada"]) == 3
    for iri in catalog["datová_sada"]:
        assert _get(client, iri).json()["iri"] == iri


@pytest.mark.parametrize("key", sorted(DATASET_KEYS))
def test_each_dataset_has_the_required_fields_and_its_distributions_answer(client, portal, leaky_project, key):
    portal.ruian_code = 574724
    portal.save()
    dataset = client.get(reverse("portal:catalog_dataset", args=["vzorov", key])).json()
    assert dataset["@context"] == CONTEXT
    assert dataset["typ"] == "Datová sada"
    _language_map(dataset["název"])
    _language_map(dataset["popis"])
    assert dataset["poskytovatel"].endswith(f"/orgán-veřejné-moci/{portal.municipality.ico}")
    assert set(dataset["klíčové_slovo"]) == LANGUAGES
    assert all(dataset["klíčové_slovo"][language] for language in LANGUAGES)
    assert dataset["klíčové_slovo"]["cs"] != dataset["klíčové_slovo"]["en"]
    assert dataset["téma"] and all(theme.startswith(DATA_THEMES) for theme in dataset["téma"])
    assert dataset["periodicita_aktualizace"] == FREQUENCIES + "IRREG"
    assert dataset["prvek_rúian"] == ["https://linked.cuzk.cz/resource/ruian/obec/574724"]
    assert {distribution["formát"] for distribution in dataset["distribuce"]} == {
        FILE_TYPES + "JSON",
        FILE_TYPES + "CSV",
    }
    for distribution in dataset["distribuce"]:
        assert distribution["typ"] == "Distribuce"
        _language_map(distribution["název"])
        assert distribution["podmínky_užití"]["typ"] == "Specifikace podmínek užití"
        assert set(distribution["podmínky_užití"]) == CONDITIONS | {"typ"}
        assert (
            distribution["podmínky_užití"]["osobní_údaje"]
            == "https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/"
        )
        assert distribution["přístupové_url"] == distribution["soubor_ke_stažení"]
        media_type = distribution["typ_média"].removeprefix(MEDIA_TYPES)
        response = _get(client, distribution["soubor_ke_stažení"])
        assert response["Content-Type"].split(";")[0] == media_type


def test_without_a_ruian_code_the_area_is_left_out_and_an_unknown_dataset_is_a_404(client, portal):
    dataset = client.get(reverse("portal:catalog_dataset", args=["vzorov", "projekty"])).json()
    assert "prvek_rúian" not in dataset
    assert client.get(reverse("portal:catalog_dataset", args=["vzorov", "rozpocet"])).status_code == 404
    assert client.get(reverse("portal:catalog", args=["nikde"])).status_code == 404


def test_every_portal_page_links_the_catalogue(client, portal):
    page = client.get(reverse("portal:municipality", args=["vzorov"])).content.decode()
    assert f'href="{reverse("portal:catalog", args=["vzorov"])}"' in page


def test_milestones_as_open_data_are_the_dates_of_the_progress_line(client, town, portal, leaky_project):
    ProjectFactory(lead_department=town.env, title="Interní")
    data = client.get(reverse("portal:milestones_json", args=["vzorov"])).json()
    rows = data["milestones"]
    assert {row["project_title"] for row in rows} == {"Solární elektrárna na škole"}
    assert [row["stage"] for row in rows] == ["idea", "implementation"]
    assert rows[-1]["is_current"] is True
    response = client.get(reverse("portal:milestones_csv", args=["vzorov"]))
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:3] == ["ID projektu", "projekt", "fáze"]
    assert [line[2] for line in lines[1:]] == ["Námět", "Realizace"]


def test_ideas_as_open_data_are_the_published_ones_without_their_authors(client, town, portal, leaky_project):
    Idea.objects.create(
        municipality=town.municipality,
        title="Čeká na moderaci",
        description="x",
        author_name="Jana",
        author_email="jana@example.org",
        status=IdeaStatus.PENDING,
    )
    ideas = client.get(reverse("portal:ideas_json", args=["vzorov"])).json()["ideas"]
    assert [idea["title"] for idea in ideas] == ["Solár na školu"]
    assert ideas[0]["project_id"] == leaky_project.pk
    assert "author_name" not in ideas[0] and "author_email" not in ideas[0]
    response = client.get(reverse("portal:ideas_csv", args=["vzorov"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Solár na školu" in text and "Čeká na moderaci" not in text


def test_the_open_data_exports_cost_a_fixed_number_of_queries(
    client, town, portal, leaky_project, django_assert_num_queries
):
    for number in range(5):
        ProjectFactory(lead_department=town.env, title=f"Veřejný {number}", is_public=True)
    with django_assert_num_queries(3):  # the portal, the projects, their transitions
        response = client.get(reverse("portal:milestones_csv", args=["vzorov"]))
        b"".join(response.streaming_content)
    with django_assert_num_queries(2):  # the portal, the ideas with their support counts
        response = client.get(reverse("portal:ideas_csv", args=["vzorov"]))
        b"".join(response.streaming_content)


# --- the documents as JSON-LD: expanded against the norm's context ---------------------------------------------

JSONLD_OPTIONS = {"documentLoader": document_loader}


def _expand(document: dict) -> dict:
    """The one node of the document, expanded; fails on any key the context does not define."""
    dropped = []
    [node] = jsonld.expand(document, JSONLD_OPTIONS, on_property_dropped=dropped.append)
    assert dropped == [], f"keys the norm's context does not define: {dropped}"
    return node


def _assert_every_key_kept(compact: dict, node: dict) -> None:
    """Each key of the compact document is in the expanded node as the norm's property, with all its values:
    language maps as language-tagged strings, references as IRIs, nested entities (distributions, conditions of
    use) likewise, recursively."""
    assert set(node) == {term_iri(key) for key in compact if key != "@context"}, sorted(compact)
    assert node["@type"] == [CLASSES[compact["typ"]]]
    if "iri" in compact:
        assert node["@id"] == compact["iri"]
    for key, value in compact.items():
        if key in ("@context", "iri", "typ"):
            continue
        expanded = node[term_iri(key)]
        if key in TEXTS:
            texts = {(language, text) for language, texts in value.items() for text in _as_list(texts)}
            assert {(item["@language"], item["@value"]) for item in expanded} == texts, key
            continue
        values = _as_list(value)
        assert len(expanded) == len(values), key
        for compact_value, expanded_value in zip(values, expanded, strict=True):
            if isinstance(compact_value, dict):
                _assert_every_key_kept(compact_value, expanded_value)
            else:
                assert expanded_value == {"@id": compact_value}, key


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _triples(document: dict) -> set[tuple[str, str, str]]:
    dataset = jsonld.to_rdf(document, JSONLD_OPTIONS)
    return {(t["subject"]["value"], t["predicate"]["value"], t["object"]["value"]) for t in dataset["@default"]}


def test_the_catalogue_expands_against_the_norms_context_with_nothing_dropped(client, portal):
    catalog = client.get(reverse("portal:catalog", args=["vzorov"])).json()
    node = _expand(catalog)
    _assert_every_key_kept(catalog, node)
    triples = _triples(catalog)
    iri = catalog["iri"]
    publisher = f"https://rpp-opendata.egon.gov.cz/odrpp/zdroj/orgán-veřejné-moci/{portal.municipality.ico}"
    assert (iri, RDF_TYPE, DCAT + "Catalog") in triples
    assert (iri, DCT + "publisher", publisher) in triples
    assert (iri, DCT + "title", "Otevřená data projektů Smart City – Město Vzorov") in triples
    datasets = {obj for subject, predicate, obj in triples if (subject, predicate) == (iri, DCAT + "dataset")}
    assert datasets == set(catalog["datová_sada"]) and len(datasets) == 3


@pytest.mark.parametrize("key", sorted(DATASET_KEYS))
def test_each_dataset_expands_against_the_norms_context_to_the_triples_nkod_harvests(client, portal, key):
    portal.ruian_code = 574724
    portal.save()
    dataset = client.get(reverse("portal:catalog_dataset", args=["vzorov", key])).json()
    node = _expand(dataset)
    _assert_every_key_kept(dataset, node)
    triples = _triples(dataset)
    iri = dataset["iri"]
    assert (iri, RDF_TYPE, DCAT + "Dataset") in triples
    assert (iri, DCT + "publisher", publisher_iri(portal.municipality.ico)) in triples
    assert (iri, DCT + "accrualPeriodicity", FREQUENCIES + "IRREG") in triples
    assert (iri, DCT + "spatial", "https://linked.cuzk.cz/resource/ruian/obec/574724") in triples
    assert any(s == iri and p == DCAT + "theme" and o.startswith(DATA_THEMES) for s, p, o in triples)
    distributions = {obj for subject, predicate, obj in triples if (subject, predicate) == (iri, DCAT + "distribution")}
    assert len(distributions) == 2
    media_types = set()
    for distribution in distributions:
        assert (distribution, RDF_TYPE, DCAT + "Distribution") in triples
        [download] = [o for s, p, o in triples if (s, p) == (distribution, DCAT + "downloadURL")]
        assert (distribution, DCAT + "accessURL", download) in triples
        assert _path(download)
        [media_type] = [o for s, p, o in triples if (s, p) == (distribution, DCAT + "mediaType")]
        media_types.add(media_type)
        [conditions] = [o for s, p, o in triples if (s, p) == (distribution, PU + "specifikace")]
        assert (conditions, RDF_TYPE, PU + "Specifikace") in triples
        no_personal_data = "https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/"
        assert (conditions, PU + "osobní-údaje", no_personal_data) in triples
    assert media_types == {MEDIA_TYPES + "application/json", MEDIA_TYPES + "text/csv"}


def test_a_key_outside_the_norm_would_be_caught(client, portal):
    """The check above is not vacuous: a misspelt key (here without its diacritics) is what expansion drops."""
    catalog = client.get(reverse("portal:catalog", args=["vzorov"])).json()
    catalog["datova_sada"] = catalog.pop("datová_sada")
    with pytest.raises(AssertionError, match="datova_sada"):
        _expand(catalog)
