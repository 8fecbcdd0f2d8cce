"""A query of the app starts no parallel workers on PostgreSQL (``DATABASE_PARALLEL_WORKERS``, 0 by default): the
setting reaches every connection when it opens, the pool's included."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_connection_lets_a_query_start_no_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")

        assert cursor.fetchone() == ("0",)
