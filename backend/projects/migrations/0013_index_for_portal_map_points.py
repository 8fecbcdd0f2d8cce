from django.db import migrations, models

from backend.core.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # Indexes are built concurrently on PostgreSQL, which cannot happen in a transaction.
    atomic = False

    dependencies = [
        ("projects", "0012_kpi_covenant_sector"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="project",
            index=models.Index(
                condition=models.Q(("is_public", True), ("latitude__isnull", False)),
                fields=["municipality", "id"],
                name="project_public_point",
            ),
        ),
    ]
