"""Single-line names lose invisible characters, in the normaliser and wherever a title comes in."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from backend.core.text import MENTION_PATTERN, single_line, trimmed
from backend.projects.models import Project
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Osvětlení\u202e.exe", "Osvětlení.exe"),  # right-to-left override
        ("\u2066Parkování\u2069", "Parkování"),  # isolates
        ("Cyklo\u200bstezky", "Cyklostezky"),  # zero-width space
        ("Zelená\u200c\u200d střecha", "Zelená střecha"),  # zero-width non-joiner and joiner
        ("\ufeffBOM na začátku", "BOM na začátku"),
        ("Roz\u00addělení", "Rozdělení"),  # soft hyphen
        ("Dva\nřádky\tse\u0000 slijí", "Dva řádky se  slijí"),
        ("  Obyčejný název  ", "Obyčejný název"),
        ("ČSN 73 6110 – 2 %", "ČSN 73 6110 – 2 %"),
    ],
)
def test_single_line_drops_invisible_characters(raw, clean):
    assert single_line(raw) == clean


def test_a_title_from_the_api_is_stored_without_invisible_characters(town):
    response = api_client(town.user("manager")).post(
        "/api/v1/projects/", {"title": "\u202eLED osvětlení\u200b", "lead_department": town.env.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "LED osvětlení"
    assert Project.objects.get(pk=response.json()["id"]).title == "LED osvětlení"


def test_a_title_of_invisible_characters_only_is_empty_and_refused(town):
    response = api_client(town.user("manager")).post(
        "/api/v1/projects/", {"title": "\u200b\u202e\ufeff", "lead_department": town.env.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["title"]


def test_kpi_names_and_units_from_the_web_are_cleaned(client, town):
    from django.urls import reverse

    from backend.projects.stages import Stage

    project = town.project(Stage.EVALUATION, ready=False)
    client.force_login(town.user("manager"))
    client.post(
        reverse("web:project_kpi_create", args=[project.pk]),
        {"name": "Úspora\u202e energie", "kind": "custom", "unit": "MWh\u200b/rok", "target": "10"},
    )
    kpi = project.kpis.get()
    assert (kpi.name, kpi.unit) == ("Úspora energie", "MWh/rok")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\u200b \u2060\n\u202e\ufeff", ""),
        ("\ufeff  Důvod: duplicita.\u200b\n", "Důvod: duplicita."),
        ("Dva\nřádky \u200b zůstávají", "Dva\nřádky \u200b zůstávají"),
        ("Rodina 👨\u200d👩\u200d👧", "Rodina 👨\u200d👩\u200d👧"),
    ],
)
def test_trimmed_drops_spaces_and_invisible_characters_around_a_text_only(raw, clean):
    assert trimmed(raw) == clean


# --- the mention pattern and the autocomplete's trigger -------------------------------------------------------

MENTIONS_JS = Path(__file__).resolve().parents[2] / "frontend_templates" / "static" / "ramec" / "mentions.js"
# Text typed so far → the user name the autocomplete would complete (None: it stays quiet).
TYPED = {
    "Díky @pm.novak": "pm.novak",
    "@head.env": "head.env",
    "(@staff_dvorak": "staff_dvorak",
    "viz @koordinator-2": "koordinator-2",
    "napiš na jan@vzorov.cz": None,  # an e-mail address
    "tečka.@novak": None,
    "@@novak": None,
}


def _js_trigger_matches(texts: list[str]) -> list[str | None]:
    """What mentions.js's TRIGGER takes from each text, run by Node on the file's own regular expression."""
    trigger = re.search(r"var TRIGGER = (/.*/u);", MENTIONS_JS.read_text()).group(1)
    script = (
        f"const t = {trigger};"
        f"for (const s of {json.dumps(texts)}) {{ const m = t.exec(s); console.log(JSON.stringify(m ? m[1] : null)); }}"
    )
    output = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in output.splitlines()]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run mentions.js's pattern")
def test_the_autocomplete_triggers_where_a_comment_mentions():
    texts = list(TYPED)
    python = [match.group(1) if (match := _last_mention(text)) else None for text in texts]

    assert python == list(TYPED.values())
    assert _js_trigger_matches(texts) == python


def _last_mention(text: str):
    """The mention that ends the text, as the comment's pattern reads it."""
    matches = [match for match in MENTION_PATTERN.finditer(text) if match.end() == len(text)]
    return matches[-1] if matches else None
