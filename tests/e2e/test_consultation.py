"""The demo's amendment in public consultation, in Chromium: a citizen comments on the running consultation and
confirms it from the e-mail, the coordinator publishes it, the proposer answers, and the answer shows publicly;
the public pages pass axe at 1366 px and reflow at 320 px."""

import re
import uuid

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.mail import outbox_send_all

AMENDMENT = "Otevřená data v opatření 3.1.2"


@pytest.fixture(autouse=True)
def _own_rate_limits(monkeypatch):
    """The citizens' hourly limits count under this test's own keys (the Redis of the run outlives it)."""
    from backend.portal import ideas

    monkeypatch.setattr(ideas, "RATE_KEY_PREFIX", f"test:{uuid.uuid4().hex}")


def test_a_citizen_comment_is_confirmed_published_and_answered(browse):
    citizen = browse.page_for(None)
    citizen.goto(browse.url("portal:consultations", "vzorov"))
    browse.check_a11y(citizen)
    citizen.get_by_role("link", name=AMENDMENT).click()
    expect(citizen.locator("main h1")).to_have_text(AMENDMENT)
    browse.check_a11y(citizen)
    citizen.get_by_label("Vaše připomínka").fill("Zveřejňujte i data o hluku.")
    citizen.get_by_label("Vaše jméno").fill("Eva Občanová")
    citizen.get_by_label("Váš e-mail").fill("eva@example.org")
    citizen.get_by_label("Souhlasím se zpracováním").check()
    citizen.get_by_role("button", name="Odeslat připomínku").click()
    expect(citizen.locator("main h1")).to_have_text("Děkujeme za připomínku")

    outbox_send_all()  # the worker's job
    (message,) = [message for message in mail.outbox if message.to == ["eva@example.org"]]
    link = re.search(r"http\S+/obec/pripominky/potvrdit/\S+/", message.body).group(0)
    citizen.goto(browse.live_server_url + "/obec/" + link.split("/obec/", 1)[1])
    citizen.get_by_role("button", name="Potvrdit připomínku").click()
    expect(citizen.locator("main h1")).to_have_text("Připomínka je potvrzena")

    coordinator = browse.page_for("coordinator")
    coordinator.goto(browse.url("web:notifications"))
    coordinator.get_by_role("link", name=re.compile("Připomínka k projednání čeká na moderaci")).first.click()
    comment = coordinator.locator("section.card", has_text="Eva Občanová")
    comment.get_by_role("button", name="Zveřejnit").click()
    expect(coordinator.locator("section.card", has_text="Eva Občanová")).to_contain_text(re.compile("Zveřejněn"))
    browse.shot(coordinator, "published")

    proposer = browse.page_for("staff.dvorak")
    proposer.goto(coordinator.url)
    comment = proposer.locator("section.card", has_text="Eva Občanová")
    comment.get_by_label("Vaše odpověď").fill("Děkujeme, data o hluku doplníme.")
    comment.get_by_role("button", name="Uložit odpověď").click()
    expect(proposer.locator("section.card", has_text="Eva Občanová")).to_contain_text("Děkujeme, data o hluku")

    # Public pages may be cached for PORTAL_CACHE_SECONDS: a visitor without the earlier copy sees the answer.
    visitor = browse.page_for(None)
    visitor.goto(browse.url("portal:consultations", "vzorov"))
    visitor.get_by_role("link", name=AMENDMENT).click()
    expect(visitor.locator("main")).to_contain_text("Eva Občanová")
    expect(visitor.locator("main")).to_contain_text("Děkujeme, data o hluku doplníme.")
    browse.shot(visitor, "answered")
    browse.check_a11y(visitor)
