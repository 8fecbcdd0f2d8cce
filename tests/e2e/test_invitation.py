"""A project manager invites a partner guest in the browser; the guest opens the mailed link in Chromium,
sets a password and lands on the project shared with them."""

import re
from datetime import timedelta

from django.core import mail
from playwright.sync_api import expect

from backend.accounts.models import Invitation, User
from backend.notifications.outbox import deliveries_sweep
from backend.projects.models import Project
from backend.projects.stages import TERMINAL_STAGES

GUEST_EMAIL = "lucie.mala@energosmart.example"
PASSWORD = "Solarni-strechy-2027"


def test_invite_accept_and_land_on_the_project(browse):
    project = (
        Project.objects.filter(manager__username="pm.novak").exclude(stage__in=TERMINAL_STAGES).order_by("pk").first()
    )
    manager = browse.page_for("pm.novak")
    manager.goto(browse.url("web:project_detail", project.pk))
    manager.locator(f"a[href='/projects/{project.pk}/partners/']").click()
    manager.wait_for_url(re.compile(rf"/projects/{project.pk}/partners/$"))
    manager.locator("#invite-email").fill(GUEST_EMAIL)
    manager.locator("#invite-organization").select_option(label="EnergoSmart s.r.o.")
    manager.locator("#invite-language").select_option("cs")
    browse.shot(manager, "invite-form")
    manager.locator("#partners-section form.stacked-form button[type=submit]").click()
    expect(manager.locator("#partners-section [role=status]")).to_be_visible()
    expect(manager.locator("#partners-section .invitations")).to_contain_text(GUEST_EMAIL)
    browse.shot(manager, "invited")
    assert Invitation.objects.filter(email=GUEST_EMAIL, projects=project).exists()

    # The worker's job (or the sweep's, when no worker listens): the mail goes out.
    deliveries_sweep(older_than=timedelta(0))
    message = [m for m in mail.outbox if m.to == [GUEST_EMAIL]][-1]
    link = re.search(r"https?://\S+/invitations/accept/\S+/", message.body).group(0)
    path = link.split("/invitations/", 1)[1]

    guest = browse.page_for(None)
    guest.goto(f"{browse.live_server_url}/invitations/{path}")
    guest.locator("#id_first_name").fill("Lucie")
    guest.locator("#id_last_name").fill("Malá")
    guest.locator("#id_password").fill(PASSWORD)
    guest.locator("#id_password_again").fill(PASSWORD)
    browse.shot(guest, "accept-form")
    guest.locator("main form button[type=submit]").click()
    guest.wait_for_url(re.compile(r"/projects/$"))
    expect(guest.locator("main")).to_contain_text(project.title)
    browse.shot(guest, "guest-projects")
    guest.locator("main").get_by_role("link", name=project.title).first.click()
    guest.wait_for_url(re.compile(rf"/projects/{project.pk}/$"))
    expect(guest.locator("h1")).to_contain_text(project.title)
    assert User.objects.get(email=GUEST_EMAIL).first_name == "Lucie"

    # The link worked once: opening it again shows the refusal and creates nothing.
    again = browse.page_for(None)
    again.goto(f"{browse.live_server_url}/invitations/{path}")
    expect(again.locator("[data-reason=used]")).to_be_visible()
    assert User.objects.filter(email=GUEST_EMAIL).count() == 1
    browse.shot(again, "link-used")
