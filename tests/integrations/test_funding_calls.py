"""The catalogue of funding calls: an application pointing at a call takes its closing date, and a call closing
in 3 days reminds the project's manager and watchers exactly once each, however often the reminders run."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from backend.integrations import funding_calls
from backend.integrations.models import FundingCall
from backend.integrations.spreadsheets import sheet_read
from backend.notifications.models import Notification
from backend.notifications.reminders import reminders_send
from backend.projects.services import project_watch
from backend.projects.stages import Stage
from tests.factories import FundingApplicationFactory

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 10)


def call_of(town, **fields) -> FundingCall:
    values = {
        "programme": "irop",
        "number": "IROP-104",
        "name": "Energetické úspory v bytových domech",
        "provider": "Ministerstvo pro místní rozvoj",
        "closes": TODAY + timedelta(days=3),
        **fields,
    }
    return funding_calls.funding_call_create(actor=town.user("coordinator"), municipality=town.municipality, **values)


def test_a_call_closing_in_three_days_reminds_manager_and_watchers_once_each(town):
    project = town.project(Stage.FUNDING, ready=False)
    project_watch(user=town.user("staff"), project=project)
    project_watch(user=town.user("lead_head"), project=project)
    application = FundingApplicationFactory(project=project, status="planned")
    with time_machine.travel(datetime(2027, 3, 10, 8, 0, tzinfo=timezone.get_current_timezone()), tick=False):
        call = call_of(town)
        funding_calls.funding_application_call_set(actor=town.user("manager"), application=application, call=call)
        application.refresh_from_db()
        assert application.call_deadline == call.closes
        reminders_send()
        reminders_send()  # beat runs it every 15 minutes: nothing twice
    reminded = Notification.objects.filter(event__kind="funding_deadline").values_list("recipient__username", flat=True)
    assert sorted(reminded) == sorted(["manager", "staff", "lead.head"])


def test_moving_a_call_moves_the_deadline_of_open_applications(town):
    project = town.project(Stage.FUNDING, ready=False)
    application = FundingApplicationFactory(project=project, status="submitted")
    call = call_of(town, closes=date(2027, 5, 1))
    funding_calls.funding_application_call_set(actor=town.user("manager"), application=application, call=call)
    funding_calls.funding_call_update(actor=town.user("coordinator"), call=call, closes=date(2027, 6, 15))
    application.refresh_from_db()
    assert application.call_deadline == date(2027, 6, 15)


def test_only_the_coordinator_keeps_the_catalogue_and_partners_do_not_see_it(town):
    with pytest.raises(funding_calls.PermissionDenied):
        funding_calls.funding_call_create(
            actor=town.user("manager"),
            municipality=town.municipality,
            programme="irop",
            number="X",
            name="Y",
            closes=TODAY,
        )
    call_of(town)
    assert funding_calls.funding_call_list_visible(user=town.user("staff")).count() == 1
    assert funding_calls.funding_call_list_visible(user=town.user("partner")).count() == 0
    assert funding_calls.funding_call_list_visible(user=town.user("other_coordinator")).count() == 0


def test_importing_calls_is_all_or_nothing_and_names_the_row(town):
    text = (
        "Program;Číslo výzvy;Název;Uzávěrka;Alokace (Kč);Maximální míra podpory (%)\n"
        "IROP;IROP-98;Veřejné osvětlení;30. 6. 2027;500 000 000;85\n"
        "neznámý;X-1;Cokoli;zítra;;\n"
    )
    sheet = sheet_read(name="vyzvy.csv", content=text.encode())
    with pytest.raises(ValidationError) as refused:
        funding_calls.funding_calls_import(actor=town.user("coordinator"), municipality=town.municipality, sheet=sheet)
    [message] = refused.value.messages
    assert message.startswith("Řádek 3: ")
    assert "program „neznámý“ neexistuje" in message and "„zítra“ není datum" in message
    assert not FundingCall.objects.exists()

    good = sheet_read(name="vyzvy.csv", content=text.split("neznámý")[0].rstrip().encode())
    [call] = funding_calls.funding_calls_import(
        actor=town.user("coordinator"), municipality=town.municipality, sheet=good
    )
    assert (call.programme, call.closes, call.allocation, call.max_support_rate) == (
        "irop",
        date(2027, 6, 30),
        Decimal("500000000.00"),
        Decimal("85.00"),
    )


def test_the_pages_list_calls_and_link_an_application(as_role, town):
    project = town.project(Stage.FUNDING, ready=False)
    application = FundingApplicationFactory(project=project, status="planned")
    call = call_of(town, closes=timezone.localdate() + timedelta(days=40))
    page = as_role("staff").get("/integrations/calls/")
    assert page.status_code == 200 and "IROP-104" in page.content.decode()
    assert "Přidat výzvu" not in page.content.decode()  # only the coordinator adds
    client = as_role("manager")
    response = client.post(
        f"/integrations/projects/{project.pk}/calls/", {"application": application.pk, "call": call.pk}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.call_deadline == call.closes
    assert as_role("partner").get(f"/integrations/projects/{project.pk}/calls/").status_code == 404
    file = io.BytesIO(
        "Program;Číslo;Název;Uzávěrka\nOP ŽP;OPZP-12;Hospodaření se srážkovou vodou;2027-09-30\n".encode()
    )
    file.name = "vyzvy.csv"
    imported = as_role("coordinator").post("/integrations/calls/", {"step": "import", "file": file})
    assert imported.status_code == 302
    assert FundingCall.objects.filter(number="OPZP-12", programme="op_zp").exists()


def test_the_demo_catalogue_holds_real_calls_once(db):
    from backend.integrations.seed import funding_calls_seed

    assert funding_calls_seed() == 2
    assert funding_calls_seed() == 0
    call = FundingCall.objects.get(number="RES+ č. 3/2024")
    assert (call.programme, call.closes, call.max_support_rate) == ("modernisation_fund", date(2024, 10, 31), 75)


def test_the_dashboard_shows_the_calls_closing_soon(as_role, town):
    call_of(town, number="IROP-120", closes=timezone.localdate() + timedelta(days=10))
    call_of(town, number="IROP-121", closes=timezone.localdate() + timedelta(days=90))
    page = as_role("manager").get("/").content.decode()
    assert "Výzvy, které se brzy uzavírají" in page
    assert "IROP-120" in page and "IROP-121" not in page
    assert "IROP-120" not in as_role("partner").get("/").content.decode()


def test_the_coordinator_edits_a_call_and_open_applications_follow(as_role, town):
    call = call_of(town, closes=timezone.localdate() + timedelta(days=40))
    application = FundingApplicationFactory(project=town.project(Stage.FUNDING, ready=False), status="planned")
    funding_calls.funding_application_call_set(actor=town.user("coordinator"), application=application, call=call)
    client = as_role("coordinator")
    url = f"/integrations/calls/{call.pk}/"
    assert f'href="{url}"' in client.get("/integrations/calls/").content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'value="IROP-104"' in page.content.decode()
    new_close = timezone.localdate() + timedelta(days=60)
    data = {"programme": "irop", "number": "IROP-104b", "name": call.name, "closes": new_close.isoformat()}
    assert client.post(url, data).status_code == 302
    call.refresh_from_db()
    application.refresh_from_db()
    assert (call.number, application.call_deadline) == ("IROP-104b", new_close)
    # A bad change saves nothing and says why in Czech.
    response = client.post(url, {**data, "number": "", "name": "Jiný název"})
    assert response.status_code == 400
    assert "Toto pole je vyžadováno." in response.content.decode()
    call.refresh_from_db()
    assert call.name == "Energetické úspory v bytových domech"


def test_a_call_is_deleted_only_when_nothing_points_at_it(as_role, town):
    call = call_of(town, closes=timezone.localdate() + timedelta(days=40))
    application = FundingApplicationFactory(project=town.project(Stage.FUNDING, ready=False), status="planned")
    funding_calls.funding_application_call_set(actor=town.user("coordinator"), application=application, call=call)
    client = as_role("coordinator")
    url = f"/integrations/calls/{call.pk}/"
    assert "na tuto výzvu odkazuje: nelze ji smazat" in client.get(url).content.decode()
    response = client.post(url, {"step": "delete"}, follow=True)
    assert "Výzvu nelze smazat: odkazuje na ni 1 žádost o dotaci." in response.content.decode()
    assert FundingCall.objects.filter(pk=call.pk).exists()
    funding_calls.funding_application_call_set(actor=town.user("coordinator"), application=application, call=None)
    assert client.post(url, {"step": "delete"}).status_code == 302
    assert not FundingCall.objects.filter(pk=call.pk).exists()


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("partner", 404), ("other_coordinator", 404)])
def test_only_the_towns_coordinator_edits_its_calls(as_role, town, role, status):
    call = call_of(town, closes=timezone.localdate() + timedelta(days=40))
    client = as_role(role)
    assert client.get(f"/integrations/calls/{call.pk}/").status_code == status
    assert client.post(f"/integrations/calls/{call.pk}/", {"step": "delete"}).status_code == status
    assert FundingCall.objects.filter(pk=call.pk).exists()


def test_a_shared_call_is_not_edited_by_a_town(as_role, town):
    shared = FundingCall.objects.create(programme="nzu", number="NZU-1", name="Sdílená", closes=TODAY)
    assert as_role("coordinator").get(f"/integrations/calls/{shared.pk}/").status_code == 403
