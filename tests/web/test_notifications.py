"""Notifications: my own only, newest first, read or unread in words, marking read, the bell's count."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backend.notifications.models import Notification
from backend.projects.models import Event, EventKind
from backend.projects.stages import Stage
from backend.web.views.notifications import PAGE_SIZE

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("web:notifications")
BELL = reverse("web:notification_bell")
READ_ALL = reverse("web:notification_read_all")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def project(town):
    return town.project(Stage.ASSESSMENT, title="Chytré parkování")


def _notify(user, project, *, kind=EventKind.PROJECT_TRANSITIONED, read=False, **payload) -> Notification:
    """A notification written directly: recording events through the services would fan out to others too."""
    if kind == EventKind.PROJECT_TRANSITIONED and not payload:
        payload = {"transition": "submit", "source": "idea", "target": "assessment"}
    event = Event.objects.create(project=project, kind=kind, actor=project.manager, payload=payload)
    return Notification.objects.create(recipient=user, event=event, read_at=timezone.now() if read else None)


def _read_url(notification: Notification) -> str:
    return reverse("web:notification_read", args=[notification.pk])


def test_lists_my_notifications_newest_first_with_read_state_in_words(town, project, assert_safe_page):
    me = town.user("staff")
    older = _notify(me, project, read=True)
    newer = _notify(me, project, kind=EventKind.APPROVAL_REQUESTED, transition="approve_for_funding")
    foreign = _notify(town.user("manager"), project, kind=EventKind.COMMENT_POSTED)

    response = _client(me).get(LIST)
    assert response.status_code == 200
    assert_safe_page(response)
    body = response.content.decode()
    assert body.index(f'id="notification-{newer.pk}"') < body.index(f'id="notification-{older.pk}"')
    assert f'id="notification-{foreign.pk}"' not in body
    assert "state-unread" in body and "state-read" in body
    assert "Chytré parkování" in body
    assert reverse("web:project_detail", args=[project.pk]) in body
    assert "Posouzení" in body  # the stage the project moved to, by name
    assert _read_url(newer) in body
    assert _read_url(older) not in body  # already read: no button


def test_partner_sees_their_own_notifications(town, project):
    mine = _notify(town.user("partner"), project, kind=EventKind.TASK_ASSIGNED)
    body = _client(town.user("partner")).get(LIST).content.decode()
    assert f'id="notification-{mine.pk}"' in body


def test_empty_list_says_so(town):
    response = _client(town.user("staff")).get(LIST)
    assert response.status_code == 200
    assert 'class="notification-list"' not in response.content.decode()


def test_notifications_need_sign_in():
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_older_notifications_page_by_cursor(town, project):
    me = town.user("staff")
    notifications = [_notify(me, project) for _ in range(35)]
    client = _client(me)
    first = client.get(LIST).content.decode()
    assert first.count('class="notification ') == 30
    oldest_shown = notifications[5]
    assert f'href="{LIST}?filter=all&amp;group=day&amp;before={oldest_shown.pk}"' in first
    second = client.get(LIST, {"before": oldest_shown.pk}).content.decode()
    assert second.count('class="notification ') == 5
    assert "&amp;before=" not in second
    assert READ_ALL not in second  # "mark all" only on the first page


# --- marking read -------------------------------------------------------------------------------------------


def test_mark_one_read_in_place_updates_the_bell(town, project):
    me = town.user("staff")
    notification = _notify(me, project)
    _notify(me, project)
    response = _client(me).post(_read_url(notification), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<li id="notification-{notification.pk}" class="notification notification-read"')
    assert 'hx-swap-oob="innerHTML:.site-header .bell">1</span>' in body
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_one_read_by_plain_post(town, project):
    notification = _notify(town.user("staff"), project)
    response = _client(town.user("staff")).post(_read_url(notification))
    assert response.status_code == 302
    assert response["Location"] == LIST
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_not_found(town, project):
    notification = _notify(town.user("manager"), project)
    response = _client(town.user("staff")).post(_read_url(notification))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_mark_all_read(town, project, htmx):
    me = town.user("staff")
    mine = [_notify(me, project) for _ in range(3)]
    foreign = _notify(town.user("manager"), project)
    response = _client(me).post(READ_ALL, **(HTMX if htmx else {}))
    if htmx:
        assert response.status_code == 200
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="notification-list">')
        assert "state-unread" not in body
        assert 'hx-swap-oob="innerHTML:.site-header .bell"></span>' in body
    else:
        assert response.status_code == 302
        assert response["Location"] == LIST
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_marking_needs_post(town, project):
    notification = _notify(town.user("staff"), project)
    client = _client(town.user("staff"))
    assert client.get(_read_url(notification)).status_code == 405
    assert client.get(READ_ALL).status_code == 405


# --- the bell -----------------------------------------------------------------------------------------------


def test_bell_shows_the_unread_count(town, project):
    me = town.user("staff")
    _notify(me, project)
    _notify(me, project)
    _notify(me, project, read=True)
    _notify(town.user("manager"), project)
    response = _client(me).get(BELL, **HTMX)
    assert response.status_code == 200
    assert response.content.decode() == "2"
    assert "no-cache" in response["Cache-Control"]


def test_bell_is_empty_without_unread_notifications(town, project):
    _notify(town.user("staff"), project, read=True)
    assert _client(town.user("staff")).get(BELL, **HTMX).content.decode() == ""


def test_bell_is_empty_for_anonymous_visitors():
    """A session that expired between two polls must not swap the login page into the header."""
    response = Client().get(BELL, **HTMX)
    assert response.status_code == 200
    assert response.content.decode() == ""


def test_bell_costs_one_query_besides_the_session(town, project):
    me = town.user("staff")
    for _ in range(5):
        _notify(me, project)
    client = _client(me)
    with CaptureQueriesContext(connection) as queries:
        client.get(BELL, **HTMX)
    # The session and the signed-in user are read by Django's middleware; the count is the bell's one query.
    assert len(queries) == 3
    assert "COUNT(" in queries[-1]["sql"].upper()
    assert "JOIN" not in queries[-1]["sql"].upper()


# --- query counts -------------------------------------------------------------------------------------------

# session, user, the roles read for the navigation (partners see no approvals link), the notifications
PINNED_LIST_QUERIES = 4


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_list_costs_the_same_for_one_notification_and_more_than_a_page(town, htmx, django_assert_num_queries):
    me = town.user("staff")
    client = _client(me)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    def add(count: int) -> None:
        for index in range(count):
            project = town.project(Stage.IDEA, ready=False, title=f"Projekt {index}")
            _notify(me, project, kind=EventKind.COMMENT_POSTED)

    add(1)
    client.get(LIST)  # the first request after sign-in also refreshes the session
    with django_assert_num_queries(PINNED_LIST_QUERIES):
        assert client.get(LIST, **headers).content.decode().count('class="notification ') == 1
    add(PAGE_SIZE + 5)
    with django_assert_num_queries(PINNED_LIST_QUERIES):
        assert client.get(LIST, **headers).content.decode().count('class="notification ') == PAGE_SIZE


@pytest.mark.parametrize("before", ["²", "-1", "abc", "9" * 40])
def test_odd_cursors_answer_the_first_page_not_an_error(town, before):
    response = _client(town.user("manager")).get(LIST, {"before": before})
    assert response.status_code == 200


# --- mentions, previews and where a notification leads ------------------------------------------------------


def _comment(town, project, body, *, author="manager", visibility="internal"):
    from backend.projects.services import comment_create

    return comment_create(actor=town.user(author), project=project, body=body, visibility=visibility)


def test_a_mention_is_marked_with_a_preview_and_links_to_the_comment(town, project, assert_safe_page):
    long_tail = "slovo " * 40
    comment = _comment(
        town, project, f"**Prosím** @lead.head, zkontroluj [rozpočet](https://example.cz) <b>x</b> {long_tail}"
    )

    response = _client(town.user("lead_head")).get(LIST)

    assert_safe_page(response)
    body = response.content.decode()
    assert 'class="badge badge-mention">Zmínka</span>' in body
    assert "Byli jste zmíněni v komentáři" in body
    link = reverse("web:project_tab", kwargs={"pk": project.pk, "tab": "comments"}) + f"#comment-{comment.pk}"
    assert f'href="{link}"' in body
    assert "Prosím @lead.head, zkontroluj rozpočet &lt;b&gt;x&lt;/b&gt; slovo" in body  # Markdown gone, escaped
    preview = body.split('class="notification-preview">')[1].split("</blockquote>")[0]
    assert len(preview) <= 160 and preview.endswith("…")
    assert "**" not in preview and "<b>" not in preview


def test_a_plain_comment_is_not_a_mention_but_shows_its_preview(town, project):
    _comment(town, project, "Termín posouváme o týden.")
    _comment(town, project, "Díky.", author="lead_head")  # the manager hears of the head's reply

    body = _client(town.user("manager")).get(LIST).content.decode()

    assert "badge-mention" not in body
    assert "Díky." in body


def test_the_comment_list_carries_the_anchor_the_notification_points_to(town, project):
    comment = _comment(town, project, "Podklady jsou v příloze.")
    url = reverse("web:project_tab", kwargs={"pk": project.pk, "tab": "comments"})
    body = _client(town.user("lead_head")).get(url).content.decode()
    assert f'id="comment-{comment.pk}"' in body


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        (EventKind.TASK_ASSIGNED, {"task_id": 7}, "tasks/#task-7"),
        (
            EventKind.APPROVAL_GRANTED,
            {"approval_request_id": 5, "transition": "submit"},
            "approvals/#approval-request-5",
        ),
        (EventKind.PROJECT_TRANSITIONED, {"record_id": 3, "transition": "submit"}, "history/#transition-record-3"),
    ],
)
def test_each_notification_links_to_the_place_it_is_about(town, project, kind, payload, expected):
    me = town.user("manager")
    _notify(me, project, kind=kind, **payload)
    body = _client(me).get(LIST).content.decode()
    assert f'href="/projects/{project.pk}/{expected}"' in body


def test_an_approval_to_decide_links_to_the_inbox(town, project):
    me = town.user("lead_head")
    _notify(me, project, kind=EventKind.APPROVAL_REQUESTED, approval_request_id=9, transition="approve_for_funding")
    body = _client(me).get(LIST).content.decode()
    assert f'href="{reverse("web:approvals")}#approval-9"' in body


# --- filters and grouping -----------------------------------------------------------------------------------


@pytest.fixture
def mixed(town, project):
    me = town.user("lead_head")
    read = _notify(me, project, read=True)
    approval = _notify(me, project, kind=EventKind.APPROVAL_REQUESTED, transition="approve_for_funding")
    mention = _notify(me, project, kind=EventKind.COMMENT_POSTED, mentioned_ids=[me.pk])
    Notification.objects.filter(pk=mention.pk).update(is_mention=True)
    return {"read": read, "approval": approval, "mention": mention}


@pytest.mark.parametrize(
    ("chosen", "shown"),
    [
        ("all", {"read", "approval", "mention"}),
        ("unread", {"approval", "mention"}),
        ("mentions", {"mention"}),
        ("approvals", {"approval"}),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_filters_show_only_what_they_say(town, mixed, chosen, shown, htmx):
    response = _client(town.user("lead_head")).get(LIST, {"filter": chosen}, **(HTMX if htmx else {}))
    assert response.status_code == 200
    body = response.content.decode()
    assert {name for name, notification in mixed.items() if f'id="notification-{notification.pk}"' in body} == shown
    assert f'?filter={chosen}&amp;group=day" hx-get' in body and 'aria-current="page">' in body
    if htmx:
        assert body.lstrip().startswith('<div id="notification-list">')


def test_an_empty_filter_says_so(town, project):
    _notify(town.user("lead_head"), project, read=True)
    body = _client(town.user("lead_head")).get(LIST, {"filter": "unread"}).content.decode()
    assert "Tomuto filtru neodpovídá žádné oznámení." in body


def test_grouped_by_project_and_by_day(town, project):
    me = town.user("lead_head")
    other = town.project(Stage.IDEA, title="Sdílená kola")
    _notify(me, project)
    _notify(me, other)
    _notify(me, project)

    by_project = _client(me).get(LIST, {"group": "project"}).content.decode()
    assert by_project.count('class="notification-group"') == 2
    assert 'Chytré parkování <span class="count">(2)</span>' in by_project

    by_day = _client(me).get(LIST).content.decode()
    assert by_day.count('class="notification-group"') == 1
    assert 'Dnes <span class="count">(3)</span>' in by_day


def test_mark_all_read_is_at_the_top_and_keeps_the_filter(town, mixed):
    client = _client(town.user("lead_head"))
    body = client.get(LIST, {"filter": "mentions"}).content.decode()
    assert body.index("read-all") < body.index('class="notification-group"')
    response = client.post(READ_ALL, {"filter": "mentions", "group": "project"})
    assert response["Location"] == f"{LIST}?filter=mentions&group=project"


def test_filtered_list_with_comment_previews_costs_the_same_for_one_and_more_than_a_page(
    town, django_assert_num_queries
):
    me = town.user("lead_head")
    client = _client(me)

    def add(count: int) -> None:
        for index in range(count):
            project = town.project(Stage.IDEA, ready=False, title=f"Projekt {index}")
            _comment(town, project, f"Koukni na to @lead.head ({index})")

    add(1)
    client.get(LIST)
    # The pinned list queries and one for the previews of every comment on the page.
    with django_assert_num_queries(PINNED_LIST_QUERIES + 1):
        assert client.get(LIST, {"group": "project", "filter": "mentions"}).status_code == 200
    add(PAGE_SIZE + 5)
    with django_assert_num_queries(PINNED_LIST_QUERIES + 1):
        html = client.get(LIST, {"group": "project", "filter": "mentions"}).content.decode()
    assert html.count('class="notification ') == PAGE_SIZE


# --- the approvals counter in the header ----------------------------------------------------------------


def test_the_approvals_badge_counts_what_waits_for_me_and_deciding_reloads_it(town, project):
    from workflows.services import project_transition

    APPROVALS_BADGE = reverse("web:approvals_badge")
    request = project_transition(
        project=project, actor=town.user("manager"), transition="approve_for_funding"
    ).approval_request
    head = _client(town.user("lead_head"))
    assert head.get(APPROVALS_BADGE, **HTMX).content.decode() == "1"
    assert _client(town.user("staff")).get(APPROVALS_BADGE, **HTMX).content.decode() == ""
    assert Client().get(APPROVALS_BADGE, **HTMX).content.decode() == ""
    page = head.get(reverse("web:dashboard")).content.decode()
    assert f'hx-get="{APPROVALS_BADGE}" hx-trigger="load, every 120s, approvals-changed from:body"' in page

    response = head.post(reverse("web:approval_decide", args=[request.pk]), {"decision": "approve"}, **HTMX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "approvals-changed"
    assert head.get(APPROVALS_BADGE, **HTMX).content.decode() == ""
