"""Writes for accounts: creating municipalities, departments, partner organisations and memberships."""

from django.db import transaction

from backend.accounts.models import Department, Membership, Municipality, PartnerOrganization, Role, User
from backend.accounts.selectors import user_access_forget


@transaction.atomic
def municipality_create(*, name: str, ico: str, region: str, assessment_threshold: int | None = None) -> Municipality:
    municipality = Municipality(name=name, ico=ico, region=region)
    if assessment_threshold is not None:
        municipality.assessment_threshold = assessment_threshold
    municipality.full_clean()
    municipality.save()
    return municipality


def department_create(*, municipality: Municipality, code: str, name: str) -> Department:
    department = Department(municipality=municipality, code=code, name=name)
    department.full_clean()
    department.save()
    return department


def organization_create(*, municipality: Municipality, name: str, kind: str, ico: str = "") -> PartnerOrganization:
    organization = PartnerOrganization(municipality=municipality, name=name, kind=kind, ico=ico)
    organization.full_clean()
    organization.save()
    return organization


def membership_grant(
    *,
    user: User,
    role: str,
    municipality: Municipality | None = None,
    department: Department | None = None,
    organization: PartnerOrganization | None = None,
) -> Membership:
    """Give a user a role; the municipality follows from the department or organisation when not given."""
    if municipality is None:
        municipality = department.municipality if department else organization.municipality if organization else None
    membership = Membership(
        user=user, role=Role(role), municipality=municipality, department=department, organization=organization
    )
    membership.full_clean()
    membership.save()
    user_access_forget(user=user)
    return membership
