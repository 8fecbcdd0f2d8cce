"""Moves every ``projects.StrategicMeasure`` into a strategy of its municipality, keeping ids and project links.

Each municipality with measures gets one strategy in force with one goal that holds them all, codes and titles
unchanged; the measures keep their ids, so links by id (forms, API clients) keep pointing at the same measure.
Revision 1 of each strategy records that state. Backwards, the measures go back to the flat list.
"""

from django.core.management.color import no_style
from django.db import migrations

STRATEGY_TITLE = "Strategie {municipality}"
GOAL_TITLE = "Opatření převedená ze seznamu strategických opatření"
NOTE = "Převedeno ze seznamu strategických opatření."


def _goal_data(goal) -> dict:
    return {"code": goal.code, "title": goal.title, "description": "", "retired": False, "parent": ""}


def _measure_data(measure, goal) -> dict:
    return {
        "code": measure.code,
        "title": measure.title,
        "description": "",
        "retired": False,
        "goal": goal.code,
        "department": "",
    }


def forwards(apps, schema_editor):
    Old = apps.get_model("projects", "StrategicMeasure")
    Strategy = apps.get_model("strategy", "Strategy")
    Goal = apps.get_model("strategy", "Goal")
    Measure = apps.get_model("strategy", "Measure")
    Revision = apps.get_model("strategy", "Revision")
    ItemVersion = apps.get_model("strategy", "ItemVersion")
    old_links = apps.get_model("projects", "Project").strategic_measures.through
    new_links = Measure.projects.through

    by_municipality = {}
    for old in Old.objects.select_related("municipality").order_by("municipality_id", "code"):
        by_municipality.setdefault(old.municipality, []).append(old)
    for municipality, olds in by_municipality.items():
        strategy = Strategy.objects.create(
            municipality=municipality,
            title=STRATEGY_TITLE.format(municipality=municipality.name)[:200],
            status="in_force",
            revision=1,
        )
        goal = Goal.objects.create(strategy=strategy, code="1", title=GOAL_TITLE)
        Revision.objects.create(strategy=strategy, number=1, note=NOTE)
        versions = [ItemVersion(strategy=strategy, revision=1, kind="goal", item_id=goal.pk, data=_goal_data(goal))]
        for old in olds:
            measure = Measure.objects.create(
                pk=old.pk, strategy=strategy, municipality=municipality, goal=goal, code=old.code, title=old.title
            )
            # created_at is auto_now_add: carry the original moments over with an update.
            Measure.objects.filter(pk=measure.pk).update(created_at=old.created_at, updated_at=old.updated_at)
            versions.append(
                ItemVersion(
                    strategy=strategy, revision=1, kind="measure", item_id=measure.pk, data=_measure_data(old, goal)
                )
            )
        ItemVersion.objects.bulk_create(versions)
    new_links.objects.bulk_create(
        new_links(project_id=project_id, measure_id=measure_id)
        for project_id, measure_id in old_links.objects.values_list("project_id", "strategicmeasure_id")
    )
    _reset_sequences(schema_editor, [Measure])


def backwards(apps, schema_editor):
    Old = apps.get_model("projects", "StrategicMeasure")
    Measure = apps.get_model("strategy", "Measure")
    old_links = apps.get_model("projects", "Project").strategic_measures.through
    new_links = Measure.projects.through
    Old.objects.bulk_create(
        Old(pk=measure.pk, municipality_id=measure.municipality_id, code=measure.code, title=measure.title)
        for measure in Measure.objects.order_by("pk")
    )
    old_links.objects.bulk_create(
        old_links(project_id=project_id, strategicmeasure_id=measure_id)
        for project_id, measure_id in new_links.objects.values_list("project_id", "measure_id")
    )
    _reset_sequences(schema_editor, [Old])


def _reset_sequences(schema_editor, models) -> None:
    connection = schema_editor.connection
    for statement in connection.ops.sequence_reset_sql(no_style(), models):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("strategy", "0001_initial"),
        ("projects", "0006_single_line_names"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
