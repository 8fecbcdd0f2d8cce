"""The public portal in Chromium: every public page passes axe (WCAG 2.1 A and AA) at 1366 px and reflows at
320 px, works without JavaScript; and a citizen's idea goes from the sign-in page through the e-mail
confirmation to the coordinator's decision."""

import re

from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from backend.portal import places as portal_places
from backend.portal.models import Idea, IdeaStatus
from backend.projects.models import Project
from tests.mail import outbox_send_all

SHOWCASE = "Fotovoltaické elektrárny"


def test_the_public_pages_pass_axe_and_reflow_without_javascript(browse):
    project = Project.objects.get(title__startswith=SHOWCASE)
    idea = Idea.objects.filter(status=IdeaStatus.PUBLISHED).first()
    context = browse.new_context(locale="cs-CZ", viewport={"width": 1366, "height": 768}, java_script_enabled=False)
    page = context.new_page()
    problems = []
    for path in (
        reverse("portal:home"),
        reverse("portal:municipality", args=["vzorov"]),
        reverse("portal:municipality", args=["vzorov"]) + "?stage=implementation&q=a",
        reverse("portal:project", args=["vzorov", project.pk]),
        reverse("portal:ideas", args=["vzorov"]),
        reverse("portal:idea", args=["vzorov", idea.pk]),
        reverse("portal:idea_new", args=["vzorov"]),
    ):
        response = page.goto(browse.live_server_url + path)
        assert response.status == 200, path
        browse.shot(page, path.strip("/").replace("/", "-") or "home")
    context.close()
    # axe needs a script of its own: run it in a context with scripts on.
    page = browse.page_for(None)
    for path in (
        reverse("portal:home"),
        reverse("portal:municipality", args=["vzorov"]),
        reverse("portal:project", args=["vzorov", project.pk]),
        reverse("portal:ideas", args=["vzorov"]),
        reverse("portal:idea", args=["vzorov", idea.pk]),
        reverse("portal:idea_new", args=["vzorov"]),
    ):
        page.goto(browse.live_server_url + path)
        problems += browse.a11y_problems(page)
    page.goto(browse.live_server_url + reverse("portal:municipality", args=["vzorov"]))
    page.get_by_role("link", name="English").click()
    expect(page.locator("main h2").first).to_have_text("Public projects")
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)


def _transition_button(page, name: str):
    return page.locator(f"#transition-panel form:has(input[name=name][value={name}]) button[type=submit]")


def test_a_citizen_idea_from_the_sign_in_page_to_a_project_whose_move_reaches_the_citizen(browse):
    """The issue's Done-when: sign-in page → portal → project → idea → e-mail confirmation → the coordinator
    publishes, answers and turns it into a project → the project moves stage → the citizen's news arrive."""
    problems = []
    citizen = browse.page_for(None)
    citizen.goto(browse.url("web:login"))
    problems += browse.a11y_problems(citizen)
    citizen.get_by_role("link", name="Podívejte se na veřejné projekty a podejte podnět").click()
    problems += browse.a11y_problems(citizen)
    citizen.get_by_role("link", name="Město Vzorov").click()
    problems += browse.a11y_problems(citizen)
    citizen.get_by_role("link", name=re.compile(SHOWCASE)).first.click()
    expect(citizen.locator("main h1")).to_contain_text(SHOWCASE)
    problems += browse.a11y_problems(citizen)
    citizen.get_by_role("link", name="Podat podnět").click()
    expect(citizen.locator("main")).to_contain_text("bude váš e-mail, potvrzený tímto odkazem, projekt sledovat")
    problems += browse.a11y_problems(citizen)
    citizen.get_by_label("Co navrhujete?").fill("Pítko na náměstí")
    citizen.get_by_label("Popište podnět").fill("V létě by se hodilo pítko s pitnou vodou.")
    citizen.get_by_label("Vaše jméno").fill("Eva Občanová")
    citizen.get_by_label("Váš e-mail").fill("eva@example.org")
    citizen.get_by_label("Souhlasím se zpracováním").check()
    citizen.get_by_role("button", name="Odeslat podnět").click()
    expect(citizen.locator("main h1")).to_have_text("Děkujeme za váš podnět")
    problems += browse.a11y_problems(citizen)
    browse.shot(citizen, "thanks")

    outbox_send_all()  # the worker's job
    (message,) = [message for message in mail.outbox if message.to == ["eva@example.org"]]
    mail.outbox.clear()
    link = re.search(r"http\S+/obec/podnety/potvrdit/\S+/", message.body).group(0)
    citizen.goto(browse.live_server_url + "/obec/" + link.split("/obec/", 1)[1])
    problems += browse.a11y_problems(citizen)
    citizen.get_by_role("button", name="Potvrdit můj podnět").click()
    expect(citizen.locator("main h1")).to_have_text("Podnět je potvrzen")

    coordinator = browse.page_for("coordinator")
    coordinator.goto(browse.url("portal:idea_queue"))
    heading = coordinator.get_by_role("heading", name="Pítko na náměstí")
    coordinator.locator("article", has=heading).get_by_role("button", name="Zveřejnit").click()
    expect(coordinator.get_by_text("Rozhodnutí bylo uloženo.")).to_be_visible()
    coordinator.goto(browse.url("portal:idea_queue") + "?status=published")
    article = coordinator.locator("article", has=coordinator.get_by_role("heading", name="Pítko na náměstí"))
    answer = article.locator("form:has(input[name=decision][value=answer])")
    answer.locator("select[name=state]").select_option("accepted")
    answer.locator("textarea[name=answer]").fill("Pítko objednáme.")
    answer.locator("button[type=submit]").click()
    expect(coordinator.get_by_text("Rozhodnutí bylo uloženo.")).to_be_visible()
    coordinator.goto(browse.url("portal:idea_queue") + "?status=published")
    heading = coordinator.get_by_role("heading", name="Pítko na náměstí")
    coordinator.locator("article", has=heading).get_by_role("button", name="Převést na projekt").click()
    expect(coordinator.locator("main h1")).to_contain_text("Pítko na náměstí")
    browse.shot(coordinator, "project-from-idea")
    outbox_send_all()
    subjects = [message.subject for message in mail.outbox if message.to == ["eva@example.org"]]
    assert subjects == ["Novinka o vašem podnětu „Pítko na náměstí“"] * 3  # published, answered, a project
    mail.outbox.clear()

    idea = Idea.objects.get(title="Pítko na náměstí")
    citizen.goto(browse.url("portal:idea", "vzorov", idea.pk))
    expect(citizen.locator("main .meta")).to_contain_text("Převedeno na projekt: Námět")
    problems += browse.a11y_problems(citizen)

    # The coordinator completes the project, makes it public and submits it: the citizen follows it already.
    project = idea.project
    department = project.municipality.departments.order_by("pk").first()
    coordinator.goto(browse.url("web:project_edit", project.pk))
    coordinator.locator("#project-lead_department").select_option(str(department.pk))
    coordinator.locator("#project-thematic_area").select_option("environment")
    coordinator.locator("#overview-section form button[type=submit]").click()
    expect(coordinator.locator("#overview-section form")).to_have_count(0)
    coordinator.goto(browse.url("portal:project_public", project.pk))
    coordinator.locator("#id_is_public").check()
    coordinator.locator("form:has(input[name=form][value=profile]) button[type=submit]").click()
    expect(coordinator.get_by_text("Projekt je veřejný.")).to_be_visible()
    coordinator.goto(browse.url("web:project_detail", project.pk))
    _transition_button(coordinator, "submit").click()
    expect(coordinator.locator("#project-stage .stage-badge")).to_have_class(re.compile(r"\bstage-assessment\b"))
    project.refresh_from_db()
    assert (project.is_public, project.stage, project.lead_department_id) == (True, "assessment", department.pk)
    outbox_send_all()
    (news,) = [message for message in mail.outbox if message.to == ["eva@example.org"]]
    assert news.subject == "Novinka v projektu „Pítko na náměstí“"
    assert "Posouzení" in news.body
    unsubscribe = news.extra_headers["List-Unsubscribe"].strip("<>")
    citizen.goto(browse.live_server_url + "/obec/" + unsubscribe.split("/obec/", 1)[1])
    problems += browse.a11y_problems(citizen)
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)


