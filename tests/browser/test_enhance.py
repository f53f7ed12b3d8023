"""Enhance beside a prompt, as a person clicks it in chromium, against the sandbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice_page(page: Page, live_server, sandbox_url, client, alice, alice_key) -> Page:
    """Alice's logged-in browser (she has a sandbox key)."""
    client.force_login(alice)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_enhance_replaces_the_text_and_undo_brings_it_back(alice_page: Page, live_server):
    page = alice_page
    page.goto(f"{live_server.url}/new/midjourney/")
    prompt = page.get_by_label("Prompt", exact=True)
    undo = page.get_by_role("button", name="Undo")
    prompt.fill("a lighthouse at dusk --ar 16:9")
    expect(undo).to_be_hidden()

    page.get_by_role("button", name="Enhance").click()

    expect(prompt).to_have_value(re.compile(r"^a lighthouse at dusk, .{20,} --ar 16:9$"))
    enhanced = prompt.input_value()
    expect(page.get_by_text("Enhanced. Undo brings your text back.")).to_be_visible()
    # The preview follows, as if the person had typed the new text.
    expect(page.locator("#composed-prompt")).to_have_text(enhanced)

    # A second Enhance of the enhanced text, then two levels of Undo.
    page.get_by_role("button", name="Enhance").click()
    expect(prompt).not_to_have_value(enhanced)
    undo.click()
    expect(prompt).to_have_value(enhanced)
    undo.click()
    expect(prompt).to_have_value("a lighthouse at dusk --ar 16:9")
    expect(undo).to_be_hidden()


def test_a_failure_keeps_the_typed_text(alice_page: Page, live_server, settings):
    page = alice_page
    page.goto(f"{live_server.url}/new/flux/")
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/api/v1"  # nothing listens there
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.fill("a red fox in snow")

    page.get_by_role("button", name="Enhance").click()

    expect(page.locator(".enhance-status")).to_contain_text("Could not reach the provider.")
    expect(page.locator(".enhance-status")).to_contain_text("Your text is unchanged.")
    expect(prompt).to_have_value("a red fox in snow")
    expect(page.get_by_role("button", name="Undo")).to_be_hidden()


def test_the_header_shows_the_balance_after_the_page(alice_page: Page, live_server):
    page = alice_page
    page.goto(f"{live_server.url}/")

    balance = page.locator("#credits")
    expect(balance).to_contain_text("1,000 credits")
    expect(balance.locator(".badge.sandbox")).to_be_visible()
    balance.get_by_role("link", name="1,000 credits").click()
    expect(page.get_by_role("heading", name="Prices")).to_be_visible()
