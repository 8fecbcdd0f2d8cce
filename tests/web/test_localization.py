"""Czech and English as people read and write them: one short and one long date style per language, amounts
grouped the local way and accepted as typed, units and choices in the reader's language, the language
switch naming each language in itself, and the application's own 404 page in DEBUG too."""

import html
import json
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

import backend.web.forms.attachments as web_forms_attachments
import backend.web.forms.inbox as web_forms_inbox
import backend.web.forms.project_detail as web_forms_project
import backend.web.forms.projects as web_forms
from backend.projects.stages import Stage
from backend.web.forms.numbers import LocalizedDecimalField
from backend.web.forms.project_detail import FundingForm, KpiForm, ProjectEditForm
from backend.web.forms.projects import ProjectForm
from tests.factories import KpiFactory, TaskFactory

pytestmark = pytest.mark.django_db

PRAGUE = ZoneInfo("Europe/Prague")
NBSP = "\xa0"


def render(template: str, **context) -> str:
    return Template("{% load i18n %}" + template).render(Context(context))


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "short", "long", "short_datetime", "long_datetime"),
    [
        ("cs", "2. 12. 2026", "2. prosince 2026", "2. 12. 2026 0:40", "2. prosince 2026 0:40"),
        ("en", "2 Dec 2026", "2 December 2026", "2 Dec 2026, 00:40", "2 December 2026, 00:40"),
    ],
)
def test_one_short_and_one_long_date_style_per_language(language, short, long, short_datetime, long_datetime):
    moment = datetime(2026, 12, 2, 0, 40, tzinfo=PRAGUE)
    with translation.override(language):
        rendered = render(
            '{{ day|date:"SHORT_DATE_FORMAT" }}|{{ day|date }}|{{ moment|date:"SHORT_DATETIME_FORMAT" }}|'
            '{{ moment|date:"DATETIME_FORMAT" }}',
            day=date(2026, 12, 2),
            moment=moment,
        )
    assert rendered == f"{short}|{long}|{short_datetime}|{long_datetime}"


def test_english_dates_are_never_month_first():
    with translation.override("en"):
        rendered = render('{{ day|date:"SHORT_DATE_FORMAT" }} {{ day|date }}', day=date(2026, 4, 1))
    assert rendered == "1 Apr 2026 1 April 2026"
    assert "04/01" not in rendered and "4/1" not in rendered


def test_the_project_overview_shows_planned_dates_in_the_long_czech_style(client, town):
    project = town.project(Stage.IDEA, planned_start=date(2027, 4, 1), planned_end=date(2027, 12, 31))
    client.force_login(town.user("manager"))

    page = text(client.get(reverse("web:project_detail", args=[project.pk])))

    assert "1. dubna 2027" in page and "31. prosince 2027" in page
    assert "01.04.2027" not in page and "01. 04. 2027" not in page


def test_my_tasks_show_due_dates_in_the_short_czech_style(client, town):
    TaskFactory(
        project=town.project(Stage.IDEA),
        title="Žádost o dotaci",
        assignee=town.user("staff"),
        due_date=date(2027, 1, 5),
    )
    client.force_login(town.user("staff"))

    page = text(client.get(reverse("web:my_tasks")))

    assert "5. 1. 2027" in page
    assert "05.01.2027" not in page


# --- numbers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("4 850 000", Decimal("4850000")),
        (f"4{NBSP}850{NBSP}000", Decimal("4850000")),
        ("4\u202f850\u202f000", Decimal("4850000")),  # narrow no-break space, as Word and macOS write it
        ("4\u2009850\u2009000", Decimal("4850000")),  # thin space
        ("4 850 000,50", Decimal("4850000.50")),
        ("4850000.5", Decimal("4850000.5")),
        ("4.850.000,50", Decimal("4850000.50")),
        ("0,5", Decimal("0.5")),
    ],
)
def test_czech_amounts_are_accepted_as_people_type_them(typed, expected):
    field = LocalizedDecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)

    assert field.clean(typed) == expected


@pytest.mark.parametrize("typed", ["čtyři miliony", "4,85,0", "1.2.3", "4 850 000 Kč"])
def test_garbage_gets_the_czech_error(typed):
    field = LocalizedDecimalField(max_digits=14, decimal_places=2, required=False)

    with pytest.raises(forms.ValidationError) as refused:
        field.clean(typed)

    assert refused.value.messages == ["Zadejte číslo."]


