"""Citizen ideas linked to the strategy goal they serve: the coordinator sets it from the moderation queue (only
goals of the idea's municipality), the public idea page names it, the strategy page counts the ideas."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from backend.portal.models import Idea, IdeaStatus
from backend.strategy.models import Goal
from backend.strategy.services import strategy_create, strategy_item_add
from tests.strategy.conftest import strategy  # noqa: F401 (the town's strategy in force)

pytestmark = pytest.mark.django_db


@pytest.fixture
def idea(town, portal) -> Idea:
    return Idea.objects.create(
        municipality=town.municipality,
        title="Kola na nádraží",
        description="Stojany chybí.",
        author_name="Jana Občanová",
        author_email="jana@example.org",
        status=IdeaStatus.PUBLISHED,
        confirmed_at=timezone.now(),
        published_at=timezone.now(),
    )


def _goal(strategy, code) -> Goal:  # noqa: F811
    return Goal.objects.get(strategy=strategy, code=code)


def _set(client, idea, goal_id):
    return client.post(reverse("portal:idea_goal", args=[idea.pk]), {"goal": goal_id})


def test_the_coordinator_links_an_idea_to_a_goal_and_both_pages_show_it(client, town, portal, idea, strategy):  # noqa: F811
    client.force_login(town.user("coordinator"))
    queue = client.get(reverse("portal:idea_queue") + "?status=published").content.decode()
    assert "Strategie Smart City Vzorov 2024–2030: 2 Chytrá mobilita" in queue

    response = _set(client, idea, _goal(strategy, "2").pk)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Cíl podnětu byl uložen."]

    public = client.get(reverse("portal:idea", args=["vzorov", idea.pk])).content.decode()
    assert "Slouží cíli strategie: 2 Chytrá mobilita (Strategie Smart City Vzorov 2024–2030)" in public
    page = client.get(reverse("strategy:detail", args=[strategy.pk])).content.decode()
    assert "1 podnět občanů" in page

    _set(client, idea, "")  # unlinked again
    idea.refresh_from_db()
    assert idea.goal is None
    assert "podnět občanů" not in client.get(reverse("strategy:detail", args=[strategy.pk])).content.decode()


def test_a_goal_of_another_town_is_refused_and_nothing_is_saved(client, town, idea, strategy):  # noqa: F811
    other_strategy = strategy_create(
        actor=town.user("other_coordinator"), municipality=town.other_municipality, title="Strategie Lhoty"
    )
    other_goal = strategy_item_add(
        actor=town.user("other_coordinator"), strategy=other_strategy, kind="goal", data={"code": "1", "title": "Voda"}
    )
    client.force_login(town.user("coordinator"))

    response = _set(client, idea, other_goal.pk)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Vyberte cíl ze strategie obce."]
    idea.refresh_from_db()
    assert idea.goal is None


@pytest.mark.parametrize(
    ("role", "status"), [("staff", 404), ("manager", 404), ("other_coordinator", 404), ("partner", 404)]
)
def test_only_the_coordinator_of_the_town_links_ideas(client, town, idea, strategy, role, status):  # noqa: F811
    client.force_login(town.user(role))
    assert _set(client, idea, _goal(strategy, "1").pk).status_code == status
    idea.refresh_from_db()
    assert idea.goal is None


def test_the_strategy_counts_ideas_in_the_status_the_portal_publishes():
    from backend.portal.ideas import PUBLIC_STATUSES
    from backend.strategy.selectors import _PUBLIC_IDEA_STATUS

    assert PUBLIC_STATUSES == (_PUBLIC_IDEA_STATUS,)


@pytest.mark.parametrize("junk", ["²", "abc", "9" * 40])
def test_a_goal_that_is_no_id_is_refused_in_czech_and_the_link_stays(client, town, portal, idea, strategy, junk):  # noqa: F811
    client.force_login(town.user("coordinator"))
    goal = _goal(strategy, "2")
    _set(client, idea, goal.pk)
    response = _set(client, idea, junk)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == "Vyberte cíl ze strategie obce."
    idea.refresh_from_db()
    assert idea.goal == goal


def test_a_moderator_the_coordinator_named_chooses_among_the_towns_goals(client, town, idea, strategy):  # noqa: F811
    from backend.accounts.models import Membership

    Membership.objects.filter(user=town.user("staff"), municipality=town.municipality).update(moderates_ideas=True)
    client.force_login(town.user("staff"))
    queue = client.get(reverse("portal:idea_queue") + "?status=published").content.decode()
    assert "Strategie Smart City Vzorov 2024–2030: 2 Chytrá mobilita" in queue
    assert _set(client, idea, _goal(strategy, "2").pk).status_code == 302
    idea.refresh_from_db()
    assert idea.goal.code == "2"
