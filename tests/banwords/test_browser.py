"""In chromium: staff change the list with the diff shown first; a person typing a banned
word sees it marked while typing, and the submit is refused with nothing made."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from studio.banwords import services
from studio.generation.models import Generation

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    }


def logged_in(page: Page, client, user, live_server) -> Page:
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_staff_see_the_changes_before_saving(page: Page, live_server, client, staff, ban):
    ban("gore", "nsfw")
    logged_in(page, client, staff, live_server).goto(f"{live_server.url}/staff/ban-words/")

    page.get_by_role("textbox", name="Banned words").fill("gore\nBlood-Bath")
    page.get_by_label("Note (optional)").fill("phrases too")
    page.get_by_role("button", name="Show what will change").click()

    expect(page.locator(".diff-added")).to_have_text("+ blood bath")
    expect(page.locator(".diff-removed")).to_have_text("− nsfw")
    assert services.current_version().number == 1
    page.get_by_role("button", name="Save as version 2").click()

    expect(page.get_by_text("Saved version 2: 1 added, 1 removed.")).to_be_visible()
    expect(page.locator("#current-version")).to_contain_text("Version 2 · 2 entries")
    assert services.current_version().words == ["blood bath", "gore"]


def test_a_banned_word_is_marked_while_typing_and_refused(
    page: Page, live_server, sandbox_url, client, alice, alice_key, ban
):
    ban("gore")
    page = logged_in(page, client, alice, live_server)
    page.goto(f"{live_server.url}/new/midjourney/")

    page.get_by_label("Prompt", exact=True).fill("a castle, GORE everywhere --ar 3:2")

    preview = page.locator("#preview")
    expect(preview.locator("mark")).to_have_text("GORE")
    expect(preview).to_contain_text("“gore” is not allowed in this studio.")
    page.get_by_role("button", name="Generate").click()

    expect(page.locator(".banned-text mark")).to_have_text("GORE")
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(
        "a castle, GORE everywhere --ar 3:2"
    )
    assert not Generation.objects.exists()
