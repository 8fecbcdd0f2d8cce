"""The JSON-LD context of the open formal norm "Rozhraní katalogů otevřených dat: DCAT-AP-CZ" (2021-01-11), for
tests that expand the catalogue with a JSON-LD processor and no network.

Source: the norm, https://ofn.gov.cz/rozhraní-katalogů-otevřených-dat/2021-01-11/ (its text in the repository
github.com/datagov-cz/otevrene-formalni-normy, ``rozhraní-katalogů-otevřených-dat/2021-01-11/index.html``). Each
item of the norm names its JSON-LD key and its RDF property ("Vlastnost: ``název``, ``dct:title``") and its type:
Text is a language map, IRI/URL a reference. The table below is written from those items (section anchors in the
comments) for the terms the catalogue uses and the norm's other terms of the same classes; it is served at the
norm's context address (``CONTEXT`` in backend.portal.catalog) by ``document_loader``, which serves nothing else.
The norm's published context file (``kontexty/rozhraní-katalogů-otevřených-dat.jsonld`` beside its text) defines
the same terms with the same properties and sets Czech as the default language of plain strings, as here.
"""

from pyld import jsonld

from backend.portal.catalog import CONTEXT

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
PU = "https://data.gov.cz/slovník/podmínky-užití/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# Classes: the value of ``typ``.
CLASSES = {
    "Katalog": DCAT + "Catalog",  # #třída-katalog
    "Datová sada": DCAT + "Dataset",  # #třída-datová-sada
    "Distribuce": DCAT + "Distribution",  # #třída-distribuce
    "Datová služba": DCAT + "DataService",  # #třída-datová-služba
    "Specifikace podmínek užití": PU + "Specifikace",  # #položky-distribuce-podmínky-užití
    "Organizace": VCARD + "Organization",  # #položky-katalog-kontaktní-bod
}
# Items whose type is Text: a language map ({"cs": …, "en": …}).
TEXTS = {
    "název": DCT + "title",  # #položky-katalog-název, #položky-datová-sada-název, #položky-distribuce-název
    "popis": DCT + "description",  # #položky-katalog-popis, #položky-datová-sada-popis
    "klíčové_slovo": DCAT + "keyword",  # #položky-datová-sada-klíčová-slova
    "jméno": VCARD + "fn",  # #položky-datová-sada-kontaktní-bod
}
# Items whose type is an IRI or URL, or an entity of its own (a node with its IRI).
REFERENCES = {
    "poskytovatel": DCT + "publisher",  # #položky-katalog-poskytovatel, #položky-datová-sada-poskytovatel
    "domovská_stránka": FOAF + "homepage",  # #položky-katalog-domovská-stránka
    "datová_sada": DCAT + "dataset",  # #položky-katalog-datová-sada
    "kontaktní_bod": DCAT + "contactPoint",  # #položky-datová-sada-kontaktní-bod
    "e-mail": VCARD + "hasEmail",
    "téma": DCAT + "theme",  # #položky-datová-sada-téma
    "periodicita_aktualizace": DCT + "accrualPeriodicity",  # #položky-datová-sada-periodicita
    "prvek_rúian": DCT + "spatial",  # #položky-datová-sada-rúian
    "geografické_území": DCT + "spatial",  # #položky-datová-sada-územní-pokrytí
    "dokumentace": FOAF + "page",  # #položky-datová-sada-dokumentace
    "specifikace": DCT + "conformsTo",  # #položky-datová-sada-specifikace
    "je_součástí": DCT + "isPartOf",  # #položky-datová-sada-je-součástí
    "distribuce": DCAT + "distribution",  # #položky-datová-sada-distribuce
    "podmínky_užití": PU + "specifikace",  # #položky-distribuce-podmínky-užití
    "autorské_dílo": PU + "autorské-dílo",
    "databáze_jako_autorské_dílo": PU + "databáze-jako-autorské-dílo",
    "databáze_chráněná_zvláštními_právy": PU + "databáze-chráněná-zvláštními-právy",
    "osobní_údaje": PU + "osobní-údaje",
    "soubor_ke_stažení": DCAT + "downloadURL",  # #položky-distribuce-url-stažení
    "přístupové_url": DCAT + "accessURL",  # #položky-distribuce-přístupové-url
    "formát": DCT + "format",  # #položky-distribuce-formát
    "typ_média": DCAT + "mediaType",  # #položky-distribuce-media-type
    "schéma": DCT + "conformsTo",  # #položky-distribuce-schéma
    "přístupová_služba": DCAT + "accessService",  # #položky-distribuce-přístupová-služba
    "přístupový_bod": DCAT + "endpointURL",  # #položky-datová-služba-přístupový-bod
}


def context_document() -> dict:
    """The context as a JSON-LD document: ``iri`` and ``typ`` are @id and @type, and each item's definition."""
    context: dict = {"@language": "cs", "iri": "@id", "typ": "@type"}
    context |= CLASSES
    context |= {term: {"@id": iri, "@container": "@language"} for term, iri in TEXTS.items()}
    context |= {term: {"@id": iri, "@type": "@id"} for term, iri in REFERENCES.items()}
    return {"@context": context}


def term_iri(term: str) -> str:
    """What a key of ours expands to: a keyword for ``iri`` and ``typ``, else the item's property."""
    return {"iri": "@id", "typ": "@type"}.get(term) or TEXTS.get(term) or REFERENCES[term]


def document_loader(url: str, options: dict | None = None) -> dict:
    """Serves the norm's context at its address and refuses every other: a test never reaches the network."""
    if url != CONTEXT:
        raise jsonld.JsonLdError(f"Only the norm's context is served here, not {url}", "jsonld.LoadDocumentError")
    return {"contextUrl": None, "documentUrl": url, "document": context_document()}
