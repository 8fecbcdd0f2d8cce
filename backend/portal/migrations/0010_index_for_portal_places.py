from django.db import migrations, models

from backend.core.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # Indexes are built concurrently on PostgreSQL, which cannot happen in a transaction.
    atomic = False

    dependencies = [
        ("portal", "0009_idea_serves_a_strategy_goal"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="idea",
            index=models.Index(
                condition=models.Q(("status", "published"), models.Q(("place", ""), _negated=True)),
                fields=["municipality", "place", "id"],
                name="idea_published_place",
            ),
        ),
    ]
