"""Stored XSS in Chromium: payloads in every text field people fill are shown on every page that shows them,
and none runs: no dialog opens, ``window.__xss`` stays undefined, no ``javascript:`` link appears, and the
browser reports no Content-Security-Policy violation (a blocked injected script would report one).
"""

from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from backend.accounts.models import PartnerOrganization, User
from backend.core.audit import audit_record
from backend.core.models import AuditAction
from backend.notifications.models import Notification
from backend.projects.models import Comment, EventKind, FundingApplication, Kpi, Project, ProjectPartner, Task
from backend.projects.services import event_record
from tests.factories.attachments import attach

# Each would set window.__xss or open a dialog if it ever ran: as markup, in an attribute, as a link.
LONG = (
    "{field} <script>window.__xss='{field}'</script><img src=x onerror=\"window.__xss='{field}'\">"
    "\"><svg onload=alert(1)>' autofocus onfocus='window.__xss=1' x='[link](javascript:window.__xss=1)"
    ' <a href="javascript:alert(1)">a</a>'
)
MEDIUM = (
    "{field}<script>window.__xss=1</script><img src=x onerror=window.__xss=1>"
    "\"><svg onload=alert(1)>'autofocus onfocus='window.__xss=1"
)
SHORT = "<svg onload=alert(1)>"  # fields of 32 characters


def payload(name: str, limit: int | None = None) -> str:
    """The richest payload that fits the field."""
    for template in (LONG, MEDIUM, SHORT):
        text = template.format(field=name)
        if limit is None or len(text) <= limit:
            return text
    raise AssertionError(f"no payload fits {limit} characters")


@dataclass
class Stored:
    """The demo with payloads stored in one project shared with the NGO, and in what surrounds it."""

    project: Project
    stored: list[str] = field(default_factory=list)


def _store_payloads() -> Stored:
    manager = User.objects.get(username="pm.novak")
    guest = User.objects.get(username="partner.ngo")
    coordinator = User.objects.get(username="coordinator")
    access = (
        ProjectPartner.objects.filter(project__manager=manager, organization__memberships__user=guest)
        .select_related("project", "organization")
        .order_by("project_id")
        .first()
    )
    project, organization = access.project, access.organization
    stage = Stored(project=project)

    def store(instance, **values) -> None:
        for name, value in values.items():
            setattr(instance, name, value)
            stage.stored.append(name)
        instance.save(update_fields=list(values))

    # Every project's title and summary: the board, the lists, the dashboard and the inboxes show them.
    for other in Project.objects.all():
        Project.objects.filter(pk=other.pk).update(
            title=payload(f"title-{other.pk}", 200), summary=payload(f"summary-{other.pk}", 500)
        )
    project.refresh_from_db()
    store(
        project,
        description=payload("description") + "\n\n**Markdown** [ok](https://example.cz) @pm.novak",
        assessment_summary=payload("assessment_summary"),
        evaluation_summary=payload("evaluation_summary"),
    )
    for visibility in ("internal", "shared"):
        Comment.objects.create(
            project=project, author=manager, visibility=visibility, body=payload(f"comment-{visibility}")
        )
        stage.stored.append(f"comment-{visibility}")
    for assignee in (manager, guest):
        Task.objects.create(
            project=project,
            stage=project.stage,
            assignee=assignee,
            title=payload(f"task-title-{assignee.username}", 200),
            description=payload(f"task-description-{assignee.username}"),
        )
        stage.stored.append(f"task-{assignee.username}")
    funding = FundingApplication.objects.filter(project=project).first() or FundingApplication(
        project=project, amount_requested=1000
    )
    funding.call_name = payload("call_name", 200)
    funding.internal_note = payload("internal_note")
    funding.save()
    # The programme is a choice validated by every form and the API: no free text reaches it.
    stage.stored += ["call_name", "internal_note"]
    kpi = Kpi.objects.filter(project=project).first() or Kpi(project=project, name="x", target=1)
    kpi.name, kpi.unit = payload("kpi-name", 200), payload("kpi-unit", 32)
    kpi.save()
    stage.stored += ["kpi-name", "kpi-unit"]
    PartnerOrganization.objects.filter(pk=organization.pk).update(name=payload("organization", 200))
    stage.stored.append("organization")
    for person in (manager, guest, coordinator, User.objects.get(username="head.env")):
        person.first_name = payload(f"first-{person.username}", 150)
        person.last_name = payload(f"last-{person.username}", 150)
        person.save(update_fields=["first_name", "last_name"])
    stage.stored.append("user names")
    # A comment's file: the project may be closed, where only comments (and their files) may still be added.
    note = Comment.objects.create(project=project, author=manager, body="Podklady", visibility="shared")
    attach(project, manager, name="<img src=x onerror=alert(1)>.pdf", visibility="shared", comment=note)
    stage.stored.append("attachment name")
    # A sign-in attempt with a payload as the user name, for the coordinator's audit log.
    audit_record(
        action=AuditAction.SIGN_IN_FAILED, username=payload("username", 150), municipality_ids=[project.municipality_id]
    )
    stage.stored.append("audit user name")
    # A notification about the project for the manager and the guest.
    event = event_record(project=project, kind=EventKind.COMMENT_POSTED, actor=coordinator)
    for person in (manager, guest):
        Notification.objects.get_or_create(recipient=person, event=event)
    return stage


