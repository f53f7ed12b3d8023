"""Select many in the gallery, in chromium: three cards → Download ZIP (opened and read),
then → Delete (they disappear); and the search filter swaps the grid and the address."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from studio.generation.models import Generation
from tests.factories import AssetFactory, GenerationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-42")
    page.locator("main").get_by_role("button", name="Log in").click()


def test_select_three_then_zip_then_delete(page: Page, live_server, alice, tmp_path):
    made = []
    for n, prompt in enumerate(["red fox", "blue whale", "green frog", "grey owl", "gold fish"]):
        generation = GenerationFactory(user=alice, prompt=prompt, minutes_ago=n)
        AssetFactory(generation=generation, color=(40 * n, 100, 200))
        made.append(generation)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    cards = page.locator("#gallery-grid article")
    expect(cards).to_have_count(5)
    bar = page.locator("#gallery-selection")
    expect(bar).to_be_hidden()  # nothing chosen yet

    chosen = made[:3]
    cards.nth(0).get_by_role("checkbox").check()
    cards.nth(1).get_by_role("checkbox").check()
    third = cards.nth(2).get_by_role("checkbox")
    third.focus()
    page.keyboard.press("Space")  # the keyboard works too
    expect(third).to_be_checked()
    expect(bar).to_be_visible()
    expect(bar.locator("[data-count]")).to_have_text("3 selected")
    expect(cards.nth(0)).to_have_class(re.compile(r"\bselected\b"))

    with page.expect_download() as info:
        bar.get_by_role("button", name="Download ZIP").click()
    path = tmp_path / "chosen.zip"
    info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 3
        for generation in chosen:
            slug = generation.prompt.replace(" ", "-")
            name = next(n for n in names if f"-{slug}-1.png" in n)
            asset = generation.assets.get()
            with asset.file.open("rb") as stored:
                assert archive.read(name) == stored.read()

    bar.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete 3 generations?")).to_be_visible()
    page.get_by_role("button", name="Delete 3 generations").click()
    expect(page.get_by_text("Deleted 3 generations and their files.")).to_be_visible()
    expect(cards).to_have_count(2)
    for generation in chosen:
        expect(page.locator(f"#card-{generation.pk}")).to_have_count(0)
    assert set(Generation.objects.values_list("prompt", flat=True)) == {"grey owl", "gold fish"}


def test_search_swaps_the_grid_and_keeps_the_address(page: Page, live_server, alice):
    for n, prompt in enumerate(["red fox", "arctic fox", "blue whale"]):
        GenerationFactory(user=alice, prompt=prompt, minutes_ago=n)
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    cards = page.locator("#gallery-grid article")
    expect(cards).to_have_count(3)

    page.get_by_role("searchbox").fill("fox")

    expect(cards).to_have_count(2)
    expect(page).to_have_url(re.compile(r"[?&]q=fox"))
    page.reload()  # the address alone gives the same gallery
    expect(cards).to_have_count(2)
    expect(page.get_by_role("searchbox")).to_have_value("fox")