# The smallest PNG: what the blocked tile server "answers", so the map draws without reaching any network.
TILE_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def test_the_places_are_a_list_without_a_tile_server_and_a_map_over_it_with_one(browse, settings, monkeypatch):
    places = reverse("portal:places", args=["vzorov"])
    settings.PORTAL_MAP_TILE_URL = ""
    page = browse.page_for(None)
    page.goto(browse.live_server_url + places)
    expect(page.locator("main h1")).to_have_text("Projekty a podněty podle místa")
    expect(page.locator("#portal-map")).to_have_count(0)
    expect(page.get_by_role("heading", name="Nádražní 780", exact=True)).to_be_visible()
    problems = browse.a11y_problems(page)
    browse.shot(page, "places-list")

    settings.PORTAL_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.PORTAL_MAP_ATTRIBUTION = "© přispěvatelé OpenStreetMap"
    map_page = browse.page_for(None)
    tiles = []

    def tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE_PNG)

    map_page.route("https://tiles.example.org/**", tile)
    map_page.goto(browse.live_server_url + places)
    expect(map_page.locator("#portal-map")).to_be_visible()
    expect(map_page.locator(".leaflet-marker-icon").first).to_be_visible()
    markers = map_page.locator(".leaflet-marker-icon").count()
    assert (
        markers
        == Project.objects.filter(is_public=True, latitude__isnull=False, municipality__portal__slug="vzorov").count()
    )
    assert tiles and all(url.startswith("https://tiles.example.org/") for url in tiles)
    # The list stays under the map.
    expect(map_page.get_by_role("heading", name="Nádražní 780", exact=True)).to_be_visible()
    problems += browse.a11y_problems(map_page)
    browse.shot(map_page, "places-map")
    expect(map_page.locator("#portal-map-note")).to_be_hidden()  # every marker is there: nothing to say

    # A town with more markers than one answer carries: the map says so and asks for the area it shows.
    monkeypatch.setattr(portal_places, "POINTS_LIMIT", 2)
    cut_page = browse.page_for(None)
    cut_page.route("https://tiles.example.org/**", tile)
    with cut_page.expect_request(lambda request: "mista.json?bbox=" in request.url):
        cut_page.goto(browse.live_server_url + places)
    expect(cut_page.locator("#portal-map-note")).to_be_visible()
    expect(cut_page.locator("#portal-map-note")).to_contain_text("Mapa ukazuje nejvýše 2 projektů")
    assert 0 < cut_page.locator(".leaflet-marker-icon").count() <= 2
    problems += browse.a11y_problems(cut_page)
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)
