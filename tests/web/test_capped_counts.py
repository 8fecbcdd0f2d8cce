"""Lists count at most ``WEB_LIST_COUNT_CAP`` rows: "more than N" beyond it, the pages past it reached by "Next".

A small cap and small pages here stand for the real 1,000 and 50 (the page sizes are read at each request).
"""

import re
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

import backend.web.views.approvals as approval_views
import backend.web.views.projects as project_views
import backend.web.views.tasks as task_views
from backend.projects.stages import Stage
from backend.web.templatetags.ramec import capped_number, grouped
from tests.factories import ProjectFactory, TaskFactory
from workflows.services import project_transition

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
PROJECTS = reverse("web:project_list")
MY_TASKS = reverse("web:my_tasks")
INBOX = reverse("web:approvals")
ROW = '<th scope="row"><a href="/projects/'
CAP = 3


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _projects(town, count: int) -> None:
    for n in range(count):
        ProjectFactory(lead_department=town.env, title=f"Projekt č. {n:02d}")


def _titles(html: str) -> list[str]:
    return re.findall(r"Projekt č\. (\d\d)", html)


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(project_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(task_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(approval_views, "PENDING_PAGE_SIZE", 2)
    monkeypatch.setattr(approval_views, "HISTORY_PAGE_SIZE", 2)


# --- the project list --------------------------------------------------------------------------------------


@override_settings(WEB_LIST_COUNT_CAP=CAP)
def test_up_to_the_cap_the_list_counts_exactly(town, small_pages):
    _projects(town, CAP)
    html = _client(town.user("manager")).get(f"{PROJECTS}?sort=title").content.decode()
    assert "3 projekty" in html and "více než" not in html
    assert "Strana 1 z 2" in html
    assert 'href="?sort=title&amp;page=2"' in html


@override_settings(WEB_LIST_COUNT_CAP=CAP)
def test_past_the_cap_the_list_says_more_than_and_pages_on_by_next(town, small_pages):
    _projects(town, 7)
    client = _client(town.user("manager"))
    first = client.get(f"{PROJECTS}?sort=title").content.decode()
    assert "více než 3 projektů" in first
    assert "Strana 1</span>" in first and "Strana 1 z" not in first
    assert _titles(first) == ["00", "01"]
    # The counted pages are numbered (the 4th row counted is on page 2), a gap says more follow, and "Next".
    assert 'href="?sort=title&amp;page=2"' in first and 'rel="next"' in first
    assert '<li aria-hidden="true">…</li>' in first

    # Page 3 lies past the counted rows: it is read all the same, and knows a page 4 follows.
    third = client.get(f"{PROJECTS}?sort=title&page=3", **HTMX).content.decode()
    assert "<html" not in third
    assert _titles(third) == ["04", "05"]
    assert "Strana 3</span>" in third
    assert 'href="?sort=title&amp;page=4"' in third and 'href="?sort=title&amp;page=2"' in third
    assert 'rel="prev"' in third and 'rel="next"' in third

    last = client.get(f"{PROJECTS}?sort=title&page=4").content.decode()
    assert _titles(last) == ["06"]
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert '<span aria-current="page">4</span>' in last

    # Past the end, as for an uncapped list, the last page it knows of (the last counted one).
    assert _titles(client.get(f"{PROJECTS}?sort=title&page=99").content.decode()) == ["02", "03"]
    assert _titles(client.get(f"{PROJECTS}?sort=title&page=abc").content.decode()) == ["00", "01"]


@override_settings(WEB_LIST_COUNT_CAP=CAP)
def test_the_cap_reads_in_english_too(town, small_pages):
    _projects(town, 5)
    html = _client(town.user("manager")).get(PROJECTS, **ENGLISH).content.decode()
    assert "more than 3 projects" in html and "Page 1</span>" in html


@override_settings(WEB_LIST_COUNT_CAP=1000)
def test_the_cap_is_written_with_the_local_grouping():
    with translation.override("cs"):
        assert grouped(1000) == "1\xa0000"
        assert capped_number(1001) == "1\xa0000+" and capped_number(1000) == "1\xa0000" and capped_number(7) == "7"
    with translation.override("en"):
        assert grouped(1000) == "1,000" and capped_number(1001) == "1,000+"


@override_settings(WEB_LIST_COUNT_CAP=CAP)
def test_the_exports_hold_every_row_past_the_cap(town):
    _projects(town, 7)
    csv = _client(town.user("manager")).get(reverse("web:project_export")).getvalue().decode("utf-8-sig")
    assert sum("Projekt č." in line for line in csv.splitlines()) == 7


# session, user, the user's roles, departments for the filter, the capped count, the page (with one row more)
LIST_QUERIES = 6


@pytest.mark.parametrize("page", ["1", "3"])
def test_a_capped_list_costs_what_an_uncapped_one_does(town, small_pages, page, django_assert_num_queries, settings):
    settings.WEB_LIST_COUNT_CAP = CAP
    _projects(town, 7)
    client = _client(town.user("manager"))
    client.get(PROJECTS)  # the first request after sign-in also refreshes the session
    with django_assert_num_queries(LIST_QUERIES):
        assert len(_titles(client.get(f"{PROJECTS}?page={page}").content.decode())) == 2
    settings.WEB_LIST_COUNT_CAP = 1000
    with django_assert_num_queries(LIST_QUERIES):
        assert len(_titles(client.get(f"{PROJECTS}?page={page}").content.decode())) == 2


# --- my tasks ----------------------------------------------------------------------------------------------


def _tasks(town, *, overdue: int, later: int) -> None:
    project = town.project(Stage.IMPLEMENTATION, title="Fotovoltaika na školách")
    today = timezone.localdate()
    for n in range(overdue):
        TaskFactory(project=project, assignee=town.user("staff"), title=f"Úkol {n:02d}", due_date=today - timedelta(1))
    for n in range(later):
        TaskFactory(project=project, assignee=town.user("staff"), title=f"Úkol {overdue + n:02d}", due_date=today)


@override_settings(WEB_LIST_COUNT_CAP=CAP)
def test_my_tasks_count_exactly_up_to_the_cap(town, small_pages):
    _tasks(town, overdue=2, later=1)
    html = _client(town.user("staff")).get(MY_TASKS).content.decode()
    assert "3 úkoly" in html and "z toho 2 po termínu" in html and "více než" not in html


@override_settings(WEB_LIST_COUNT_CAP=CAP)
def test_my_tasks_past_the_cap(town, small_pages, django_assert_num_queries):
    _tasks(town, overdue=4, later=1)
    client = _client(town.user("staff"))
    first = client.get(MY_TASKS).content.decode()
    assert "více než 3 úkolů" in first and "z toho více než 3 po termínu" in first
    assert 'rel="next"' in first
    # session, user, roles, both counts (one query), the page
    with django_assert_num_queries(5):
        third = client.get(f"{MY_TASKS}?page=3", **HTMX).content.decode()
    assert "Úkol 04" in third and "Úkol 03" not in third and 'rel="next"' not in third
    english = client.get(MY_TASKS, **ENGLISH).content.decode()
    assert "more than 3 tasks" in english and "more than 3 of them overdue" in english


# --- the approvals inbox and its badge --------------------------------------------------------------------


def _pending(town, count: int) -> None:
    for n in range(count):
        project = town.project(Stage.ASSESSMENT, title=f"Čeká {n}")
        project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding", comment="")


@override_settings(WEB_LIST_COUNT_CAP=CAP)
def test_the_inbox_and_its_badge_past_the_cap(town, small_pages):
    _pending(town, 5)
    client = _client(town.user("lead_head"))
    html = client.get(INBOX).content.decode()
    assert "(více než 3)" in html
    assert html.count('class="decision-form"') == 2
    third = client.get(f"{INBOX}?pending_page=3", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="approval-pending")
    assert third.content.decode().count('class="decision-form"') == 1
    assert 'rel="next"' not in third.content.decode()
    assert client.get(reverse("web:approvals_badge"), **HTMX).content.decode().strip() == "3+"


@override_settings(WEB_LIST_COUNT_CAP=CAP)
def test_the_inbox_counts_exactly_up_to_the_cap(town, small_pages):
    _pending(town, 3)
    client = _client(town.user("lead_head"))
    assert "(3)" in client.get(INBOX).content.decode()
    assert client.get(reverse("web:approvals_badge"), **HTMX).content.decode().strip() == "3"
