"""Citizen ideas: submission, e-mail confirmation, abuse, moderation, answers and turning an idea into a project."""

import io
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from backend.portal.ideas import CONFIRM_SALT, idea_confirmation_token
from backend.portal.models import Idea, IdeaComment, IdeaDecision, IdeaStatus
from backend.projects.models import Project
from tests.mail import outbox_send_all
from tests.web.test_dashboard import DASHBOARD_QUERIES_CACHED

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
# Session, user, memberships, moderated municipalities, the count, the page, its comments, the published ideas,
# the strategy goals ideas can be linked to.
QUEUE_QUERIES = 9


def _form(**fields) -> dict:
    return {
        "title": "Lavička u rybníka",
        "description": "Chybí tam místo k sezení.",
        "thematic_area": "environment",
        "place": "Rybník Návesník",
        "name": "Jana Občanová",
        "email": "jana@example.org",
        "consent": "on",
        "website": "",
        **fields,
    }


def _submit(client, **fields):
    return client.post(reverse("portal:idea_new", args=["vzorov"]), _form(**fields))


def _confirm_link() -> str:
    outbox_send_all()
    (message,) = [message for message in mail.outbox if "Potvrďte" in message.subject]
    return re.search(r"http\S+/obec/podnety/potvrdit/\S+/", message.body).group(0)


def test_a_submitted_idea_waits_for_its_confirmed_email_and_then_for_moderation(
    client, portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client)
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert idea.status == IdeaStatus.UNCONFIRMED
    link = _confirm_link()
    path = link.split("127.0.0.1:8000", 1)[-1]
    assert client.get(path).status_code == 200
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.UNCONFIRMED  # opening the link (a mail scanner) confirms nothing
    response = client.post(path)
    assert "Podnět je potvrzen" in response.content.decode()
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PENDING
    again = client.post(path)
    assert again.status_code == 400
    assert "odkaz funguje jen jednou" in again.content.decode()
    # Not public before the coordinator publishes it.
    assert "Lavička" not in client.get(reverse("portal:ideas", args=["vzorov"])).content.decode()


def test_an_expired_or_forged_link_is_refused_in_czech(client, portal):
    _submit(client)
    idea = Idea.objects.get()
    with mock.patch("django.core.signing.time.time", return_value=1_577_836_800):  # 1 January 2020
        old = signing.dumps({"idea": idea.pk}, salt=CONFIRM_SALT)
    response = client.post(reverse("portal:idea_confirm", args=[old]))
    assert response.status_code == 400 and "vypršela" in response.content.decode()
    response = client.post(reverse("portal:idea_confirm", args=[idea_confirmation_token(idea=idea) + "x"]))
    assert response.status_code == 400 and "není platný" in response.content.decode()
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.UNCONFIRMED


def test_a_bot_that_fills_the_honeypot_is_thanked_and_nothing_is_saved(client, portal):
    response = _submit(client, website="https://spam.example")
    assert response.status_code == 302
    assert not Idea.objects.exists()


def test_a_flood_from_one_address_is_stopped(client, portal, settings):
    settings.PORTAL_IDEAS_PER_ADDRESS_PER_HOUR = 2
    for number in range(2):
        assert _submit(client, email=f"clovek{number}@example.org").status_code == 302
    response = _submit(client, email="treti@example.org")
    assert response.status_code == 400
    assert "Příliš mnoho podnětů" in response.content.decode()
    assert Idea.objects.count() == 2


def test_a_flood_from_one_email_is_stopped(client, portal, settings):
    settings.PORTAL_IDEAS_PER_EMAIL_PER_HOUR = 1
    assert _submit(client).status_code == 302
    assert _submit(client, email="JANA@example.org").status_code == 400
    assert Idea.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"consent": ""}, "Toto pole je vyžadováno."),
        ({"email": "neni-email"}, "Vložte platnou e-mailovou adresu."),
        ({"description": "x" * 5001}, "5000"),
        ({"title": ""}, "Toto pole je vyžadováno."),
    ],
)
def test_bad_input_is_a_czech_message_and_saves_nothing(client, portal, fields, message):
    response = _submit(client, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Idea.objects.exists()


def test_a_huge_body_is_refused_without_a_server_error(client, portal):
    response = _submit(client, description="x" * 5 * 1024 * 1024)
    assert response.status_code == 400
    assert not Idea.objects.exists()


def _pending(client, **fields) -> Idea:
    _submit(client, **fields)
    idea = Idea.objects.latest("id")
    Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.PENDING)
    idea.refresh_from_db()
    return idea


def _decide(client, idea, **data):
    return client.post(reverse("portal:idea_decide", args=[idea.pk]), data)


