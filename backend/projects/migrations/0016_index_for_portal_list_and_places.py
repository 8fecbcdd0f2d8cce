from django.db import migrations, models

from backend.core.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # Indexes are built concurrently on PostgreSQL, which cannot happen in a transaction.
    atomic = False

    dependencies = [
        ("projects", "0015_funding_programmes"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="project",
            index=models.Index(
                condition=models.Q(("is_public", True)),
                fields=["municipality", "stage_changed_at", "id"],
                name="project_public_newest",
            ),
        ),
        AddIndexConcurrentlyIfPostgres(
            model_name="project",
            index=models.Index(
                condition=models.Q(("is_public", True), models.Q(("address", ""), _negated=True)),
                fields=["municipality", "address", "id"],
                name="project_public_place",
            ),
        ),
    ]
