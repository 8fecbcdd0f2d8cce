"""Feeds and open data of a municipality: the Atom feed of updates, public projects as JSON and streamed CSV."""

import csv
import io
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from tests.factories import ProjectFactory
from tests.factories.portal import ProjectUpdateFactory
from tests.portal.conftest import MARKER

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_atom_feed_lists_public_updates(client, portal, leaky_project):
    response = client.get(reverse("portal:updates_feed", args=["vzorov"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "public" in response["Cache-Control"]
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Aktuality projektů Smart City – Město Vzorov"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Solární elektrárna na škole: Panely jsou na střeše"
    ]
    entry = entries[0]
    assert (
        entry.find(f"{ATOM}link")
        .get("href")
        .endswith(
            f"/obec/vzorov/projekty/{leaky_project.pk}/#update-{leaky_project.updates.filter(withdrawn_at__isnull=True).get().pk}"
        )
    )
    assert "<strong>revize</strong>" in entry.findtext(f"{ATOM}summary")
    assert entry.findtext(f"{ATOM}updated")
    assert MARKER not in response.content.decode()


def test_the_feed_of_a_closed_or_unknown_portal_is_a_404(client, portal):
    portal.is_open = False
    portal.save()
    assert client.get(reverse("portal:updates_feed", args=["vzorov"])).status_code == 404
    assert client.get(reverse("portal:updates_feed", args=["nikde"])).status_code == 404


def test_public_projects_as_json(client, town, portal, leaky_project):
    ProjectFactory(lead_department=town.env, title="Interní")
    response = client.get(reverse("portal:projects_json", args=["vzorov"]))
    data = response.json()
    assert data["municipality"] == "Město Vzorov"
    assert [project["title"] for project in data["projects"]] == ["Solární elektrárna na škole"]
    assert data["projects"][0]["latitude"] == "49.396700"
    assert MARKER not in response.content.decode()


def test_public_projects_as_streamed_csv(client, town, portal, leaky_project, django_assert_num_queries):
    for _ in range(3):
        ProjectUpdateFactory(project=ProjectFactory(lead_department=town.env, is_public=True, title="=HYPERLINK(1)"))
    with django_assert_num_queries(2):  # the portal, then all the rows while streaming
        response = client.get(reverse("portal:projects_csv", args=["vzorov"]))
        body = b"".join(response.streaming_content).decode()
    assert response["Content-Disposition"].startswith('attachment; filename="vzorov-projects-')
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["ID", "název", "veřejné shrnutí"]
    assert len(rows) == 5
    assert rows[1][1] == "Solární elektrárna na škole" and rows[1][7] == "2500000,00"
    assert rows[2][1] == "'=HYPERLINK(1)"
    assert MARKER not in body