def test_the_coordinator_publishes_answers_and_turns_an_idea_into_a_project(client, town, portal):
    idea = _pending(client, title=f"Lavička {SCRIPT}", description=f"Text {SCRIPT}", place=SCRIPT)
    client.force_login(town.user("coordinator"))
    queue = client.get(reverse("portal:idea_queue"))
    assert queue.status_code == 200 and "jana@example.org" in queue.content.decode()
    assert _decide(client, idea, decision="publish").status_code == 302
    _decide(client, idea, decision="answer", state="assessing", answer="Prověříme s odborem.")
    client.logout()
    page = client.get(reverse("portal:idea", args=["vzorov", idea.pk])).content.decode()
    assert "Posuzuje se" in page and "Prověříme s odborem." in page
    assert SCRIPT not in page and "&lt;script&gt;" in page
    assert "jana@example.org" not in page and "Jana Občanová" not in page
    client.force_login(town.user("coordinator"))
    response = _decide(client, idea, decision="to_project")
    project = Project.objects.get(source_idea=idea)
    assert response["Location"] == reverse("web:project_detail", args=[project.pk])
    assert project.stage == "idea" and project.title == idea.title and project.municipality == town.municipality
    assert [decision.kind for decision in IdeaDecision.objects.filter(idea=idea)] == ["publish", "answer", "to_project"]
    client.logout()
    page = client.get(reverse("portal:idea", args=["vzorov", idea.pk])).content.decode()
    assert "Převedeno na projekt: Námět" in page


def test_a_rejection_tells_the_author_the_reason(client, town, portal, django_capture_on_commit_callbacks):
    idea = _pending(client)
    client.force_login(town.user("coordinator"))
    _decide(client, idea, decision="reject", reason="")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PENDING  # a rejection needs its reason
    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, idea, decision="reject", reason="Pozemek nepatří městu.")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.REJECTED
    outbox_send_all()
    assert "Pozemek nepatří městu." in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["jana@example.org"]


def test_spam_and_merge(client, town, portal):
    first, second, third = (
        _pending(client, email="a@example.org"),
        _pending(client, email="b@example.org"),
        _pending(client, email="c@example.org"),
    )
    client.force_login(town.user("coordinator"))
    _decide(client, first, decision="publish")
    _decide(client, second, decision="merge", into=first.pk)
    _decide(client, third, decision="spam")
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == IdeaStatus.MERGED and second.merged_into == first
    assert third.status == IdeaStatus.SPAM
    client.logout()
    listing = client.get(reverse("portal:ideas", args=["vzorov"])).content.decode()
    assert listing.count("Lavička u rybníka") == 1


@pytest.mark.parametrize(
    ("role", "queue", "decide"),
    [("staff", 403, 404), ("manager", 403, 404), ("other_coordinator", 200, 404), ("partner", 403, 404)],
)
def test_only_the_municipality_coordinator_moderates(client, town, portal, role, queue, decide):
    idea = _pending(client)
    client.force_login(town.user(role))
    assert client.get(reverse("portal:idea_queue")).status_code == queue
    assert _decide(client, idea, decision="publish").status_code == decide
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PENDING


def test_unconfirmed_ideas_are_deleted_after_the_stated_time(client, portal, settings):
    from backend.portal.ideas import idea_prune_unconfirmed

    _submit(client)
    submitted = Idea.objects.get().created_at
    _pending(client, email="b@example.org")
    Idea.objects.update(created_at=submitted - timedelta(days=20))
    assert idea_prune_unconfirmed(now=submitted - timedelta(days=10)) == 0
    assert idea_prune_unconfirmed(now=timezone.now()) == 1
    assert Idea.objects.get().status == IdeaStatus.PENDING


def _published(client) -> Idea:
    idea = _pending(client, email="autor@example.org")
    Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.PUBLISHED, published_at=timezone.now())
    return idea


