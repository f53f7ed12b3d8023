"""Midjourney buttons: validation against the parent's list, real outputs per action."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from .conftest import download_image

pytestmark = pytest.mark.django_db(transaction=True)

GRID_BUTTONS = [
    *["U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"],
    *["Zoom Out 2x", "Zoom Out 1.5x", "Vary (Strong)", "Vary (Subtle)"],
]
UPSCALED_BUTTONS = [
    "Upscale (Subtle)",
    "Upscale (Creative)",
    "Vary (Subtle)",
    "Vary (Strong)",
    "Vary (Region)",
    "Zoom Out 2x",
    "Zoom Out 1.5x",
    "⬅️",
    "➡️",
    "⬆️",
    "⬇️",
]


def press(api, message_id: str, button: str, path: str = "nova/button", **extra):
    return api.post(path, {"messageId": message_id, "button": button, **extra})


def test_upscale_variation_and_reroll_from_a_grid(api):
    grid_id = api.submit("nova/imagine", {"prompt": "a paper boat --ar 16:9 --seed 7"})
    assert press(api, grid_id, "U1").status_code == 400  # parent still running
    grid = api.wait(grid_id)
    credits = api.info()["credits"]

    u1 = api.submit("nova/button", {"messageId": grid_id, "button": "U1", "ref": "u"})
    v1 = api.submit("midjourney/button", {"messageId": grid_id, "button": "V1"})
    reroll = api.submit("nova/button", {"messageId": grid_id, "button": "🔄"})
    assert api.info()["credits"] == credits - 15

    upscaled = api.wait(u1)
    assert upscaled["status"] == "DONE"
    assert upscaled["originatingMessageId"] == grid_id
    assert upscaled["ref"] == "u"
    assert upscaled["prompt"] == grid["prompt"]
    assert upscaled["buttons"] == [*UPSCALED_BUTTONS, "Make Square"]  # 16:9 is not square
    assert upscaled["images"] == [upscaled["uri"]]
    image = download_image(upscaled["uri"])
    tile = download_image(grid["images"][0]).convert("RGB")
    assert image.size == (1024, 576)
    # A real 2× resize of tile 1.
    expected = tile.resize((1024, 576), Image.Resampling.LANCZOS)
    assert image.convert("RGB").tobytes() == expected.tobytes()

    for new_grid_id in (v1, reroll):
        message = api.wait(new_grid_id)
        assert message["status"] == "DONE"
        assert message["buttons"] == GRID_BUTTONS
        assert message["originatingMessageId"] == grid_id
        assert download_image(message["uri"]).size == (1024, 576)
        new_tiles = [download_image(url).tobytes() for url in message["images"]]
        old_tiles = [download_image(url).tobytes() for url in grid["images"]]
        assert set(new_tiles).isdisjoint(old_tiles)


def test_button_must_be_exactly_one_of_the_parents_buttons(api):
    grid_id = api.submit("nova/imagine", {"prompt": "a glass of water"})
    api.wait(grid_id)
    for wrong in ("u1", "U5", "Make Square", "Cancel Job", "🔄 "):
        response = press(api, grid_id, wrong)
        assert response.status_code == 400, wrong
        assert response.json() == {
            "message": f'Button "{wrong}" is not available for this message.',
            "error": "Bad Request",
            "statusCode": 400,
        }
    assert api.info()["credits"] == 990  # only the imagine was charged


def test_actions_on_an_upscaled_image(api):
    grid_id = api.submit("nova/imagine", {"prompt": "a snail on a leaf"})
    api.wait(grid_id)
    upscaled_id = api.submit("nova/button", {"messageId": grid_id, "button": "U2"})
    upscaled = api.wait(upscaled_id)
    assert upscaled["buttons"] == UPSCALED_BUTTONS  # 1:1: no Make Square
    assert download_image(upscaled["uri"]).size == (1024, 1024)

    response = press(api, upscaled_id, "Vary (Region)")
    assert response.status_code == 400
    assert response.json()["message"] == "Mask is required."
    assert press(api, upscaled_id, "Vary (Region)", mask="%%%").status_code == 400
    assert press(api, upscaled_id, "U1").status_code == 400

    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 16, 48, 48))
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    encoded = base64.b64encode(buffer.getvalue()).decode()

    expectations = {
        "Upscale (Subtle)": (2048, 2048),
        "Zoom Out 2x": (1024, 1024),
        "➡️": (1024, 682),  # wider by half, longest tile side 512
        "⬆️": (682, 1024),
        "Vary (Strong)": (1024, 1024),
    }
    jobs = {button: press(api, upscaled_id, button) for button in expectations}
    jobs["Vary (Region)"] = press(api, upscaled_id, "Vary (Region)", mask=encoded, prompt="a bee")
    assert all(r.status_code == 200 for r in jobs.values()), {b: r.text for b, r in jobs.items()}
    for button, response in jobs.items():
        message = api.wait(response.json()["messageId"])
        assert message["status"] == "DONE", button
        size = expectations.get(button, (1024, 1024))
        assert download_image(message["uri"]).size == size, button
        if button == "Upscale (Subtle)":
            assert message["images"] == [message["uri"]]
            assert "Upscale (Subtle)" not in message["buttons"]
        else:
            assert message["buttons"] == GRID_BUTTONS, button
            assert len(message["images"]) == 4
    assert (
        api.get(f"message/fetch/{jobs['Vary (Region)'].json()['messageId']}").json()["prompt"]
        == "a bee"
    )


def test_make_square_on_a_wide_upscale(api):
    grid_id = api.submit("nova/imagine", {"prompt": "a long train --ar 2:1"})
    api.wait(grid_id)
    upscaled_id = api.submit("nova/button", {"messageId": grid_id, "button": "U4"})
    assert "Make Square" in api.wait(upscaled_id)["buttons"]
    square = api.wait(
        api.submit("nova/button", {"messageId": upscaled_id, "button": "Make Square"})
    )
    assert square["status"] == "DONE"
    assert download_image(square["uri"]).size == (1024, 1024)


def test_a_grid_offers_the_documented_zooms_and_varies_and_they_make_grids(api):
    """The provider's Get Progress example offers both zooms and both varies on a finished
    grid (https://docs.imaginepro.ai/api-215981214): pressing each makes a new grid."""
    grid_id = api.submit("nova/imagine", {"prompt": "a lighthouse --ar 3:2"})
    grid = api.wait(grid_id)
    for button in ("Zoom Out 2x", "Zoom Out 1.5x", "Vary (Strong)", "Vary (Subtle)"):
        assert button in grid["buttons"]
        response = press(api, grid_id, button)
        assert response.status_code == 200, (button, response.text)
        message = api.wait(response.json()["messageId"])
        assert message["status"] == "DONE", button
        assert len(message["images"]) == 4, button
        assert download_image(message["images"][0]).size == download_image(grid["images"][0]).size
