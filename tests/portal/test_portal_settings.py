"""The coordinator's portal settings (RÚIAN code, open state, introduction) and the staff they name to moderate
citizen ideas: a permission matrix, validation in Czech."""

import pytest
from django.urls import reverse

from backend.accounts.models import Membership
from backend.core.models import AuditAction, AuditEntry
from backend.portal.models import Idea, IdeaStatus

pytestmark = pytest.mark.django_db


def _settings_url(town) -> str:
    return reverse("portal:settings", args=[town.municipality.pk])


def _save(client, town, **fields):
    data = {"part": "settings", "is_open": "on", "introduction": "Vítejte.", "ruian_code": "554782", **fields}
    return client.post(_settings_url(town), data)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("coordinator", 200),
        ("lead_head", 403),
        ("manager", 403),
        ("staff", 403),
        ("partner", 404),
        ("other_coordinator", 404),
    ],
)
def test_only_the_coordinator_opens_and_saves_the_portal_settings(client, town, portal, role, status):
    client.force_login(town.user(role))
    assert client.get(_settings_url(town)).status_code == status
    response = _save(client, town)
    assert response.status_code == (302 if status == 200 else status)
    portal.refresh_from_db()
    assert portal.ruian_code == (554782 if status == 200 else None)


def test_anonymous_is_sent_to_sign_in(client, town, portal):
    assert client.get(_settings_url(town)).status_code == 302


@pytest.mark.parametrize("code", ["55478a", "-1", "١٢٣", "0", "1234567890"])
def test_a_ruian_code_that_is_not_digits_is_a_czech_error_and_saves_nothing(client, town, portal, code):
    client.force_login(town.user("coordinator"))
    response = _save(client, town, ruian_code=code, introduction="Změna")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kód RÚIAN se skládá jen z číslic" in page or "nejvýše 9 znaků" in page
    portal.refresh_from_db()
    assert portal.ruian_code is None and portal.introduction != "Změna"


def test_the_settings_are_saved_and_the_code_can_be_cleared(client, town, portal):
    client.force_login(town.user("coordinator"))
    assert _save(client, town).status_code == 302
    page = client.get(_settings_url(town)).content.decode()
    assert 'value="554782"' in page and "Nastavení portálu bylo uloženo." in page
    assert _save(client, town, ruian_code="", is_open="").status_code == 302
    portal.refresh_from_db()
    assert portal.ruian_code is None and not portal.is_open


def _pending(town) -> Idea:
    return Idea.objects.create(
        municipality=town.municipality,
        title="Lavička",
        description="Text",
        author_name="Jana",
        author_email="jana@example.org",
        status=IdeaStatus.PENDING,
    )


@pytest.mark.parametrize(
    ("role", "named", "queue", "decide"),
    [
        ("staff", False, 403, 404),
        ("staff", True, 200, 302),
        ("manager", True, 200, 302),
        ("lead_head", False, 403, 404),
        ("other_coordinator", False, 200, 404),
        ("partner", False, 403, 404),
    ],
)
def test_the_coordinator_names_who_else_moderates_ideas(client, town, portal, role, named, queue, decide):
    idea = _pending(town)
    if named:
        client.force_login(town.user("coordinator"))
        membership = Membership.objects.get(user=town.user(role))
        page = client.get(_settings_url(town)).content.decode()
        assert f'value="{membership.pk}"' in page
        other = Membership.objects.get(user=town.user("coordinator"))  # a coordinator is no candidate: ignored
        response = client.post(_settings_url(town), {"part": "moderators", "moderator": [membership.pk, other.pk]})
        assert response.status_code == 302
        assert not Membership.objects.get(pk=other.pk).moderates_ideas
        client.logout()
    client.force_login(town.user(role))
    assert client.get(reverse("portal:idea_queue")).status_code == queue
    response = client.post(reverse("portal:idea_decide", args=[idea.pk]), {"decision": "publish"})
    assert response.status_code == decide
    idea.refresh_from_db()
    assert idea.status == (IdeaStatus.PUBLISHED if named else IdeaStatus.PENDING)
    # A moderator of ideas does not change the portal's settings.
    assert client.get(_settings_url(town)).status_code in (403, 404)


def test_the_coordinator_takes_the_moderation_back(client, town, portal):
    membership = Membership.objects.get(user=town.user("staff"))
    Membership.objects.filter(pk=membership.pk).update(moderates_ideas=True)
    client.force_login(town.user("coordinator"))
    assert client.post(_settings_url(town), {"part": "moderators"}).status_code == 302
    client.logout()
    client.force_login(town.user("staff"))
    assert client.get(reverse("portal:idea_queue")).status_code == 403