@pytest.fixture(autouse=True)
def _attachments_in_a_temporary_folder(settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"


@pytest.fixture
def stored(browse) -> Stored:
    return _store_payloads()


def _pages(browse, project: Project, tabs: list[str], *extra: str) -> list[str]:
    detail = [browse.live_server_url + reverse("web:project_detail", args=[project.pk])]
    tab_urls = [browse.live_server_url + reverse("web:project_tab", args=[project.pk, tab]) for tab in tabs]
    return detail + tab_urls + [browse.url(name) for name in extra]


def _visit_all(browse, username: str, urls: list[str]) -> int:
    page = browse.page_for(username)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
    visited = 0
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        # Focus and hover everything once: an injected onfocus/onmouseover handler would fire now.
        page.keyboard.press("Tab")
        assert page.evaluate("() => window.__xss") is None, f"{url}: a stored script ran"
        assert page.locator("a[href^='javascript' i], [onerror], [onload], [onfocus], [onclick]").count() == 0, url
        # Our own scripts come from /static/ with the nonce; anything else was injected.
        scripts = page.eval_on_selector_all("script", "nodes => nodes.map(node => node.getAttribute('src') || '')")
        assert all(src.startswith("/static/") for src in scripts), f"{url}: an injected <script>: {scripts}"
        visited += 1
    page.wait_for_timeout(200)  # violation reports reach the console asynchronously
    assert dialogs == []
    assert browse.console.csp_violations() == []
    return visited


STAFF_TABS = ["overview", "tasks", "comments", "funding", "kpis", "history", "approvals", "attachments"]
PARTNER_TABS = ["overview", "tasks", "comments", "kpis", "history", "attachments"]


def test_no_stored_payload_runs_for_the_project_manager(browse, stored):
    urls = _pages(browse, stored.project, STAFF_TABS, "web:dashboard", "web:board", "web:project_list")
    urls += [browse.url(name) for name in ("web:my_tasks", "web:notifications", "web:approvals")]
    urls.append(browse.live_server_url + reverse("web:project_edit", args=[stored.project.pk]))

    assert _visit_all(browse, "pm.novak", urls) == len(urls) == 16
    page_text = browse.page_for("pm.novak")
    page_text.goto(browse.live_server_url + reverse("web:project_detail", args=[stored.project.pk]))
    # The payloads are shown, as text: nothing was dropped on the way.
    assert "<script>window.__xss='description'</script>" in page_text.locator(".project-description").inner_text()
    assert page_text.locator(".project-description strong").inner_text() == "Markdown"


def test_no_stored_payload_runs_for_the_head_and_the_coordinator(browse, stored):
    head_urls = [browse.url(name) for name in ("web:approvals", "web:dashboard", "web:board")]
    coordinator_urls = [browse.url(name) for name in ("web:audit", "web:project_list", "web:dashboard")]
    coordinator_urls.append(browse.live_server_url + reverse("web:project_tab", args=[stored.project.pk, "history"]))

    assert _visit_all(browse, "head.env", head_urls) == 3
    assert _visit_all(browse, "coordinator", coordinator_urls) == 4


def test_no_stored_payload_runs_in_the_partner_view(browse, stored):
    urls = _pages(browse, stored.project, PARTNER_TABS, "web:dashboard", "web:board", "web:project_list")
    urls += [browse.url(name) for name in ("web:my_tasks", "web:notifications")]

    assert _visit_all(browse, "partner.ngo", urls) == len(urls) == 12
