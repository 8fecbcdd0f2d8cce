import django.db.models.functions.math
from django.db import migrations, models

from backend.core.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # Indexes are built concurrently on PostgreSQL, which cannot happen in a transaction.
    atomic = False

    dependencies = [
        ("projects", "0018_index_for_the_approvals_scope"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="project",
            index=models.Index(
                models.F("municipality_id"),
                django.db.models.functions.math.Mod("id", 32),
                name="project_town_slice",
            ),
        ),
    ]
