"""The sandbox fetches the image links it is given, but it is no way to look inside the
studio's machine or network: an internal address is refused before any connection, outside
the studio's own public files (its signed /r/ links, its result files) while
SANDBOX_ALLOW_PRIVATE_URLS allows them, and every refused or failed fetch gives one and the
same reason, so a job's outcome cannot tell a closed port from an open one or a 404 from an
image."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.sandbox.render.inputs import FETCH_FAILED, fetch_image
from studio.uploads.public import public_url
from studio.uploads.services import upload_create
from tests.sandbox.conftest import UNREACHABLE, ImageHost, solid
from tests.uploads.conftest import image_file

ROOT = Path(__file__).resolve().parents[2]


def reason(error: str, url: str) -> str:
    """The FAIL text with its URL taken out: what a scanner could compare."""
    assert error.startswith(f"Failed to fetch image: {url} ("), error
    return error.replace(url, "<url>")


@pytest.fixture
def untrusted_host():
    """A loopback image server that nobody configured as trusted."""
    host = ImageHost()
    yield host
    host.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/x.png",  # cloud metadata (link-local)
        "http://10.1.2.3/a.png",
        "http://192.168.0.1/a.png",
        "http://[fd00::1]/a.png",
        "http://127.0.0.1:9/a.png",
        "http://localhost:9/a.png",
        "http://[::1]:9/a.png",
        "http://[::127.0.0.1]:9/a.png",
        "http://[::ffff:127.0.0.1]:9/a.png",
        "http://[64:ff9b::7f00:1]:9/a.png",
        "http://0.0.0.0:9/a.png",
        "http://no-such-host.invalid/a.png",
    ],
)
def test_internal_and_unknown_addresses_fail_with_the_one_reason(url):
    fetched = fetch_image(url)
    assert fetched.error == f"Failed to fetch image: {url} ({FETCH_FAILED})"


@pytest.mark.django_db(transaction=True)
def test_a_job_cannot_tell_closed_open_404_and_image_ports_apart(api, untrusted_host):
    """Closed port, open port answering 404, open port serving a real image, a link-local
    address: the same FAIL reason for each, and the image server is never asked."""
    picture = untrusted_host.add("p.png", solid((200, 10, 10), (64, 64)))
    urls = [
        UNREACHABLE,  # nothing listens there
        f"{untrusted_host.url}/missing.png",  # open, 404
        picture,  # open, a real image
        "http://169.254.169.254/latest/x.png",
    ]
    submitted = {url: api.submit("flux/upscale", {"image": url, "scale": 2}) for url in urls}
    reasons = set()
    for url, message_id in submitted.items():
        message = api.wait(message_id)
        assert message["status"] == "FAIL"
        reasons.add(reason(message["error"], url))
    assert reasons == {f"Failed to fetch image: <url> ({FETCH_FAILED})"}
    assert untrusted_host.hits == []


@pytest.mark.django_db(transaction=True)
def test_the_studios_signed_links_are_fetched_only_while_allowed(api, alice, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    upload = upload_create(user=alice, file=image_file("ref.png", size=(120, 80)))
    link = public_url(upload)

    settings.SANDBOX_ALLOW_PRIVATE_URLS = True
    assert fetch_image(link).size == (120, 80)
    # Any other path of the studio's own origin is internal like any loopback port.
    other = f"{live_server.url}/accounts/login/"
    assert fetch_image(other).error == f"Failed to fetch image: {other} ({FETCH_FAILED})"

    settings.SANDBOX_ALLOW_PRIVATE_URLS = False
    assert fetch_image(link).error == f"Failed to fetch image: {link} ({FETCH_FAILED})"


def _setting_in_a_fresh_process(debug: str, var_dir: Path) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "SANDBOX_ALLOW_PRIVATE_URLS")
    }
    env.update(
        DEBUG=debug, SECRET_KEY="x" * 60, FIELD_ENCRYPTION_KEYS="", STUDIO_VAR_DIR=str(var_dir)
    )
    if debug == "False":
        from cryptography.fernet import Fernet

        env["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    code = "import studio.settings as s; print(s.SANDBOX_ALLOW_PRIVATE_URLS)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_private_links_are_off_by_default_outside_debug(tmp_path):
    assert _setting_in_a_fresh_process("False", tmp_path) == "False"
    assert _setting_in_a_fresh_process("True", tmp_path) == "True"
