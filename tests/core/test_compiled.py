"""``query_compile``: a queryset's SQL compiled once, run with other values in the placeholders' places."""

import pytest

from backend.accounts.models import User
from backend.core.compiled import query_compile
from backend.core.expressions import AnyOf
from tests.factories.accounts import UserFactory


@pytest.mark.django_db
def test_the_compiled_query_finds_what_the_queryset_of_those_values_finds():
    first, second, inactive = UserFactory(), UserFactory(), UserFactory(is_active=False)
    query = query_compile(
        lambda *, user, other: (
            User.objects.filter(pk__in=[user, other], is_active=True).order_by("pk").values_list("username")
        ),
        "user",
        "other",
    )

    assert query.rows(user=first.pk, other=inactive.pk) == [(first.username,)]
    assert query.rows(user=second.pk, other=first.pk) == [(first.username,), (second.username,)]


@pytest.mark.django_db
def test_the_compiled_query_gives_model_instances():
    first, second = UserFactory(), UserFactory()
    query = query_compile(lambda *, user: User.objects.filter(pk=user), "user")

    assert [user.username for user in query.objects(User, user=second.pk)] == [second.username]
    assert [user.pk for user in query.objects(User, user=first.pk)] == [first.pk]


def test_a_placeholder_sent_inside_an_array_is_refused():
    with pytest.raises(ValueError, match="not the same for other values"):
        query_compile(lambda *, user: User.objects.filter(AnyOf("pk", [user])), "user")
