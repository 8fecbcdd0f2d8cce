"""End-to-end tests in the system Chromium (Debian's package), driven by Playwright against the live server.

Playwright downloads no browser here: ``CHROMIUM_PATH`` or the first Chromium found on the machine is
used. Without one the tests skip with a message, except in CI (``CI=true``), where that is a failure.
Screenshots of every step go to ``E2E_ARTIFACTS`` (default ``var/test-artifacts/e2e``).
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

# Playwright's sync API keeps an event loop in this thread; Django would then refuse every ORM call made
# by the tests themselves (seeding, assertions) as "async-unsafe". The tests are synchronous: allow it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DEMO_PASSWORD = "demo"
# axe-core (MPL-2.0), vendored: see tests/e2e/vendor/README.md.
AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# The rules of WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1366, "height": 768}
# WCAG 1.4.10 Reflow: content at 320 CSS px wide must not need scrolling in two directions.
PHONE = {"width": 320, "height": 640}
# Sub-pixel rounding of widths may add one pixel.
REFLOW_TOLERANCE_PX = 1
# Generous for a cold CI machine; a healthy step takes well under a second.
TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    """``CHROMIUM_PATH`` when set (and executable), else Debian's Chromium, else one on the ``PATH``."""
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = chromium_path()
    if path:
        return path
    configured = os.environ.get("CHROMIUM_PATH", "")
    message = (
        f"CHROMIUM_PATH={configured!r} is not an executable file"
        if configured
        else "no system Chromium found (looked for CHROMIUM_PATH, /usr/bin/chromium, chromium on PATH); "
        "install it with `apt-get install chromium` or point CHROMIUM_PATH at one"
    )
    if in_ci():
        pytest.fail(f"CI=true but the end-to-end tests cannot run: {message}", pytrace=False)
    pytest.skip(f"End-to-end tests skipped: {message}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, chromium_executable: str) -> dict:
    """pytest-playwright's launch options, pointed at the system Chromium and always headless."""
    return {**browser_type_launch_args, "executable_path": chromium_executable, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(os.environ.get("E2E_ARTIFACTS") or ROOT / "var" / "test-artifacts" / "e2e")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def e2e_settings(settings):
    """The live server speaks plain HTTP: cookies must not be limited to HTTPS there."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.LANGUAGE_CODE = "cs"
    return settings


@pytest.fixture
def demo(transactional_db, e2e_settings) -> None:
    """Město Vzorov as ``make run`` shows it; the live server reads it from the same database."""
    call_command("seed_demo", force=True, verbosity=0)


@dataclass
class Console:
    """What the browser printed, to find Content-Security-Policy violations and script errors."""

    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [text for text in self.messages + self.errors if "Content Security Policy" in text]


def _describe(page, message) -> str:
    """One console line with where it came from: the page, and the script line when there is one."""
    location = message.location or {}
    source = f" ({location.get('url')}:{location.get('lineNumber')})" if location.get("url") else ""
    return f"{page.url} {message.type}: {message.text}{source}"


@cache
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


# Runs axe on the whole document and returns one line per violation: rule, impact, where and how it fails.
_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.slice(0, 5).map(
      (node) => node.target.join(" ") + ": " + node.failureSummary.replace(/\\s+/g, " ")
    ),
  }));
}"""

# The widest elements sticking out of the screen, outside any scrolling box, to say what breaks the reflow.
_OVERFLOWING = """(width) => {
  const scrolls = (element) => ["auto", "scroll"].includes(getComputedStyle(element).overflowX);
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let parent = element.parentElement, inside = false;
    while (parent && !inside) { inside = scrolls(parent); parent = parent.parentElement; }
    if (inside) continue;
    const classes = typeof element.className === "string" ? element.className.trim().split(/\\s+/) : [];
    const id = element.id ? "#" + element.id : "";
    found.push(`${element.tagName.toLowerCase()}${id}${classes.map((c) => (c ? "." + c : "")).join("")}` +
      ` (right edge ${Math.round(box.right)} px)`);
  }
  return found.slice(0, 5);
}"""


@dataclass
class Browse:
    """Opens pages for one demo user in their own browser context, saves numbered screenshots."""

    live_server_url: str
    new_context: Callable
    artifacts_dir: Path
    test_name: str
    console: Console = field(default_factory=Console)
    step: int = 0

    def url(self, name: str, *args) -> str:
        return self.live_server_url + reverse(name, args=args)

    def page_for(self, username: str | None):
        """A fresh page in Czech; with ``username`` signed in through the login form."""
        context = self.new_context(locale="cs-CZ", viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("console", lambda message: self.console.messages.append(_describe(page, message)))
        page.on("pageerror", lambda error: self.console.errors.append(f"{page.url} {error}"))
        if username:
            self.sign_in(page, username)
        return page

    def sign_in(self, page, username: str) -> None:
        page.goto(self.url("web:login"))
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))

    def a11y_problems(self, page) -> list[str]:
        """What axe (WCAG 2.1 A and AA) finds at 1366×768, and whether the page reflows at 320 px.

        axe is injected through the DevTools protocol, which the page's Content-Security-Policy does not
        govern, so the page is checked exactly as served. The viewport is restored afterwards.
        """
        where = page.url.removeprefix(self.live_server_url)
        original = page.viewport_size
        problems = []
        page.set_viewport_size(DESKTOP)
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(axe_source())
        for violation in page.evaluate(_RUN_AXE, AXE_TAGS):
            nodes = "; ".join(violation["nodes"])
            problems.append(f"{where}: axe {violation['id']} ({violation['impact']}): {violation['help']} — {nodes}")
        page.set_viewport_size(PHONE)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"] + REFLOW_TOLERANCE_PX:
            culprits = ", ".join(page.evaluate(_OVERFLOWING, PHONE["width"]))
            problems.append(f"{where}: {width} px wide at {PHONE['width']} px, scrolls sideways ({culprits})")
        page.set_viewport_size(original or DESKTOP)
        return problems

    def check_a11y(self, page) -> None:
        """Fail on any axe violation or a page that scrolls sideways at 320 px (see ``a11y_problems``)."""
        problems = self.a11y_problems(page)
        assert not problems, "Accessibility problems:\n" + "\n".join(problems)

    def shot(self, page, name: str, *, full_page: bool = True) -> Path:
        self.step += 1
        path = self.artifacts_dir / f"{self.test_name}-{self.step:02d}-{name}.png"
        # Hiding the caret leaves style="" on every input, which htmx later copies while settling a swap:
        # a CSP violation caused by the screenshot, not by the page. Keep the caret.
        page.screenshot(path=str(path), full_page=full_page, caret="initial")
        return path


@pytest.fixture
def browse(chromium_executable, live_server, demo, new_context, artifacts_dir, request) -> Iterator[Browse]:
    helper = Browse(
        live_server_url=live_server.url,
        new_context=new_context,
        artifacts_dir=artifacts_dir,
        test_name=request.node.originalname.removeprefix("test_"),
    )
    for stale in artifacts_dir.glob(f"{helper.test_name}-*.png"):
        stale.unlink()
    yield helper
    violations = helper.console.csp_violations()
    assert not violations, "Content-Security-Policy violations in the browser console:\n" + "\n".join(violations)
