"""No template syntax reaches the user: every page, fragment and e-mail is rendered and searched for it.

A multi-line ``{# … #}`` is no Django comment and a tag broken over two lines is no tag: both are printed as
they are. The routes are read from the URLconf, so a new page is covered without touching this file; a route
with parameters takes them from ``ARGUMENTS`` by parameter name (``ROUTE_ARGUMENTS`` where a name means
something else on that route), and the test fails for a parameter nobody gave a value.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from backend.accounts.invitations import invitation_token
from backend.accounts.models import Invitation, User
from backend.notifications.models import Channel, Delivery, Notification, NotificationPreference
from backend.notifications.services import digests_send, event_deliveries_send
from backend.projects.invitations import invitation_create
from backend.projects.models import Attachment, EventKind, Project, Task
from backend.projects.services import comment_create, task_create
from backend.projects.sharing import project_share
from backend.projects.stages import Stage
from backend.web.views.project_detail.page import EDIT_PARTS, TABS
from tests.factories.attachments import attach
from tests.mail import invitation_send
from workflows.models import ApprovalRequest
from workflows.services import project_transition

pytestmark = pytest.mark.django_db

LEAKS = ("{#", "#}", "{%", "%}", "{{", "}}")
HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ("coordinator", "lead_head", "manager", "staff", "partner", "anonymous")
# Writes that would end the visit or that nothing renders for.
NOT_POSTED = frozenset({"logout"})
# What a form needs to get past validation, so that its success fragment is rendered too.
POST_DATA = {
    "project_comment_create": {"body": "Děkujeme, @manager", "visibility": "shared"},
    "project_task_create": {"title": "Podat žádost o dotaci", "due_date": "2026-02-01", "stage": "assessment"},
    "project_kpi_create": {"name": "Úspora CO₂", "kind": "custom", "unit": "t/rok", "target": "12"},
    "project_funding_create": {"programme": "irop", "amount_requested": "500000", "status": "planned"},
    "project_edit_part": {"assessment_score": "75", "assessment_summary": "Přínosné.", "evaluation_summary": "Hotovo"},
}


@dataclass
class World:
    project: Project
    task: Task
    approval: ApprovalRequest
    attachment: Attachment
    invitation: Invitation
    former_guest: User


@pytest.fixture
def world(town, settings, tmp_path) -> World:
    """A project in assessment with everything a page can show: tasks, comments with mentions, an attachment,
    funding and KPIs, a pending approval, history, an invitation, notifications, a share with Obec Lhota, and a
    former guest."""
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"
    manager = town.user("manager")
    project = town.project(
        Stage.IDEA, title="Chytré veřejné osvětlení", planned_start=date(2026, 3, 1), planned_end=date(2026, 12, 31)
    )
    project_transition(project=project, actor=manager, transition="submit")
    project.refresh_from_db()
    task = task_create(actor=manager, project=project, title="Zaměřit stožáry", assignee=town.user("partner"))
    task_create(
        actor=manager, project=project, title="Rozpočet", assignee=town.user("staff"), due_date=date(2026, 1, 5)
    )
    comment_create(actor=manager, project=project, body="Interní poznámka pro @staff a @coordinator")
    comment = comment_create(actor=manager, project=project, body="Sdíleno s @partner", visibility="shared")
    comment_create(actor=town.user("staff"), project=project, body="Hotovo, @manager")
    attachment = attach(project, manager, visibility="shared", comment=comment)
    attach(project, manager, name="rozpocet.pdf")
    approval = project_transition(project=project, actor=manager, transition="approve_for_funding").approval_request
    invitation = invitation_create(
        actor=manager, email="hana@zelena-vzorov.cz", organization=town.ngo, projects=[project]
    )
    project_share(actor=manager, project=project, municipality=town.other_municipality)
    # The firm's guest was invited to nothing: a former guest of the town.
    return World(project, task, approval, attachment, invitation, town.user("partner_not_invited"))


def arguments(town, world: World, user: User | None) -> tuple[dict, dict]:
    """Values by parameter name, and by route where a name means something else there (lists: one URL each)."""
    kpi, funding = world.project.kpis.get(), world.project.funding_applications.get()
    by_name = {
        "pk": world.project.pk,
        "task_id": world.task.pk,
        "tab": list(TABS),
        "part": list(EDIT_PARTS),
        "attachment_id": world.attachment.pk,
        "organization_id": town.ngo.pk,
        "municipality_id": town.other_municipality.pk,
        "invitation_id": world.invitation.pk,
        "token": invitation_token(invitation=world.invitation),
    }
    notification = Notification.objects.filter(recipient=user or town.user("staff")).first()
    by_route = {
        "approval_decide": {"pk": world.approval.pk},
        "approval_withdraw": {"pk": world.approval.pk},
        "attachment_download": {"pk": world.attachment.pk},
        "task_status": {"pk": world.task.pk},
        "notification_read": {"pk": notification.pk},
        "organization_detail": {"pk": town.ngo.pk},
        "organization_revoke": {"pk": town.ngo.pk},
        "former_guest_anonymise": {"pk": world.former_guest.pk},
        "project_funding_update": {"item_id": funding.pk},
        "project_kpi_update": {"item_id": kpi.pk},
    }
    return by_name, by_route


def web_routes() -> Iterator[tuple[str, list[str]]]:
    """(name, parameter names) of every route of the web application, read from the URLconf."""

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace == "web" and entry.name:
                yield entry.name, list(entry.pattern.regex.groupindex)

    yield from walk(get_resolver().url_patterns, None)


def urls_of(name: str, parameters: list[str], by_name: dict, by_route: dict) -> list[str]:
    values = {**by_name, **by_route.get(name, {})}
    missing = [parameter for parameter in parameters if parameter not in values]
    assert not missing, f"give route {name!r} a value for {missing} in ARGUMENTS of this test"
    combinations = [{}]
    for parameter in parameters:
        options = values[parameter] if isinstance(values[parameter], list) else [values[parameter]]
        combinations = [{**done, parameter: option} for done in combinations for option in options]
    return [reverse(f"web:{name}", kwargs=kwargs) for kwargs in combinations]


def leaks_in(text: str) -> list[str]:
    found = []
    for marker in LEAKS:
        at = text.find(marker)
        if at >= 0:
            found.append(f"{marker!r} in …{text[max(0, at - 80) : at + 80]!r}…")
    return found


def test_the_routes_are_read_from_the_urlconf():
    """The walk finds the web app's routes, plain and with parameters, and nothing of the API or admin."""
    routes = dict(web_routes())

    assert {"dashboard", "board", "project_create", "project_tab", "approvals"} <= set(routes)
    assert routes["project_tab"] == ["pk", "tab"]
    assert not any(name.startswith(("api", "admin")) for name in routes)


