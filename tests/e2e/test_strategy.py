"""Issue 15's day with the living strategy, in Chromium and in Czech: the coordinator opens Vzorov's strategy,
sees which measures lack projects, proposes an amendment and has it approved by recording the board's
resolution, approves a colleague's pending one; the changelog and the diff show both; pm.novak links a project
to a measure and the coverage changes. Every screen is checked with axe and at 320 px."""

import re

from playwright.sync_api import expect

from backend.projects.models import Project
from backend.projects.stages import Stage
from backend.strategy.models import Strategy

STRATEGY = "Strategie Smart City Vzorov 2024–2030"


def test_the_strategy_lives(browse):
    strategy = Strategy.objects.get(title=STRATEGY)
    coordinator = browse.page_for("coordinator")
    coordinator.goto(browse.url("strategy:list"))
    coordinator.get_by_role("link", name=STRATEGY).click()
    without = coordinator.locator("section", has=coordinator.locator("#without-heading"))
    expect(without).to_contain_text("1.1.2")
    expect(without).to_contain_text("3.1.2")
    browse.check_a11y(coordinator)
    browse.shot(coordinator, "strategy")

    # --- the coordinator proposes a new measure; the board's resolution approves it -----------------------
    coordinator.get_by_role("link", name="Navrhnout změnu").click()
    browse.check_a11y(coordinator)
    coordinator.locator("#id_title").fill("Nové opatření 2.1.3 Bezpečné přechody u škol")
    coordinator.locator("#id_reason").fill("Rodiče žádají bezpečné přechody u všech tří základních škol.")
    coordinator.locator("#id_action").select_option("add")
    coordinator.locator("#id_kind").select_option("measure")
    coordinator.locator("#id_code").fill("2.1.3")
    coordinator.locator("#id_item_title").fill("Bezpečné přechody u škol")
    coordinator.locator("#id_parent").fill("2.1")
    coordinator.locator("#id_department").select_option(label="Odbor dopravy")
    coordinator.get_by_role("button", name="Navrhnout").click()
    expect(coordinator.locator(".messages")).to_contain_text("Změna byla navržena.")
    own = coordinator.locator("li.approval-item", has_text="Nové opatření 2.1.3")
    expect(own).to_contain_text("Čeká")
    expect(own.get_by_role("button", name="Schválit")).to_have_count(0)  # four-eyes: not the proposer's own
    own.locator("summary").click()
    own.get_by_label("Číslo usnesení").fill("RM 50/2026")
    own.get_by_label("Datum usnesení").fill("2026-11-30")
    own.get_by_label("Schválil(a)").select_option("board")
    own.get_by_role("button", name="Zapsat a provést").click()
    expect(coordinator.locator(".messages")).to_contain_text("Usnesení bylo zaznamenáno a změna provedena.")

    # --- and approves staff.dvorak's pending amendment -------------------------------------------------------
    colleague = coordinator.locator("li.approval-item", has_text="zóny placeného stání")
    colleague.get_by_role("button", name="Schválit").click()
    expect(coordinator.locator(".messages")).to_contain_text("Vaše rozhodnutí bylo zaznamenáno: Schváleno.")
    changelog = coordinator.locator("#changelog")
    expect(changelog).to_contain_text("Revize 4")
    expect(changelog).to_contain_text("Opatření 2.1.3 Bezpečné přechody u škol: přidáno")
    expect(changelog).to_contain_text("Chytré parkování a zóny placeného stání")

    coordinator.locator("#diff-before").select_option("2")
    coordinator.locator("#diff-after").select_option("4")
    coordinator.get_by_role("button", name="Porovnat").click()
    diff = coordinator.locator("#diff")
    expect(diff).to_contain_text("Revize 2 ve srovnání s revizí 4")
    expect(diff).to_contain_text("Chytré parkování v centru města")
    expect(diff).to_contain_text("Bezpečné přechody u škol")
    browse.check_a11y(coordinator)
    browse.shot(coordinator, "changelog-and-diff")

    # --- pm.novak links a project to measure 1.1.2; the measure no longer lacks projects ---------------------
    project = (
        Project.objects.filter(manager__username="pm.novak", stage__in=(Stage.IDEA, Stage.ASSESSMENT, Stage.FUNDING))
        .order_by("pk")
        .first()
    )
    manager = browse.page_for("pm.novak")
    manager.goto(browse.url("web:project_detail", project.pk))
    manager.get_by_role("link", name="Připojit k opatřením").click()
    browse.check_a11y(manager)
    manager.get_by_label(re.compile(r"1\.1\.2 Energetický management")).check()
    manager.get_by_role("button", name="Uložit").click()
    expect(manager.locator(".messages")).to_contain_text("Strategická opatření projektu byla uložena.")
    manager.goto(browse.url("strategy:detail", strategy.pk))
    without = manager.locator("section", has=manager.locator("#without-heading"))
    expect(without).not_to_contain_text("1.1.2")
    expect(without).to_contain_text("3.1.2")
    browse.shot(manager, "coverage-after-link")


def test_the_coordinator_imports_measures_from_a_spreadsheet(browse, tmp_path):
    from tests.strategy.test_transfer import _xlsx

    strategy = Strategy.objects.get(title=STRATEGY)
    path = tmp_path / "opatreni.xlsx"
    path.write_bytes(_xlsx([["opatření", "2.1.9", "Sdílená kola u nádraží", "", "2.1", "Odbor dopravy"]]))
    coordinator = browse.page_for("coordinator")
    coordinator.goto(browse.url("strategy:detail", strategy.pk))
    coordinator.get_by_role("link", name="Import z XLSX nebo CSV").click()
    browse.check_a11y(coordinator)
    coordinator.locator("#id_file").set_input_files(str(path))
    coordinator.locator("#id_reason").fill("Akční plán mobility 2027.")
    coordinator.get_by_role("button", name="Zkontrolovat řádky").click()
    expect(coordinator.locator("#preview-heading")).to_be_visible()
    expect(coordinator.locator("table")).to_contain_text("Sdílená kola u nádraží")
    browse.check_a11y(coordinator)
    browse.shot(coordinator, "strategy-import-preview")
    coordinator.get_by_role("button", name="Navrhnout řádky jako změnu").click()
    expect(coordinator.locator(".messages")).to_contain_text("Řádky byly navrženy jako změna strategie.")
    expect(coordinator.locator("li.approval-item", has_text="Položky importované ze souboru (1)")).to_contain_text(
        "Čeká"
    )
