"""News of a citizen idea to its author and confirmed supporters (published, answered, turned into a project,
rejected), each with a one-click unsubscribe; once the idea is a project they follow the project's news."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backend.portal.models import Idea, IdeaStatus, IdeaSupport, ProjectFollower
from backend.projects.models import Project
from backend.projects.updates import project_update_publish
from tests.mail import outbox_send_all
from workflows.services import project_transition

pytestmark = pytest.mark.django_db

AUTHOR = "jana@example.org"
FAN = "petr@example.org"
ENGLISH_FAN = "john@example.org"


def _submit(client, **fields) -> Idea:
    data = {
        "title": "Lavička u rybníka",
        "description": "Chybí tam místo k sezení.",
        "thematic_area": "environment",
        "place": "",
        "name": "Jana Občanová",
        "email": AUTHOR,
        "consent": "on",
        "website": "",
        **fields,
    }
    assert client.post(reverse("portal:idea_new", args=["vzorov"]), data).status_code == 302
    idea = Idea.objects.latest("id")
    Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.PENDING)
    return idea


def _mails(address: str) -> list:
    outbox_send_all()
    found = [message for message in mail.outbox if message.to == [address]]
    mail.outbox.clear()
    return found


def _decide(client, idea, **data):
    return client.post(reverse("portal:idea_decide", args=[idea.pk]), data)


def _support(idea, email: str, language: str = "cs") -> IdeaSupport:
    return IdeaSupport.objects.create(idea=idea, email=email, language=language, confirmed_at=timezone.now())


def _path(link: str) -> str:
    return "/obec/" + link.split("/obec/", 1)[1]


def _unsubscribe_link(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = header.strip("<>")
    assert link in message.body
    return link


def test_author_and_supporters_hear_of_each_state_and_then_follow_the_project(client, town, portal):
    idea = _submit(client)
    mail.outbox.clear()
    coordinator = Client()
    coordinator.force_login(town.user("coordinator"))
    assert _decide(coordinator, idea, decision="publish").status_code == 302
    (published,) = _mails(AUTHOR)
    assert published.subject == "Novinka o vašem podnětu „Lavička u rybníka“"
    assert "byl zveřejněn na portálu Město Vzorov" in published.body
    assert f"/obec/vzorov/podnety/{idea.pk}/" in published.body
    _unsubscribe_link(published)

    _support(idea, FAN)
    _support(idea, ENGLISH_FAN, language="en")
    IdeaSupport.objects.create(idea=idea, email="unconfirmed@example.org")  # counts for nothing, hears nothing
    _decide(coordinator, idea, decision="answer", state="assessing", answer="Prověříme s odborem.")
    outbox_send_all()
    by_address = {message.to[0]: message for message in mail.outbox}
    mail.outbox.clear()
    assert set(by_address) == {AUTHOR, FAN, ENGLISH_FAN}
    assert "Odpověď na podnět „Lavička u rybníka“ (Město Vzorov): Posuzuje se." in by_address[AUTHOR].body
    assert "Prověříme s odborem." in by_address[FAN].body
    assert by_address[FAN].subject == "Novinka o podnětu, který podporujete: „Lavička u rybníka“"
    assert "Tento e-mail dostáváte, protože podnět podporujete." in by_address[FAN].body
    english = by_address[ENGLISH_FAN]
    assert english.subject == "News of the idea you support: “Lavička u rybníka”"
    assert "Město Vzorov answered the idea “Lavička u rybníka”: Being assessed." in english.body
    for message in by_address.values():  # only public data: never the author's name or e-mail
        assert "Jana Občanová" not in message.body and AUTHOR not in message.body

    assert _decide(coordinator, idea, decision="to_project").status_code == 302
    project = Project.objects.get(source_idea=idea)
    outbox_send_all()
    by_address = {message.to[0]: message for message in mail.outbox}
    mail.outbox.clear()
    assert set(by_address) == {AUTHOR, FAN, ENGLISH_FAN}
    assert "se stal projekt (Město Vzorov)" in by_address[AUTHOR].body
    assert f"/projekty/{project.pk}/" not in by_address[AUTHOR].body  # the project is not public yet
    followers = ProjectFollower.objects.filter(project=project)
    assert sorted(followers.values_list("email", "language")) == [(AUTHOR, "cs"), (ENGLISH_FAN, "en"), (FAN, "cs")]
    assert all(follower.confirmed_at for follower in followers)

    # Not public: its news tell the public nothing.
    coordinator_user = town.user("coordinator")
    project_update_publish(actor=coordinator_user, project=project, title="Zahájeno", body="Začínáme.")
    outbox_send_all()
    assert mail.outbox == []
    Project.objects.filter(pk=project.pk).update(is_public=True, lead_department=town.env)
    project.refresh_from_db()
    project_transition(project=project, actor=coordinator_user, transition="submit")
    outbox_send_all()
    by_address = {message.to[0]: message for message in mail.outbox}
    mail.outbox.clear()
    assert set(by_address) == {AUTHOR, FAN, ENGLISH_FAN}
    news = by_address[AUTHOR]
    assert news.subject == "Novinka v projektu „Lavička u rybníka“"
    assert "Posouzení" in news.body
    assert "moved to the stage: Assessment." in by_address[ENGLISH_FAN].body

    # One click ends the author's subscription: the next news reach only the supporters.
    anonymous = Client()
    assert anonymous.post(_path(_unsubscribe_link(news))).status_code == 200
    project_update_publish(actor=coordinator_user, project=project, title="Lavička objednána", body="Dorazí v květnu.")
    outbox_send_all()
    assert sorted(message.to[0] for message in mail.outbox) == [ENGLISH_FAN, FAN]


def test_unsubscribing_from_an_idea_stops_its_news(client, town, portal):
    idea = _submit(client)
    mail.outbox.clear()
    coordinator = Client()
    coordinator.force_login(town.user("coordinator"))
    _decide(coordinator, idea, decision="publish")
    support = _support(idea, FAN)
    (published,) = _mails(AUTHOR)
    link = _path(_unsubscribe_link(published))
    anonymous = Client()
    page = anonymous.get(link)
    assert page.status_code == 200 and "Zastavit e-maily o tomto podnětu." in page.content.decode()
    idea.refresh_from_db()
    assert idea.news_by_email  # a GET (a link scanner) stops nothing
    response = anonymous.post(link)  # RFC 8058: no CSRF token, no sign-in
    assert response.status_code == 200
    assert "O tomto podnětu vám už žádné e-maily nepošleme." in response.content.decode()
    _decide(coordinator, idea, decision="answer", state="assessing", answer="Ještě posoudíme.")
    outbox_send_all()
    assert [message.to for message in mail.outbox] == [[FAN]]  # the author unsubscribed, the supporter did not
    (message,) = mail.outbox
    mail.outbox.clear()
    assert anonymous.post(_path(_unsubscribe_link(message))).status_code == 200
    support.refresh_from_db()
    assert not support.news_by_email
    _decide(coordinator, idea, decision="to_project")
    outbox_send_all()
    assert mail.outbox == []
    # Whoever unsubscribed does not follow the project either.
    assert not ProjectFollower.objects.filter(project__source_idea=idea).exists()
    assert anonymous.get(reverse("portal:idea_unsubscribe", args=["forged"])).status_code == 404


def test_a_rejection_reaches_the_author_with_the_reason_and_supporters_without_it(client, town, portal):
    idea = _submit(client)
    coordinator = Client()
    coordinator.force_login(town.user("coordinator"))
    _decide(coordinator, idea, decision="publish")
    _support(idea, FAN)
    mail.outbox.clear()
    _mails(AUTHOR)
    _decide(coordinator, idea, decision="reject", reason="Pozemek nepatří městu.")
    outbox_send_all()
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "Pozemek nepatří městu." in by_address[AUTHOR].body
    _unsubscribe_link(by_address[AUTHOR])
    assert "nebyl přijat ke zveřejnění" in by_address[FAN].body
    assert "Pozemek nepatří městu." not in by_address[FAN].body
    _unsubscribe_link(by_address[FAN])


def test_the_idea_form_says_the_confirmed_email_follows_the_project_it_becomes(client, portal):
    page = client.get(reverse("portal:idea_new", args=["vzorov"])).content.decode()
    assert "bude váš e-mail, potvrzený tímto odkazem, projekt sledovat" in page


def test_an_author_who_wrote_in_english_gets_english_mails(client, town, portal):
    client.cookies["django_language"] = "en"
    idea = _submit(client)
    assert Idea.objects.get(pk=idea.pk).language == "en"
    coordinator = Client()
    coordinator.force_login(town.user("coordinator"))
    _decide(coordinator, idea, decision="publish")
    (published,) = _mails(AUTHOR)  # (its confirmation is not due: the test marked the idea confirmed)
    assert published.subject == "News of your idea “Lavička u rybníka”"
    assert re.search(r"was published on the portal of Město Vzorov", published.body)
