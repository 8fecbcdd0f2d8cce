import factory

from backend.accounts.models import Department, Membership, Municipality, OrganizationKind, PartnerOrganization, User
from backend.core.validators import ico_check_digit


def valid_ico(n: int) -> str:
    first_seven = f"{n:07d}"
    return first_seven + str(ico_check_digit(first_seven))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Jana"
    last_name = factory.Sequence(lambda n: f"Nováková{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.cz")
    password = factory.django.Password("demo")


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Obec {n}")
    ico = factory.Sequence(lambda n: valid_ico(1_000_000 + n))
    region = "vysocina"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.Sequence(lambda n: f"Odbor {n}")


class PartnerOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganization

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Partner {n}, z.s.")
    kind = OrganizationKind.NGO


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = "staff"
    department = factory.SubFactory(DepartmentFactory)
    municipality = factory.LazyAttribute(
        lambda m: m.department.municipality if m.department else m.organization.municipality
    )
    organization = None
