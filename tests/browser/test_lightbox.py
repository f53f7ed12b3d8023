"""The lightbox in chromium: open an image from the gallery, → and ← move across cards
(image and details panel follow), focus stays inside, Esc closes and gives focus back,
"Reuse settings" opens a filled form in a new tab; on a detail page, the lineage loads."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from studio.accounts.services import sandbox_key_create
from studio.generation import presses, services
from studio.generation.models import Status
from studio.teams.models import Membership, Role, Team
from tests.factories import AssetFactory, GenerationFactory
from tests.support import run_to_final

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def finished(generation):
    generation = run_to_final(generation)
    assert generation.status == Status.DONE, generation.error
    return generation


def log_in(page: Page, live_server, next_url: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-42")
    page.locator("main").get_by_role("button", name="Log in").click()


def file_url(asset) -> re.Pattern:
    return re.compile(re.escape(reverse("generation:asset", args=[asset.pk, "file"])) + "$")


def test_lightbox_from_the_gallery(page: Page, live_server, alice, alice_key, sandbox_url):
    grid = finished(
        services.midjourney_create(
            user=alice,
            provider_key=alice_key,
            prompt="a lighthouse at dusk --ar 3:2",
            params={"prompt": "a lighthouse at dusk --ar 3:2"},
        )
    )
    apple = finished(  # newer: its card comes first in the gallery
        services.flux_create(
            user=alice,
            provider_key=alice_key,
            prompt="a red apple on a table",
            n=1,
            output_format="png",
            aspect_ratio="1:1",
            params={"prompt": "a red apple on a table", "n": 1, "aspect_ratio": "1:1"},
        )
    )
    log_in(page, live_server, "/")
    expect(page.locator(f"#card-{grid.pk} img")).to_have_count(4)
    assert page.locator("script[src$='js/lightbox.js']").count(), (
        "the gallery does not load js/lightbox.js: base.html must include it"
    )
    dialog = page.locator("dialog.lightbox")
    shown = dialog.locator(".lightbox-media img")
    panel = dialog.locator(".lightbox-panel")

    # Open the second image of the grid.
    page.locator(f"#card-{grid.pk} a[data-lightbox]").nth(1).click()
    expect(dialog).to_be_visible()
    expect(shown).to_have_attribute("src", file_url(grid.images[1]))
    expect(panel).to_contain_text("Image 2 of 4")
    expect(panel).to_contain_text("a lighthouse at dusk --ar 3:2")
    expect(dialog.locator(".lightbox-count")).to_have_text("3 / 5")
    assert page.url.rstrip("/") == live_server.url  # no navigation happened

    # → and ← follow the page's order, across cards.
    page.keyboard.press("ArrowRight")
    expect(shown).to_have_attribute("src", file_url(grid.images[2]))
    expect(panel).to_contain_text("Image 3 of 4")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(shown).to_have_attribute("src", file_url(grid.images[0]))
    page.keyboard.press("ArrowLeft")
    expect(shown).to_have_attribute("src", file_url(apple.images[0]))
    expect(panel).to_contain_text("a red apple on a table")
    expect(panel).not_to_contain_text("lighthouse")
    page.keyboard.press("ArrowLeft")  # the first: stays
    expect(dialog.locator(".lightbox-count")).to_have_text("1 / 5")

    # Focus stays inside while open.
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog.lightbox') !== null")

    # Esc closes and gives focus back to the link of the image last shown.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # The dialog's "close" event comes a task after it hides (the browser first returns
    # focus to the link that opened it), so wait for the lightbox's own focus move.
    back = f"asset={apple.images[0].pk}"
    page.wait_for_function(
        "back => (document.activeElement.getAttribute('data-panel') || '').includes(back)",
        arg=back,
        timeout=5_000,
    )

    # "Reuse settings" opens the Flux form, filled, in a new tab; this page stays as it is.
    page.locator(f"#card-{apple.pk} a[data-lightbox]").click()
    with page.context.expect_page() as opened:
        panel.get_by_role("link", name="Reuse settings").click()
    form = opened.value
    form.wait_for_load_state()
    assert f"retry={apple.pk}" in form.url
    expect(form.get_by_label("Prompt", exact=True)).to_have_value("a red apple on a table")
    expect(dialog).to_be_visible()
    expect(shown).to_have_attribute("src", file_url(apple.images[0]))


def test_lightbox_and_lineage_on_a_detail_page(
    page: Page, live_server, alice, alice_key, sandbox_url
):
    grid = finished(
        services.midjourney_create(
            user=alice,
            provider_key=alice_key,
            prompt="a red kite --ar 3:2",
            params={"prompt": "a red kite --ar 3:2"},
        )
    )
    u3 = finished(presses.button_press(user=alice, parent=grid, button="U3"))
    log_in(page, live_server, grid.get_absolute_url())

    # The lineage arrives with htmx: the first prompt (this page, highlighted) and U3.
    tree = page.locator("#lineage .lineage-tree")
    expect(tree.locator(".lineage-node")).to_have_count(2)
    expect(tree.locator(".lineage-node.current > .lineage-entry")).to_contain_text("Midjourney")
    expect(tree.get_by_role("link", name="Upscale 3")).to_have_attribute(
        "href", u3.get_absolute_url()
    )

    page.locator(".full-images a[data-lightbox]").nth(3).click()
    dialog = page.locator("dialog.lightbox")
    expect(dialog.locator(".lightbox-media img")).to_have_attribute("src", file_url(grid.images[3]))
    expect(dialog.locator(".lightbox-panel")).to_contain_text("Image 4 of 4")
    dialog.get_by_role("button", name="Previous image").click()
    expect(dialog.locator(".lightbox-panel")).to_contain_text("Image 3 of 4")
    dialog.get_by_role("button", name="Close (Esc)").click()
    expect(dialog).to_be_hidden()

    # From the tree to U3's page.
    tree.get_by_role("link", name="Upscale 3").click()
    expect(page).to_have_url(re.compile(re.escape(u3.get_absolute_url()) + "$"))
    expect(page.locator("#lineage .lineage-node.current")).to_contain_text("Upscale 3")

    # Share it: the public link appears in place and opens for someone with no account.
    page.get_by_text("Share…").click()
    page.get_by_label("Link expires after").select_option("1")
    page.get_by_role("button", name="Create public link").click()
    address = page.locator(".share-url")
    expect(address).to_have_value(re.compile(r"/s/[\w-]{43}/$"))
    stranger = page.context.browser.new_context()
    try:
        public = stranger.new_page()
        public.goto(address.input_value())
        expect(public.locator("img")).to_have_count(1)
        # A function, not an expression: Playwright evals expressions, which the CSP refuses.
        public.wait_for_function("() => document.querySelector('img').naturalWidth > 0")
        expect(public.locator("blockquote")).to_have_text("a red kite --ar 3:2")
        expect(public.locator("nav")).to_have_count(0)
    finally:
        stranger.close()


def _children(parent):
    return parent.children.order_by("created_at")


def test_pressing_u1_in_the_lightbox_by_key_and_by_click(
    page: Page, live_server, alice, alice_key, sandbox_url
):
    grid = finished(
        services.midjourney_create(
            user=alice,
            provider_key=alice_key,
            prompt="a harbour in fog",
            params={"prompt": "a harbour in fog"},
        )
    )
    log_in(page, live_server, "/")
    path = reverse("generation:gallery")
    expect(page.locator(f"#card-{grid.pk} img")).to_have_count(4)
    page.evaluate("window.__sameDocument = true")  # gone after any reload
    dialog = page.locator("dialog.lightbox")
    panel = dialog.locator(".lightbox-panel")
    cards = page.locator("#gallery-grid > article.card")
    page.locator(f"#card-{grid.pk} a[data-lightbox]").first.click()
    expect(dialog).to_be_visible()
    actions = panel.locator("[data-lightbox-actions]")
    for group in ("Upscale", "Vary", "Use as", "Tools", "Organize"):
        expect(actions.get_by_role("heading", name=group, exact=True)).to_be_visible()
    expect(actions.get_by_role("button", name=re.compile(r"^Upscale 1"))).to_be_visible()
    expect(actions.get_by_role("button", name=re.compile(r"^Reroll"))).to_be_visible()
    expect(actions.get_by_role("button", name="Animate (start frame)")).to_be_visible()

    # The key list.
    page.keyboard.press("Shift+Slash")
    help_box = dialog.locator(".lightbox-help")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Upscale 1–4")
    expect(help_box).to_contain_text("Vary 1–4")
    page.keyboard.press("Escape")  # closes the list, not the lightbox
    expect(help_box).to_be_hidden()
    expect(dialog).to_be_visible()

    # Key "1": U1, over htmx; the child card appears at the top of the gallery.
    page.keyboard.press("1")
    confirm = panel.locator("[data-lightbox-confirm]")
    expect(confirm).to_contain_text("Upscale 1 submitted")
    expect(cards).to_have_count(2)
    first = _children(grid).first()
    assert first is not None and first.button == "U1"
    expect(cards.first).to_have_id(f"card-{first.pk}")

    # A click on U2 does the same.
    actions.get_by_role("button", name=re.compile(r"^Upscale 2")).click()
    expect(confirm).to_contain_text("Upscale 2 submitted")
    expect(cards).to_have_count(3)
    second = _children(grid).last()
    assert second.button == "U2"
    expect(cards.first).to_have_id(f"card-{second.pk}")
    expect(dialog).to_be_visible()
    assert page.evaluate("window.__sameDocument === true")  # no reload
    assert page.evaluate("location.pathname") == path


def test_a_team_viewer_sees_no_action_buttons(
    page: Page, live_server, alice, sandbox_url, django_user_model
):
    team = Team.objects.create(name="Harbour Studio", created_by=alice)
    Membership.objects.create(team=team, user=alice, role=Role.OWNER)
    viewer = django_user_model.objects.create_user("vera", "vera@example.com", "correct-horse-42")
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)
    key = sandbox_key_create(user=alice)
    key.team = team
    key.save()
    grid = finished(
        services.midjourney_create(
            user=alice, provider_key=key, prompt="a quiet pier", params={"prompt": "a quiet pier"}
        )
    )
    page.goto(f"{live_server.url}/accounts/login/?next={grid.get_absolute_url()}")
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill("correct-horse-42")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.locator("a[data-lightbox]").first.click()
    dialog = page.locator("dialog.lightbox")
    actions = dialog.locator("[data-lightbox-actions]")
    expect(actions.get_by_role("heading", name="Organize")).to_be_visible()
    expect(actions.locator("form.press")).to_have_count(0)
    for group in ("Upscale", "Vary", "Edit", "Use as", "Tools"):
        expect(actions.get_by_role("heading", name=group, exact=True)).to_have_count(0)
    expect(actions.get_by_text("Delete")).to_have_count(0)
    expect(dialog.get_by_role("link", name="Reuse settings")).to_have_count(0)
    page.keyboard.press("1")  # no U1 to press: nothing is sent
    expect(actions.locator("[data-lightbox-confirm]")).to_contain_text("no U1")
    assert grid.children.count() == 0


def test_a_cut_out_shows_a_checkerboard_on_card_lightbox_and_detail(page: Page, live_server, alice):
    """A remove-background result: its transparency over a repeated checkerboard (Pico's
    `background-repeat: no-repeat` on every element once left a single square)."""

    cut = GenerationFactory(user=alice, action="remove_bg", prompt="")
    AssetFactory(generation=cut, size=(200, 160))
    checker = """img => {
        const style = getComputedStyle(img);
        const repeats = style.backgroundRepeat.split(', ').every(r => r === 'repeat');
        return [repeats, style.backgroundImage.includes('linear-gradient')];
    }"""
    log_in(page, live_server, "/")
    card_image = page.locator(f"#card-{cut.pk} a[data-lightbox] img")
    assert card_image.evaluate(checker) == [True, True]

    page.locator(f"#card-{cut.pk} a[data-lightbox]").click()
    shown = page.locator("dialog.lightbox .lightbox-media img")
    expect(shown).to_be_visible()
    assert shown.evaluate(checker) == [True, True]

    page.goto(f"{live_server.url}{cut.get_absolute_url()}")
    assert page.locator(".full-images img").first.evaluate(checker) == [True, True]
