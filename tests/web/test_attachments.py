"""Attachments in the web UI: the attachments tab by role, upload (htmx and plain POST), refusals shown next to
the file, delete, a comment and its file saved together or not at all, downloads, query counts and page safety."""

import html
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from backend.projects.models import Attachment, Comment, Project
from backend.projects.stages import Stage
from tests.factories import CommentFactory
from tests.factories.attachments import HTML, PDF, attach, stored_files, upload

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ANONYMOUS = "anonymous"
MUNICIPAL = ("coordinator", "lead_head", "other_head", "manager", "staff")
INTERNAL_NAME = "Interní rozpočet.pdf"
SHARED_NAME = "Podklady spolku.pdf"


@pytest.fixture(autouse=True)
def attachments_root(settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"
    return settings.ATTACHMENTS_ROOT


@pytest.fixture(autouse=True)
def _czech():
    with translation.override("cs"):
        yield


@pytest.fixture
def project(town) -> Project:
    project = town.project(Stage.IDEA, title="Chytré veřejné osvětlení")
    attach(project, town.user("staff"), name=INTERNAL_NAME)
    attach(project, town.user("partner"), name=SHARED_NAME, visibility="shared")
    return project


def text(response) -> str:
    return html.unescape(response.content.decode())


def tab(project: Project, name: str = "attachments") -> str:
    return reverse("web:project_tab", args=[project.pk, name])


def upload_url(project: Project) -> str:
    return reverse("web:project_attachment_create", args=[project.pk])


def comment_url(project: Project) -> str:
    return reverse("web:project_comment_create", args=[project.pk])


def delete_url(attachment: Attachment) -> str:
    return reverse("web:project_attachment_delete", args=[attachment.project_id, attachment.pk])


def download_url(attachment: Attachment) -> str:
    return reverse("web:attachment_download", args=[attachment.pk])


# --- the tab by role ----------------------------------------------------------------------------------------------

SEEN = {
    **{role: (200, {INTERNAL_NAME, SHARED_NAME}) for role in MUNICIPAL},
    "partner": (200, {SHARED_NAME}),
    "partner_not_invited": (404, set()),
    "other_coordinator": (404, set()),
    ANONYMOUS: (302, set()),
}


@pytest.mark.parametrize("role", SEEN)
def test_the_attachments_tab_shows_each_role_what_it_may_download(as_role, project, role, assert_safe_page):
    response = as_role(role).get(tab(project))

    status, names = SEEN[role]
    assert response.status_code == status
    if status != 200:
        return
    page = text(response)
    assert {name for name in (INTERNAL_NAME, SHARED_NAME) if name in page} == names
    for attachment in Attachment.objects.filter(original_name__in=names):
        assert f'href="{download_url(attachment)}"' in page
    assert 'enctype="multipart/form-data"' in page
    assert_safe_page(response)


def test_the_tab_as_an_htmx_fragment(as_role, project):
    response = as_role("manager").get(tab(project), **HTMX)

    assert response.status_code == 200
    fragment = text(response)
    assert "<html" not in fragment and 'id="attachments-section"' in fragment
    assert "<script" not in fragment


# --- uploading ----------------------------------------------------------------------------------------------------


def test_upload_without_htmx_redirects_and_lists_the_file(as_role, project):
    client = as_role("staff")
    response = client.post(upload_url(project), {"file": upload("Zápis z jednání.pdf", PDF), "visibility": "internal"})

    assert response.status_code == 302 and response["Location"] == tab(project)
    page = text(client.get(tab(project)))
    assert "Zápis z jednání.pdf" in page
    assert translation.gettext("The file “%(name)s” was uploaded.") % {"name": "Zápis z jednání.pdf"} in page
    assert Attachment.objects.get(original_name="Zápis z jednání.pdf").uploaded_by.username == "staff"


def test_upload_with_htmx_swaps_the_section(as_role, project):
    response = as_role("manager").post(
        upload_url(project), {"file": upload("mapa.pdf", PDF), "visibility": "shared"}, **HTMX
    )

    assert response.status_code == 200
    fragment = text(response)
    assert fragment.lstrip().startswith('<div id="attachments-section">')
    assert "mapa.pdf" in fragment and 'role="status"' in fragment
    assert Attachment.objects.get(original_name="mapa.pdf").visibility == "shared"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_refused_file_is_explained_next_to_the_field_and_nothing_is_saved(
    as_role, project, attachments_root, headers
):
    before = len(stored_files(attachments_root))
    response = as_role("manager").post(
        upload_url(project), {"file": upload("zápis.pdf", HTML), "visibility": "internal"}, **headers
    )

    assert response.status_code == (200 if headers else 400)
    page = text(response)
    with translation.override("cs"):
        expected = translation.gettext(
            "The file contains web page or script code (HTML, SVG or XML), which is not accepted."
        )
    assert expected in page
    assert Attachment.objects.count() == 2
    assert len(stored_files(attachments_root)) == before


def test_a_partner_uploads_shared_files_only(as_role, project):
    client = as_role("partner")
    refused = client.post(upload_url(project), {"file": upload("a.pdf", PDF), "visibility": "internal"})
    accepted = client.post(upload_url(project), {"file": upload("b.pdf", PDF)})

    assert refused.status_code == 400
    assert not Attachment.objects.filter(original_name="a.pdf").exists()
    assert accepted.status_code == 302
    assert Attachment.objects.get(original_name="b.pdf").visibility == "shared"


def test_a_read_only_partner_gets_no_form_and_403(as_role, project):
    project.partner_accesses.update(access_level="view")
    client = as_role("partner")

    assert 'id="attachment-file"' not in text(client.get(tab(project)))
    assert client.post(upload_url(project), {"file": upload("b.pdf", PDF)}).status_code == 403


def test_outsiders_cannot_upload(as_role, project):
    assert as_role("partner_not_invited").post(upload_url(project), {"file": upload("b.pdf", PDF)}).status_code == 404
    assert as_role(ANONYMOUS).post(upload_url(project), {"file": upload("b.pdf", PDF)}).status_code == 302
    assert Attachment.objects.count() == 2


# --- deleting -----------------------------------------------------------------------------------------------------


def test_the_uploader_deletes_and_the_file_goes_after_commit(as_role, project, django_capture_on_commit_callbacks):
    attachment = Attachment.objects.get(original_name=INTERNAL_NAME)
    path = attachment.file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = as_role("staff").post(delete_url(attachment))

    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not os.path.exists(path)


def test_delete_buttons_only_for_those_who_may(as_role, project):
    internal = Attachment.objects.get(original_name=INTERNAL_NAME)
    shared = Attachment.objects.get(original_name=SHARED_NAME)

    staff_page = text(as_role("staff").get(tab(project)))
    assert delete_url(internal) in staff_page and delete_url(shared) not in staff_page
    assert as_role("other_head").post(delete_url(internal)).status_code == 403
    assert as_role("partner").post(delete_url(internal)).status_code == 404
    manager = as_role("manager").post(delete_url(shared), **HTMX)
    assert manager.status_code == 200 and SHARED_NAME not in text(manager).split("</p>", 1)[-1]


# --- a comment and its file ---------------------------------------------------------------------------------------


def test_a_comment_with_a_file_shows_the_file_under_the_comment(as_role, project):
    client = as_role("partner")
    response = client.post(comment_url(project), {"body": "Posíláme podklady.", "file": upload("podklady.pdf", PDF)})

    assert response.status_code == 302
    comment = Comment.objects.get(body="Posíláme podklady.")
    (attachment,) = comment.attachments.all()
    page = text(client.get(tab(project, "comments")))
    assert f'href="{download_url(attachment)}"' in page and "podklady.pdf" in page


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_refused_file_leaves_no_comment_and_the_form_says_why(as_role, project, headers):
    comments = Comment.objects.count()
    response = as_role("manager").post(
        comment_url(project),
        {"body": "Viz příloha.", "visibility": "internal", "file": upload("zápis.pdf", HTML)},
        **headers,
    )

    assert response.status_code == (200 if headers else 400)
    page = text(response)
    assert "Viz příloha." in page  # the text stays in the form, to be sent again
    assert (
        translation.gettext("The file contains web page or script code (HTML, SVG or XML), which is not accepted.")
        in page
    )
    assert Comment.objects.count() == comments
    assert Attachment.objects.count() == 2


def test_the_comment_form_offers_a_file(as_role, project):
    page = text(as_role("staff").get(tab(project, "comments")))
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and 'name="file"' in page


def test_a_partner_never_sees_the_files_of_internal_comments(as_role, project, town):
    internal = CommentFactory(project=project, author=town.user("manager"), visibility="internal", body="Interní")
    attach(project, town.user("manager"), name="tajné.pdf", comment=internal)

    assert "tajné.pdf" not in text(as_role("partner").get(tab(project, "comments")))
    assert "tajné.pdf" not in text(as_role("partner").get(tab(project)))
    assert "tajné.pdf" in text(as_role("staff").get(tab(project, "comments")))


# --- downloading --------------------------------------------------------------------------------------------------


def test_download_from_the_tab(as_role, project):
    shared = Attachment.objects.get(original_name=SHARED_NAME)
    response = as_role("partner").get(download_url(shared))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    assert as_role(ANONYMOUS).get(download_url(shared)).status_code == 302


# --- query counts -------------------------------------------------------------------------------------------------


def _queries(client, address: str, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, **headers)
    assert response.status_code == 200
    return len(queries)


# The manager's attachments tab as a whole page: session, user, roles, project, involved departments, the
# attachments with uploaders and comments, then the panel: approval policies and pending requests.
ATTACHMENTS_TAB_QUERIES = 8


@pytest.mark.parametrize("role", ["manager", "partner"])
def test_the_attachments_and_comments_tabs_cost_the_same_for_one_file_and_for_twenty(client, town, role):
    small, large = town.project(Stage.IDEA), town.project(Stage.IDEA)
    for project, count in ((small, 1), (large, 20)):
        for index in range(count):
            comment = CommentFactory(project=project, author=town.user("partner"), visibility="shared")
            attach(project, town.user("partner"), name=f"{index}.pdf", visibility="shared")
            attach(project, town.user("partner"), name=f"k {index}.pdf", comment=comment)
    client.force_login(town.user(role))

    for name in ("attachments", "comments"):
        for headers in ({}, HTMX):
            one, twenty = _queries(client, tab(small, name), **headers), _queries(client, tab(large, name), **headers)
            assert one == twenty, f"{name} {'fragment' if headers else 'page'}: {one} for 1 file, {twenty} for 20"
    if role == "manager":
        assert _queries(client, tab(large)) == ATTACHMENTS_TAB_QUERIES
