"""Public updates: who may publish and withdraw them (service, staff page, API), and all or nothing with files."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backend.core.errors import NotFound, PermissionDenied
from backend.projects.models import Attachment, ProjectUpdate
from backend.projects.updates import project_update_publish
from tests.factories.attachments import HTML, PDF

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("manager", "published"),
        ("lead_head", "published"),
        ("coordinator", "published"),
        ("staff", PermissionDenied),
        ("other_head", PermissionDenied),
        ("partner", PermissionDenied),
        ("partner_not_invited", NotFound),
        ("other_coordinator", NotFound),
    ],
)
def test_who_may_publish(town, role, outcome):
    project = town.project("implementation", is_public=True)
    if outcome == "published":
        update = project_update_publish(actor=town.user(role), project=project, title="Začínáme", body="Text")
        assert update.withdrawn_at is None and update.author == town.user(role)
    else:
        with pytest.raises(outcome):
            project_update_publish(actor=town.user(role), project=project, title="Začínáme", body="Text")
        assert not ProjectUpdate.objects.exists()


def test_updates_stay_open_on_a_completed_project(town):
    project = town.project("completed", is_public=True)
    project_update_publish(actor=town.user("manager"), project=project, title="Rok poté", body="Úspora trvá.")
    assert project.updates.count() == 1


def test_a_refused_file_leaves_no_update_and_no_other_file(town):
    project = town.project("implementation", is_public=True)
    files = [SimpleUploadedFile("plan.pdf", PDF), SimpleUploadedFile("foto.jpg", HTML)]
    with pytest.raises(ValidationError):
        project_update_publish(actor=town.user("manager"), project=project, title="Fotky", body="Text", files=files)
    assert not ProjectUpdate.objects.exists()
    assert not Attachment.objects.exists()


def test_an_empty_text_is_refused(town):
    project = town.project("implementation", is_public=True)
    with pytest.raises(ValidationError) as error:
        project_update_publish(actor=town.user("manager"), project=project, title="Nic", body="   ")
    assert "body" in error.value.message_dict


def test_the_staff_page_publishes_and_withdraws(client, town, portal):
    project = town.project("implementation", is_public=True)
    client.force_login(town.user("manager"))
    address = reverse("portal:project_public", args=[project.pk])
    response = client.post(
        address,
        {
            "form": "update",
            "title": "Stavba začala",
            "body": "**Dnes** jsme začali.",
            "files": [SimpleUploadedFile("plan.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    update = project.updates.get()
    assert update.attachments.get().original_name == "plan.pdf"
    public_page = client.get(reverse("portal:project", args=["vzorov", project.pk])).content.decode()
    assert "Stavba začala" in public_page and "<strong>Dnes</strong>" in public_page
    response = client.post(reverse("portal:project_update_withdraw", args=[project.pk, update.pk]))
    assert response.status_code == 302
    assert "Stavba začala" not in client.get(reverse("portal:project", args=["vzorov", project.pk])).content.decode()


def test_the_staff_page_saves_the_public_profile_with_czech_errors(client, town, portal):
    project = town.project("implementation")
    client.force_login(town.user("manager"))
    address = reverse("portal:project_public", args=[project.pk])
    response = client.post(
        address, {"form": "profile", "is_public": "on", "public_summary": "Pro občany", "latitude": "49.4"}
    )
    assert response.status_code == 400
    assert "Zadejte obě souřadnice místa, nebo žádnou." in response.content.decode()
    project.refresh_from_db()
    assert not project.is_public
    response = client.post(
        address,
        {
            "form": "profile",
            "is_public": "on",
            "public_summary": "Pro občany",
            "latitude": "49.4",
            "longitude": "15.59",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.is_public and project.public_summary == "Pro občany"


@pytest.mark.parametrize(
    ("role", "get", "post"), [("staff", 200, 403), ("partner", 404, 404), ("other_coordinator", 404, 404)]
)
def test_the_staff_page_for_others(client, town, portal, role, get, post):
    project = town.project("implementation", is_public=True)
    client.force_login(town.user(role))
    address = reverse("portal:project_public", args=[project.pk])
    assert client.get(address).status_code == get
    assert client.post(address, {"form": "update", "title": "x", "body": "y"}).status_code == post
    assert not ProjectUpdate.objects.exists()


def test_the_api_publishes_lists_and_withdraws(client, town):
    project = town.project("implementation", is_public=True)
    client.force_login(town.user("manager"))
    address = reverse("api:project_updates", args=[project.pk])
    response = client.post(address, {"title": "Aktualita", "body": "Text"}, content_type="application/json")
    assert response.status_code == 201, response.content
    update_id = response.json()["id"]
    assert [item["title"] for item in client.get(address).json()["results"]] == ["Aktualita"]
    response = client.post(reverse("api:project_update_withdraw", args=[project.pk, update_id]))
    assert response.status_code == 200 and response.json()["withdrawn_at"]
    client.force_login(town.user("staff"))
    response = client.post(address, {"title": "Aktualita", "body": "Text"}, content_type="application/json")
    assert response.status_code == 403
