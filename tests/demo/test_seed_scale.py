"""seed_scale loads a big town beside small ones, every project with its tasks, comments, funding and KPIs."""

from collections import Counter
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from backend.accounts.models import Municipality, User
from backend.demo.scale import BIG_TOWN_NAME, HEAD_INBOX
from backend.notifications.models import Notification
from backend.projects.models import Comment, FundingApplication, Kpi, Project, Task
from backend.projects.stages import Stage
from workflows.models import ApprovalRequest, TransitionRecord

pytestmark = pytest.mark.django_db


def _seed(**options) -> str:
    output = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_scale", stdout=output, **options)
    return output.getvalue()


def test_the_big_town_and_the_small_ones_get_their_projects_and_everything_on_them():
    output = _seed(municipalities=2, projects=60, town_projects=20)

    assert "Loaded 100 projects in 3 municipalities" in output
    per_town = Counter(Project.objects.values_list("municipality__name", flat=True))
    assert per_town == {BIG_TOWN_NAME: 60, "Obec Škálov 1": 20, "Obec Škálov 2": 20}
    assert Project.departments.through.objects.count() == 200
    for model, each in ((Task, 5), (Comment, 10), (FundingApplication, 1), (Kpi, 2)):
        assert set(Counter(model.objects.values_list("project_id", flat=True)).values()) == {each}, model
    assert len(set(Project.objects.values_list("stage", flat=True))) >= 5


def test_history_matches_each_stage_and_assessments_wait_for_approval():
    _seed(municipalities=0, projects=80)

    for project in Project.objects.prefetch_related("transition_records"):
        records = sorted(project.transition_records.all(), key=lambda record: (record.created_at, record.pk))
        if project.stage == Stage.IDEA:
            assert records == []
        else:
            assert records[0].source == Stage.IDEA
            assert records[-1].target == project.stage
            assert all(a.target == b.source for a, b in pairwise(records))
    in_assessment = Project.objects.filter(stage=Stage.ASSESSMENT).count()
    assert ApprovalRequest.objects.filter(status="pending").count() == in_assessment > 0
    assert Notification.objects.count() == TransitionRecord.objects.count()


@pytest.mark.parametrize("projects", [120, 400])
def test_the_head_of_the_first_department_has_more_than_a_page_waiting_at_any_size(projects):
    """The benches' approver sees the same page at every size (from the stage shares alone: 4 rows at 200)."""
    _seed(municipalities=1, projects=projects, town_projects=20)
    client = APIClient()
    client.force_authenticate(User.objects.get(username="scale.0.head.env"))

    body = client.get("/api/v1/approvals/", {"status": "pending", "page_size": 100}).json()

    assert len(body["results"]) >= HEAD_INBOX
    assert {row["transition"] for row in body["results"]} == {"approve_for_funding"}
    assert len(set(Project.objects.values_list("stage", flat=True))) >= 5


def test_its_people_sign_in_and_see_their_town_only():
    _seed(municipalities=1, projects=30, town_projects=10)
    manager = User.objects.get(username="scale.0.pm.env")
    assert authenticate(username="scale.0.pm.env", password="demo") == manager

    client = APIClient()
    client.force_authenticate(manager)
    body = client.get("/api/v1/projects/", {"page_size": 200}).json()

    assert len(body["results"]) == 30
    assert {row["municipality"] for row in body["results"]} == {Municipality.objects.get(name=BIG_TOWN_NAME).pk}


def test_refuses_with_debug_off_unless_forced():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_scale", municipalities=0, projects=1, stdout=StringIO())
    assert not Project.objects.exists()

    with override_settings(DEBUG=False):
        call_command("seed_scale", municipalities=0, projects=1, force=True, stdout=StringIO())
    assert Project.objects.count() == 1


def test_refuses_to_load_twice():
    _seed(municipalities=0, projects=3)
    with pytest.raises(CommandError, match="already holds"):
        _seed(municipalities=0, projects=3)
    assert Project.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_load_is_vacuumed_as_a_live_database_would_be():
    """Pages of the project table are marked all-visible, so counts can be answered from an index alone."""
    _seed(municipalities=0, projects=20)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relallvisible FROM pg_class WHERE relname = %s", [Project._meta.db_table])
        (all_visible,) = cursor.fetchone()
    assert all_visible > 0


def test_a_seed_renews_the_portal_figures_a_cache_kept_for_a_town_of_the_same_id():
    from django.core.cache import cache

    from backend.portal.public import SUMMARY_CACHE_NAME, public_summary
    from backend.projects.town_cache import town_cache_keys

    with connection.cursor() as cursor:  # the id the big town will get (an earlier database's town had it too)
        cursor.execute("SELECT nextval(pg_get_serial_sequence('accounts_municipality', 'id'))")
        next_id = cursor.fetchone()[0] + 1
    stale = {"stale": True}
    figures_key, version_key = town_cache_keys(name=SUMMARY_CACHE_NAME, municipality_id=next_id)
    cache.set_many({version_key: "earlier", figures_key: ("earlier", stale)})

    _seed(municipalities=0, projects=10)

    big = Municipality.objects.get(name=BIG_TOWN_NAME)
    assert big.pk == next_id
    assert public_summary(municipality=big) != stale
