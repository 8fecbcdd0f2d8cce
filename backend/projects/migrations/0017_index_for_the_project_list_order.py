from django.db import migrations, models

from backend.core.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # Indexes are built concurrently on PostgreSQL, which cannot happen in a transaction.
    atomic = False

    dependencies = [
        ("projects", "0016_index_for_portal_list_and_places"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="project",
            index=models.Index(fields=["-created_at", "-id"], name="project_list_newest"),
        ),
    ]