def test_only_the_coordinator_names_moderators(client, town, portal):
    membership = Membership.objects.get(user=town.user("staff"))
    client.force_login(town.user("manager"))
    response = client.post(_settings_url(town), {"part": "moderators", "moderator": [membership.pk]})
    assert response.status_code == 403
    assert not Membership.objects.get(pk=membership.pk).moderates_ideas


# --- the coordinator's decisions in the audit log ------------------------------------------------------------------


def _decisions(town, action):
    return list(AuditEntry.objects.filter(action=action, municipality=town.municipality).order_by("pk"))


def test_changed_settings_are_in_the_audit_log_with_what_changed(client, town, portal):
    client.force_login(town.user("coordinator"))
    assert _save(client, town, introduction="Vítejte.", ruian_code="554782").status_code == 302
    [entry] = _decisions(town, AuditAction.PORTAL_SETTINGS_CHANGED)
    assert entry.actor == town.user("coordinator") and entry.object_type == "portal"
    assert entry.object_id == str(portal.pk)
    assert entry.details["changes"] == {
        "introduction": {"from": "Vítejte v **Vzorově**.", "to": "Vítejte."},
        "ruian_code": {"from": None, "to": 554782},
    }
    assert entry.details["message"] == "Změněno: úvod, Kód obce v RÚIAN."
    assert _save(client, town, introduction="Vítejte.", ruian_code="554782").status_code == 302  # nothing new
    assert len(_decisions(town, AuditAction.PORTAL_SETTINGS_CHANGED)) == 1
    closed = client.post(_settings_url(town), {"part": "settings", "introduction": "x" * 5000, "ruian_code": ""})
    assert closed.status_code == 302
    entry = _decisions(town, AuditAction.PORTAL_SETTINGS_CHANGED)[-1]
    assert entry.details["changes"]["is_open"] == {"from": True, "to": False}
    assert len(entry.details["changes"]["introduction"]["to"]) == 200
    page = client.get(reverse("web:audit")).content.decode()
    assert "Změna nastavení portálu" in page and "Změněno: otevřen veřejnosti, úvod, Kód obce v RÚIAN." in page


def test_who_was_given_or_lost_moderation_is_in_the_audit_log(client, town, portal):
    staff = Membership.objects.get(user=town.user("staff"))
    head = Membership.objects.get(user=town.user("lead_head"))
    town.user("staff").first_name, town.user("staff").last_name = "Jana", "Malá"
    town.user("staff").save()
    client.force_login(town.user("coordinator"))
    assert client.post(_settings_url(town), {"part": "moderators", "moderator": [staff.pk]}).status_code == 302
    [granted] = _decisions(town, AuditAction.IDEA_MODERATORS_CHANGED)
    assert [person["membership"] for person in granted.details["granted"]] == [staff.pk]
    assert granted.details["revoked"] == [] and granted.details["message"] == "Nově moderují: Jana Malá."
    # The same list again changes nothing and records nothing.
    assert client.post(_settings_url(town), {"part": "moderators", "moderator": [staff.pk]}).status_code == 302
    assert len(_decisions(town, AuditAction.IDEA_MODERATORS_CHANGED)) == 1
    assert client.post(_settings_url(town), {"part": "moderators", "moderator": [head.pk]}).status_code == 302
    swapped = _decisions(town, AuditAction.IDEA_MODERATORS_CHANGED)[-1]
    assert [person["membership"] for person in swapped.details["granted"]] == [head.pk]
    assert [person["username"] for person in swapped.details["revoked"]] == [town.user("staff").username]
    assert "Už nemoderují: Jana Malá." in swapped.details["message"]
    assert swapped.actor == town.user("coordinator")
    page = client.get(reverse("web:audit")).content.decode()
    assert "Změna moderátorů podnětů občanů" in page


def test_a_refused_change_of_moderators_records_no_decision(client, town, portal):
    membership = Membership.objects.get(user=town.user("staff"))
    client.force_login(town.user("manager"))
    assert client.post(_settings_url(town), {"part": "moderators", "moderator": [membership.pk]}).status_code == 403
    assert _decisions(town, AuditAction.IDEA_MODERATORS_CHANGED) == []


@pytest.mark.parametrize("junk", ["²", "٣", "9" * 40, "-1", "x"])
def test_junk_moderator_ids_are_ignored_and_another_towns_staff_cannot_be_named(client, town, portal, junk):
    """Superscript and Arabic-Indic digits pass ``str.isdigit`` but not ``int``; a 40-digit id is beyond any key."""
    mine = Membership.objects.get(user=town.user("staff"))
    theirs = Membership.objects.get(user=town.user("other_coordinator"))
    client.force_login(town.user("coordinator"))
    response = client.post(_settings_url(town), {"part": "moderators", "moderator": [junk, mine.pk, theirs.pk]})
    assert response.status_code == 302
    assert Membership.objects.get(pk=mine.pk).moderates_ideas
    assert not Membership.objects.get(pk=theirs.pk).moderates_ideas
