"""My tasks and notifications in the browser: the inline status change, marking read, the bell following."""

import re

from playwright.sync_api import expect

from backend.accounts.models import User
from backend.notifications.models import Notification
from backend.projects.models import Task


def _bell_count(page) -> int:
    text = page.locator(".site-header .bell").inner_text().strip()
    return int(text) if text else 0


def test_task_status_and_notifications_inline(browse):
    page = browse.page_for("pm.novak")
    page.goto(browse.url("web:my_tasks"))
    first_row = page.locator("#my-tasks tbody tr").first
    task = Task.objects.get(pk=int(first_row.get_attribute("id").removeprefix("task-")))
    browse.shot(page, "my-tasks")

    # Choosing a status is enough: htmx posts on change and swaps the row.
    first_row.locator("select[name=status]").select_option("done")
    expect(page.locator(f"#task-{task.pk} [role=status]")).to_be_visible()
    expect(page.locator(f"#task-{task.pk} select[name=status]")).to_have_value("done")
    task.refresh_from_db()
    assert task.status == "done"
    browse.shot(page, "my-tasks-changed")

    page.goto(browse.url("web:notifications"))
    page.locator(".site-header .bell").filter(has_text=re.compile(r"\d")).wait_for()
    unread = _bell_count(page)
    manager = User.objects.get(username="pm.novak")
    assert unread == Notification.objects.filter(recipient=manager, read_at__isnull=True).count() > 1
    browse.shot(page, "notifications")

    first = page.locator(".notification-unread").first
    first_id = first.get_attribute("id")
    first.locator("button[type=submit]").click()
    expect(page.locator(f"#{first_id}")).to_have_class(re.compile(r"\bnotification-read\b"))
    expect(page.locator(".site-header .bell")).to_have_text(str(unread - 1))

    page.locator("form.read-all button[type=submit]").click()
    expect(page.locator(".notification-unread")).to_have_count(0)
    expect(page.locator(".site-header .bell")).to_have_text("")
    assert not Notification.objects.filter(recipient=manager, read_at__isnull=True).exists()
    browse.shot(page, "notifications-all-read")


def test_my_tasks_page_in_place_by_htmx_and_the_address_follows(browse):
    from backend.projects.models import Project
    from backend.web.views.tasks import PAGE_SIZE
    from tests.factories import TaskFactory

    manager = User.objects.get(username="pm.novak")
    project = Project.objects.filter(manager=manager).order_by("pk").first()
    for index in range(PAGE_SIZE):
        TaskFactory(project=project, assignee=manager, title=f"Stránkovaný úkol {index:02d}", due_date=None)
    open_tasks = Task.objects.filter(assignee=manager, status__in=("open", "in_progress")).count()
    page = browse.page_for("pm.novak")
    page.goto(browse.url("web:my_tasks"))
    pager = page.get_by_role("navigation", name="Stránky vašich úkolů")
    expect(pager.locator("[aria-current=page]")).to_have_text("1")
    expect(page.locator("#my-tasks tbody tr")).to_have_count(PAGE_SIZE)

    heading = page.locator("h1").element_handle()
    pager.locator("a[rel=next]").click()
    expect(pager.locator("[aria-current=page]")).to_have_text("2")
    expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
    expect(page.locator("#my-tasks tbody tr")).to_have_count(open_tasks - PAGE_SIZE)
    assert heading.evaluate("node => node.isConnected")  # htmx replaced the list, not the page
    browse.shot(page, "my-tasks-page-2")
