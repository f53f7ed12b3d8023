"""The gallery's address follows its filters, in chromium: typing a search and choosing a
filter each put their own request in the address bar; Back and Forward bring back the cards
and the fields together; a copied address opens the same gallery; "Load more" leaves the
address alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from studio.generation.models import Model
from tests.browser.test_gallery_select import log_in
from tests.factories import GenerationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def path_of(page: Page) -> str:
    return page.evaluate("location.pathname + location.search")


def expect_state(page: Page, path: str, prompts: list[str], q: str, model: str) -> None:
    """Address, cards and fields agree."""
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    cards = page.locator("#gallery-grid article .prompt")
    expect(cards).to_have_text(prompts)
    expect(page.get_by_role("searchbox")).to_have_value(q)
    expect(page.locator("#gallery-filters select[name=model]")).to_have_value(model)


def test_search_and_filter_go_in_the_address_and_back_restores_both(page: Page, live_server, alice):
    GenerationFactory(user=alice, prompt="red fox", minutes_ago=1)
    GenerationFactory(user=alice, prompt="arctic fox", model=Model.FLUX, minutes_ago=2)
    GenerationFactory(user=alice, prompt="blue whale", minutes_ago=3)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    page.evaluate("window.__notReloaded = true")
    everything = ["red fox", "arctic fox", "blue whale"]
    expect_state(page, "/", everything, "", "")
    # With JavaScript the form sends itself: no "Filter" button.
    expect(page.locator("#gallery-filters").get_by_role("button", name="Filter")).to_be_hidden()

    page.get_by_role("searchbox").press_sequentially("fox", delay=50)
    expect_state(page, "/?q=fox", ["red fox", "arctic fox"], "fox", "")

    page.locator("#gallery-filters summary").click()
    page.locator("#gallery-filters select[name=model]").select_option("flux")
    expect_state(page, "/?q=fox&model=flux", ["arctic fox"], "fox", "flux")

    page.go_back()
    expect_state(page, "/?q=fox", ["red fox", "arctic fox"], "fox", "")
    page.go_back()
    expect_state(page, "/", everything, "", "")
    page.go_forward()
    expect_state(page, "/?q=fox", ["red fox", "arctic fox"], "fox", "")
    page.go_forward()
    expect_state(page, "/?q=fox&model=flux", ["arctic fox"], "fox", "flux")
    assert page.evaluate("window.__notReloaded") is True  # all of it without a page load

    # The filters still work after Back (the restored form is live), and Enter in the search
    # box sends it over htmx too.
    page.go_back()
    expect_state(page, "/?q=fox", ["red fox", "arctic fox"], "fox", "")
    search = page.get_by_role("searchbox")
    search.fill("whale")
    search.press("Enter")
    expect_state(page, "/?q=whale", ["blue whale"], "whale", "")
    assert page.evaluate("window.__notReloaded") is True

    # A copied address, opened afresh, shows the same cards and fields.
    copied = page.locator("#gallery-filters select[name=model]")
    copied.select_option("midjourney")
    expect_state(page, "/?q=whale&model=midjourney", ["blue whale"], "whale", "midjourney")
    other = page.context.new_page()
    other.goto(page.url)
    expect_state(other, "/?q=whale&model=midjourney", ["blue whale"], "whale", "midjourney")
    other.reload()
    expect_state(other, "/?q=whale&model=midjourney", ["blue whale"], "whale", "midjourney")


def test_load_more_does_not_change_the_address(page: Page, live_server, alice):
    for minutes in range(30):
        GenerationFactory(user=alice, prompt=f"fox {minutes}", minutes_ago=minutes)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/?q=fox")
    cards = page.locator("#gallery-grid article")
    expect(cards).to_have_count(24)
    length = page.evaluate("history.length")

    page.locator("#gallery-grid .more").scroll_into_view_if_needed()

    expect(cards).to_have_count(30)
    assert path_of(page) == "/?q=fox"
    assert page.evaluate("history.length") == length
