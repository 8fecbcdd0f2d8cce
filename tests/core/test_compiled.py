"""``query_compile``: a queryset's SQL compiled once, run with other values in the placeholders' places."""

import pytest
from django.db.models import Count

from backend.accounts.models import Membership, User
from backend.core.compiled import query_compile
from backend.core.expressions import AnyOf
from tests.factories.accounts import MembershipFactory, MunicipalityFactory, UserFactory


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

    assert [user.username for user in query.objects(user=second.pk)] == [second.username]
    assert [user.pk for user in query.objects(user=first.pk)] == [first.pk]


@pytest.mark.django_db
def test_the_instances_come_with_what_was_selected_related_and_annotated_converted_as_the_orm_does(
    django_assert_num_queries,
):
    membership = MembershipFactory(department=None, municipality=MunicipalityFactory(), role="coordinator")
    query = query_compile(
        lambda *, user: (
            Membership.objects.filter(user_id=user)
            .select_related("municipality", "user", "department")
            .annotate(memberships_of_the_town=Count("municipality__memberships"))
        ),
        "user",
    )

    with django_assert_num_queries(1):
        (found,) = query.objects(user=membership.user_id)
        assert found.municipality.name == membership.municipality.name
        assert found.user.username == membership.user.username
        assert found.department is None
        assert found.created_at == membership.created_at  # an aware datetime, as the ORM gives it
        assert found.memberships_of_the_town == 1
    assert query.objects(user=UserFactory().pk) == []


def test_a_placeholder_sent_inside_an_array_is_refused():
    with pytest.raises(ValueError, match="not the same for other values"):
        query_compile(lambda *, user: User.objects.filter(AnyOf("pk", [user])), "user")
