"""Following a public project in Chromium: the follow form from the project page, the confirmation from the
e-mail, the news with its subscriptions page, and ending the subscription; every page passes axe (WCAG 2.1 AA)."""

import re

from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from backend.portal.models import ProjectFollower
from backend.projects.models import Project
from backend.projects.updates import project_update_publish
from tests.mail import outbox_send_all

SHOWCASE = "Fotovoltaické elektrárny"
CITIZEN = "eva.sledujici@example.org"


def _last_mail_to(address: str):
    outbox_send_all()  # the worker's job
    return [message for message in mail.outbox if message.to == [address]][-1]


def test_a_citizen_follows_a_project_hears_of_it_and_ends_the_subscription(browse):
    project = Project.objects.get(title__startswith=SHOWCASE)
    page = browse.page_for(None)
    problems = []

    page.goto(browse.live_server_url + reverse("portal:project", args=["vzorov", project.pk]))
    page.get_by_role("link", name="Sledovat e-mailem").click()
    expect(page.locator("main h1")).to_contain_text("Sledovat projekt")
    problems += browse.a11y_problems(page)
    page.get_by_label("Váš e-mail").fill(CITIZEN)
    page.get_by_label("Souhlasím se zpracováním").check()
    page.get_by_role("button", name="Sledovat projekt").click()
    expect(page.locator("[role=status]")).to_contain_text("Poslali jsme vám e-mail")
    browse.shot(page, "follow-sent")

    link = re.search(r"http\S+/obec/odber/potvrdit/\S+/", _last_mail_to(CITIZEN).body).group(0)
    page.goto(browse.live_server_url + "/obec/" + link.split("/obec/", 1)[1])
    problems += browse.a11y_problems(page)
    page.get_by_role("button", name="Potvrdit sledování").click()
    expect(page.locator("main h1")).to_have_text("Sledujete projekt")
    assert ProjectFollower.objects.get(email=CITIZEN).confirmed_at is not None

    project_update_publish(actor=project.manager, project=project, title="Panely jsou zapojené", body="Vyrábějí.")
    news = _last_mail_to(CITIZEN)
    assert "Panely jsou zapojené" in news.body
    manage = re.search(r"(http\S+/obec/odber/[^/\s]+/)\s", news.body).group(1)
    page.goto(browse.live_server_url + "/obec/" + manage.split("/obec/", 1)[1])
    expect(page.locator("main")).to_contain_text(project.title)
    problems += browse.a11y_problems(page)
    browse.shot(page, "subscriptions")

    unsubscribe = news.extra_headers["List-Unsubscribe"].strip("<>")
    page.goto(browse.live_server_url + "/obec/" + unsubscribe.split("/obec/", 1)[1])
    problems += browse.a11y_problems(page)
    page.get_by_role("button", name="Odhlásit odběr").click()
    expect(page.locator("main h1")).to_have_text("Odběr je odhlášen")
    problems += browse.a11y_problems(page)
    assert not ProjectFollower.objects.filter(email=CITIZEN).exists()
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)
