import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import User
from backend.core.expressions import AnyOf
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_any_of_finds_the_listed_rows_with_one_array_parameter_whatever_the_length():
    users = [UserFactory() for _ in range(3)]
    wanted = [users[0].pk, users[2].pk, 999_999]
    with CaptureQueriesContext(connection) as queries:
        found = set(User.objects.filter(AnyOf("pk", wanted)).values_list("pk", flat=True))
    assert found == {users[0].pk, users[2].pk}
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_any_of_an_empty_list_matches_nothing():
    UserFactory()
    assert not User.objects.filter(AnyOf("pk", [])).exists()


def test_any_of_on_a_foreign_key_and_beside_other_filters():
    first, second = UserFactory(), UserFactory()
    assert list(User.objects.filter(AnyOf("id", {first.pk, second.pk}), username=second.username)) == [second]
