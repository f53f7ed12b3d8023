"""The gallery's image wall: finished images at their own ratio in rows of one height that
fill the width (a justified wall), a Midjourney grid as its four tiles, a size control that
is remembered, and an image's actions shown on hover or keyboard focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from studio.generation import services
from tests.browser.test_lightbox import finished, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rows(page: Page) -> list[list[dict]]:
    """The wall's image tiles grouped by their top edge: [[{x, w, h}, …], …]."""
    boxes = page.evaluate(
        """Array.from(document.querySelectorAll('#gallery-grid .image-tile')).map(t => {
             const r = t.getBoundingClientRect();
             return {x: r.x, y: Math.round(r.y), w: r.width, h: r.height};
           })"""
    )
    grouped: dict[int, list[dict]] = {}
    for box in boxes:
        grouped.setdefault(box["y"], []).append(box)
    return [grouped[y] for y in sorted(grouped)]


def test_the_wall_is_justified_sized_and_shows_actions_on_hover(
    page: Page, live_server, alice, alice_key, sandbox_url
):
    for ratio in ("16:9", "9:16", "1:1", "21:9", "2:3"):
        finished(
            services.flux_create(
                user=alice,
                provider_key=alice_key,
                prompt=f"a lighthouse {ratio}",
                n=1,
                output_format="png",
                aspect_ratio=ratio,
                params={},
            )
        )
    grid = finished(
        services.midjourney_create(
            user=alice, provider_key=alice_key, prompt="a harbour", params={"prompt": "a harbour"}
        )
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server, "/")
    expect(page.locator("#gallery-grid .image-tile")).to_have_count(9)  # 5 + a grid's 4
    expect(page.locator(f"#card-{grid.pk} .image-tile")).to_have_count(4)

    wall = page.locator("#gallery-grid").bounding_box()
    medium = rows(page)
    # Every full row: one height for all its tiles, edge to edge across the wall.
    for row in medium[:-1]:
        heights = {round(box["h"]) for box in row}
        assert max(heights) - min(heights) <= 1, row
        right = max(box["x"] + box["w"] for box in row)
        assert abs(right - (wall["x"] + wall["width"])) <= 2, row
    # Each tile keeps its image's ratio (1:1 here would be a plain grid).
    widths = sorted(round(box["w"] / box["h"], 1) for row in medium for box in row)
    assert widths[0] <= 0.6 and widths[-1] >= 2.2, widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    # Large rows are taller, and the choice survives a reload.
    page.get_by_label("Large").check()
    assert rows(page)[0][0]["h"] > medium[0][0]["h"] + 20
    page.reload()
    expect(page.get_by_label("Large")).to_be_checked()
    expect(page.locator("#gallery-grid")).to_have_attribute("data-size", "large")

    # An image's actions: hidden until hovered, shown on hover and on keyboard focus.
    tile = page.locator(f"#card-{grid.pk} .image-tile").nth(1)
    overlay = tile.locator(".tile-overlay")
    assert overlay.evaluate("e => getComputedStyle(e).opacity") == "0"
    tile.hover()
    expect(overlay).to_have_css("opacity", "1")
    expect(tile.get_by_role("button", name="Upscale 2")).to_be_visible()
    page.mouse.move(0, 0)
    expect(overlay).to_have_css("opacity", "0")
    tile.locator("input.select").focus()
    expect(overlay).to_have_css("opacity", "1")