def test_support_counts_once_per_confirmed_email(client, portal, django_capture_on_commit_callbacks):
    idea = _published(client)
    address = reverse("portal:idea_support", args=["vzorov", idea.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(address, {"email": "Petr@example.org"}).status_code == 200
    page = reverse("portal:idea", args=["vzorov", idea.pk])
    assert "0 občanů ho podporuje" in client.get(page).content.decode()  # not before the e-mail confirms it
    outbox_send_all()
    link = re.search(r"http\S+/obec/podnety/podpora/\S+/", mail.outbox[-1].body).group(0)
    path = "/obec/" + link.split("/obec/", 1)[1]
    assert client.post(path).status_code == 200
    assert "1 občan ho podporuje" in client.get(page).content.decode()
    assert client.post(path).status_code == 400  # the link works once
    response = client.post(address, {"email": "petr@example.org"})
    assert response.status_code == 400
    assert "Tento e-mail už podnět podporuje." in response.content.decode()
    assert idea.supports.count() == 1


def test_support_of_an_unpublished_idea_is_a_404(client, portal):
    idea = _pending(client)
    assert (
        client.post(reverse("portal:idea_support", args=["vzorov", idea.pk]), {"email": "a@example.org"}).status_code
        == 404
    )


def test_staff_comment_internally_on_an_idea_before_answering_and_the_public_never_sees_it(client, town, portal):
    idea = _pending(client)
    client.force_login(town.user("coordinator"))
    response = client.post(reverse("portal:idea_comment", args=[idea.pk]), {"body": "Zeptat se odboru dopravy."})
    assert response.status_code == 302 and response["Location"].endswith(f"#idea-{idea.pk}")
    queue = client.get(reverse("portal:idea_queue")).content.decode()
    assert "Zeptat se odboru dopravy." in queue and "Interní komentáře" in queue
    empty = client.post(reverse("portal:idea_comment", args=[idea.pk]), {"body": "  "}, follow=True)
    assert "Napište komentář." in empty.content.decode()
    assert IdeaComment.objects.filter(idea=idea).count() == 1
    _decide(client, idea, decision="publish")
    client.logout()
    for address in (reverse("portal:idea", args=["vzorov", idea.pk]), reverse("portal:ideas_json", args=["vzorov"])):
        assert "Zeptat se odboru" not in client.get(address).content.decode()


@pytest.mark.parametrize("role", ["staff", "other_coordinator", "partner"])
def test_only_the_municipality_coordinator_comments_on_its_ideas(client, town, portal, role):
    idea = _pending(client)
    client.force_login(town.user(role))
    assert client.post(reverse("portal:idea_comment", args=[idea.pk]), {"body": "x"}).status_code == 404
    assert not IdeaComment.objects.exists()


@pytest.mark.parametrize("count", [1, 4])
def test_the_queue_costs_the_same_queries_for_few_and_many_comments(
    client, town, portal, count, django_assert_num_queries
):
    idea = _pending(client)
    coordinator = town.user("coordinator")
    for number in range(count):
        IdeaComment.objects.create(idea=idea, author=coordinator, body=f"Poznámka {number}")
    client.force_login(coordinator)
    client.get(reverse("portal:idea_queue"))
    with django_assert_num_queries(QUEUE_QUERIES):
        assert client.get(reverse("portal:idea_queue")).status_code == 200


# The dashboard read a second time, of someone who neither manages nor watches a project: no activity to read.
DASHBOARD_QUERIES_NO_ACTIVITY = DASHBOARD_QUERIES_CACHED - 1


@pytest.mark.parametrize("count", [1, 4])
def test_the_coordinator_dashboard_counts_ideas_by_status_in_one_query(
    client, town, portal, count, django_assert_num_queries
):
    for _ in range(count):
        _pending(client, email=f"{_}@example.org")
    Idea.objects.filter(pk=Idea.objects.latest("id").pk).update(status=IdeaStatus.PUBLISHED)
    client.force_login(town.user("coordinator"))
    client.get("/")
    with django_assert_num_queries(DASHBOARD_QUERIES_NO_ACTIVITY + 1):
        page = client.get("/").content.decode()
    panel = page[page.index('id="ideas-heading"') :]
    panel = panel[: panel.index("</section>")]
    assert f'?status=pending">Čeká na moderaci</a></th><td class="number">{count - 1}</td>' in panel
    assert '?status=published">Zveřejněno</a></th><td class="number">1</td>' in panel
    assert "E-mail nepotvrzen" not in panel


def test_others_see_no_idea_panel_and_pay_no_query_for_it(client, town, portal, django_assert_num_queries):
    _pending(client)
    client.force_login(town.user("lead_head"))  # the role whose dashboard tests/web/test_dashboard.py pins
    client.get("/")
    with django_assert_num_queries(DASHBOARD_QUERIES_NO_ACTIVITY):
        page = client.get("/").content.decode()
    assert 'id="ideas-heading"' not in page


def test_the_board_lists_the_oldest_ideas_waiting_by_the_idea_column_bounded(client, town, portal):
    for number in range(4):
        _pending(client, title=f"Podnět {number}", email=f"{number}@example.org")
    answered = Idea.objects.get(title="Podnět 3")
    Idea.objects.filter(pk=answered.pk).update(status=IdeaStatus.PUBLISHED, answer_state="accepted")
    Idea.objects.filter(title="Podnět 2").update(status=IdeaStatus.PUBLISHED)
    client.force_login(town.user("coordinator"))
    board = client.get(reverse("web:board")).content.decode()
    idea_column = board[board.index('id="column-idea"') : board.index('id="column-assessment"')]
    listed = idea_column[idea_column.index('id="board-ideas-heading"') :]
    assert '<span class="column-count">3</span>' in listed
    assert [title for title in ("Podnět 0", "Podnět 1", "Podnět 2", "Podnět 3") if title in listed] == [
        "Podnět 0",
        "Podnět 1",
        "Podnět 2",
    ]
    fragment = client.get(reverse("web:board"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="board-ideas-heading"' in fragment
    client.force_login(town.user("manager"))
    assert 'id="board-ideas-heading"' not in client.get(reverse("web:board")).content.decode()


def test_the_board_shows_at_most_five_waiting_ideas(client, town, portal, settings):
    settings.PORTAL_IDEAS_PER_ADDRESS_PER_HOUR = 20
    settings.PORTAL_IDEAS_PER_EMAIL_PER_HOUR = 20
    for number in range(7):
        _pending(client, title=f"Podnět {number}", email=f"{number}@example.org")
    client.force_login(town.user("coordinator"))
    board = client.get(reverse("web:board")).content.decode()
    listed = board[board.index('id="board-ideas-heading"') :]
    listed = listed[: listed.index("</section>")]
    assert listed.count("<li>") == 5
    assert '<span class="column-count">7</span>' in listed
    assert "Všechny podněty ve frontě moderace" in listed


def _one_pixel_png() -> bytes:
    output = io.BytesIO()
    Image.new("RGBA", (1, 1), (0, 128, 0, 255)).save(output, "PNG")
    return output.getvalue()


# A 1×1 px PNG (one a decoder reads: photos are redrawn, and a broken one is refused).
PNG_BYTES = _one_pixel_png()


def test_a_photo_is_shown_on_the_idea_only_once_it_is_published(client, town, portal, settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path
    assert _submit(client, photo=SimpleUploadedFile("moje-foto.PNG", PNG_BYTES, "image/png")).status_code == 302
    idea = Idea.objects.get()
    assert idea.photo_type == "image/png" and "moje-foto" not in idea.photo.name
    Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.PENDING)
    photo_url = reverse("portal:idea_photo", args=["vzorov", idea.pk])
    assert client.get(photo_url).status_code == 404  # not before moderation
    client.force_login(town.user("coordinator"))
    queue = client.get(reverse("portal:idea_queue")).content.decode()
    staff_photo = reverse("portal:idea_photo_moderated", args=[idea.pk])
    assert staff_photo in queue
    assert _is_the_one_pixel_png(b"".join(client.get(staff_photo).streaming_content))
    _decide(client, idea, decision="publish")
    client.logout()
    page = client.get(reverse("portal:idea", args=["vzorov", idea.pk])).content.decode()
    assert f'src="{photo_url}"' in page
    response = client.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _is_the_one_pixel_png(b"".join(response.streaming_content))


def _is_the_one_pixel_png(data: bytes) -> bool:
    """The photo as kept: redrawn without its metadata (tests/portal/test_idea_photos.py), the same picture."""
    photo = Image.open(io.BytesIO(data))
    return photo.format == "PNG" and photo.size == (1, 1)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "foto.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "(HTML, SVG nebo XML), který není přípustný",
        ),
        ("foto.html", b"<!doctype html><html><body>ahoj</body></html>", "(HTML, SVG nebo XML), který není přípustný"),
        ("foto.png", b"<!doctype html><html><body>ahoj</body></html>", "(HTML, SVG nebo XML), který není přípustný"),
        (
            "foto.pdf",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
            "Fotografie musí být obrázek JPEG, PNG nebo WebP.",
        ),
    ],
)
def test_a_photo_that_is_no_image_of_ours_is_refused_in_czech_and_nothing_is_saved(
    client, portal, settings, tmp_path, name, content, message
):
    settings.ATTACHMENTS_ROOT = tmp_path
    response = _submit(client, photo=SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Idea.objects.exists()
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_a_photo_over_the_limit_is_refused(client, portal, settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path
    settings.PORTAL_IDEA_PHOTO_MAX_BYTES = 1024 * 1024
    big = PNG_BYTES + b"\0" * (1024 * 1024)
    response = _submit(client, photo=SimpleUploadedFile("foto.png", big, "image/png"))
    assert response.status_code == 400
    assert "Fotografie je větší než 1 MB." in response.content.decode()
    assert not Idea.objects.exists()
