import factory

from backend.portal.models import Portal
from backend.projects.models import ProjectUpdate
from tests.factories.accounts import MunicipalityFactory
from tests.factories.projects import ProjectFactory


class PortalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portal

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda n: f"obec-{n}")


class ProjectUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectUpdate

    project = factory.SubFactory(ProjectFactory, is_public=True)
    title = factory.Sequence(lambda n: f"Aktualita {n}")
    body = "Stavba **pokračuje** podle plánu."
