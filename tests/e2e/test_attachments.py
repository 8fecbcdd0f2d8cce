"""Attachments in the browser: the manager uploads through htmx (no page reload), a disguised web page is refused
with its reason, the partner sees and downloads only the shared file, and posts a comment with a file."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from backend.projects.models import Attachment, Comment, Project
from tests.factories.attachments import HTML, PDF

SHARED_PROJECT = "Komunitní kompostárna a sběr bioodpadu ze sídlišť"
INTERNAL_FILE = "Rozpočet kompostárny.pdf"
SHARED_FILE = "Harmonogram osvětové akce.pdf"


@pytest.fixture(autouse=True)
def attachments_root(settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"
    return settings.ATTACHMENTS_ROOT


def _tab(browse, project: Project, tab: str) -> str:
    return browse.live_server_url + reverse("web:project_tab", args=[project.pk, tab])


def _upload(page, name: str, content: bytes, *, shared: bool | None = None) -> None:
    form = page.locator("form.attachment-form")
    form.locator("input[type=file]").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": content})
    if shared is not None:
        form.locator(f"input[name=visibility][value={'shared' if shared else 'internal'}]").check()
    form.locator("button[type=submit]").click()


def test_upload_refuse_share_download_and_comment_with_a_file(browse):
    project = Project.objects.get(title=SHARED_PROJECT)

    manager = browse.page_for("pm.novak")
    manager.goto(_tab(browse, project, "attachments"))
    manager.evaluate("window.stillTheSamePage = true")

    _upload(manager, INTERNAL_FILE, PDF, shared=False)
    expect(manager.locator("#attachments-section .attachment-table")).to_contain_text(INTERNAL_FILE)
    _upload(manager, "zápis.pdf", HTML, shared=True)
    expect(manager.locator("#attachments-section [role=alert]").first).to_be_visible()
    expect(manager.locator("#attachments-section .errorlist")).to_contain_text("HTML")
    _upload(manager, SHARED_FILE, PDF, shared=True)
    expect(manager.locator("#attachments-section .attachment-table")).to_contain_text(SHARED_FILE)
    assert manager.evaluate("window.stillTheSamePage") is True, "htmx swapped the section, the page never reloaded"
    browse.shot(manager, "manager-attachments")
    assert set(Attachment.objects.filter(project=project).values_list("original_name", flat=True)) == {
        INTERNAL_FILE,
        SHARED_FILE,
    }

    partner = browse.page_for("partner.ngo")
    partner.goto(_tab(browse, project, "attachments"))
    section = partner.locator("#attachments-section")
    expect(section).to_contain_text(SHARED_FILE)
    expect(section).not_to_contain_text(INTERNAL_FILE)
    with partner.expect_download() as download:
        section.get_by_role("link", name=SHARED_FILE).click()
    assert download.value.suggested_filename == SHARED_FILE
    assert Path(download.value.path()).read_bytes() == PDF
    browse.shot(partner, "partner-attachments")

    partner.goto(_tab(browse, project, "comments"))
    form = partner.locator("form.comment-form")
    form.locator("#comment-body").fill("Posíláme seznam dobrovolníků.")
    form.locator("input[type=file]").set_input_files(
        {"name": "dobrovolníci.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.locator("button[type=submit]").click()
    comment = partner.locator("#comments-section .comment", has_text="Posíláme seznam dobrovolníků.")
    expect(comment.get_by_role("link", name="dobrovolníci.pdf")).to_be_visible()
    browse.shot(partner, "partner-comment-with-file")
    assert Comment.objects.get(body="Posíláme seznam dobrovolníků.").attachments.get().visibility == "shared"
