"""Factories shared by every test module."""

from tests.factories.accounts import (
    DepartmentFactory,
    MembershipFactory,
    MunicipalityFactory,
    PartnerOrganizationFactory,
    UserFactory,
    valid_ico,
)
from tests.factories.projects import (
    CommentFactory,
    FundingApplicationFactory,
    KpiFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    TaskFactory,
)

__all__ = [
    "CommentFactory",
    "DepartmentFactory",
    "FundingApplicationFactory",
    "KpiFactory",
    "MembershipFactory",
    "MunicipalityFactory",
    "PartnerOrganizationFactory",
    "ProjectFactory",
    "ProjectPartnerFactory",
    "TaskFactory",
    "UserFactory",
    "valid_ico",
]