def test_english_reads_commas_as_grouping():
    field = LocalizedDecimalField(max_digits=14, decimal_places=2, required=False)
    with translation.override("en"):
        assert field.clean("4,850,000.50") == Decimal("4850000.50")
        assert field.clean("4,850") == Decimal("4850")


def test_the_edit_form_shows_the_cost_grouped_without_decimals(town):
    project = town.project(Stage.IDEA, estimated_cost=Decimal("4850000.00"))

    czech = str(ProjectEditForm(project=project)["estimated_cost"])
    with translation.override("en"):
        english = str(ProjectEditForm(project=project)["estimated_cost"])

    assert f'value="4{NBSP}850{NBSP}000"' in czech
    assert 'inputmode="decimal"' in czech and 'type="text"' in czech
    assert 'value="4,850,000"' in english


def test_a_fraction_keeps_its_decimal_comma(town):
    project = town.project(Stage.IDEA, estimated_cost=Decimal("4850000.50"))

    assert f'value="4{NBSP}850{NBSP}000,50"' in str(ProjectEditForm(project=project)["estimated_cost"])


def test_a_quantity_shows_the_digits_it_has():
    kpi = KpiForm(initial={"target": Decimal("13.500"), "baseline": Decimal("1250.000")})

    assert 'value="13,5"' in str(kpi["target"])
    assert f'value="1{NBSP}250"' in str(kpi["baseline"])


def test_the_manager_saves_a_cost_typed_with_spaces_and_a_comma(client, town):
    project = town.project(Stage.IDEA)
    client.force_login(town.user("manager"))
    data = {
        "title": project.title,
        "summary": project.summary,
        "description": project.description,
        "lead_department": project.lead_department_id,
        "manager": project.manager_id,
        "thematic_area": "energy",
        "estimated_cost": "4 850 000,50",
    }

    response = client.post(reverse("web:project_edit", args=[project.pk]), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.estimated_cost == Decimal("4850000.50")


def test_a_garbage_cost_is_refused_in_czech_and_shown_back_as_typed(client, town):
    project = town.project(Stage.IDEA, estimated_cost=Decimal("1000"))
    client.force_login(town.user("manager"))
    data = {"title": project.title, "lead_department": project.lead_department_id, "estimated_cost": "hodně"}

    page = text(client.post(reverse("web:project_edit", args=[project.pk]), data))

    assert "Zadejte číslo." in page
    assert 'value="hodně"' in page
    project.refresh_from_db()
    assert project.estimated_cost == Decimal("1000")


def test_every_decimal_input_of_the_web_forms_is_localized(town):
    """Money and quantities everywhere: no plain DecimalField (and so no "4850000.00") is left in the web forms."""
    project = town.project(Stage.IDEA)
    instances = [
        ProjectForm(user=town.user("manager")),
        ProjectEditForm(project=project),
        FundingForm(),
        KpiForm(),
    ]
    decimal_fields = [
        (type(form).__name__, name, field)
        for form in instances
        for name, field in form.fields.items()
        if isinstance(field, forms.DecimalField)
    ]
    modules = (web_forms, web_forms_project, web_forms_inbox, web_forms_attachments)
    declared = [
        (cls.__name__, name, field)
        for module in modules
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, forms.BaseForm) and hasattr(cls, "base_fields")
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.DecimalField)
    ]

    assert {(form, name) for form, name, _ in decimal_fields} >= {
        ("ProjectForm", "estimated_cost"),
        ("ProjectEditForm", "estimated_cost"),
        ("FundingForm", "amount_requested"),
        ("FundingForm", "amount_approved"),
        ("KpiForm", "baseline"),
        ("KpiForm", "target"),
        ("KpiForm", "actual"),
    }
    plain = [
        (form, name) for form, name, field in decimal_fields + declared if not isinstance(field, LocalizedDecimalField)
    ]
    assert plain == []


# --- English leftovers ----------------------------------------------------------------------------------


