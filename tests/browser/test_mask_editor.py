"""Vary (Region) in chromium: paint with the mouse, erase, change the brush, undo, clear and
undo that, paint again, send. The sandbox must receive a white-on-black mask of the image's
size holding exactly the strokes that were kept, and the child generation must appear."""

from __future__ import annotations

import base64
import io
import re
from urllib.parse import parse_qs

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from studio.generation import presses, services
from studio.generation.models import Generation, Status
from studio.sandbox.models import SandboxJob
from tests.factories import AssetFactory, GenerationFactory
from tests.support import run_to_final

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 45_000  # ms


def stroke(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag the mouse across the canvas between two points given as fractions of its size."""
    canvas = page.locator("[data-mask-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()  # in the viewport: measured again after any scrolling
    x = lambda f: box["x"] + f * box["width"]  # noqa: E731
    y = lambda f: box["y"] + f * box["height"]  # noqa: E731
    page.mouse.move(x(start[0]), y(start[1]))
    page.mouse.down()
    page.mouse.move(x(end[0]), y(end[1]), steps=12)
    page.mouse.up()


def at(mask: Image.Image, fx: float, fy: float) -> int:
    return mask.getpixel((round(fx * (mask.width - 1)), round(fy * (mask.height - 1))))


def test_paint_undo_and_send_a_mask(page: Page, live_server, alice, alice_key, sandbox_url):
    prompt = "a lighthouse at dusk --ar 3:2"
    grid = run_to_final(
        services.midjourney_create(
            user=alice, provider_key=alice_key, prompt=prompt, params={"prompt": prompt}
        )
    )
    upscaled = run_to_final(presses.button_press(user=alice, parent=grid, button="U1"))
    assert upscaled.status == Status.DONE, upscaled.error
    [image] = upscaled.images

    page.goto(f"{live_server.url}/accounts/login/?next=/g/{upscaled.pk}/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-42")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Vary (Region)").click()  # a link styled as a button
    expect(page.get_by_role("heading", name="Vary (Region)")).to_be_visible()

    canvas = page.locator("[data-mask-canvas]")
    status = page.locator("[data-mask-status]")
    expect(canvas).to_have_attribute("width", str(image.width))
    box = canvas.bounding_box()
    assert box["width"] < image.width  # drawn scaled on screen, exported at full size
    assert abs(box["width"] / box["height"] - image.width / image.height) < 0.02

    # A: a thin stroke top left, with the default brush.
    stroke(page, (0.15, 0.25), (0.3, 0.25))
    expect(status).to_contain_text("will be redrawn")
    # The eraser takes a bite out of A's right end (same default size), then back to the brush.
    page.get_by_role("button", name="Eraser").click()
    stroke(page, (0.28, 0.1), (0.28, 0.4))
    page.get_by_role("button", name="Brush").click()
    # A bigger brush (the slider as a person drags it to its end).
    page.get_by_label("Brush size").focus()
    page.keyboard.press("End")
    biggest = page.get_by_label("Brush size").input_value()
    expect(page.locator("[data-brush-output]")).to_have_text(f"{biggest} px")
    # B in the middle, undone with Ctrl+Z; C bottom right; D undone with the Undo button.
    stroke(page, (0.45, 0.5), (0.55, 0.5))
    page.keyboard.press("Control+z")
    stroke(page, (0.75, 0.8), (0.85, 0.8))
    stroke(page, (0.5, 0.15), (0.55, 0.15))
    page.get_by_role("button", name="Undo").click()
    # Clear can be undone too.
    page.get_by_role("button", name="Clear").click()
    expect(status).to_have_text("Nothing painted yet.")
    page.get_by_role("button", name="Undo").click()
    expect(status).to_contain_text("will be redrawn")
    page.get_by_label("Region prompt (optional)").fill("a red balloon")

    with page.expect_request(re.compile(r"/vary-region/$")) as sent:
        page.get_by_role("button", name="Redraw the painted region").click()
    expect(page).to_have_url(re.compile(r"/g/[0-9a-f-]{36}/$"))

    # What the browser sent: white on black, opaque, the image's own size.
    posted = parse_qs(sent.value.post_data)["mask"][0]
    assert posted.startswith("data:image/png;base64,")
    drawn = Image.open(io.BytesIO(base64.b64decode(posted.split(",", 1)[1])))
    assert drawn.size == (image.width, image.height)
    colours = drawn.convert("RGBA").getcolors(maxcolors=1 << 20)
    assert all(r == g == b and a == 255 for _, (r, g, b, a) in colours)  # greys only: edges

    child = Generation.objects.get(parent=upscaled)
    assert child.button == "Vary (Region)" and child.prompt == "a red balloon"
    child = run_to_final(child)
    assert child.status == Status.DONE, child.error

    # What the sandbox received: the studio's normalised mask.
    received = SandboxJob.objects.get(pk=child.message_id).request_body
    assert received["button"] == "Vary (Region)" and received["prompt"] == "a red balloon"
    mask = Image.open(io.BytesIO(base64.b64decode(received["mask"])))
    assert mask.size == (image.width, image.height) and mask.mode == "L"
    counts = {level: count for count, level in mask.getcolors()}
    assert set(counts) == {0, 255}
    assert 0 < counts[255] < counts[0] / 3  # some white, mostly black
    assert at(mask, 0.22, 0.25) == 255  # A kept
    assert at(mask, 0.28, 0.25) == 0  # erased from A
    assert at(mask, 0.5, 0.5) == 0  # B undone (Ctrl+Z)
    assert at(mask, 0.8, 0.8) == 255  # C kept
    assert at(mask, 0.52, 0.15) == 0  # D undone (button)

    # The child's page shows its four images once the worker has stored them.
    expect(page.locator(".full-images img")).to_have_count(4, timeout=WAIT)
    expect(page.get_by_role("heading", name="Vary (Region) of Midjourney")).to_be_visible()


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1400, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
@pytest.mark.parametrize("size", [(1024, 1024), (896, 1344)], ids=["square", "tall"])
def test_the_send_button_is_in_view_on_arrival(page: Page, live_server, alice, viewport, size):
    """Without scrolling, a person sees the image and the button that sends the mask."""

    upscaled = GenerationFactory(user=alice, buttons=[presses.VARY_REGION], prompt="a lighthouse")
    AssetFactory(generation=upscaled, size=size)
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/accounts/login/?next=/g/{upscaled.pk}/vary-region/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-42")
    page.locator("main").get_by_role("button", name="Log in").click()
    send = page.get_by_role("button", name="Redraw the painted region")
    expect(send).to_be_visible()
    page.wait_for_load_state("load")

    box = send.bounding_box()
    assert page.evaluate("window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
    stage = page.locator(".mask-stage").bounding_box()
    assert stage["height"] >= 200, stage  # the image is still big enough to paint on
