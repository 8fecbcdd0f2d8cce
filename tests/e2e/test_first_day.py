"""A new user's whole first day in Město Vzorov (issue 11), in Chromium and in Czech, as each person sees it.

pm.novak creates an idea, submits it, records its assessment from the blocker's own link and asks for funding;
head.env approves it from the inbox (four-eyes: not his own request) and the inbox counter drops; the requester
is told of the decision. pm.novak then gives partner.ngo a task on the shared compost project; the partner
finishes it and answers with an @mention; pm.novak reads both in his notifications, and the mention leads to
the comment itself. Every screen on the way is checked with axe and at 320 px.
"""

import re

from django.urls import reverse
from playwright.sync_api import expect

from backend.accounts.models import Department, User
from backend.projects.choices import TaskStatus
from backend.projects.models import Comment, Project, Task
from backend.projects.stages import Stage
from workflows.models import ApprovalRequest, ApprovalStatus

IDEA_TITLE = "Chytré lavičky se solárním nabíjením v parcích"
SHARED_PROJECT = "Komunitní kompostárna a sběr bioodpadu ze sídlišť"
TASK_TITLE = "Připravit rozpis dobrovolníků na jarní svoz"
PARTNER_ANSWER = "Rozpis je hotový, posíláme ho ke kontrole."


def _option(page, name: str):
    return page.locator(f"#transition-panel li:has(input[name=name][value={name}])")


