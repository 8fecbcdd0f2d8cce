import django.db.models.functions.math
from django.db import migrations, models

from backend.core.migration_operations import AddIndexConcurrentlyIfPostgres, RemoveIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # Indexes are built (and dropped) concurrently on PostgreSQL, which cannot happen in a transaction. The dashboard
    # sums parts of slices now (backend.projects.town_cache.TOWN_PARTS): the index of the parts replaces the slices'.
    atomic = False

    dependencies = [
        ("projects", "0020_index_for_the_assignees_open_tasks"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="project",
            index=models.Index(
                models.F("municipality_id"),
                django.db.models.functions.math.Mod("id", 1024),
                name="project_town_part",
            ),
        ),
        RemoveIndexConcurrentlyIfPostgres(model_name="project", name="project_town_slice"),
    ]
