"""An image of the gallery onto the prompt bar, in chromium: "Use as reference" in the
lightbox chooses Nano Banana, shows the image as a chip on the bar, closes the lightbox and
gives the prompt focus; Generate sends it as the model's reference image (a gallery pick, as
the Nano Banana form's `?reference_images=` does). Elsewhere the link opens the form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from studio.accounts.services import sandbox_key_create
from studio.generation.models import Generation, Model
from tests.browser.test_gallery_select import log_in
from tests.factories import AssetFactory, GenerationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_use_as_reference_puts_the_image_on_the_bar_and_generate_sends_it(
    page: Page, live_server, alice
):
    sandbox_key_create(user=alice)
    fox = GenerationFactory(user=alice, prompt="a red fox in the snow")
    image = AssetFactory(generation=fox)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    bar = page.locator("#prompt-bar")
    chips = bar.locator("[data-bar-images] li")
    expect(chips).to_have_count(0)

    page.locator(f"#card-{fox.pk} a[data-lightbox]").first.click()
    dialog = page.locator("dialog.lightbox")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Use as reference").click()

    expect(dialog).to_be_hidden()
    prompt = bar.get_by_label("Prompt", exact=True)
    expect(prompt).to_be_focused()
    expect(bar.get_by_role("checkbox", name="Nano Banana")).to_be_checked()
    expect(bar.get_by_role("checkbox", name="Midjourney", exact=True)).not_to_be_checked()
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Reference")
    expect(chips.first.locator("img")).to_have_attribute("src", re.compile(str(image.pk)))
    expect(bar.locator(".bar-references [data-previews] li")).to_have_count(1)
    assert page.url.rstrip("/") == live_server.url  # no form page opened

    # The × takes it off again; a second "Use as reference" puts it back.
    chips.first.get_by_role("button", name=re.compile("Remove reference")).click()
    expect(chips).to_have_count(0)
    expect(bar.locator(".bar-references [data-previews] li")).to_have_count(0)
    page.locator(f"#card-{fox.pk} a[data-lightbox]").first.click()
    dialog.get_by_role("button", name="Use as reference").click()
    expect(chips).to_have_count(1)

    prompt.fill("the same fox, in spring")
    expect(bar.locator("#bar-quote")).to_have_text("1 job · 6 credits")
    bar.get_by_role("button", name="Generate").click()
    expect(bar.locator("#prompt-bar-status")).to_have_text("Sent.")

    made = Generation.objects.get(model=Model.NANO_BANANA)
    assert made.prompt == "the same fox, in spring"
    assert made.parent == fox  # the picked image's generation, as from the form page
    references = [item["url"] for item in made.request_body["contents"][1:]]
    assert len(references) == 1 and str(image.pk) in references[0]


def test_on_a_detail_page_use_as_reference_opens_the_form(page: Page, live_server, alice):
    sandbox_key_create(user=alice)
    fox = GenerationFactory(user=alice, prompt="a red fox in the snow")
    image = AssetFactory(generation=fox)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}{fox.get_absolute_url()}")
    expect(page.locator("#prompt-bar")).to_have_count(0)
    page.locator("main a[data-lightbox]").first.click()
    page.locator("dialog.lightbox").get_by_role("button", name="Use as reference").click()
    expect(page).to_have_url(re.compile(rf"/new/nano-banana/\?reference_images={image.pk}$"))
    expect(page.locator("#id_reference_images_group [data-previews] li")).to_have_count(1)
