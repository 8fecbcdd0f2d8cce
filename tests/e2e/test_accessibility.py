"""Every screen, for the people who use it, passes axe (WCAG 2.1 A and AA) at 1366×768 and reflows at 320 px.

One browser context per role over one demo town, so the whole tour stays quick; all problems are collected and
reported together. The phone header (a <details> menu) is checked to work without a script too.
"""

from django.urls import reverse
from playwright.sync_api import expect

from backend.accounts.invitations import invitation_token
from backend.accounts.models import PartnerOrganization, User
from backend.projects.invitations import invitation_create
from backend.projects.models import Project
from tests.e2e.conftest import Browse

# A project in implementation managed by pm.novak with both partners invited: every tab has content.
SHOWCASE = "Fotovoltaické elektrárny"
STAFF_TABS = ("overview", "tasks", "comments", "funding", "kpis", "history", "approvals", "attachments")
PARTNER_TABS = ("overview", "tasks", "comments", "kpis", "history", "attachments")


def _tab(project: Project, tab: str) -> tuple[str, list]:
    if tab == "overview":
        return "web:project_detail", [project.pk]
    return "web:project_tab", [project.pk, tab]


def test_every_screen_passes_axe_and_reflows(browse):
    project = Project.objects.get(title__startswith=SHOWCASE)
    organization = PartnerOrganization.objects.get(name__startswith="Zelená Vzorov")
    task, funding, kpi = project.tasks.first(), project.funding_applications.first(), project.kpis.first()
    invitation = invitation_create(
        actor=User.objects.get(username="pm.novak"),
        email="nova.hostka@example.org",
        organization=organization,
        projects=[project],
    )
    accept = ("web:invitation_accept", [invitation_token(invitation=invitation)])
    screens = {
        "pm.novak": [
            ("web:dashboard", []),
            ("web:board", []),
            ("web:project_list", []),
            *(_tab(project, tab) for tab in STAFF_TABS),
            ("web:project_edit", [project.pk]),
            ("web:project_edit_part", [project.pk, "assessment"]),
            ("web:project_edit_part", [project.pk, "evaluation"]),
            ("web:project_task_edit", [project.pk, task.pk]),
            ("web:project_funding_update", [project.pk, funding.pk]),
            ("web:project_kpi_update", [project.pk, kpi.pk]),
            ("web:project_create", []),
            ("web:my_tasks", []),
            ("web:notifications", []),
            ("web:profile", []),
            # The link of an invitation opened while signed in as someone else: asks first.
            accept,
        ],
        "head.env": [("web:approvals", [])],
        "coordinator": [
            ("web:dashboard", []),  # with the panel of citizen ideas
            ("portal:idea_queue", []),  # with the internal comments
            ("web:approvals", []),
            ("web:project_partners", [project.pk]),
            ("web:organization_list", []),
            ("web:organization_detail", [organization.pk]),
            ("web:organization_revoke", [organization.pk]),
            ("web:project_partner_revoke", [project.pk, organization.pk]),
            ("web:audit", []),
            ("integrations:webhooks", []),
            ("integrations:project_import", []),
            ("integrations:calls", []),
            ("integrations:project_calls", [project.pk]),
            ("energy:overview", []),
            ("energy:consumption_import", []),
            ("energy:inventory_new", []),  # the grid of sector × carrier inputs
            ("energy:degree_days_import", []),
            ("web:former_guests", []),
        ],
        "partner.ngo": [
            ("web:dashboard", []),
            ("web:board", []),
            ("web:project_list", []),
            *(_tab(project, tab) for tab in PARTNER_TABS),
            ("web:my_tasks", []),
            ("web:notifications", []),
            ("web:profile", []),
        ],
    }
    problems = []
    for username, pages in screens.items():
        page = browse.page_for(username)
        for name, args in pages:
            response = page.goto(browse.url(name, *args))
            assert response.status == 200, f"{username} {name}: {response.status}"
            problems += [f"{username} {problem}" for problem in browse.a11y_problems(page)]
        if username == "partner.ngo":
            # The address of a tab partners never see: the application's own 404 page, which must pass too.
            response = page.goto(browse.url("web:project_tab", project.pk, "funding"))
            assert response.status == 404
            expect(page.locator("main h1")).to_have_text("Stránka nebyla nalezena")
            problems += [f"{username} {problem}" for problem in browse.a11y_problems(page)]
            # What a partner may see but not change: the application's own 403 page.
            response = page.goto(browse.url("web:project_edit", project.pk))
            assert response.status == 403
            problems += [f"{username} {problem}" for problem in browse.a11y_problems(page)]
        page.context.close()

    anonymous = browse.page_for(None)
    for path in (reverse("web:login"), "/no-such-page/", reverse(accept[0], args=accept[1])):
        anonymous.goto(browse.live_server_url + path)
        problems += [f"anonymous {problem}" for problem in browse.a11y_problems(anonymous)]

    assert not problems, "Accessibility problems:\n" + "\n".join(problems)


def test_the_header_is_one_line_on_a_phone_and_its_menu_needs_no_script(browse):
    page = browse.page_for("pm.novak")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(browse.url("web:approvals"))
    header = page.locator(".site-header")
    menu = page.locator(".site-menu > summary")
    navigation = page.get_by_role("navigation", name="Hlavní navigace")

    assert header.bounding_box()["height"] < 70
    expect(navigation).to_be_hidden()
    browse.shot(page, "phone-header", full_page=False)

    menu.click()

    expect(navigation).to_be_visible()
    expect(page.get_by_role("link", name="Moje úkoly")).to_be_visible()
    language = page.locator("#language-select")
    expect(language).to_be_visible()
    assert language.bounding_box()["width"] > 60  # the select shows its language, not only its arrow
    expect(language.locator("option[value=en]")).to_have_text("English")
    browse.shot(page, "phone-menu-open", full_page=False)

    page.set_viewport_size({"width": 1366, "height": 768})
    expect(menu).to_be_hidden()
    expect(navigation).to_be_visible()

    # Wide screens show the navigation whether the <details> is open or not, with scripts off as well.
    context = browse.new_context(locale="cs-CZ", viewport={"width": 1366, "height": 768}, java_script_enabled=False)
    page = context.new_page()
    browse.sign_in(page, "pm.novak")
    page.goto(browse.url("web:board"))

    expect(page.get_by_role("navigation", name="Hlavní navigace")).to_be_visible()
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    page.get_by_role("link", name="Moje úkoly").click()
    expect(page.locator("main h1")).to_have_text("Moje úkoly")


def test_the_checker_reports_axe_violations_and_sideways_scrolling(new_context, chromium_executable, tmp_path):
    """The check itself can fail: an image without a text alternative and a box wider than a phone."""
    checker = Browse(live_server_url="", new_context=new_context, artifacts_dir=tmp_path, test_name="checker")
    page = checker.new_context().new_page()
    page.set_content(
        '<!doctype html><html lang="cs"><head><title>Test</title></head>'
        '<body><main><h1>Test</h1><img src="data:,"><div id="wide"><svg width="900" height="10"></svg></div></main>'
        "</body></html>"
    )

    problems = checker.a11y_problems(page)

    assert any("axe image-alt (critical)" in problem for problem in problems), problems
    assert any("908 px wide at 320 px, scrolls sideways (svg" in problem for problem in problems), problems
