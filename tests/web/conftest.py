"""Web UI fixtures: a client logged in by role, a project nobody of Vzorov sees, and the page safety check.

``as_role(role)``      the test client logged in as ``town.user(role)``; ``"anonymous"`` logs nobody in.
``lhota_project``      a project of Obec Lhota (the town's other municipality): only ``other_coordinator`` sees it.
``assert_safe_page``   checks what every HTML page must carry: a CSP header with a nonce, that nonce on every
                       <script>, and no style="" attribute anywhere.
"""

import re

import pytest

from backend.projects.models import Project
from tests.factories import DepartmentFactory, ProjectFactory

ANONYMOUS = "anonymous"


@pytest.fixture
def as_role(client, town):
    def login(role: str):
        client.logout()
        if role != ANONYMOUS:
            client.force_login(town.user(role))
        return client

    return login


@pytest.fixture
def lhota_project(town) -> Project:
    department = DepartmentFactory(municipality=town.other_municipality, code="OŽP", name="Odbor životního prostředí")
    return ProjectFactory(lead_department=department, title="Lhota: osvětlení návsi")


_NONCE = re.compile(r"'nonce-([^']+)'")
_SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


@pytest.fixture
def assert_safe_page():
    def check(response) -> None:
        policy = response.headers.get("Content-Security-Policy", "")
        nonce = _NONCE.search(policy)
        assert nonce, f"no CSP nonce in {policy!r}"
        assert "unsafe-eval" not in policy and "unsafe-inline" not in policy
        html = response.content.decode()
        scripts = _SCRIPT.findall(html)
        for tag in scripts:
            assert f'nonce="{nonce.group(1)}"' in tag, f"script without the request's nonce: {tag}"
        assert not _STYLE_ATTRIBUTE.search(html), "an inline style attribute"
        assert "<style" not in html.lower()

    return check
