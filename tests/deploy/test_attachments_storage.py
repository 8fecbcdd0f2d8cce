"""docker/: attachments persist in a named volume of their own, outside the web root, writable by the app's user."""

import re

import yaml

from tests.deploy.conftest import DOCKER

ROOT = "/data/attachments"


def test_the_web_keeps_attachments_in_a_named_volume():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    web = compose["services"]["web"]

    assert "attachments" in compose["volumes"]
    assert f"attachments:{ROOT}" in web["volumes"]
    assert web["environment"]["ATTACHMENTS_ROOT"] == ROOT
    assert not ROOT.startswith(web["environment"]["MEDIA_ROOT"])


def test_the_image_makes_the_folder_writable_for_its_user():
    dockerfile = (DOCKER / "Dockerfile").read_text()

    assert re.search(rf"mkdir -p [^\n]*{ROOT}", dockerfile)
    assert re.search(rf"chown ramec:ramec [^\n]*{ROOT}", dockerfile)
    assert f"ATTACHMENTS_ROOT={ROOT}" in dockerfile
