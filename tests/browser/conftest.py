"""Browser tests: Playwright drives Debian's chromium (no browser download is possible here)
against live_server, with a real django-q2 cluster sharing the file test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scale.clusters import qcluster_env

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--disable-background-networking",
        ],
    }


@pytest.fixture
def cluster(live_server, sandbox_url, settings):
    """A real `manage.py qcluster` on the test database; stopped by signalling its own PID
    (a process-group SIGTERM makes it hang, docs/architecture.md "Pitfalls" §1)."""
    # The studio's own address too: the sandbox's webhooks and public links reach this server.
    env = qcluster_env(
        site_url=live_server.url,
        media_root=settings.MEDIA_ROOT,
        SANDBOX_BASE_URL=sandbox_url,
        SUBMIT_SPACING="0",
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, start_new_session=True
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- Security: the strict CSP is checked in every browser test ------------------------------
@pytest.fixture
def page(page):
    """pytest-playwright's page, failing the test when chromium reports a Content Security
    Policy violation (an inline script, style or handler, eval, a foreign origin): the
    browser blocks those silently, so the page would only half work."""
    violations: list[str] = []

    def listen(message):
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", listen)
    yield page
    assert not violations, "CSP violations:\n" + "\n".join(violations)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Browser tests sign in through the login form, all from 127.0.0.1: each test starts
    with empty rate-limit counters (they live in a per-process cache)."""
    from django.core.cache import caches

    caches[settings.RATELIMIT_USE_CACHE].clear()
