"""The strict Content-Security-Policy in a real browser: every page carries it, only nonced scripts run,
nothing on our pages trips it, and htmx still works (the bell loads, without eval)."""

import re

from django.urls import reverse

from backend.projects.models import Project

# Pages every municipal user opens in a day; the project detail is added with a real id below.
PAGES = ("web:dashboard", "web:board", "web:project_list", "web:approvals", "web:my_tasks", "web:notifications")
NONCE = re.compile(r"'nonce-([^']+)'")
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def _script_src(policy: str) -> str:
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if " " in part.strip())
    return directives.get("script-src", "")


def test_every_page_carries_the_policy_and_only_nonced_scripts(browse):
    page = browse.page_for("pm.novak")
    project = Project.objects.get(title="Fotovoltaické elektrárny na střechách základních škol")
    detail = browse.live_server_url + reverse("web:project_detail", args=[project.pk])
    urls = [browse.url(name) for name in PAGES] + [detail]
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        policy = response.headers.get("content-security-policy", "")
        script_src = _script_src(policy)
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, url
        nonce = NONCE.search(script_src)
        assert nonce, f"{url}: script-src has no nonce: {policy}"
        style_src = dict(part.strip().split(" ", 1) for part in policy.split(";") if " " in part.strip())["style-src"]
        assert "'unsafe-inline'" not in style_src
        # Every <script> the server wrote carries this response's nonce.
        for tag in SCRIPT_TAG.findall(response.text()):
            assert f'nonce="{nonce.group(1)}"' in tag, f"{url}: script without the nonce: {tag}"
        page.wait_for_load_state("networkidle")
    browse.shot(page, "project-detail")
    assert browse.console.csp_violations() == []
    assert browse.console.errors == []


def test_htmx_works_and_an_injected_inline_script_does_not(browse):
    page = browse.page_for(None)
    browse.sign_in(page, "head.env")
    with page.expect_response(lambda response: response.url.endswith(reverse("web:notification_bell"))) as bell:
        page.goto(browse.url("web:approvals"))
    assert bell.value.status == 200
    assert bell.value.request.headers.get("hx-request") == "true"
    config = page.evaluate("() => ({loaded: typeof htmx === 'object', eval: htmx.config.allowEval})")
    assert config == {"loaded": True, "eval": False}
    # head.env has unread notifications in the demo (approval requests of ENV): the count arrives.
    page.locator(".site-header .bell").filter(has_text=re.compile(r"\d+")).wait_for()
    browse.shot(page, "bell", full_page=False)
    assert browse.console.csp_violations() == []

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.head.appendChild(script);
        }"""
    )
    assert page.evaluate("() => window.__injected === undefined")
    page.wait_for_timeout(200)  # the violation report reaches the console asynchronously
    assert browse.console.csp_violations(), "the browser reported no violation for an inline script"
    browse.console.messages.clear()  # expected here; the fixture fails the test on any other