def test_leaks_are_found():
    assert leaks_in("<p>{# Without JavaScript a plain POST</p>")
    assert leaks_in("{% if x\n %}") and leaks_in("{{ project.title }") and not leaks_in("<p>{ } % #</p>")


@pytest.mark.parametrize("role", ROLES)
def test_no_page_of_the_application_shows_template_syntax(role, town, world, client):
    user = None if role == "anonymous" else town.user(role)
    if user:
        client.force_login(user)
    by_name, by_route = arguments(town, world, user)
    routes = [(name, urls_of(name, parameters, by_name, by_route)) for name, parameters in web_routes()]
    answered, leaks = set(), []

    def check(name, method, url, response):
        if response.status_code <= 400:  # 400: a form with its errors
            answered.add(name)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for found in leaks_in(body.decode(errors="replace")):
            leaks.append(f"{method} {url} ({response.status_code}): {found}")

    for name, urls in routes:
        for url in urls:
            check(name, "GET", url, client.get(url))
            check(name, "GET htmx", url, client.get(url, **HTMX))
    # Writes last, so that every page above saw the data as built.
    for name, urls in sorted(routes, key=lambda route: route[0] == "project_transition"):
        if name in NOT_POSTED:
            continue
        for url in urls:
            check(name, "POST htmx", url, client.post(url, {}, **HTMX))
            check(name, "POST", url, client.post(url, POST_DATA.get(name, {}), follow=True))
    for name, urls in routes:
        if name == "project_transition":
            data = {"name": "put_on_hold", "comment": "Čekáme na rozpočet", "stage": Stage.ASSESSMENT}
            check(name, "POST htmx", urls[0], client.post(urls[0], data, **HTMX))

    assert leaks == []
    if role == "coordinator":
        # Not vacuous: the coordinator reached every route with these arguments, bar the sign-in pages.
        assert {name for name, _ in routes} - answered <= {"login", "logout", "invitation_accept"}


def test_no_email_shows_template_syntax(town, world):
    """The notification e-mail of every kind of event here, the daily digest and the invitation."""
    NotificationPreference.objects.create(
        user=town.user("manager"), kind=EventKind.COMMENT_POSTED, channel=Channel.DIGEST
    )
    comment_create(actor=town.user("staff"), project=world.project, body="Odpověď pro @manager")
    comment_create(actor=town.user("lead_head"), project=world.project, body="Souhlasím")
    for event_id in set(Delivery.objects.filter(channel=Channel.IMMEDIATE).values_list("event_id", flat=True)):
        event_deliveries_send(event_id=event_id)
    digests_send()
    invitation_send(invitation_id=world.invitation.pk)
    subjects = [message.subject for message in mail.outbox]
    parts = [message.body for message in mail.outbox]
    parts += [content for message in mail.outbox for content, _ in message.alternatives]

    assert any(message.to == [world.invitation.email] for message in mail.outbox)
    assert len(mail.outbox) >= 4
    assert [leak for text in subjects + parts for leak in leaks_in(text)] == []
