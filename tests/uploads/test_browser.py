"""The sources widget in Debian's chromium (Playwright, docs/architecture.md "Pitfalls" §7) on a test-only page with
two groups: several files at once, previews, remove, gallery picks, the client-side max."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import AssetFactory, image_bytes

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.uploads.urls"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # As tests/browser/conftest.py: Debian's chromium, never a downloaded browser.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    }


@pytest.fixture
def alice_page(page: Page, live_server, client, alice, settings) -> Page:
    """Alice's logged-in browser on the test page."""
    settings.PUBLIC_BASE_URL = live_server.url
    client.force_login(alice)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/test/sources/")
    return page


def png(name: str, shade: int) -> dict:
    return {
        "name": name,
        "mimeType": "image/png",
        "buffer": image_bytes((40, 30), fmt="PNG", color=(shade, 120, 60)),
    }


def test_choose_three_remove_one_sends_two(alice_page: Page):
    page = alice_page
    group = page.locator("#id_reference_images_group")
    count = group.locator(".sources-bar [data-count]")
    expect(count).to_have_text("0 of 8")

    page.get_by_label("Reference images").set_input_files(
        [png("a.png", 10), png("b.png", 90), png("c.png", 170)]
    )
    expect(group.locator(".sources-item")).to_have_count(3)
    expect(group.locator(".sources-item img").first).to_have_attribute("src", re.compile("^blob:"))
    expect(count).to_have_text("3 of 8")

    group.get_by_role("button", name="Remove b.png").click()
    expect(group.locator(".sources-item")).to_have_count(2)
    expect(group.locator(".sources-name")).to_have_text(["a.png", "c.png"])
    expect(count).to_have_text("2 of 8")

    # Chromium does not expose multipart bodies with files to Playwright: the page shows
    # what the server found in request.FILES instead.
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#received")).to_have_text("a.png,c.png")
    expect(page.locator("#all-files")).to_have_text("2")
    expect(page.locator("#valid")).to_have_text("yes")


def test_gallery_pick_and_the_client_side_max(alice_page: Page, alice, live_server):
    asset = AssetFactory(generation__user=alice, generation__prompt="a lighthouse at dusk")
    page = alice_page
    page.reload()

    # End frame (at most 1): picking from the gallery dialog fills it and closes the dialog.
    end = page.locator("#id_end_frame_group")
    page.get_by_label("End frame").set_input_files([png("frame.png", 5)])
    expect(end.locator(".sources-name")).to_have_text(["frame.png"])
    end.get_by_role("button", name="Pick from gallery").click()
    dialog = end.locator("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=re.compile("a lighthouse at dusk")).click()
    expect(dialog).to_be_hidden()
    expect(end.locator(f'input[type=hidden][value="{asset.pk}"]')).to_have_count(1)
    expect(end.get_by_role("img", name="Gallery image: a lighthouse at dusk")).to_be_visible()
    expect(end.locator(".sources-bar [data-count]")).to_have_text("1 of 1")
    expect(end.locator(".sources-item")).to_have_count(1)  # the pick replaced the file

    # Reference images (at most 8): nine files at once keep eight and say so.
    refs = page.locator("#id_reference_images_group")
    page.get_by_label("Reference images").set_input_files(
        [png(f"{i}.png", 20 * i) for i in range(9)]
    )
    expect(refs.locator(".sources-item")).to_have_count(8)
    expect(refs.locator("[data-message]")).to_have_text("At most 8 images: 1 file not added.")
    expect(refs.locator(".sources-bar [data-count]")).to_have_text("8 of 8")

    # A link on top goes over: the count says so and the form is not sent.
    refs.get_by_label("Or paste image links, one per line").fill("https://cdn.example.com/x.png")
    expect(refs.locator("[data-message]")).to_have_text("At most 8 images (you gave 9).")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#received")).to_have_count(0)

    refs.get_by_label("Or paste image links, one per line").fill("")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#valid")).to_have_text("yes")
    expect(page.locator("#all-files")).to_have_text("8")  # frame.png was not sent
    urls = page.locator("#urls li")
    expect(urls).to_have_count(9)
    expect(urls.last).to_contain_text(f"{live_server.url}/r/a/")
    expect(urls.last).to_contain_text(f"/{asset.pk}.png")


def test_dropped_files_join_the_chosen_ones(alice_page: Page):
    page = alice_page
    group = page.locator("#id_reference_images_group")
    page.get_by_label("Reference images").set_input_files([png("chosen.png", 10)])
    expect(group.locator(".sources-item")).to_have_count(1)

    # A drop of two files (one of them not an image) onto the zone, as a browser sends it.
    transfer = page.evaluate_handle(
        """() => {
            const transfer = new DataTransfer();
            const pixel = Uint8Array.from(atob(
              'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC'
            ), c => c.charCodeAt(0));
            transfer.items.add(new File([pixel], 'dropped.png', {type: 'image/png'}));
            transfer.items.add(new File(['hello'], 'notes.txt', {type: 'text/plain'}));
            return transfer;
        }"""
    )
    group.locator("[data-drop]").dispatch_event("drop", {"dataTransfer": transfer})

    expect(group.locator(".sources-name")).to_have_text(["chosen.png", "dropped.png"])
    expect(group.locator("[data-message]")).to_have_text(
        "“notes.txt” is not a JPEG, PNG or WEBP image."
    )
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#received")).to_have_text("chosen.png,dropped.png")
    expect(page.locator("#valid")).to_have_text("yes")


def test_gallery_pick_by_keyboard(alice_page: Page, alice):
    AssetFactory(generation__user=alice, generation__prompt="a quiet harbour")
    page = alice_page
    page.reload()
    end = page.locator("#id_end_frame_group")
    pick = end.get_by_role("button", name="Pick from gallery")

    pick.focus()
    page.keyboard.press("Enter")
    item = end.locator("dialog").get_by_role("button", name=re.compile("a quiet harbour"))
    expect(item).to_be_visible()
    page.keyboard.press("Tab")  # from the dialog's Close button to the first image
    expect(item).to_be_focused()
    page.keyboard.press("Space")

    expect(end.locator("dialog")).to_be_hidden()
    expect(pick).to_be_focused()
    expect(end.get_by_role("button", name="Remove gallery image: a quiet harbour")).to_be_visible()
    page.keyboard.press("Escape")  # nothing open: harmless
    end.get_by_role("button", name="Remove gallery image: a quiet harbour").click()
    expect(end.locator(".sources-item")).to_have_count(0)
    expect(end.locator(".sources-bar [data-count]")).to_have_text("0 of 1")
