"""Who may list, upload, download and delete attachments: the permission matrix of DESIGN.md extended to files.

The project is ``world.shared`` (Vzorov's ENV project, managed by ``manager``, the NGO of ``partner`` invited;
see tests/api/conftest.py). It carries one attachment of each kind:

    internal          a project file, internal, uploaded by ``staff``
    shared            a project file shared with partners, uploaded by ``partner``
    internal_comment  on the manager's internal comment, uploaded by ``manager``
    shared_comment    on the partner's shared comment, uploaded by ``partner``

Read a row as: "this request, on this attachment, answers this status to each role". Legend as in
test_permissions.py, plus GONE 204 deleted and LOGIN 302 to the sign-in page (the download is a web URL; API
callers send their token to it). A hidden attachment answers exactly what a missing one does.
"""

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from backend.projects.models import Attachment
from tests.api.conftest import ANONYMOUS, MISSING_ID, ROLES, World, api_client, rolled_back
from tests.factories.attachments import HTML, PDF, attach, upload

pytestmark = pytest.mark.usefixtures("own_throttle_cache")

OK, NEW, GONE, LOGIN, BAD, AUTH, NO, HID = 200, 201, 204, 302, 400, 401, 403, 404
KINDS = ("internal", "shared", "internal_comment", "shared_comment")

# fmt: off
#                          anon   coord lead  other mgr   staff partn notinv othcrd
DOWNLOAD = {
    "internal":           (LOGIN, OK,   OK,   OK,   OK,   OK,   HID,  HID,  HID),
    "shared":             (LOGIN, OK,   OK,   OK,   OK,   OK,   OK,   HID,  HID),
    "internal_comment":   (LOGIN, OK,   OK,   OK,   OK,   OK,   HID,  HID,  HID),
    "shared_comment":     (LOGIN, OK,   OK,   OK,   OK,   OK,   OK,   HID,  HID),
}
DELETE = {  # the uploader, the project's editors (manager, lead head) and the coordinator
    "internal":           (AUTH,  GONE, GONE, NO,   GONE, GONE, HID,  HID,  HID),
    "shared":             (AUTH,  GONE, GONE, NO,   GONE, NO,   GONE, HID,  HID),
    "internal_comment":   (AUTH,  GONE, GONE, NO,   GONE, NO,   HID,  HID,  HID),
    "shared_comment":     (AUTH,  GONE, GONE, NO,   GONE, NO,   GONE, HID,  HID),
}
LIST =                    (AUTH,  OK,   OK,   OK,   OK,   OK,   OK,   HID,  HID)
UPLOAD = {  # partners upload shared files only; a file goes onto a comment only by its author
    "internal":           (AUTH,  NEW,  NEW,  NEW,  NEW,  NEW,  NO,   HID,  HID),
    "shared":             (AUTH,  NEW,  NEW,  NEW,  NEW,  NEW,  NEW,  HID,  HID),
    "internal_comment":   (AUTH,  NO,   NO,   NO,   NEW,  NO,   BAD,  HID,  HID),  # partner: no such comment
    "shared_comment":     (AUTH,  NO,   NO,   NO,   NO,   NO,   NEW,  HID,  HID),
}
UPLOAD_JUNK =             (AUTH,  BAD,  BAD,  BAD,  BAD,  BAD,  BAD,  HID,  HID)   # HTML named .pdf, shared
# fmt: on

LISTED = {
    **{role: set(KINDS) for role in ("coordinator", "lead_head", "other_head", "manager", "staff")},
    "partner": {"shared", "shared_comment"},
}


