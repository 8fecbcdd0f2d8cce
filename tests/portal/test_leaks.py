"""Every public page and every public API answer, read anonymously, holds none of a public project's internals."""

from decimal import Decimal

import pytest
from django.urls import reverse

from backend.portal.catalog import DATASET_KEYS
from tests.factories.projects import KpiFactory
from tests.portal.conftest import MARKER
from tests.strategy.conftest import strategy  # noqa: F401

pytestmark = pytest.mark.django_db


def _public_addresses(portal, project) -> list[str]:
    update = project.updates.filter(withdrawn_at__isnull=True).get()
    return [
        reverse("portal:home"),
        reverse("portal:municipality", args=[portal.slug]),
        reverse("portal:municipality", args=[portal.slug]) + "?q=solár&stage=implementation&thematic_area=energy",
        reverse("portal:project", args=[portal.slug, project.pk]),
        reverse("api:public_portals"),
        reverse("api:public_projects", args=[portal.slug]),
        reverse("api:public_project", args=[portal.slug, project.pk]),
        reverse("api:public_updates", args=[portal.slug]),
        reverse("portal:attachment", args=[portal.slug, update.attachments.get().pk]),
        reverse("portal:ideas", args=[portal.slug]),
        reverse("portal:idea", args=[portal.slug, project.source_idea.pk]),
        reverse("portal:updates_feed", args=[portal.slug]),
        reverse("portal:projects_json", args=[portal.slug]),
        reverse("portal:projects_csv", args=[portal.slug]),
        reverse("portal:follow", args=[portal.slug, project.pk]),
        reverse("portal:milestones_json", args=[portal.slug]),
        reverse("portal:milestones_csv", args=[portal.slug]),
        reverse("portal:ideas_json", args=[portal.slug]),
        reverse("portal:ideas_csv", args=[portal.slug]),
        reverse("portal:catalog", args=[portal.slug]),
        *(reverse("portal:catalog_dataset", args=[portal.slug, key]) for key in sorted(DATASET_KEYS)),
    ]


@pytest.mark.parametrize("language", ["cs", "en"])
def test_no_internal_field_reaches_a_public_page_or_the_public_api(client, portal, leaky_project, language):
    client.cookies["django_language"] = language
    for address in _public_addresses(portal, leaky_project):
        response = client.get(address)
        assert response.status_code == 200, address
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode()
        assert MARKER not in text.upper(), (
            f"{address} shows {text[text.upper().index(MARKER) - 80 : text.upper().index(MARKER) + 80]!r}"
        )
        # The numbers of what is not secured or not public: a rejected request, the assessment score.
        assert "9876543" not in text.replace(" ", "").replace("\xa0", ""), address
        assert "27074358" not in text, address


def test_the_public_pages_show_what_is_public(client, portal, leaky_project):
    response = client.get(reverse("portal:project", args=[portal.slug, leaky_project.pk]))
    text = response.content.decode()
    for shown in (
        "Solární elektrárna na škole",
        "Panely na <strong>střeše</strong> školy.",
        "Petr Novák",
        "Nádražní 780, Vzorov",
        "2\xa0500\xa0000\xa0Kč",
        "1\xa0200\xa0000\xa0Kč",
        "OP ŽP",
        "1.2 Obnovitelné zdroje",
        "Panely jsou na střeše",
        "harmonogram.txt",
        "95,5",
    ):
        assert shown in text, shown


def test_internal_files_and_withdrawn_updates_answer_404(client, portal, leaky_project):
    internal = leaky_project.attachments.get(update__isnull=True)
    withdrawn = leaky_project.updates.get(withdrawn_at__isnull=False)
    assert client.get(reverse("portal:attachment", args=[portal.slug, internal.pk])).status_code == 404
    withdrawn_file = withdrawn.attachments.first()
    assert withdrawn_file is None  # published without files; its text is what must not show (above)


def test_a_project_that_is_not_public_is_a_404_everywhere(client, portal, leaky_project):
    leaky_project.is_public = False
    leaky_project.save()
    update = leaky_project.updates.filter(withdrawn_at__isnull=True).get()
    for address in (
        reverse("portal:project", args=[portal.slug, leaky_project.pk]),
        reverse("api:public_project", args=[portal.slug, leaky_project.pk]),
        reverse("portal:attachment", args=[portal.slug, update.attachments.get().pk]),
    ):
        assert client.get(address).status_code == 404, address
    assert "Solární" not in client.get(reverse("portal:municipality", args=[portal.slug])).content.decode()
    assert client.get(reverse("api:public_updates", args=[portal.slug])).json() == []


def test_a_non_public_projects_energy_figures_reach_no_public_address(client, town, portal, leaky_project):
    hidden = town.project("implementation", ready=False, is_public=False)
    KpiFactory(project=hidden, kind="energy_savings", carrier="electricity", target=Decimal("8765432"))
    KpiFactory(project=hidden, name="Snížení CO₂", kind="co2_reduction", unit="t CO₂/year", target=Decimal("7654321"))
    for address in _public_addresses(portal, leaky_project):
        response = client.get(address)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode().replace(" ", "").replace("\xa0", "")
        # Neither alone nor added to the public project's 120 MWh and 60 t.
        for number in ("8765432", "8765552", "7654321", "7654381"):
            assert number not in text, (address, number)
    html = client.get(reverse("portal:municipality", args=[portal.slug])).content.decode()
    assert 'id="portal-energy"' in html


@pytest.mark.parametrize("language", ["cs", "en"])
def test_no_internal_field_reaches_a_public_consultation_page(
    client,
    town,
    portal,
    leaky_project,
    strategy,  # noqa: F811
    language,
):
    """The proposer's and approvers' names, the decision comments, a comment's e-mail and the comments not
    published stay off the consultation pages."""
    from datetime import timedelta

    from django.utils import timezone

    from backend.strategy.consultation import (
        consultation_comment_confirm,
        consultation_comment_moderate,
        consultation_comment_submit,
        consultation_open,
    )
    from backend.strategy.models import ItemKind
    from backend.strategy.services import ChangeSpec, amendment_propose

    amendment = amendment_propose(
        actor=town.user("manager"),  # named with the marker by leaky_project
        strategy=strategy,
        title="Nový cíl",
        reason="Občané chtějí zeleň.",
        changes=[ChangeSpec(action="add", kind=ItemKind.GOAL, data={"code": "9", "title": "Zelené město"})],
    )
    today = timezone.localdate()
    consultation = consultation_open(
        actor=town.user("manager"), amendment=amendment, starts_on=today, ends_on=today + timedelta(days=7)
    )
    for number, publish in enumerate((True, False, None)):
        comment, token = consultation_comment_submit(
            consultation=consultation,
            author_name="Jan Občan" if publish else f"{MARKER} author",
            email=f"{MARKER}-{number}@example.org",
            body="Zveřejněná připomínka" if publish else f"{MARKER} not published",
        )
        if publish is not None:
            comment = consultation_comment_confirm(token=token)
            consultation_comment_moderate(actor=town.user("coordinator"), comment=comment, publish=publish)
    client.cookies["django_language"] = language
    for address in (
        reverse("portal:consultations", args=[portal.slug]),
        reverse("portal:consultation", args=[portal.slug, consultation.pk]),
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        text = response.content.decode()
        assert MARKER not in text.upper(), address
        assert "Novák" not in text, address
    assert "Zveřejněná připomínka" in text and "Zelené město" in text
