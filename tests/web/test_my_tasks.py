"""My tasks: only my own, due soon first, overdue said in words, status changed inline or by plain POST."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backend.projects.models import ProjectPartner, Task
from backend.projects.stages import Stage
from backend.web.views.tasks import PAGE_SIZE
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
MY_TASKS = reverse("web:my_tasks")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _status_url(task: Task) -> str:
    return reverse("web:task_status", args=[task.pk])


def _days(n: int):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def project(town):
    return town.project(Stage.IMPLEMENTATION, title="Fotovoltaika na školách")


def test_lists_my_open_tasks_due_soonest_first_with_overdue_in_words(town, project, assert_safe_page):
    me = town.user("staff")
    TaskFactory(project=project, assignee=me, title="Bez termínu", due_date=None)
    TaskFactory(project=project, assignee=me, title="Za týden", due_date=_days(7))
    TaskFactory(project=project, assignee=me, title="Prošvihnutý", due_date=_days(-3))
    TaskFactory(project=project, assignee=me, title="Dnes", due_date=_days(0))
    TaskFactory(project=project, assignee=me, title="Hotový", due_date=_days(1), status="done")
    TaskFactory(project=project, assignee=town.user("manager"), title="Cizí úkol", due_date=_days(1))

    response = _client(me).get(MY_TASKS)
    assert response.status_code == 200
    assert_safe_page(response)
    body = response.content.decode()
    positions = [body.index(title) for title in ("Prošvihnutý", "Dnes", "Za týden", "Bez termínu")]
    assert positions == sorted(positions)
    assert "Cizí úkol" not in body
    assert "Hotový" not in body
    assert "due-overdue" in body and "3" in body.split("due-overdue", 1)[1][:80]  # "overdue by 3 days" in words
    assert "due-today" in body
    assert reverse("web:project_detail", args=[project.pk]) in body
    assert f'<label for="task-{Task.objects.get(title="Dnes").pk}-status"' in body


def test_finished_tasks_are_shown_on_request(town, project):
    me = town.user("staff")
    TaskFactory(project=project, assignee=me, title="Hotový", status="done")
    body = _client(me).get(MY_TASKS, {"finished": "1"}).content.decode()
    assert "Hotový" in body
    assert 'name="finished" value="1"' in body


def test_partner_sees_only_their_own_tasks_on_shared_projects(town, project, assert_safe_page):
    partner = town.user("partner")
    TaskFactory(project=project, assignee=partner, title="Úkol spolku")
    TaskFactory(project=project, assignee=town.user("staff"), title="Úkol úřadu")
    hidden = town.project(Stage.IDEA, title="Nesdílený")
    ProjectPartner.objects.filter(project=hidden).delete()
    TaskFactory(project=hidden, assignee=partner, title="Úkol mimo sdílení")

    response = _client(partner).get(MY_TASKS)
    assert_safe_page(response)
    body = response.content.decode()
    assert "Úkol spolku" in body
    assert "Úkol úřadu" not in body
    assert "Úkol mimo sdílení" not in body


def test_my_tasks_needs_sign_in():
    response = Client().get(MY_TASKS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_htmx_list_request_gets_the_list_fragment(town, project):
    TaskFactory(project=project, assignee=town.user("staff"), title="Úkol")
    body = _client(town.user("staff")).get(MY_TASKS, **HTMX).content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="my-tasks">')


# --- changing the status ------------------------------------------------------------------------------------


def test_status_changes_in_place(town, project):
    task = TaskFactory(project=project, assignee=town.user("staff"), due_date=_days(2))
    response = _client(town.user("staff")).post(_status_url(task), {"status": "in_progress"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="task-{task.pk}"')
    assert '<option value="in_progress" selected>' in body
    assert 'role="status"' in body
    task.refresh_from_db()
    assert task.status == "in_progress"


def test_status_changes_by_plain_post_and_redirect(town, project):
    task = TaskFactory(project=project, assignee=town.user("staff"))
    client = _client(town.user("staff"))
    response = client.post(_status_url(task), {"status": "done", "finished": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{MY_TASKS}?finished=1"
    task.refresh_from_db()
    assert task.status == "done"
    assert task.completed_at is not None
    assert "message-success" in client.get(response["Location"]).content.decode()


def test_partner_changes_the_status_of_their_own_task(town, project):
    task = TaskFactory(project=project, assignee=town.user("partner"))
    response = _client(town.user("partner")).post(_status_url(task), {"status": "done"}, **HTMX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == "done"


def test_unknown_status_is_refused_next_to_the_control(town, project):
    task = TaskFactory(project=project, assignee=town.user("staff"))
    response = _client(town.user("staff")).post(_status_url(task), {"status": "finished-ish"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="task-{task.pk}-error" role="alert"' in body
    task.refresh_from_db()
    assert task.status == "open"


@pytest.mark.parametrize(
    ("role", "status_code"),
    [
        ("partner", 404),  # a partner sees only their own tasks
        ("partner_not_invited", 404),
        ("other_coordinator", 404),
        ("staff", 302),  # any municipal user of the project may move its tasks
    ],
)
def test_who_may_change_someone_elses_task(town, project, role, status_code):
    task = TaskFactory(project=project, assignee=town.user("manager"))
    response = _client(town.user(role)).post(_status_url(task), {"status": "done"})
    assert response.status_code == status_code
    task.refresh_from_db()
    assert (task.status == "done") is (status_code == 302)


def test_partner_with_read_only_access_gets_403(town, project):
    task = TaskFactory(project=project, assignee=town.user("partner"))
    ProjectPartner.objects.filter(project=project, organization=town.ngo).update(access_level="view")
    response = _client(town.user("partner")).post(_status_url(task), {"status": "done"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "open"


def test_status_change_needs_post(town, project):
    task = TaskFactory(project=project, assignee=town.user("staff"))
    assert _client(town.user("staff")).get(_status_url(task)).status_code == 405


# --- a page at a time ---------------------------------------------------------------------------------------


def _tasks(town, me, count: int, *, first_due: int = -5, **fields) -> None:
    """``count`` tasks of ``me``, each on its own project, due a day apart from ``first_due`` days from today."""
    for index in range(count):
        project = town.project(Stage.IMPLEMENTATION, ready=False, title=f"Projekt {index:03d}")
        TaskFactory(
            project=project, assignee=me, title=f"Úkol {index:03d}", due_date=_days(first_due + index), **fields
        )


def _rows(html: str) -> int:
    return html.count('class="task-row')


def test_a_page_holds_page_size_tasks_and_says_how_many_there_are(town):
    me = town.user("staff")
    _tasks(town, me, PAGE_SIZE + 3)
    client = _client(me)

    first = client.get(MY_TASKS).content.decode()
    assert _rows(first) == PAGE_SIZE
    assert "Úkol 000" in first and f"Úkol {PAGE_SIZE:03d}" not in first  # due soonest first
    assert "53 úkolů, z toho 5 po termínu" in " ".join(first.split())
    assert '<nav class="pagination" aria-label="Stránky vašich úkolů">' in first
    assert '<span aria-current="page">1</span>' in first
    assert 'href="?page=2" hx-get="?page=2" hx-target="#my-tasks"' in first
    assert 'rel="next"' in first and 'rel="prev"' not in first

    second = client.get(MY_TASKS, {"page": "2"}).content.decode()
    assert _rows(second) == 3 and f"Úkol {PAGE_SIZE + 2:03d}" in second
    assert '<span aria-current="page">2</span>' in second and 'rel="prev"' in second
    # Past the end or nonsense: the nearest page, not an error.
    assert _rows(client.get(MY_TASKS, {"page": "99"}).content.decode()) == 3
    assert _rows(client.get(MY_TASKS, {"page": "abc"}).content.decode()) == PAGE_SIZE


def test_a_short_list_has_no_pager(town):
    me = town.user("staff")
    _tasks(town, me, 2)
    html = _client(me).get(MY_TASKS).content.decode()
    assert _rows(html) == 2 and 'class="pagination"' not in html
    assert "2 úkoly" in html and "po termínu" in html


def test_page_links_keep_the_finished_filter_and_htmx_gets_the_list_alone(town):
    me = town.user("staff")
    _tasks(town, me, PAGE_SIZE, first_due=1)
    _tasks(town, me, 2, first_due=PAGE_SIZE + 5, status="done")
    client = _client(me)

    finished = client.get(MY_TASKS, {"finished": "1"}).content.decode()
    assert 'href="?finished=1&amp;page=2"' in finished
    assert "po termínu" not in finished  # none of the open ones is overdue, and done ones never are
    fragment = client.get(MY_TASKS, {"finished": "1", "page": "2"}, **HTMX).content.decode()
    assert "<html" not in fragment and fragment.strip().startswith('<div id="my-tasks">')
    assert _rows(fragment) == 2 and 'name="finished" value="1"' in fragment
    # Open tasks only: exactly one page.
    assert 'class="pagination"' not in client.get(MY_TASKS).content.decode()


def test_a_plain_status_change_comes_back_to_the_same_page(town):
    me = town.user("staff")
    _tasks(town, me, PAGE_SIZE + 1)
    task = Task.objects.get(title=f"Úkol {PAGE_SIZE:03d}")
    client = _client(me)
    assert 'name="page" value="2"' in client.get(MY_TASKS, {"page": "2"}).content.decode()

    response = client.post(_status_url(task), {"status": "done", "page": "2"})
    assert response.status_code == 302 and response["Location"] == f"{MY_TASKS}?page=2"
    response = client.post(_status_url(task), {"status": "open", "page": "2", "finished": "1"})
    assert response["Location"] == f"{MY_TASKS}?finished=1&page=2"
    assert client.post(_status_url(task), {"status": "done", "page": "x"})["Location"] == MY_TASKS


# --- query counts -------------------------------------------------------------------------------------------

# session, user, roles, the count aggregate, the page of tasks (with their projects)
PINNED_MY_TASKS_QUERIES = 5


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("role", ["staff", "partner"])
def test_my_tasks_costs_the_same_for_one_task_and_many_pages(town, role, htmx, django_assert_num_queries):
    me = town.user(role)
    client = _client(me)
    headers = HTMX if htmx else {}
    _tasks(town, me, 1)
    client.get(MY_TASKS)  # the first request after sign-in also refreshes the session
    with django_assert_num_queries(PINNED_MY_TASKS_QUERIES):
        assert _rows(client.get(MY_TASKS, **headers).content.decode()) == 1
    _tasks(town, me, 2 * PAGE_SIZE + 1)
    with django_assert_num_queries(PINNED_MY_TASKS_QUERIES):
        assert _rows(client.get(MY_TASKS, {"page": "2"}, **headers).content.decode()) == PAGE_SIZE
