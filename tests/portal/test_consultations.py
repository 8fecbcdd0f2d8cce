"""The public consultation of a strategy amendment on the portal, read and commented anonymously."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from backend.strategy.consultation import (
    consultation_comment_answer,
    consultation_comment_confirm,
    consultation_comment_moderate,
    consultation_comment_submit,
    consultation_open,
)
from backend.strategy.models import ConsultationComment, ItemKind
from backend.strategy.services import ChangeSpec, amendment_propose
from tests.mail import outbox_send_all
from tests.strategy.conftest import measures, strategy  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(town, portal, strategy, measures):  # noqa: F811
    amendment = amendment_propose(
        actor=town.user("manager"),
        strategy=strategy,
        title="Rozšíření cyklostezek",
        reason="Cyklisté chtějí bezpečnou cestu.",
        changes=[
            ChangeSpec(action="change", kind=ItemKind.MEASURE, item_id=measures["2.1"].pk, data={"title": "Nové"})
        ],
    )
    today = timezone.localdate()
    return consultation_open(
        actor=town.user("manager"), amendment=amendment, starts_on=today, ends_on=today + timedelta(days=14)
    )


def _post(client, portal, consultation, **extra):
    data = {"body": "Chybí přechody.", "name": "Jan Občan", "email": "jan@example.org", "consent": "on", **extra}
    return client.post(reverse("portal:consultation_comment", args=[portal.slug, consultation.pk]), data)


def test_a_comment_is_confirmed_moderated_answered_and_shown(
    client, town, portal, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, portal, consultation)
    assert response.status_code == 200 and "Děkujeme" in response.content.decode()
    outbox_send_all()
    assert mail.outbox[-1].to == ["jan@example.org"]
    link = re.search(r"http\S+/pripominky/potvrdit/\S+/", mail.outbox[-1].body).group(0)
    path = link[link.index("/obec/") :]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    comment = ConsultationComment.objects.get()
    assert comment.status == "pending"
    page = reverse("portal:consultation", args=[portal.slug, consultation.pk])
    assert "Chybí přechody" not in client.get(page).content.decode()
    consultation_comment_moderate(actor=town.user("coordinator"), comment=comment, publish=True)
    consultation_comment_answer(actor=town.user("manager"), comment=comment, answer="Doplníme je.")
    text = client.get(page).content.decode()
    assert "Chybí přechody" in text and "Doplníme je." in text and "Jan Občan" in text
    assert "jan@example.org" not in text
    assert "Rozšíření cyklostezek" in client.get(reverse("portal:consultations", args=[portal.slug])).content.decode()


def test_a_closed_consultation_refuses_comments(client, portal, consultation):
    consultation.starts_on = consultation.ends_on = timezone.localdate() - timedelta(days=2)
    consultation.save()
    assert (
        "uzavřeno" in client.get(reverse("portal:consultation", args=[portal.slug, consultation.pk])).content.decode()
    )
    response = _post(client, portal, consultation)
    assert response.status_code == 400 and not ConsultationComment.objects.exists()


def test_honeypot_and_limits(client, portal, consultation, settings):
    assert _post(client, portal, consultation, website="spam").status_code == 200
    assert not ConsultationComment.objects.exists()
    settings.PORTAL_IDEAS_PER_EMAIL_PER_HOUR = 1
    assert _post(client, portal, consultation).status_code == 200
    response = _post(client, portal, consultation)
    assert response.status_code == 400 and "Příliš mnoho" in response.content.decode()
    assert ConsultationComment.objects.count() == 1
    assert _post(client, portal, consultation, body="x" * 5000).status_code == 400


def test_another_municipality_answers_404(client, portal, consultation):
    other = reverse("portal:consultation", args=["jinde", consultation.pk])
    assert client.get(other).status_code == 404
    assert client.get(reverse("portal:consultation", args=[portal.slug, consultation.pk + 99])).status_code == 404


@pytest.mark.parametrize("count", [1, 8])
def test_the_page_reads_a_bounded_number_of_queries(
    client, town, portal, consultation, count, django_assert_num_queries
):
    for number in range(count):
        ConsultationComment.objects.create(
            consultation=consultation,
            author_name=f"Občan {number}",
            email="a@example.org",
            body="Text",
            token_hash=f"{number:064d}",
            status="published",
        )
    page = reverse("portal:consultation", args=[portal.slug, consultation.pk])
    with django_assert_num_queries(4):
        assert client.get(page).status_code == 200


def test_the_municipality_page_links_a_running_consultation(client, portal, consultation):
    page = reverse("portal:municipality", args=[portal.slug])
    assert reverse("portal:consultations", args=[portal.slug]) in client.get(page).content.decode()
    consultation.starts_on = consultation.ends_on = timezone.localdate() - timedelta(days=1)
    consultation.save()
    assert reverse("portal:consultations", args=[portal.slug]) not in client.get(page).content.decode()


def _confirmed(consultation, body="Chybí přechody.") -> ConsultationComment:
    _comment, token = consultation_comment_submit(
        consultation=consultation, author_name="Jan Občan", email="jan@example.org", body=body
    )
    return consultation_comment_confirm(token=token)


def test_the_coordinator_moderates_and_the_proposer_answers_on_the_staff_screen(client, town, portal, consultation):
    comment = _confirmed(consultation)
    spam = _confirmed(consultation, body="Kupte levné hodinky")
    amendment = consultation.amendment
    screen = reverse("strategy:consultation_comments", args=[amendment.pk])
    client.force_login(town.user("coordinator"))
    assert "Chybí přechody" in client.get(screen).content.decode()
    moderate = "strategy:consultation_comment_moderate"
    client.post(reverse(moderate, args=[amendment.pk, comment.pk]), {"decision": "publish"})
    client.post(reverse(moderate, args=[amendment.pk, spam.pk]), {"decision": "reject"})
    answer = reverse("strategy:consultation_comment_answer", args=[amendment.pk, comment.pk])
    assert client.post(answer, {"answer": "Doplníme je."}).status_code == 403  # only the proposer answers
    client.force_login(town.user("manager"))
    assert client.post(answer, {"answer": "Doplníme je."}).status_code == 302
    text = client.get(reverse("portal:consultation", args=[portal.slug, consultation.pk])).content.decode()
    assert "Doplníme je." in text and "hodinky" not in text


def test_staff_of_another_municipality_get_404(client, town, consultation):
    comment = _confirmed(consultation)
    amendment = consultation.amendment
    client.force_login(town.user("other_coordinator"))
    assert client.get(reverse("strategy:consultation_comments", args=[amendment.pk])).status_code == 404
    response = client.post(
        reverse("strategy:consultation_comment_moderate", args=[amendment.pk, comment.pk]), {"decision": "publish"}
    )
    assert response.status_code == 404
    comment.refresh_from_db()
    assert comment.status == "pending"