@pytest.fixture(autouse=True)
def attachments_root(settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"
    return settings.ATTACHMENTS_ROOT


@pytest.fixture
def files(world: World) -> dict[str, Attachment]:
    users, project, comments = world.town.users, world.shared.project, world.shared.comments
    return {
        "internal": attach(project, users["staff"], name="interní rozpočet.pdf"),
        "shared": attach(project, users["partner"], name="podklady spolku.pdf", visibility="shared"),
        "internal_comment": attach(project, users["manager"], name="k interní.pdf", comment=comments["internal"]),
        "shared_comment": attach(project, users["partner"], name="ke sdílené.pdf", comment=comments["shared"]),
    }


def _download_client(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != ANONYMOUS:
        token, _ = Token.objects.get_or_create(user=world.user(role))
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def _download(world: World, role: str, pk: int):
    return _download_client(world, role).get(f"/attachments/{pk}/download/")


def _page(response) -> bytes:
    """The answer without what differs on every request anyway (the CSP nonce, the masked CSRF token), and
    the address asked for (the language switch returns to it)."""
    page = re.sub(rb'nonce="[^"]*"', b"", response.content)
    page = re.sub(rb"/attachments/[0-9]+/download/", b"/attachments/ID/download/", page)
    page = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", page)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", page)


def _matrix(rows: dict[str, tuple[int, ...]] | tuple[int, ...], request, *, missing=None):
    """Run ``request(kind, role)`` for every cell; a hidden cell must answer what ``missing(role)`` answers."""
    rows = rows if isinstance(rows, dict) else {"any": rows}
    expected = {(kind, role): status for kind, row in rows.items() for role, status in zip(ROLES, row, strict=True)}
    observed, leaks = {}, {}
    for kind, role in expected:
        response = request(kind, role)
        observed[kind, role] = response.status_code
        if response.status_code == HID and missing is not None:
            twin = missing(role)
            if (twin.status_code, _page(twin)) != (HID, _page(response)):
                leaks[kind, role] = (_page(response)[:100], twin.status_code, _page(twin)[:100])
    assert observed == expected
    assert leaks == {}, "a hidden attachment answers differently from a missing one"
    return len(expected)


def test_download(world, files):
    cells = _matrix(
        DOWNLOAD,
        lambda kind, role: _download(world, role, files[kind].pk),
        missing=lambda role: _download(world, role, MISSING_ID),
    )
    assert cells == 36


def test_delete(world, files):
    project = world.shared.project.pk

    def delete(pk: int, role: str):
        return rolled_back(lambda: world.client(role).delete(f"/api/v1/projects/{project}/attachments/{pk}/"))

    cells = _matrix(
        DELETE, lambda kind, role: delete(files[kind].pk, role), missing=lambda role: delete(MISSING_ID, role)
    )
    assert cells == 36
    assert Attachment.objects.count() == 4  # every deletion was rolled back


def test_list_shows_each_role_exactly_what_it_may_download(world, files):
    url = f"/api/v1/projects/{world.shared.project.pk}/attachments/"
    responses = {}

    def get(kind, role):
        responses[role] = world.client(role).get(url)
        return responses[role]

    assert _matrix(LIST, get) == 9
    names = {attachment.pk: kind for kind, attachment in files.items()}
    for role, kinds in LISTED.items():
        listed = {names[row["id"]] for row in responses[role].json()["results"]}
        assert listed == kinds, role
    row = next(row for row in responses["partner"].json()["results"] if names[row["id"]] == "shared")
    assert row["download_url"] == f"http://testserver/attachments/{files['shared'].pk}/download/"
    assert (row["name"], row["content_type"], row["visibility"], row["size"]) == (
        "podklady spolku.pdf",
        "application/pdf",
        "shared",
        len(PDF),
    )


def test_the_list_of_a_hidden_project_answers_like_a_missing_one(world, files):
    hidden = world.client("partner").get(f"/api/v1/projects/{world.private.project.pk}/attachments/")
    missing = world.client("partner").get(f"/api/v1/projects/{MISSING_ID}/attachments/")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()) == (HID, missing.json())


def _upload(world: World, role: str, body: dict):
    url = f"/api/v1/projects/{world.shared.project.pk}/attachments/"
    return rolled_back(lambda: world.client(role).post(url, body, format="multipart"))


