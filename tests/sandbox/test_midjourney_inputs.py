"""Midjourney commands that take images: describe, face swap, blend, image-to-image."""

from __future__ import annotations

import pytest
from PIL import Image, ImageStat

from studio.sandbox.models import SandboxJob

from .conftest import UNREACHABLE, download_image, solid, subject_on_background

pytestmark = pytest.mark.django_db(transaction=True)

GRID_BUTTONS = [
    *["U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"],
    *["Zoom Out 2x", "Zoom Out 1.5x", "Vary (Strong)", "Vary (Subtle)"],
]
KEYCAPS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣"]
RED, BLUE, GREEN = (220, 30, 30), (30, 50, 220), (30, 200, 60)


def _mean(image) -> tuple[float, ...]:
    return tuple(ImageStat.Stat(image.convert("RGB")).mean)


def _near(pixel, colour, tolerance: int = 16) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize("path", ["nova/describe", "midjourney/describe"])
def test_describe_gives_four_prompts_from_the_image(api, image_host, path, sandbox_clock):
    url = image_host.add("scene.png", subject_on_background((320, 180), (30, 50, 200)))
    message_id = api.submit(path, {"url": url, "ref": "d"})
    assert api.info()["credits"] == 1000 - 5
    assert api.fetch(message_id)["prompt"] == ""  # the prompts appear when it is DONE
    sandbox_clock.advance(60)  # the held clock moves past the job's timeline
    message = api.wait(message_id)
    assert message["status"] == "DONE", message
    assert message["buttons"] == [] and message["ref"] == "d"
    parts = message["prompt"].split("\n\n")
    assert [part[: len(key)] for part, key in zip(parts, KEYCAPS, strict=True)] == KEYCAPS
    assert all(part.endswith("--ar 16:9") for part in parts)
    assert "blue" in parts[0] and "crimson" in message["prompt"]
    # `uri` re-serves the described image.
    served = download_image(message["uri"])
    assert served.size == (320, 180) and _near(served.getpixel((2, 2)), (30, 50, 200), 2)
    assert message["images"] == [message["uri"]]


def test_describe_needs_a_url_and_fails_on_a_bad_one(api):
    response = api.post("nova/describe", {"image": "http://h/a.png"})
    assert response.status_code == 400
    assert response.json()["message"] == "url is required."
    message = api.wait(api.submit("nova/describe", {"url": UNREACHABLE}))
    assert message["status"] == "FAIL" and message["prompt"] == ""
    assert message["error"].startswith(f"Failed to fetch image: {UNREACHABLE}")


@pytest.mark.parametrize("path", ["nova/faceswap", "midjourney/faceswap"])
def test_face_swap_puts_the_source_centre_into_the_target(api, image_host, path):
    source = image_host.add("face.png", solid(RED, (200, 200)))
    target = image_host.add("photo.png", solid(BLUE, (300, 240)))
    message_id = api.submit(path, {"source": source, "target": target})
    assert api.info()["credits"] == 1000 - 5
    message = api.wait(message_id)
    assert message["status"] == "DONE", message
    assert message["buttons"] == []
    image = download_image(message["uri"]).convert("RGB")
    assert image.size == (300, 240)
    assert _near(image.getpixel((150, 120)), RED)  # the face in the middle
    for corner in ((0, 0), (299, 0), (0, 239), (299, 239), (40, 120)):
        assert _near(image.getpixel(corner), BLUE)  # the rest is the target
    # A soft elliptical edge: some pixels between the two colours.
    row = [image.getpixel((x, 120)) for x in range(300)]
    assert any(not _near(p, RED) and not _near(p, BLUE) for p in row)


def test_face_swap_needs_both_images(api):
    for body, field in (
        ({"target": "http://h/a.png"}, "source"),
        ({"source": "http://h/a"}, "target"),
    ):
        response = api.post("nova/faceswap", body)
        assert response.status_code == 400
        assert response.json()["message"] == f"{field} is required."
    assert api.info()["credits"] == 1000


