"""The prompt bar keeps what was typed and chosen, in chromium: the prompt, the models, the
aspect ratio, the repeat count and a model's setting come back after a reload, after leaving
the gallery and coming back, and after a submit (the prompt stays, as on midjourney.com)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from studio.accounts.services import sandbox_key_create
from tests.browser.test_gallery_select import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect_composed(page: Page) -> None:
    bar = page.locator("#prompt-bar")
    expect(bar.get_by_label("Prompt", exact=True)).to_have_value("a {red, blue} kite")
    expect(bar.get_by_role("checkbox", name="Flux")).to_be_checked()
    expect(bar.get_by_role("checkbox", name="Midjourney", exact=True)).not_to_be_checked()
    expect(bar.get_by_role("radio", name="16:9")).to_be_checked()
    expect(bar.get_by_role("spinbutton", name="Repeat")).to_have_value("2")
    expect(bar.locator("[name=flux-n]")).to_have_value("3")
    # The chosen model's settings show, and the quote is that of what came back.
    expect(bar.locator("fieldset[data-model-settings=flux]")).not_to_have_attribute("hidden", "")
    expect(bar.locator("#bar-quote")).to_have_text("4 jobs · 72 credits")


def test_the_composer_survives_a_reload_and_a_visit_elsewhere(page: Page, live_server, alice):
    sandbox_key_create(user=alice)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    bar = page.locator("#prompt-bar")
    bar.locator("label.chip", has_text="Flux").click()
    bar.locator("label.chip", has_text="Midjourney").first.click()  # off
    bar.locator("label.chip", has_text="16:9").click()
    bar.get_by_role("spinbutton", name="Repeat").fill("2")
    bar.locator("summary", has_text="Settings").click()
    bar.locator("[name=flux-n]").fill("3")
    bar.get_by_label("Prompt", exact=True).fill("a {red, blue} kite")
    expect(bar.locator("#bar-quote")).to_have_text("4 jobs · 72 credits")

    page.reload()
    expect_composed(page)

    page.goto(f"{live_server.url}/library/collections/")
    page.goto(f"{live_server.url}/")
    expect_composed(page)

    bar.get_by_role("button", name="Generate").click()
    expect(bar.locator("#prompt-bar-status")).to_have_text("Sent 4 jobs.")
    page.reload()
    expect_composed(page)
