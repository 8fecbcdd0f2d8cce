"""A day in Město Vzorov, in the browser and in Czech: an idea goes from the project manager's form through
assessment to the head's approvals inbox and onto the board's funding column; a partner answers on a
shared project and never sees the internal comment.

Selectors are ids, roles and form field names the screens promise; visible Czech words only where they
are the point (stage names, the demo's own texts).
"""

import re

from django.urls import reverse
from playwright.sync_api import expect

from backend.accounts.models import Department, User
from backend.projects.choices import OPEN_TASK_STATUSES
from backend.projects.models import Project, Task
from backend.projects.stages import Stage
from workflows.models import ApprovalRequest, ApprovalStatus

IDEA_TITLE = "Chytré lavičky se solárním nabíjením"
IDEA_DESCRIPTION = (
    "Dvanáct laviček v parcích a u zastávek MHD s fotovoltaickým panelem, USB nabíjením a čidlem teploty "
    "a vlhkosti vzduchu. Data poslouží odboru životního prostředí."
)
# Shared with Zelená Vzorov, z.s. (contribute access) in the demo; it carries an internal remark of pm.novak.
SHARED_PROJECT = "Komunitní kompostárna a sběr bioodpadu ze sídlišť"
SHARED_SEED_COMMENT = "Spolek může kompostárnu provozovat"
INTERNAL_COMMENT = "Interní: rozpočet kompostárny zatím s partnery neprobírat."
PARTNER_COMMENT = "Zelená Vzorov: dobrovolníci jsou připraveni na jarní osvětovou akci."


def _project_url(browse, project: Project, tab: str | None = None) -> str:
    if tab:
        return browse.live_server_url + reverse("web:project_tab", args=[project.pk, tab])
    return browse.live_server_url + reverse("web:project_detail", args=[project.pk])


def _transition_button(page, name: str):
    return page.locator(f"#transition-panel form:has(input[name=name][value={name}]) button[type=submit]")


def _post_comment(page, body: str, *, shared: bool | None) -> None:
    form = page.locator("form.comment-form")
    form.locator("#comment-body").fill(body)
    if shared is not None:
        form.locator(f"input[name=visibility][value={'shared' if shared else 'internal'}]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#comments-section .comment-list")).to_contain_text(body)


