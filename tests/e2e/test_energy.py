"""The energy screens in a real browser over the demo town: axe (WCAG 2.1 A and AA) at 1366×768, reflow at
320 px, the totals the demo seeds, and a consumption file refused with its row number and nothing imported."""

import re

from playwright.sync_api import expect

from backend.energy.models import MonthlyConsumption


def test_the_energy_page_and_the_import_pass_axe_and_reflow(browse, tmp_path):
    page = browse.page_for("coordinator")
    response = page.goto(browse.url("energy:overview"))
    assert response.status == 200
    expect(page.locator("main h1")).to_have_text("Energie a klima")
    expect(page.locator("#energy-by-carrier")).to_contain_text("Elektřina")
    expect(page.locator("#energy-target-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text("−55 %")
    problems = browse.a11y_problems(page)
    browse.shot(page, "energy-overview")

    readings = MonthlyConsumption.objects.count()
    bad = tmp_path / "spotreba.csv"
    bad.write_text("budova;rok;měsíc;energonositel;MWh\nZS-NADRAZNI;2024;1;pára;3,5\n", encoding="utf-8")
    page.goto(browse.url("energy:consumption_import"))
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Zkontrolovat soubor").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"Řádek 2: neznámý energonositel „pára“"))
    problems += browse.a11y_problems(page)
    browse.shot(page, "energy-import-refused")
    assert MonthlyConsumption.objects.count() == readings
    page.context.close()

    staff = browse.page_for("staff.dvorak")
    staff.goto(browse.url("web:dashboard"))
    expect(staff.locator("#dashboard-energy")).to_contain_text("Úspora energie")
    staff.context.close()
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)
