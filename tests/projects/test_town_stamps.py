"""When a change renews the town's stamps: once when its transaction commits, and before that only when stored
figures are read later in the same transaction; never for a transaction that rolled back."""

import pytest
from django.db import transaction

from backend.projects import town_cache
from backend.projects.town_cache import (
    municipality_stamp,
    part_stamp,
    project_part,
    project_slice,
    slice_stamp,
    town_figures,
    town_figures_changed,
)

pytestmark = pytest.mark.django_db(transaction=True)

TOWN, PROJECT, OTHER = 7, 12, 45


@pytest.fixture
def renewed(monkeypatch) -> list[list[str]]:
    """The stamps each renewal set (one Redis round trip each)."""
    found = []
    monkeypatch.setattr(town_cache, "_stamp", found.append)
    return found


def _stamps(project_id: int) -> list[str]:
    return [
        municipality_stamp(TOWN),
        slice_stamp(TOWN, project_slice(project_id)),
        part_stamp(TOWN, project_part(project_id)),
    ]


def test_the_changes_of_a_transaction_renew_their_stamps_once_when_it_commits(renewed):
    with transaction.atomic():
        town_figures_changed(municipality_id=TOWN, project_id=PROJECT)
        town_figures_changed(municipality_id=TOWN, project_id=PROJECT)
        town_figures_changed(municipality_id=TOWN, project_id=OTHER)
        assert renewed == []

    assert renewed == [sorted({*_stamps(PROJECT), *_stamps(OTHER)})]


def test_a_read_in_the_changing_transaction_renews_them_first_and_the_commit_again(renewed):
    with transaction.atomic():
        town_figures_changed(municipality_id=TOWN, project_id=PROJECT)
        town_figures(name="test", municipality_ids=[TOWN])
        town_figures(name="test", municipality_ids=[TOWN])  # nothing changed since the first read
        assert renewed == [sorted(_stamps(PROJECT))]
        town_figures_changed(municipality_id=TOWN, project_id=OTHER)
        town_figures(name="test", municipality_ids=[TOWN])
        assert renewed[1:] == [sorted(_stamps(OTHER))]

    assert renewed[2:] == [sorted({*_stamps(PROJECT), *_stamps(OTHER)})]


def test_a_transaction_that_rolled_back_renews_nothing(renewed):
    with transaction.atomic():
        town_figures_changed(municipality_id=TOWN, project_id=PROJECT)
        transaction.set_rollback(True)
    with transaction.atomic():
        with transaction.atomic():
            town_figures_changed(municipality_id=TOWN, project_id=PROJECT)
            transaction.set_rollback(True)
        town_figures_changed(municipality_id=TOWN, project_id=OTHER)

    assert renewed == [sorted(_stamps(OTHER))]


def test_outside_a_transaction_a_change_renews_at_once(renewed):
    town_figures_changed(municipality_id=TOWN, project_id=PROJECT)

    assert renewed == [sorted(_stamps(PROJECT))]
