from django.db import migrations, models

from backend.core.migration_operations import AddIndexConcurrentlyIfPostgres, RemoveIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # Indexes are built (and dropped) concurrently on PostgreSQL, which cannot happen in a transaction. The covering
    # index is built before the one it replaces is dropped, so the assignee's tasks always have an index.
    atomic = False

    dependencies = [
        ("projects", "0019_index_for_a_slice_of_the_towns_projects"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="task",
            index=models.Index(
                fields=["assignee", "status"], include=("project", "due_date"), name="task_assignee_status_scope"
            ),
        ),
        RemoveIndexConcurrentlyIfPostgres(model_name="task", name="task_assignee_status"),
    ]
