from django.db import migrations, models

from backend.core.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # Indexes are built concurrently on PostgreSQL, which cannot happen in a transaction.
    atomic = False

    dependencies = [
        ("workflows", "0007_approval_decision_resolution"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="approvalrequest",
            index=models.Index(fields=["-created_at", "-id"], name="approval_newest"),
        ),
        AddIndexConcurrentlyIfPostgres(
            model_name="approvalrequest",
            index=models.Index(fields=["requested_by", "-created_at", "-id"], name="approval_requester_newest"),
        ),
    ]
