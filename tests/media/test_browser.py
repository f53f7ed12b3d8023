"""Debian's chromium plays what encode_mp4 makes: proof of the codec/container choice."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from studio.media.video import encode_mp4
from tests.media.conftest import CHROMIUM, FRAME_PIXEL, red_to_blue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing"),
]

ORIGIN = "http://media.test"  # never resolved: page.route answers every request
PAGE = """<!doctype html><title>video</title>
<video id="clip" src="/clip.mp4" muted autoplay loop playsinline></video>"""


def serve(page: Page, video: bytes) -> None:
    def fulfil(route):
        if route.request.url.endswith("/clip.mp4"):
            route.fulfill(status=200, content_type="video/mp4", body=video)
        else:
            route.fulfill(status=200, content_type="text/html", body=PAGE)

    page.route(f"{ORIGIN}/**", fulfil)


def test_chromium_plays_the_mp4_inline(page: Page):
    video = encode_mp4(red_to_blue(48, (320, 180)), fps=24)
    serve(page, video)

    page.goto(f"{ORIGIN}/")
    # Playing: enough data to go on, and the clock moves on its own.
    page.wait_for_function(
        "() => { const v = document.getElementById('clip');"
        " return v.error || (v.readyState >= 3 && v.currentTime > 0.25); }",
        timeout=10_000,
    )
    state = page.evaluate(
        """() => { const v = document.getElementById('clip');
        return {error: v.error && v.error.message, ready: v.readyState, time: v.currentTime,
                width: v.videoWidth, height: v.videoHeight, duration: v.duration}; }"""
    )
    assert state["error"] is None
    assert state["ready"] >= 3
    assert (state["width"], state["height"]) == (320, 180)
    assert state["duration"] == pytest.approx(2.0, abs=0.05)
    page.wait_for_function(
        f"() => document.getElementById('clip').currentTime !== {state['time']}", timeout=5_000
    )

    # The colours survive the trip (BT.709 tags): the first frame, drawn on a canvas, is red.
    red, green, blue = page.evaluate(
        """async () => {
        const v = document.getElementById('clip');
        v.pause();
        v.currentTime = 0;
        await new Promise(resolve => v.addEventListener('seeked', resolve, {once: true}));
        return await ("""
        + FRAME_PIXEL
        + """)(v, 160, 90); }"""
    )
    assert red > 200 and green < 40 and blue < 40, (red, green, blue)
