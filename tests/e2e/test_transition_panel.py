"""The transition panel in Chromium: a blocker leads to its small form, the reason boxes open only when
chosen, the focus lands on the outcome after a transition, and on a phone the panel comes before the tabs; and a
partner finds the project manager to @mention."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from backend.accounts.models import Department, User
from backend.projects.models import Project
from backend.projects.stages import Stage
from tests.factories import ProjectFactory


def _option(page, name: str):
    return page.locator(f"#transition-panel li:has(input[name=name][value={name}])")


def test_a_blocker_leads_to_its_fix_and_the_outcome_takes_the_focus(browse):
    project = ProjectFactory(
        lead_department=Department.objects.get(code="ENV", municipality__name="Město Vzorov"),
        manager=User.objects.get(username="pm.novak"),
        stage=Stage.ASSESSMENT,
        title="Sdílené nabíjecí stanice pro elektrokola",
        assessment_score=None,
        assessment_summary="",
    )
    page = browse.page_for("pm.novak")
    page.goto(browse.url("web:project_detail", project.pk))
    approve = _option(page, "approve_for_funding")
    expect(approve.locator(".blockers")).to_contain_text("Posouzení (skóre a shrnutí) nebylo zaznamenáno.")

    # The blocker's link opens the small assessment form in place, with the scale explained.
    approve.get_by_role("link", name="Zaznamenat posouzení").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("web:project_edit_part", args=[project.pk, "assessment"]))))
    form = page.locator("#overview-section form")
    expect(form.locator("input:not([type=hidden]), textarea, select")).to_have_count(2)
    expect(form).to_contain_text("0 až 100 bodů")
    browse.shot(page, "assessment-form")
    form.locator("#project-assessment_score").fill("72")
    form.locator("#project-assessment_summary").fill("Přínosné pro dopravu ve městě, levný provoz.")
    form.locator("button[type=submit]").click()
    expect(page.locator("#overview-section")).to_contain_text("72 / 100")
    expect(approve.locator(".blockers")).to_have_count(0)  # the panel was refreshed with the form

    # Reject's reason box stays closed until reject is chosen; the forward move is the primary button.
    reject = _option(page, "reject")
    expect(reject.locator("textarea[name=comment]")).to_be_hidden()
    reject.locator("summary").click()
    expect(reject.locator("textarea[name=comment]")).to_be_visible()
    expect(approve.locator("button[type=submit]")).to_have_class(re.compile(r"\bprimary\b"))
    expect(reject.locator("button[type=submit]")).to_have_class(re.compile(r"\bdanger\b"))

    # After the transition the focus is on its outcome, not lost with the button that was swapped away.
    approve.locator("button[type=submit]").click()
    expect(page.locator("#transition-notice")).to_be_focused()
    browse.shot(page, "approval-requested")
    assert Project.objects.get(pk=project.pk).approval_requests.filter(transition="approve_for_funding").exists()

    # Beside the tabs on a wide screen, before them on a phone.
    panel, tabs = page.locator("#transition-panel"), page.locator("#project-tabs")
    assert panel.bounding_box()["x"] > tabs.bounding_box()["x"]
    page.set_viewport_size({"width": 390, "height": 844})
    assert panel.bounding_box()["y"] < tabs.bounding_box()["y"]
    browse.shot(page, "phone")


def test_a_partner_finds_the_project_manager_to_mention(browse):
    """partner.ngo on the shared compost project: typing @ and part of a name offers its manager, pm.novak."""
    project = Project.objects.get(title="Komunitní kompostárna a sběr bioodpadu ze sídlišť")
    page = browse.page_for("partner.ngo")
    page.goto(browse.url("web:project_tab", project.pk, "comments"))
    expect(page.locator("#comment-body-help")).to_contain_text(f"@{project.manager.username}")

    page.locator("#comment-body").press_sequentially("Dobrý den, @Nov")
    options = page.locator("#comment-mentions [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text(f"@{project.manager.username}")
    page.keyboard.press("Enter")
    expect(page.locator("#comment-body")).to_have_value(f"Dobrý den, @{project.manager.username} ")
    browse.shot(page, "mention-chosen")