def test_idea_to_funding_and_partner_comment(browse):
    # --- pm.novak creates an idea and submits it for assessment ---------------------------------------
    manager = browse.page_for("pm.novak")
    browse.shot(manager, "manager-dashboard")
    manager.goto(browse.url("web:project_create"))
    manager.locator("#id_title").fill(IDEA_TITLE)
    manager.locator("#id_summary").fill("Lavičky s nabíjením a měřením mikroklimatu.")
    manager.locator("#id_description").fill(IDEA_DESCRIPTION)
    env = Department.objects.get(code="ENV", municipality__name="Město Vzorov")
    manager.locator("#id_lead_department").select_option(str(env.pk))
    manager.locator("#id_thematic_area").select_option("energy")
    manager.locator("#id_estimated_cost").fill("1200000")
    browse.shot(manager, "idea-form")
    manager.locator("#project-form button[type=submit]").click()
    manager.wait_for_url(re.compile(r"/projects/\d+/$"))
    project = Project.objects.get(title=IDEA_TITLE)
    expect(manager.locator("#project-stage .stage-badge")).to_have_class(re.compile(r"\bstage-idea\b"))
    browse.shot(manager, "idea-created")

    _transition_button(manager, "submit").click()
    expect(manager.locator("#project-stage .stage-badge")).to_have_class(re.compile(r"\bstage-assessment\b"))
    expect(manager.locator("#project-stage")).to_contain_text("Posouzení")
    browse.shot(manager, "idea-submitted")

    # --- the assessment is recorded, then approval for funding is requested ----------------------------
    manager.locator(f"#overview-section a[href='{reverse('web:project_edit', args=[project.pk])}']").click()
    manager.locator("#project-assessment_score").fill("72")
    manager.locator("#project-assessment_summary").fill("Přínosné pro klima ve městě, levný provoz, ověřená.")
    manager.locator("#overview-section form button[type=submit]").click()
    expect(manager.locator("#overview-section")).to_contain_text("72 / 100")
    browse.shot(manager, "assessment-recorded")
    manager.reload()  # the transition panel shows the gate as it was when the page loaded

    _transition_button(manager, "approve_for_funding").click()
    expect(manager.locator("#transition-panel [role=status]")).to_be_visible()
    approval = ApprovalRequest.objects.get(project=project, transition="approve_for_funding")
    assert approval.status == ApprovalStatus.PENDING
    browse.shot(manager, "approval-requested")

    # --- head.env approves it from the inbox, in place -------------------------------------------------
    head = browse.page_for("head.env")
    head.goto(browse.url("web:approvals"))
    row = head.locator(f"#approval-{approval.pk}")
    expect(row).to_contain_text(IDEA_TITLE)
    expect(row).to_contain_text("Schválit k financování")
    browse.shot(head, "inbox")
    row.locator("textarea[name=comment]").fill("Souhlasím, zařaďte do výzvy NZÚ.")
    row.locator("button[name=decision][value=approve]").click()
    expect(head.locator(f"#approval-{approval.pk} [role=status]")).to_contain_text("Financování")
    expect(head.locator(f"#approval-{approval.pk} button[name=decision]")).to_have_count(0)
    browse.shot(head, "approved-in-place")
    project.refresh_from_db()
    assert project.stage == Stage.FUNDING

    # --- the board shows the project in its new column ------------------------------------------------
    manager.goto(browse.url("web:board"))
    funding_column = manager.locator("section.board-column[aria-labelledby='column-funding']")
    expect(funding_column.get_by_role("link", name=IDEA_TITLE)).to_be_visible()
    expect(manager.locator("section.board-column[aria-labelledby='column-assessment']")).not_to_contain_text(IDEA_TITLE)
    funding_column.get_by_role("link", name=IDEA_TITLE).scroll_into_view_if_needed()
    browse.shot(manager, "board-funding-column")

    # --- an internal remark on the shared project, then the partner's visit -----------------------------
    shared = Project.objects.get(title=SHARED_PROJECT)
    manager.goto(_project_url(browse, shared, "comments"))
    _post_comment(manager, INTERNAL_COMMENT, shared=False)
    browse.shot(manager, "internal-comment")

    partner = browse.page_for("partner.ngo")
    browse.shot(partner, "partner-landing")
    partner.goto(_project_url(browse, shared, "comments"))
    comments = partner.locator("#comments-section")
    expect(comments).to_contain_text(SHARED_SEED_COMMENT)
    expect(comments).not_to_contain_text(INTERNAL_COMMENT)
    expect(partner.locator("#transition-panel")).to_have_count(0)  # partners never move projects
    expect(partner.locator("input[name=visibility][value=internal]")).to_have_count(0)
    _post_comment(partner, PARTNER_COMMENT, shared=None)
    expect(comments).not_to_contain_text(INTERNAL_COMMENT)
    browse.shot(partner, "partner-commented")

    # The partner's own pages: no approvals to decide, only their own tasks, their own notifications.
    partner.goto(browse.url("web:approvals"))
    expect(partner.locator("button[name=decision]")).to_have_count(0)
    browse.shot(partner, "partner-approvals")
    partner.goto(browse.url("web:my_tasks"))
    partner_user = User.objects.get(username="partner.ngo")
    own_open_tasks = Task.objects.filter(assignee=partner_user, status__in=OPEN_TASK_STATUSES)
    expect(partner.locator("#my-tasks tbody tr")).to_have_count(own_open_tasks.count())
    expect(partner.locator("main")).to_contain_text("Průzkum hotových řešení participativního rozpočtu")
    browse.shot(partner, "partner-tasks")
    partner.goto(browse.url("web:notifications"))
    browse.shot(partner, "partner-notifications")

    # The project manager reads the partner's answer next to the internal remark.
    manager.goto(_project_url(browse, shared, "comments"))
    expect(manager.locator("#comments-section")).to_contain_text(PARTNER_COMMENT)
    expect(manager.locator("#comments-section")).to_contain_text(INTERNAL_COMMENT)

    assert browse.console.csp_violations() == []
    assert browse.console.errors == []
