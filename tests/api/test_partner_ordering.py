"""Partner guests order projects only by fields their shape of a project shows; other orderings are ignored
(as unknown orderings are for everyone), municipal users keep every ordering."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.projects.models import Project
from backend.projects.stages import Stage
from tests.api.conftest import api_client

pytestmark = pytest.mark.usefixtures("own_throttle_cache")


@pytest.fixture
def projects(town) -> list[Project]:
    """Three shared projects whose titles run against their creation and update times."""
    made = [town.project(Stage.IDEA, title=title) for title in ("Cyklostezky", "Bioodpad", "Atlas dat")]
    now = timezone.now()
    for age, project in enumerate(made):
        Project.objects.filter(pk=project.pk).update(
            created_at=now - timedelta(days=age), updated_at=now - timedelta(days=10 - age)
        )
    return made


def _titles(client, ordering: str | None) -> list[str]:
    response = client.get("/api/v1/projects/", {"ordering": ordering} if ordering else {})
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_a_partner_orders_by_what_the_partner_view_shows_and_the_rest_is_ignored(town, projects):
    partner = api_client(town.user("partner"))
    default = _titles(partner, None)
    assert default == ["Cyklostezky", "Bioodpad", "Atlas dat"]  # newest first
    assert _titles(partner, "title") == ["Atlas dat", "Bioodpad", "Cyklostezky"]
    for hidden in ("updated_at", "-updated_at", "created_at", "estimated_cost"):
        assert _titles(partner, hidden) == default, hidden


def test_municipal_users_keep_every_ordering(town, projects):
    manager = api_client(town.user("manager"))
    assert _titles(manager, None) == ["Cyklostezky", "Bioodpad", "Atlas dat"]
    assert _titles(manager, "-updated_at") == ["Atlas dat", "Bioodpad", "Cyklostezky"]
    assert _titles(manager, "created_at") == ["Atlas dat", "Bioodpad", "Cyklostezky"]
