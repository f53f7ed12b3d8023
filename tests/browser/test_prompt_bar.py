"""The creator's path on the gallery page alone: type into the prompt bar, press Enter, the
tile appears at the top of the wall, its progress bar moves, the image finishes in place, the
lightbox opens on it and Upscale 1 there adds the child, without a reload or a new URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from studio.accounts.services import sandbox_key_create
from studio.generation.models import Generation
from tests.browser.test_models import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 60_000  # ms; the sandbox runs at 1/20 of real time in tests (tests/settings.py)
# For the whole path the sandbox runs slower: a Midjourney grid then renders for about 9 s in
# seven progress steps of ~1.3 s, so the card, which asks every 2 s, sees the bar move.
SLOW_SCALE = 0.4


def test_the_creator_path_on_the_gallery_page_alone(
    page: Page, live_server, cluster, alice, settings
):
    """Type, Enter, the tile's progress bar moves, the image appears in place, the lightbox
    opens on it, Upscale 1 there puts the child on the wall; no reload, no new URL."""
    settings.SANDBOX_TIME_SCALE = SLOW_SCALE  # read by the sandbox, in this process
    sandbox_key_create(user=alice)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    empty = page.get_by_text("Nothing here yet.")
    expect(empty).to_be_visible()
    path = page.evaluate("location.pathname")
    page.evaluate("window.__notReloaded = true")  # gone after any reload

    bar = page.locator("#prompt-bar")
    prompt = bar.get_by_label("Prompt", exact=True)
    prompt.fill("a lighthouse at dusk")
    expect(bar.locator("#bar-quote")).to_have_text("1 job · 10 credits")
    prompt.press("Enter")

    tile = page.locator("#gallery-grid article").first
    expect(tile).to_contain_text("a lighthouse at dusk")
    expect(bar.locator("#prompt-bar-status")).to_have_text("Sent.")
    expect(empty).to_be_hidden()  # the wall is no longer empty
    expect(prompt).to_have_value("a lighthouse at dusk")  # the bar keeps the prompt
    card = f"#{tile.get_attribute('id')}"
    # The live channel also hears of the new job: still one tile for it.
    page.wait_for_timeout(1000)
    assert page.locator(f"#gallery-grid article[id='{card[1:]}']").count() == 1

    # The progress bar moves: two different values seen before the job is done (each look
    # at the page records the bar's value; the card replaces itself every 2 s).
    page.wait_for_function(
        """(card) => {
          const seen = (window.__progress = window.__progress || new Set());
          const bar = document.querySelector(`${card} progress[value]`);
          if (bar) seen.add(bar.value);
          return seen.size >= 2;
        }""",
        arg=card,
        timeout=WAIT,
    )
    seen = page.evaluate("[...window.__progress]")
    assert all(0 < value < 100 for value in seen), seen

    # The finished grid replaces the running tile in place: four images, no progress bar.
    images = page.locator(f"{card} a[data-lightbox]")
    expect(images).to_have_count(4, timeout=WAIT)
    expect(page.locator(f"{card} progress")).to_have_count(0)
    grid = Generation.objects.get()
    assert grid.status == "done"

    # The lightbox, and Upscale 1 there: the child appears at the top of the wall.
    images.first.click()
    dialog = page.locator("dialog.lightbox")
    expect(dialog).to_be_visible()
    panel = dialog.locator(".lightbox-panel")
    expect(panel).to_contain_text("Image 1 of 4")
    panel.get_by_role("button", name=re.compile(r"^Upscale 1")).click()
    expect(panel.locator("[data-lightbox-confirm]")).to_contain_text("Upscale 1 submitted")
    child = grid.children.get()
    assert child.button == "U1"
    expect(page.locator("#gallery-grid article").first).to_have_id(f"card-{child.pk}")
    expect(dialog).to_be_visible()

    assert page.evaluate("window.__notReloaded") is True
    assert page.evaluate("location.pathname") == path


def test_compare_with_permutations_shows_the_count_and_one_row(page: Page, live_server, alice):
    sandbox_key_create(user=alice)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    bar = page.locator("#prompt-bar")
    bar.locator("label.chip", has_text="Flux").click()
    prompt = bar.get_by_label("Prompt", exact=True)
    prompt.fill("a {red, blue} bird")
    expect(bar.locator("#bar-quote")).to_have_text("4 jobs · 32 credits")
    prompt.fill("a {red, blue, green, white, black, pink, grey} bird")
    expect(bar.locator("#bar-quote")).to_contain_text("That makes 14 jobs")
    prompt.fill("a {red, blue} bird")
    expect(bar.locator("#bar-quote")).to_have_text("4 jobs · 32 credits")
    bar.get_by_role("button", name="Generate").click()

    row = page.locator("#gallery-grid > .batch-row")
    expect(row.locator("article")).to_have_count(4)
    expect(bar.locator("#prompt-bar-status")).to_have_text("Sent 4 jobs.")
    page.wait_for_timeout(1000)  # the live channel hears of the four too: no copies
    expect(page.locator("#gallery-grid article")).to_have_count(4)
    tops = row.locator("article").evaluate_all("els => els.map(e => e.offsetTop)")
    assert len(set(tops)) == 1  # side by side
    assert re.fullmatch(r"/", page.evaluate("location.pathname"))


def test_an_image_pasted_onto_the_bar_becomes_a_reference_image(page: Page, live_server, alice):
    sandbox_key_create(user=alice)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    bar = page.locator("#prompt-bar")
    references = bar.locator(".bar-references")
    expect(references).to_be_hidden()
    bar.locator("label.chip", has_text="Nano Banana").click()
    expect(references).to_be_visible()
    bar.get_by_label("Prompt", exact=True).focus()
    page.evaluate(
        """async () => {
          const canvas = document.createElement("canvas");
          canvas.width = 32; canvas.height = 24;
          const blob = await new Promise(done => canvas.toBlob(done, "image/png"));
          const transfer = new DataTransfer();
          transfer.items.add(new File([blob], "pasted.png", { type: "image/png" }));
          const event = new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true });
          document.getElementById("bar-prompt").dispatchEvent(event);
        }"""
    )
    expect(references.locator("[data-previews] li")).to_have_count(1)
    expect(references.locator("[data-count]").first).to_have_text("1 of 8")


def test_a_prompt_midjourney_would_refuse_fails_on_its_card_with_edit_prompt(
    page: Page, live_server, cluster, alice
):
    """The bar answers at once ("Sent."); the submit task asks the provider's prompt check,
    and the card turns failed with the reason, its credits refunded and "Edit prompt" (no
    Retry), which opens the Midjourney form filled in."""
    sandbox_key_create(user=alice)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    bar = page.locator("#prompt-bar")
    prompt = bar.get_by_label("Prompt", exact=True)
    prompt.fill("a banned castle")
    prompt.press("Enter")
    expect(bar.locator("#prompt-bar-status")).to_have_text("Sent.")

    card = page.locator("#gallery-grid article").first
    expect(card.locator(".badge.status")).to_have_text("failed", timeout=WAIT)
    expect(card.get_by_role("alert")).to_have_text(
        'Midjourney would refuse this prompt: Banned prompt detected: "banned"'
    )
    expect(card).to_contain_text("10 credits, refunded")
    expect(card.get_by_text("Retry")).to_have_count(0)
    card.get_by_role("button", name="Edit prompt").click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(re.compile(r"^a banned castle"))
    generation = Generation.objects.get()
    assert generation.message_id == ""  # nothing was sent to the provider
