"""The README's screenshots: the pipeline board and a project's detail, as pm.novak sees them in the demo.

Always taken into the test artifacts; with ``DOCS_SCREENSHOTS=1`` also written to ``docs/board.png`` and
``docs/project-detail.png``:

    DOCS_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_screenshots.py
"""

import os
import shutil
from pathlib import Path

from django.urls import reverse

from backend.projects.models import Project

DOCS = Path(__file__).resolve().parents[2] / "docs"
# A project with a bit of everything: partners, funding, KPIs, tasks, a long history.
DETAIL_PROJECT = "Fotovoltaické elektrárny na střechách základních škol"


def _publish(path, name: str) -> None:
    if os.environ.get("DOCS_SCREENSHOTS", "").strip().lower() in ("1", "true", "yes"):
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS / name)


def test_board_and_project_detail_screenshots(browse):
    page = browse.page_for("pm.novak")

    page.goto(browse.url("web:board"))
    page.locator("#board").wait_for()
    page.wait_for_load_state("networkidle")
    _publish(browse.shot(page, "board"), "board.png")

    project = Project.objects.get(title=DETAIL_PROJECT)
    page.goto(browse.live_server_url + reverse("web:project_detail", args=[project.pk]))
    page.get_by_role("heading", level=1, name=DETAIL_PROJECT).wait_for()
    page.wait_for_load_state("networkidle")
    _publish(browse.shot(page, "project-detail"), "project-detail.png")

    assert browse.console.csp_violations() == []