def test_the_blank_choice_of_a_select_is_czech(town):
    """Django 6.1's blank choice ("- Select an option -") has no Czech in Django's catalogue: ours gives it."""
    select = str(ProjectEditForm(project=town.project(Stage.IDEA, thematic_area=""))["thematic_area"])

    assert "- Vyberte možnost -" in select
    assert "Select an option" not in select


def test_energy_units_read_in_czech_and_stay_canonical_in_the_data(client, town):
    project = town.project(Stage.IMPLEMENTATION)
    kpi = KpiFactory(project=project, name="Úspora energie", kind="energy_savings", target=Decimal("600"))
    client.force_login(town.user("manager"))

    page = text(client.get(reverse("web:project_tab", args=[project.pk, "kpis"])))

    kpi.refresh_from_db()
    assert kpi.unit == "MWh/year"
    assert "MWh/rok" in page and "MWh/year" not in page
    with translation.override("en"):
        assert kpi.unit_label == "MWh/year"
    assert str(KpiFactory.build(kind="co2_reduction", name="CO₂", unit="t CO₂/year")) == "CO₂ (t CO₂/rok)"


def test_the_language_switch_names_each_language_in_itself(client):
    page = client.get(reverse("web:login")).content.decode()

    assert re.search(r'<option value="cs" lang="cs"[^>]*>Čeština</option>', page)
    assert re.search(r'<option value="en" lang="en"[^>]*>English</option>', page)
    assert "Angličtina" not in page


def test_the_admin_speaks_czech_including_its_scripts(client, town):
    coordinator = town.user("coordinator")
    coordinator.is_staff = coordinator.is_superuser = True
    coordinator.save()
    client.force_login(coordinator)

    index = client.get(reverse("admin:index"))
    catalog = client.get(reverse("admin:jsi18n"))

    assert '<html lang="cs"' in index.content.decode()
    assert catalog.status_code == 200

    def in_catalog(message: str) -> bool:  # the catalogue is JSON inside a script, non-ASCII escaped
        return json.dumps(message)[1:-1] in catalog.content.decode()

    assert in_catalog("Vybrat vše")  # Django's own Czech
    assert in_catalog("Vyberte položky (%s) a poté klikněte na šipku „Vybrat“.")  # ours, missing in Django's
    assert in_catalog("Poznámka: Časy zadávejte v časovém pásmu %(timezone)s. (Váš čas je o %(offset)s hodin pozadu.)")


def test_the_admin_templates_strings_missing_in_djangos_czech_are_ours():
    assert translation.gettext("Search %(name)s") % {"name": "projekty"} == "Hledat: projekty"
    assert translation.gettext("Logout") == "Odhlásit se"


# --- the application's 404 page in DEBUG ------------------------------------------------------------------


def test_a_partner_typing_a_hidden_tab_gets_our_404_page_in_debug(client, town, settings):
    settings.DEBUG = True
    project = town.project(Stage.FUNDING)
    client.force_login(town.user("partner"))

    response = client.get(reverse("web:project_tab", args=[project.pk, "funding"]))

    assert response.status_code == 404
    page = text(response)
    assert "Stránka nebyla nalezena" in page
    assert "Django" not in page and "URLconf" not in page and "Technical" not in page
    assert "ramec/ramec.css" in page  # our page, in our layout


@pytest.mark.parametrize("path", ["/integrations/webhooks/999999/", "/energie/projekty/999999/kpi/999999/mereni/"])
def test_a_missing_object_of_the_integrations_and_energy_pages_gets_our_404_page_in_debug(client, town, settings, path):
    settings.DEBUG = True
    client.force_login(town.user("coordinator"))

    response = client.get(path)

    assert response.status_code == 404
    assert "Stránka nebyla nalezena" in text(response) and "URLconf" not in text(response)


def test_a_mistyped_address_gets_our_404_page_in_debug(client, town, settings):
    settings.DEBUG = True
    client.force_login(town.user("manager"))

    response = client.get("/projekty/nic/")

    assert response.status_code == 404
    assert "Stránka nebyla nalezena" in text(response) and "URLconf" not in text(response)


def test_the_api_keeps_its_json_404_in_debug(client, town, settings):
    settings.DEBUG = True
    client.force_login(town.user("partner"))

    response = client.get("/api/v1/projects/999999/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
