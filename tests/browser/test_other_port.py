"""`make run PORT=N` as a newcomer uses it: a studio started by `runstudio` on a port other
than 8000, with nothing set in the environment, takes a Flux job from the form to done.

The sandbox's base URL, the public base URL and the webhook base URL derive from SITE_URL; the
launcher sets it for the port it serves, so the worker reaches this studio's own sandbox and
never whatever listens on 8000 (README "Configuration").
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.studio_process import (
    STARTUP,
    free_port,
    http_answer,
    manage,
    start_runstudio,
    stop_runstudio,
    studio_env,
    wait_for,
)

pytestmark = pytest.mark.browser

MAKE_PERSON = """
from django.contrib.auth.models import User
from studio.accounts.services import sandbox_key_create
sandbox_key_create(user=User.objects.create_user("newcomer", password="correct-horse-42"))
"""


def test_a_studio_on_another_port_takes_a_flux_job_to_done(page: Page, tmp_path):
    port = free_port()
    assert port != 8000
    env = studio_env(tmp_path, SANDBOX_TIME_SCALE="0.05")
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", MAKE_PERSON)
    log_path = tmp_path / "runstudio.log"
    launcher = start_runstudio(env, port, log_path)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: http_answer(f"{base}/"), timeout=STARTUP), log_path.read_text()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill("newcomer")
        page.get_by_label("Password").fill("correct-horse-42")
        page.locator("main").get_by_role("button", name="Log in").click()

        # The balance comes from this studio's own sandbox ("balance unavailable" otherwise).
        expect(page.locator("#credits")).to_contain_text("1,000 credits")

        page.goto(f"{base}/new/flux/")
        page.get_by_label("Prompt", exact=True).fill("a red fox in snow")
        page.locator("main").get_by_role("button", name="Generate").click()

        status = page.locator(".badge.status").first
        expect(status).to_have_text("done", timeout=60_000)
        expect(page.locator("main img").first).to_be_visible()
        assert "Could not reach the provider" not in page.content()
    finally:
        stop_runstudio(launcher, set())
