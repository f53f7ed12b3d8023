"""Debian's chromium seeks in a video the studio streams from an object store: the player's
byte ranges go through the access-checked view to the bucket (a real S3 API on loopback)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import Client
from playwright.sync_api import Page

from studio.generation.models import Asset, Status
from studio.media.video import encode_mp4
from tests.factories import AssetFactory
from tests.media.conftest import CHROMIUM, FRAME_PIXEL, red_to_blue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing"),
]


def test_chromium_seeks_a_video_kept_in_the_bucket(page: Page, alice, live_server, object_storage):
    video = encode_mp4(red_to_blue(96, (320, 180)), fps=24)  # 4 s, red to blue
    asset = AssetFactory(
        generation__user=alice,
        generation__status=Status.DONE,
        role=Asset.Role.VIDEO,
        content_type="video/mp4",
        size=(320, 180),
        data=video,
        sha256=hashlib.sha256(video).hexdigest(),
        duration=4.0,
        thumbnailed=False,
        file=ContentFile(video, name="video-1.mp4"),
    )
    assert asset.file.name in object_storage.object_keys()
    client = Client()
    client.force_login(alice)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    ranges: list[str] = []
    page.on(
        "request",
        lambda request: (
            ranges.append(request.headers.get("range", "")) if "/file/" in request.url else None
        ),
    )
    page.goto(f"{live_server.url}/g/{asset.generation_id}/")
    colour = page.evaluate(
        """async () => {
        const v = document.querySelector('video');
        if (v.readyState < 1) {
            await new Promise(resolve => v.addEventListener('loadedmetadata', resolve, {once: true}));
        }
        v.currentTime = 3.8;
        await new Promise(resolve => v.addEventListener('seeked', resolve, {once: true}));
        const rgb = await ("""
        + FRAME_PIXEL
        + """)(v, 160, 90);
        return {time: v.currentTime, error: v.error && v.error.message, rgb}; }"""
    )
    assert colour["error"] is None
    assert colour["time"] == pytest.approx(3.8, abs=0.1)
    red, _green, blue = colour["rgb"]
    assert blue > 180 and red < 60, colour  # a frame near the end: blue, not the red start
    assert any(value.startswith("bytes=") for value in ranges), ranges  # chromium asked ranges