def test_upload(world, files):
    comments = world.shared.comments
    bodies = {
        "internal": lambda: {"file": upload("zápis.pdf", PDF), "visibility": "internal"},
        "shared": lambda: {"file": upload("zápis.pdf", PDF), "visibility": "shared"},
        "internal_comment": lambda: {"file": upload("zápis.pdf", PDF), "comment": comments["internal"].pk},
        "shared_comment": lambda: {"file": upload("zápis.pdf", PDF), "comment": comments["shared"].pk},
    }
    cells = _matrix(UPLOAD, lambda kind, role: _upload(world, role, bodies[kind]()))
    assert cells == 36
    assert Attachment.objects.count() == 4


def test_a_refused_upload_answers_400_on_the_file_field_and_saves_nothing(world, files):
    cells = _matrix(
        UPLOAD_JUNK,
        lambda kind, role: _upload(world, role, {"file": upload("zápis.pdf", HTML), "visibility": "shared"}),
    )
    assert cells == 9
    response = _upload(world, "manager", {"file": upload("zápis.pdf", HTML), "visibility": "shared"})
    assert set(response.json()) == {"file"}
    assert Attachment.objects.count() == 4


def test_an_upload_returns_the_attachment_with_its_download_url(world, attachments_root):
    response = api_client(world.user("manager")).post(
        f"/api/v1/projects/{world.shared.project.pk}/attachments/",
        {"file": upload("../../Zápis z jednání.pdf", PDF), "visibility": "shared"},
        format="multipart",
    )
    assert response.status_code == NEW, response.content
    body = response.json()
    assert (body["name"], body["visibility"], body["comment"]) == ("Zápis z jednání.pdf", "shared", None)
    assert body["download_url"].endswith(f"/attachments/{body['id']}/download/")


# --- the download itself ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ("Zápis z jednání.pdf", "attachment; filename*=utf-8''Z%C3%A1pis%20z%20jedn%C3%A1n%C3%AD.pdf"),
        ("zapis-2026.pdf", 'attachment; filename="zapis-2026.pdf"'),
    ],
    ids=["czech-name-rfc5987", "ascii-name"],
)
def test_download_headers(world, name, disposition):
    attachment = attach(world.shared.project, world.user("manager"), name=name, visibility="shared")
    response = _download(world, "partner", attachment.pk)

    assert response.status_code == OK
    assert response["Content-Disposition"] == disposition
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_download_with_the_browsers_session(client, world, files):
    client.force_login(world.user("partner"))
    assert client.get(f"/attachments/{files['shared'].pk}/download/").status_code == OK
    assert client.get(f"/attachments/{files['internal'].pk}/download/").status_code == HID


def test_a_wrong_token_is_refused_with_401(world, files):
    response = Client().get(f"/attachments/{files['shared'].pk}/download/", HTTP_AUTHORIZATION="Token wrong")
    assert response.status_code == AUTH
    assert response["WWW-Authenticate"] == "Token"


def test_a_file_gone_from_disk_answers_404_like_a_missing_attachment(world, files):
    files["shared"].file.storage.delete(files["shared"].file.name)
    gone = _download(world, "manager", files["shared"].pk)
    missing = _download(world, "manager", MISSING_ID)
    assert (gone.status_code, _page(gone)) == (missing.status_code, _page(missing))


# --- query counts -------------------------------------------------------------------------------------------------

# Roles (1), the project (1), the page of attachments with uploader and comment (1).
LIST_QUERIES = 3


@pytest.mark.parametrize("role", ["manager", "partner"])
def test_the_list_costs_the_same_for_one_file_and_for_twenty(world, django_assert_num_queries, role):
    project = world.shared.project
    url = f"/api/v1/projects/{project.pk}/attachments/"
    attach(project, world.user("partner"), visibility="shared")
    user = type(world.user(role)).objects.get(pk=world.user(role).pk)
    with django_assert_num_queries(LIST_QUERIES):
        assert len(api_client(user).get(url).json()["results"]) == 1
    for _ in range(19):
        attach(project, world.user("partner"), visibility="shared")
    user = type(world.user(role)).objects.get(pk=world.user(role).pk)
    with django_assert_num_queries(LIST_QUERIES):
        assert len(api_client(user).get(url).json()["results"]) == 20
