"""Nano Banana with several uploads, and a Midjourney video that plays, clicked in chromium
with the worker cluster running."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from studio.accounts.services import sandbox_key_create
from studio.generation.models import Generation, Model
from studio.sandbox.models import SandboxJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 60_000  # ms; the sandbox runs at 1/20 of real time in tests


@pytest.fixture
def public(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url


def picture(tmp_path, name, color, size=(320, 240)):
    path = tmp_path / name
    Image.new("RGB", size, color).save(path, "PNG")
    return path


def log_in(page: Page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-42")
    page.locator("main").get_by_role("button", name="Log in").click()


def test_nano_banana_uploads_then_animate_into_a_video_that_plays(
    page: Page, live_server, cluster, public, alice, tmp_path
):
    sandbox_key_create(user=alice)
    log_in(page, live_server, alice)

    # Three files chosen at once → three previews; one removed → two are sent.
    page.goto(f"{live_server.url}/new/nano-banana/")
    files = [picture(tmp_path, f"{c}.png", c) for c in ("red", "green", "blue")]
    page.locator("input[type=file][name=reference_images_files]").set_input_files(files)
    previews = page.locator("[data-previews] li")
    expect(previews).to_have_count(3)
    expect(page.locator("[data-count]").first).to_have_text("3 of 8")
    previews.nth(1).get_by_role("button", name=r"Remove").click()
    expect(previews).to_have_count(2)
    page.get_by_label("Prompt", exact=True).fill("a still life in red and blue")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("#gallery-grid article").first
    expect(card).to_contain_text("Nano Banana")
    expect(card.locator(".badge.status")).to_have_text("done", timeout=WAIT)
    generation = Generation.objects.get(model=Model.NANO_BANANA)
    sent = SandboxJob.objects.get(pk=generation.message_id).request_body["contents"]
    assert [item["type"] for item in sent] == ["text", "image", "image"]

    # Animate the result: its image is the start frame, an upload the end frame.
    card.get_by_role("link", name="Tools").first.click()
    page.get_by_role("link", name="Animate").click()
    expect(page.locator("[data-previews] li")).to_have_count(1)  # start frame picked
    page.locator("input[type=file][name=end_frame_files]").set_input_files(
        picture(tmp_path, "end.png", "yellow")
    )
    page.get_by_role("button", name="Make the video").click()
    video_card = page.locator("#gallery-grid article").first
    expect(video_card).to_contain_text("Midjourney video")
    video = video_card.locator("video")
    expect(video).to_have_count(1, timeout=WAIT)
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function(
        "v => v.readyState >= 3 && v.currentTime > 0.2", arg=video.element_handle()
    )
    assert video.evaluate("v => v.videoWidth") > 0
