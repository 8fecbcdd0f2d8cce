"""On PostgreSQL a statement the app runs again and again is prepared on its connection and planned once there
(``DATABASE_PREPARED_STATEMENTS``, on by default): values travel apart from the SQL, so the text repeats."""

import pytest
from django.db import connection

from backend.accounts.models import User
from tests.factories.accounts import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

QUERY = 'SELECT "accounts_user"."username" AS "username" FROM "accounts_user" WHERE "accounts_user"."id" = $1'


def _prepared(statement: str) -> int:
    """How many statements of this connection begin with ``statement``: PostgreSQL lists the protocol's too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE starts_with(statement, %s)", [statement])
        return cursor.fetchone()[0]


def test_a_query_run_again_and_again_with_other_values_is_prepared_once_and_still_answers_each():
    users = UserFactory.create_batch(6)

    found = [User.objects.filter(pk=user.pk).values_list("username", flat=True).get() for user in users]

    assert found == [user.username for user in users]
    assert _prepared(QUERY) == 1
