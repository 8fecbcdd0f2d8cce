"""In Chromium, on the demo: Vzorov's coordinator shares a project with the DSO Mikroregion Vzorovsko from the
project page (htmx swaps the section in place), and Lhota's coordinator withdraws Lhota from the project Vzorov
shares with it and is taken back to their projects, where it is gone."""

import re

from playwright.sync_api import expect

from backend.accounts.models import Municipality
from backend.projects.models import Project

SHARED_WITH_LHOTA = "Varovný a informační systém obyvatel"


def test_share_from_the_page_and_lhota_withdraws(browse):
    project = Project.objects.get(title=SHARED_WITH_LHOTA)
    lhota_town = Municipality.objects.get(name="Obec Lhota")
    coordinator = browse.page_for("coordinator")
    coordinator.goto(browse.url("web:project_detail", project.pk))
    expect(coordinator.locator("#overview-section")).to_contain_text("Obec Lhota")
    coordinator.get_by_role("link", name="Sdílení s obcemi").click()
    coordinator.wait_for_url(re.compile(rf"/projects/{project.pk}/sharing/$"))
    browse.check_a11y(coordinator)
    coordinator.locator("#share-municipality").select_option(label="Mikroregion Vzorovsko")
    coordinator.locator("#sharing-section .share-form button[type=submit]").click()
    expect(coordinator.locator("#sharing-section [role=status]")).to_contain_text("Mikroregion Vzorovsko")
    expect(coordinator.locator("#sharing-section .shared-municipalities")).to_contain_text("Mikroregion Vzorovsko")
    browse.shot(coordinator, "shared")
    assert set(project.shared_with.values_list("name", flat=True)) == {"Obec Lhota", "Mikroregion Vzorovsko"}

    lhota = browse.page_for("coordinator.lhota")
    lhota.goto(browse.url("web:project_sharing", project.pk))
    # Lhota's coordinator withdraws only Lhota: no button for the DSO's share, no form to share further.
    expect(lhota.locator("#sharing-section button")).to_have_count(1)
    withdraw = lhota.locator(f"#shared-{lhota_town.pk} button")
    expect(withdraw).to_contain_text("Ukončit sdílení")
    browse.shot(lhota, "lhota-sharing")
    withdraw.click()
    lhota.wait_for_url(re.compile(r"/projects/$"))
    expect(lhota.locator("main")).not_to_contain_text(SHARED_WITH_LHOTA)
    assert lhota.goto(browse.url("web:project_detail", project.pk)).status == 404
    assert browse.console.errors == [] and browse.console.csp_violations() == []
