from decimal import Decimal

import factory

from backend.projects.models import Comment, FundingApplication, Kpi, Project, ProjectPartner, Task
from tests.factories.accounts import DepartmentFactory, PartnerOrganizationFactory, UserFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project whose idea-stage gate is open; pass ``stage=`` to start elsewhere (tests only)."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    lead_department = factory.SubFactory(DepartmentFactory)
    municipality = factory.SelfAttribute("lead_department.municipality")
    title = factory.Sequence(lambda n: f"Projekt {n}")
    summary = "Shrnutí projektu"
    description = "Popis projektu pro posouzení."
    thematic_area = "energy"
    estimated_cost = Decimal("1000000.00")
    manager = factory.SubFactory(UserFactory)
    author = factory.SelfAttribute("manager")


class ProjectPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectPartner

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SubFactory(
        PartnerOrganizationFactory, municipality=factory.SelfAttribute("..project.municipality")
    )


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Úkol {n}")
    stage = factory.SelfAttribute("project.stage")


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    project = factory.SubFactory(ProjectFactory)
    author = factory.SubFactory(UserFactory)
    body = "Komentář"


class FundingApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingApplication

    project = factory.SubFactory(ProjectFactory)
    programme = "irop"
    amount_requested = Decimal("1000000.00")


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi

    project = factory.SubFactory(ProjectFactory)
    name = "Úspora energie"
    kind = "energy_savings"
    unit = "MWh/year"
    baseline = Decimal("0")
    target = Decimal("120")