@pytest.mark.parametrize("path", ["nova/blend", "midjourney/blend"])
def test_blend_makes_a_grid_of_blends_with_working_buttons(api, image_host, path):
    red = image_host.add("red.png", solid(RED, (300, 200)))
    blue = image_host.add("blue.png", solid(BLUE, (200, 300)))
    message_id = api.submit(path, {"urls": [red, blue]})
    assert api.info()["credits"] == 1000 - 10
    running = api.fetch(message_id)
    assert running["buttons"] == ["Cancel Job"]
    message = api.wait(message_id)
    assert message["status"] == "DONE", message
    assert message["prompt"] == f"{red} {blue}"
    assert message["buttons"] == GRID_BUTTONS
    assert len(message["images"]) == 4
    grid = download_image(message["uri"]).convert("RGB")
    assert grid.size == (1024, 1024)
    for url in message["images"]:
        tile = download_image(url).convert("RGB")
        assert tile.size == (512, 512)
        pixels = tile.get_flattened_data()
        # Both inputs are visible in every tile, and mixtures of them.
        assert sum(_near(p, RED) for p in pixels) > 2000
        assert sum(_near(p, BLUE) for p in pixels) > 2000

    u2 = api.wait(api.submit("nova/button", {"messageId": message_id, "button": "U2"}))
    assert u2["status"] == "DONE" and u2["originatingMessageId"] == message_id
    tile = download_image(message["images"][1]).convert("RGB")
    expected = tile.resize((1024, 1024), Image.Resampling.LANCZOS)
    assert download_image(u2["uri"]).convert("RGB").tobytes() == expected.tobytes()
    assert "Vary (Subtle)" in u2["buttons"]
    reroll = api.wait(api.submit("nova/button", {"messageId": message_id, "button": "🔄"}))
    assert reroll["buttons"] == GRID_BUTTONS
    new_tile = download_image(reroll["images"][0]).convert("RGB").get_flattened_data()
    assert sum(_near(p, RED) for p in new_tile) > 2000  # a re-blend of the same images


@pytest.mark.parametrize(
    ("urls", "message"),
    [
        (None, "urls must be an array of 2 to 5 image URLs."),
        (["http://h/1.png"], "urls must be an array of 2 to 5 image URLs."),
        ([f"http://h/{i}.png" for i in range(6)], "urls must be an array of 2 to 5 image URLs."),
        (["http://h/1.png", 7], "urls[1] must be a string."),
        (["http://h/1.png", "h/2.png"], "urls[1] must be an http(s) URL."),
    ],
)
def test_blend_bad_bodies_are_400(api, urls, message):
    body = {} if urls is None else {"urls": urls}
    response = api.post("nova/blend", body)
    assert response.status_code == 400
    assert response.json() == {"message": message, "error": "Bad Request", "statusCode": 400}
    assert api.info()["credits"] == 1000


def test_image_prompt_shapes_every_tile(api, image_host):
    url = image_host.add("blue.png", solid(BLUE, (200, 200)))
    message_id = api.submit("nova/imagine", {"prompt": f"{url} a little cat --seed 3"})
    assert api.info()["credits"] == 1000 - 10
    message = api.wait(message_id)
    assert message["status"] == "DONE", message
    assert message["buttons"] == GRID_BUTTONS
    again = api.wait(api.submit("nova/imagine", {"prompt": f"{url} a little cat --seed 3"}))
    assert SandboxJob.objects.get(pk=message_id).inputs == [url]
    for tile_url, again_url in zip(message["images"], again["images"], strict=True):
        red, green, blue = _mean(download_image(tile_url))
        assert blue > red + 40 and blue > green + 40, (red, green, blue)
        # Deterministic: same image prompt, text and seed, same pixels.
        assert download_image(tile_url).tobytes() == download_image(again_url).tobytes()
    # A reroll keeps the image prompt.
    reroll = api.wait(api.submit("nova/button", {"messageId": message_id, "button": "🔄"}))
    red, green, blue = _mean(download_image(reroll["images"][0]))
    assert blue > red + 40 and blue > green + 40


def test_unreachable_image_prompt_fails_the_imagine(api, image_host):
    missing = f"{image_host.url}/nope.png"
    message = api.wait(api.submit("nova/imagine", {"prompt": f"{missing} a cat"}))
    assert message["status"] == "FAIL"
    assert message["error"] == f"Failed to fetch image: {missing} (the image could not be fetched)"
    assert api.info()["credits"] == 1000  # charged when accepted, refunded once it failed
