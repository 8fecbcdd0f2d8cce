"""The public list of running consultations and the staff's comments screen cost a fixed number of queries
whatever the number of consultations and comments."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.strategy.consultation import consultation_open
from backend.strategy.models import ConsultationComment, ItemKind
from backend.strategy.services import ChangeSpec, amendment_propose
from tests.strategy.conftest import measures, strategy  # noqa: F401

pytestmark = pytest.mark.django_db

# The portal, the running consultations with their amendments and strategies.
LIST_QUERIES = 2
# Session, user, memberships, the amendment with its strategy, its consultation, the count, the page.
SCREEN_QUERIES = 7


def _consultations(town, strategy, measures, count: int):  # noqa: F811
    today = timezone.localdate()
    opened = []
    for number in range(count):
        amendment = amendment_propose(
            actor=town.user("manager"),
            strategy=strategy,
            title=f"Změna {number}",
            reason="Důvod.",
            changes=[
                ChangeSpec(action="change", kind=ItemKind.MEASURE, item_id=measures["2.1"].pk, data={"title": "N"})
            ],
        )
        opened.append(
            consultation_open(
                actor=town.user("manager"), amendment=amendment, starts_on=today, ends_on=today + timedelta(days=14)
            )
        )
    return opened


@pytest.mark.parametrize("count", [1, 6])
def test_the_public_list_costs_the_same_for_one_and_for_six_consultations(
    client, town, portal, request, count, django_assert_num_queries
):
    _consultations(town, request.getfixturevalue("strategy"), request.getfixturevalue("measures"), count)
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(reverse("portal:consultations", args=[portal.slug]))
    assert page.status_code == 200
    assert page.content.decode().count("Změna ") == count


@pytest.mark.parametrize("count", [1, 8])
def test_the_staff_screen_costs_the_same_for_one_and_for_eight_comments(
    client, town, request, count, django_assert_num_queries
):
    (consultation,) = _consultations(town, request.getfixturevalue("strategy"), request.getfixturevalue("measures"), 1)
    for number in range(count):
        ConsultationComment.objects.create(
            consultation=consultation,
            author_name=f"Občan {number}",
            email="a@example.org",
            body=f"Připomínka {number}",
            token_hash=f"{number:064d}",
            status=("pending", "published", "rejected")[number % 3],
            answer="Děkujeme." if number % 3 == 1 else "",
        )
    client.force_login(town.user("coordinator"))
    url = reverse("strategy:consultation_comments", args=[consultation.amendment_id])
    client.get(url)  # the session's first request refreshes it
    with django_assert_num_queries(SCREEN_QUERIES):
        page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("Připomínka ") == count
