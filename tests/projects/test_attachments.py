"""Attachment services and selectors: who uploads where, who sees what, who deletes, and that files follow rows."""

import os

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from backend.core.errors import NotFound, PermissionDenied
from backend.projects.attachments import (
    attachment_delete,
    attachment_get_visible,
    attachment_list_visible,
)
from backend.projects.models import Attachment, Comment
from backend.projects.services import comment_create
from backend.projects.stages import Stage
from tests.factories import CommentFactory, ProjectPartnerFactory
from tests.factories.attachments import HTML, PDF, attach, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def attachments_root(settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"
    return settings.ATTACHMENTS_ROOT


@pytest.fixture
def project(town):
    return town.project(Stage.IDEA)


@pytest.fixture
def files(town, project):
    """One attachment of each kind of visibility, uploaded by the people who may."""
    internal_comment = CommentFactory(project=project, author=town.user("manager"), visibility="internal")
    shared_comment = CommentFactory(project=project, author=town.user("partner"), visibility="shared")
    return {
        "internal": attach(project, town.user("staff"), name="interní.pdf"),
        "shared": attach(project, town.user("partner"), name="sdílené.pdf", visibility="shared"),
        "internal_comment": attach(project, town.user("manager"), name="k interní.pdf", comment=internal_comment),
        "shared_comment": attach(project, town.user("partner"), name="ke sdílené.pdf", comment=shared_comment),
    }


# --- uploading --------------------------------------------------------------------------------------------------

UPLOADS = [
    # role, visibility, outcome
    ("coordinator", "internal", "ok"),
    ("lead_head", "internal", "ok"),
    ("other_head", "internal", "ok"),
    ("manager", "shared", "ok"),
    ("staff", "internal", "ok"),
    ("partner", "shared", "ok"),
    ("partner", "internal", PermissionDenied),
    ("partner_not_invited", "shared", NotFound),
    ("other_coordinator", "internal", NotFound),
]


@pytest.mark.parametrize(("role", "visibility", "outcome"), UPLOADS, ids=[f"{r}-{v}" for r, v, _ in UPLOADS])
def test_who_may_upload(town, project, attachments_root, role, visibility, outcome):
    if outcome == "ok":
        attachment = attach(project, town.user(role), visibility=visibility)
        assert (attachment.uploaded_by, attachment.visibility) == (town.user(role), visibility)
        assert len(stored_files(attachments_root)) == 1
    else:
        with pytest.raises(outcome):
            attach(project, town.user(role), visibility=visibility)
        assert Attachment.objects.count() == 0
        assert stored_files(attachments_root) == []


def test_a_partner_with_view_access_uploads_nothing(town):
    project = town.project(Stage.IDEA)
    project.partner_accesses.update(access_level="view")

    with pytest.raises(PermissionDenied, match="read-only"):
        attach(project, town.user("partner"), visibility="shared")


def test_unknown_visibility_is_invalid(town, project):
    with pytest.raises(ValidationError) as error:
        attach(project, town.user("manager"), visibility="public")
    assert "visibility" in error.value.message_dict


def test_a_comments_file_takes_the_comments_visibility_and_only_its_author_attaches(town, project):
    comment = CommentFactory(project=project, author=town.user("manager"), visibility="internal")

    attachment = attach(project, town.user("manager"), visibility="shared", comment=comment)
    assert attachment.visibility == "internal"
    with pytest.raises(PermissionDenied, match="author"):
        attach(project, town.user("coordinator"), comment=comment)


def test_a_comment_of_another_project_is_refused(town, project):
    other = CommentFactory(project=town.project(Stage.IDEA), author=town.user("manager"))
    with pytest.raises(ValidationError) as error:
        attach(project, town.user("manager"), comment=other)
    assert "comment" in error.value.message_dict


# --- seeing -----------------------------------------------------------------------------------------------------

SEES = {
    # role: which of the four the role sees (None: not even the project)
    "coordinator": {"internal", "shared", "internal_comment", "shared_comment"},
    "lead_head": {"internal", "shared", "internal_comment", "shared_comment"},
    "other_head": {"internal", "shared", "internal_comment", "shared_comment"},
    "manager": {"internal", "shared", "internal_comment", "shared_comment"},
    "staff": {"internal", "shared", "internal_comment", "shared_comment"},
    "partner": {"shared", "shared_comment"},
    "partner_not_invited": set(),
    "other_coordinator": set(),
}


@pytest.mark.parametrize("role", SEES)
def test_who_sees_which_attachment(town, project, files, role):
    user = town.user(role)
    visible = set()
    for kind, attachment in files.items():
        try:
            assert attachment_get_visible(user=user, pk=attachment.pk) == attachment
            visible.add(kind)
        except NotFound:
            pass
    assert visible == SEES[role]
    if role in ("partner_not_invited", "other_coordinator"):
        return  # the list is of a project the caller already sees
    listed = {attachment.pk for attachment in attachment_list_visible(user=user, project=project)}
    assert listed == {files[kind].pk for kind in SEES[role]}


@pytest.mark.parametrize("pk", [987_654_321, "abc", None, "1.5"])
def test_missing_and_junk_ids_are_not_found(town, pk):
    with pytest.raises(NotFound):
        attachment_get_visible(user=town.user("coordinator"), pk=pk)


def test_a_comment_attachment_follows_its_comment_when_the_comment_changes(town, project, files):
    Comment.objects.filter(pk=files["shared_comment"].comment_id).update(visibility="internal")

    with pytest.raises(NotFound):
        attachment_get_visible(user=town.user("partner"), pk=files["shared_comment"].pk)


def test_a_revoked_partner_sees_nothing_any_more(town, project, files):
    project.partner_accesses.all().delete()
    with pytest.raises(NotFound):
        attachment_get_visible(user=town.user("partner"), pk=files["shared"].pk)


# --- deleting ---------------------------------------------------------------------------------------------------

DELETES = {
    # attachment: roles that may delete it (its uploader, the project's editors and the coordinator)
    "internal": {"staff", "manager", "lead_head", "coordinator"},  # uploaded by staff
    "shared": {"partner", "manager", "lead_head", "coordinator"},  # uploaded by the partner
    "internal_comment": {"manager", "lead_head", "coordinator"},  # uploaded by the manager
    "shared_comment": {"partner", "manager", "lead_head", "coordinator"},  # uploaded by the partner
}


@pytest.mark.parametrize("kind", DELETES)
@pytest.mark.parametrize("role", SEES)
def test_who_may_delete(town, project, files, django_capture_on_commit_callbacks, kind, role):
    attachment = files[kind]
    path = attachment.file.path
    if role in DELETES[kind]:
        with django_capture_on_commit_callbacks(execute=True):
            attachment_delete(actor=town.user(role), attachment=attachment)
        assert not Attachment.objects.filter(pk=attachment.pk).exists()
        assert not os.path.exists(path)
        return
    expected = NotFound if kind not in SEES[role] else PermissionDenied
    with pytest.raises(expected):
        attachment_delete(actor=town.user(role), attachment=attachment)
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_the_file_stays_until_the_deletion_commits(town, project, files, django_capture_on_commit_callbacks):
    attachment = files["internal"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attachment_delete(actor=town.user("coordinator"), attachment=attachment)
    assert os.path.exists(attachment.file.path)
    assert len(callbacks) == 1


def test_deleting_a_comment_takes_its_files_along(
    town, project, files, attachments_root, django_capture_on_commit_callbacks
):
    before = len(stored_files(attachments_root))
    with django_capture_on_commit_callbacks(execute=True):
        files["shared_comment"].comment.delete()
    assert len(stored_files(attachments_root)) == before - 1


# --- a comment and its file: together or not at all ---------------------------------------------------------------


def test_a_comment_with_a_file_saves_both(town, project):
    comment = comment_create(
        actor=town.user("partner"),
        project=project,
        body="Posíláme podklady.",
        visibility="shared",
        file=upload("podklady.pdf", PDF),
    )
    (attachment,) = comment.attachments.all()
    assert (attachment.original_name, attachment.visibility, attachment.uploaded_by) == (
        "podklady.pdf",
        "shared",
        town.user("partner"),
    )


def test_a_refused_file_leaves_no_comment_and_no_file(town, project, attachments_root):
    comments = Comment.objects.count()
    with pytest.raises(ValidationError) as error:
        comment_create(actor=town.user("manager"), project=project, body="Viz příloha.", file=upload("zápis.pdf", HTML))
    assert "file" in error.value.message_dict
    assert Comment.objects.count() == comments
    assert Attachment.objects.count() == 0
    assert stored_files(attachments_root) == []


def test_a_partner_of_another_organisation_on_the_same_project_sees_shared_files(town, project, files):
    ProjectPartnerFactory(project=project, organization=town.firm)
    assert attachment_get_visible(user=town.user("partner_not_invited"), pk=files["shared"].pk) == files["shared"]
    with pytest.raises(NotFound):
        attachment_get_visible(user=town.user("partner_not_invited"), pk=files["internal"].pk)


# --- admin ------------------------------------------------------------------------------------------------------


def test_the_admin_shows_attachments_but_adds_and_changes_none(admin_client, files):
    attachment = files["internal"]

    assert attachment.original_name in admin_client.get("/admin/projects/attachment/").content.decode()
    assert admin_client.get(f"/admin/projects/attachment/{attachment.pk}/change/").status_code == 200
    assert admin_client.get("/admin/projects/attachment/add/").status_code == 403
    response = admin_client.post(f"/admin/projects/attachment/{attachment.pk}/change/", {"original_name": "x.exe"})
    assert response.status_code == 403
    attachment.refresh_from_db()
    assert attachment.original_name == "interní.pdf"
