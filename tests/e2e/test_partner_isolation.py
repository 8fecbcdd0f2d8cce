"""In the browser, a partner guest trying the internal URLs of a project not shared with them gets 404, every one:
the detail, each tab, the edit forms, the sharing section, the task, funding, KPI and attachment URLs, the
actions, and the same item ids smuggled under a project that is shared with them.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.projects.models import Comment, FundingApplication, Kpi, Project, ProjectPartner, Task
from backend.web.views.project_detail.page import TABS
from tests.factories import FundingApplicationFactory, KpiFactory, TaskFactory
from tests.factories.attachments import attach

GUEST = "partner.ngo"


@dataclass(frozen=True)
class Items:
    """One project and an item of each kind on it."""

    project: int
    task: int
    funding: int
    kpi: int
    attachment: int


def _items(project: Project, author: User) -> Items:
    task = Task.objects.filter(project=project).first() or TaskFactory(project=project)
    funding = FundingApplication.objects.filter(project=project).first() or FundingApplicationFactory(project=project)
    kpi = Kpi.objects.filter(project=project).first() or KpiFactory(project=project)
    # A comment's file: the project may be closed, where only comments (and their files) may still be added.
    note = Comment.objects.create(project=project, author=author, body="Podklady", visibility="shared")
    attachment = attach(project, author, name="interni-podklady.pdf", visibility="shared", comment=note)
    return Items(project.pk, task.pk, funding.pk, kpi.pk, attachment.pk)


def _urls(target: Items) -> list[tuple[str, str]]:
    """(method, path) of every internal URL of the target project."""
    pk = target.project
    urls = [("GET", reverse("web:project_detail", args=[pk]))]
    urls += [("GET", reverse("web:project_tab", args=[pk, tab])) for tab in TABS]
    urls += [
        ("GET", reverse("web:project_edit", args=[pk])),
        ("POST", reverse("web:project_edit", args=[pk])),
        ("GET", reverse("web:project_mention_search", args=[pk]) + "?q=pm"),
        ("POST", reverse("web:project_transition", args=[pk])),
        ("POST", reverse("web:project_comment_create", args=[pk])),
        ("POST", reverse("web:project_task_create", args=[pk])),
        ("POST", reverse("web:project_funding_create", args=[pk])),
        ("POST", reverse("web:project_kpi_create", args=[pk])),
        ("POST", reverse("web:project_attachment_create", args=[pk])),
        ("GET", reverse("web:project_partners", args=[pk])),
        ("POST", reverse("web:project_invite", args=[pk])),
        ("GET", reverse("web:project_sharing", args=[pk])),
        ("POST", reverse("web:project_share", args=[pk])),
        ("GET", reverse("web:attachment_download", args=[target.attachment])),
        ("POST", reverse("web:task_status", args=[target.task])),
    ]
    return urls + _item_urls(target, pk)


def _item_urls(items: Items, project: int) -> list[tuple[str, str]]:
    """The URLs of the items, under ``project``."""
    return [
        ("GET", reverse("web:project_task_edit", args=[project, items.task])),
        ("POST", reverse("web:project_task_edit", args=[project, items.task])),
        ("POST", reverse("web:project_task_status", args=[project, items.task])),
        ("GET", reverse("web:project_funding_update", args=[project, items.funding])),
        ("POST", reverse("web:project_funding_update", args=[project, items.funding])),
        ("GET", reverse("web:project_kpi_update", args=[project, items.kpi])),
        ("POST", reverse("web:project_kpi_update", args=[project, items.kpi])),
        ("POST", reverse("web:project_attachment_delete", args=[project, items.attachment])),
    ]


NO_SUCH_ID = 2_147_483_000
NOWHERE = Items(NO_SUCH_ID, NO_SUCH_ID, NO_SUCH_ID, NO_SUCH_ID, NO_SUCH_ID)


@pytest.fixture(autouse=True)
def _attachments_in_a_temporary_folder(settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"


@pytest.fixture
def targets(browse):
    """A Vzorov project the guest's organisation was not invited to, one of Obec Lhota, and the guest's own one."""
    guest = User.objects.get(username=GUEST)
    shared_ids = ProjectPartner.objects.filter(organization__memberships__user=guest).values_list("project_id")
    own = Project.objects.filter(pk__in=shared_ids).order_by("pk").first()
    not_invited = (
        Project.objects.filter(municipality=own.municipality).exclude(pk__in=shared_ids).order_by("pk").first()
    )
    lhota = Project.objects.exclude(municipality=own.municipality).order_by("pk").first()
    coordinator = User.objects.get(username="coordinator")
    return {
        "not invited": _items(not_invited, coordinator),
        "other municipality": _items(lhota, User.objects.get(username="coordinator.lhota")),
        "own": own.pk,
    }


def _answers(browse, urls: list[tuple[str, str]]) -> dict[str, int]:
    page = browse.page_for(GUEST)
    csrf = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    answers = {}
    for method, path in urls:
        url = browse.live_server_url + path
        if method == "GET":
            status = page.goto(url).status
        else:
            status = page.request.post(url, headers={"X-CSRFToken": csrf}, form={"title": "x", "body": "x"}).status
        answers[f"{method} {path}"] = status
    return answers


@pytest.mark.parametrize("which", ["not invited", "other municipality"])
def test_every_internal_url_of_a_project_not_shared_answers_404(browse, targets, which):
    urls = _urls(targets[which])

    answers = _answers(browse, urls)

    assert len(answers) == len(urls) == 32
    leaks = {url: status for url, status in answers.items() if status != 404}
    assert leaks == {}


@pytest.mark.parametrize("which", ["not invited", "other municipality"])
def test_item_ids_of_that_project_under_the_guests_own_project_answer_as_ids_that_do_not_exist(browse, targets, which):
    """Under their own project the guest may be refused an action (403) or the item (404), but the answer for
    another project's item is the answer for an id that exists nowhere: existence never leaks."""
    smuggled = _answers(browse, _item_urls(targets[which], targets["own"]))
    nonexistent = _answers(browse, _item_urls(NOWHERE, targets["own"]))

    assert len(smuggled) == len(nonexistent) == 8
    assert list(smuggled.values()) == list(nonexistent.values())
    assert set(smuggled.values()) <= {403, 404}


def test_the_guests_own_project_still_opens(browse, targets):
    own = targets["own"]

    answers = _answers(browse, [("GET", reverse("web:project_detail", args=[own]))])

    assert list(answers.values()) == [200]