def test_a_whole_first_day(browse):
    novak = User.objects.get(username="pm.novak")
    partner_user = User.objects.get(username="partner.ngo")

    # --- pm.novak: a new idea, submitted -----------------------------------------------------------------
    manager = browse.page_for("pm.novak")
    manager.goto(browse.url("web:project_create"))
    browse.check_a11y(manager)
    manager.locator("#id_title").fill(IDEA_TITLE)
    manager.locator("#id_summary").fill("Lavičky s nabíjením a měřením mikroklimatu.")
    manager.locator("#id_description").fill("Dvanáct laviček s fotovoltaickým panelem a čidlem teploty.")
    env = Department.objects.get(code="ENV", municipality__name="Město Vzorov")
    manager.locator("#id_lead_department").select_option(str(env.pk))
    manager.locator("#id_thematic_area").select_option("energy")
    manager.locator("#id_estimated_cost").fill("1 200 000")  # Czech thousands separators are accepted
    manager.locator("#project-form button[type=submit]").click()
    manager.wait_for_url(re.compile(r"/projects/\d+/$"))
    project = Project.objects.get(title=IDEA_TITLE)
    assert str(project.estimated_cost) == "1200000.00"
    expect(manager.locator("main")).not_to_contain_text("{#")
    _option(manager, "submit").locator("button[type=submit]").click()
    expect(manager.locator("#project-stage")).to_contain_text("Posouzení")
    browse.check_a11y(manager)

    # --- the blocker leads to the small assessment form; then funding is requested ------------------------
    manager.reload()
    approve = _option(manager, "approve_for_funding")
    expect(approve.locator(".blockers")).to_contain_text("Posouzení (skóre a shrnutí) nebylo zaznamenáno.")
    approve.get_by_role("link", name="Zaznamenat posouzení").click()
    form = manager.locator("#overview-section form")
    expect(form).to_contain_text("0 až 100 bodů")
    form.locator("#project-assessment_score").fill("72")
    form.locator("#project-assessment_summary").fill("Přínosné pro klima ve městě, levný provoz.")
    form.locator("button[type=submit]").click()
    expect(manager.locator("#overview-section")).to_contain_text("72 / 100")
    approve.locator("button[type=submit]").click()
    expect(manager.locator("#transition-notice")).to_be_focused()
    approval = ApprovalRequest.objects.get(project=project, transition="approve_for_funding")
    assert approval.status == ApprovalStatus.PENDING
    browse.shot(manager, "funding-requested")

    # --- head.env decides from the inbox, with what he needs on the card -----------------------------------
    head = browse.page_for("head.env")
    head.goto(browse.url("web:approvals"))
    browse.check_a11y(head)
    card = head.locator(f"#approval-{approval.pk}")
    expect(card).to_contain_text(IDEA_TITLE)
    expect(card).to_contain_text("72")  # the assessment score, no other page needed
    expect(card).to_contain_text("1 200 000")
    badge = head.locator(".approvals-badge")
    expect(badge).to_have_text(re.compile(r"^\d+$"))  # loaded after the page, by htmx
    pending_before = int(badge.inner_text())
    assert pending_before >= 1
    card.locator("textarea[name=comment]").fill("Souhlasím, zařaďte do výzvy NZÚ.")
    card.locator("button[name=decision][value=approve]").click()
    expect(head.locator(f"#approval-{approval.pk} [role=status]")).to_contain_text("Financování")
    expect(badge).to_have_text(str(pending_before - 1) if pending_before > 1 else "")
    project.refresh_from_db()
    assert project.stage == Stage.FUNDING
    browse.shot(head, "approved")

    # --- the requester hears of the decision -------------------------------------------------------------
    manager.goto(browse.url("web:notifications"))
    granted = manager.locator(".notification", has_text="Schválení uděleno").filter(has_text=IDEA_TITLE)
    expect(granted.first).to_be_visible()
    expect(granted.first.locator("a").first).to_have_attribute(
        "href", re.compile(re.escape(reverse("web:project_tab", args=[project.pk, "approvals"])))
    )
    browse.check_a11y(manager)

    # --- a task for the partner on the shared project ----------------------------------------------------
    shared = Project.objects.get(title=SHARED_PROJECT)
    manager.goto(browse.url("web:project_tab", shared.pk, "tasks"))
    manager.locator("#tasks-section details.add-form summary").click()
    manager.locator("#task-new-title").fill(TASK_TITLE)
    manager.locator("#task-new-assignee").select_option(str(partner_user.pk))
    manager.locator("#tasks-section form.stacked-form button[type=submit]").click()
    expect(manager.locator("#tasks-section")).to_contain_text(TASK_TITLE)
    task = Task.objects.get(project=shared, title=TASK_TITLE)
    assert task.assignee == partner_user

    # --- partner.ngo finishes it and answers with a mention ----------------------------------------------
    partner = browse.page_for("partner.ngo")
    partner.goto(browse.url("web:my_tasks"))
    expect(partner.locator("main")).to_contain_text(TASK_TITLE)
    browse.check_a11y(partner)
    partner.goto(browse.url("web:project_tab", shared.pk, "tasks"))
    partner.locator(f"#task-{task.pk}-status").select_option(TaskStatus.DONE)
    partner.locator(f"#task-{task.pk}-status-button").click()
    expect(partner.locator(f"#task-{task.pk} [role=status]")).to_be_visible()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    partner.goto(browse.url("web:project_tab", shared.pk, "comments"))
    expect(partner.locator("#comment-body-help")).to_contain_text("@pm.novak")
    partner.locator("#comment-body").fill(f"@pm.novak {PARTNER_ANSWER}")
    partner.locator("form.comment-form button[type=submit]").click()
    expect(partner.locator("#comments-section .comment-list")).to_contain_text(PARTNER_ANSWER)
    comment = Comment.objects.get(project=shared, body__contains=PARTNER_ANSWER)
    browse.check_a11y(partner)

    # --- pm.novak reads his notifications: the task done, and the mention leading to the comment ---------
    manager.goto(browse.url("web:notifications") + "?filter=mentions")
    mention = manager.locator(".notification-mention").first
    expect(mention).to_contain_text("Zmínka")
    expect(mention.locator(".notification-preview")).to_contain_text(PARTNER_ANSWER)
    browse.shot(manager, "mentions")
    mention.locator("a").first.click()
    manager.wait_for_url(re.compile(rf"/projects/{shared.pk}/comments/#comment-{comment.pk}$"))
    expect(manager.locator(f"#comment-{comment.pk}")).to_contain_text(PARTNER_ANSWER)
    expect(manager.locator(f"#comment-{comment.pk}")).to_be_in_viewport()

    manager.goto(browse.url("web:notifications"))
    manager.get_by_role("button", name=re.compile("Označit vše")).first.click()
    expect(manager.locator(".notification-unread")).to_have_count(0)
    assert not novak.notifications.filter(read_at__isnull=True).exists()
    browse.shot(manager, "all-read")

    assert browse.console.errors == []
