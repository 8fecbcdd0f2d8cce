"""The flat list of strategic measures moves into strategies without loss: ids, codes, titles, project links."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("projects", "0008_kpi_energy_carrier_and_renewable_kind"), ("strategy", "0001_initial")]
AFTER = [("projects", "0009_strategic_measures_moved_to_strategy"), ("strategy", "0003_measure_projects_related_name")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrator():
    """Leaves the database at the latest migrations, as the other tests expect it."""
    yield _migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_measures_keep_their_ids_codes_titles_and_projects(migrator):
    old_apps = migrator(BEFORE)
    Municipality = old_apps.get_model("accounts", "Municipality")
    Project = old_apps.get_model("projects", "Project")
    StrategicMeasure = old_apps.get_model("projects", "StrategicMeasure")
    vzorov = Municipality.objects.create(name="Město Vzorov", ico="00291536", region="vysocina")
    lhota = Municipality.objects.create(name="Obec Lhota", ico="00278475", region="vysocina")
    energy = StrategicMeasure.objects.create(municipality=vzorov, code="SC-1.1", title="Úspory energie")
    data = StrategicMeasure.objects.create(municipality=vzorov, code="SC-3.1", title="Otevřená data")
    lhota_measure = StrategicMeasure.objects.create(municipality=lhota, code="P-1", title="Úspory v obecních budovách")
    lighting = Project.objects.create(municipality=vzorov, title="LED osvětlení")
    lighting.strategic_measures.set([energy, data])
    Project.objects.create(municipality=lhota, title="Kotel v obecním úřadě").strategic_measures.set([lhota_measure])

    new_apps = migrator(AFTER)

    Measure = new_apps.get_model("strategy", "Measure")
    Strategy = new_apps.get_model("strategy", "Strategy")
    ItemVersion = new_apps.get_model("strategy", "ItemVersion")
    rows = set(Measure.objects.values_list("pk", "municipality__name", "code", "title", "strategy__title"))
    assert rows == {
        (energy.pk, "Město Vzorov", "SC-1.1", "Úspory energie", "Strategie Město Vzorov"),
        (data.pk, "Město Vzorov", "SC-3.1", "Otevřená data", "Strategie Město Vzorov"),
        (lhota_measure.pk, "Obec Lhota", "P-1", "Úspory v obecních budovách", "Strategie Obec Lhota"),
    }
    assert set(Measure.objects.get(pk=energy.pk).projects.values_list("title", flat=True)) == {"LED osvětlení"}
    assert set(Measure.objects.get(pk=data.pk).projects.values_list("title", flat=True)) == {"LED osvětlení"}
    assert set(Strategy.objects.values_list("status", "revision")) == {("in_force", 1)}
    # Revision 1 holds every item as it was moved.
    assert ItemVersion.objects.filter(revision=1, kind="measure").count() == 3
    assert ItemVersion.objects.filter(revision=1, kind="goal").count() == 2
    # New measures get ids after the moved ones.
    strategy = Strategy.objects.get(municipality_id=vzorov.pk)
    goal = strategy.goals.get()
    added = Measure.objects.create(strategy=strategy, municipality_id=vzorov.pk, goal=goal, code="9", title="Nové")
    assert added.pk > lhota_measure.pk
