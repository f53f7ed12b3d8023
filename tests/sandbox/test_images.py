"""Result files: real images of the right size, deterministic by seed, served like a CDN."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import requests

from .conftest import download_image

pytestmark = pytest.mark.django_db(transaction=True)


def test_grid_and_tiles_for_16_9(api, live_server):
    message = api.wait(api.submit("nova/imagine", {"prompt": "a red fox at dawn --ar 16:9"}))
    assert message["status"] == "DONE"
    assert message["uri"] == message["originalUrl"]
    assert message["uri"].startswith(live_server.url + "/sandbox/imaginepro/cdn/")
    assert len(message["images"]) == 4 and len(set(message["images"])) == 4

    grid = download_image(message["uri"])
    assert grid.format == "PNG"
    assert grid.size == (1024, 576)
    tiles = [download_image(url) for url in message["images"]]
    assert all(tile.format == "PNG" and tile.size == (512, 288) for tile in tiles)
    # The grid really is the four tiles, 1 2 / 3 4.
    assert grid.crop((512, 288, 1024, 576)).tobytes() == tiles[3].convert("RGB").tobytes()
    assert len({tile.tobytes() for tile in tiles}) == 4

    response = requests.get(message["uri"], timeout=10)
    assert response.headers["Content-Type"] == "image/png"


def test_portrait_and_square_sizes(api):
    portrait = api.submit("nova/imagine", {"prompt": "a tower --ar 2:3"})
    square = api.submit("nova/imagine", {"prompt": "a tower"})
    assert download_image(api.wait(portrait)["uri"]).size == (682, 1024)
    assert download_image(api.wait(square)["images"][0]).size == (512, 512)


def _digests(message: dict) -> list[str]:
    return [
        hashlib.sha256(requests.get(url, timeout=10).content).hexdigest()
        for url in [message["uri"], *message["images"]]
    ]


def test_same_seed_same_pictures_other_seed_other_pictures(api):
    first = api.submit("nova/imagine", {"prompt": "a lighthouse in fog --seed 42"})
    again = api.submit("midjourney/imagine", {"prompt": "a lighthouse in fog --seed 42"})
    other = api.submit("nova/imagine", {"prompt": "a lighthouse in fog --seed 43"})
    unseeded = api.submit("nova/imagine", {"prompt": "a lighthouse in fog"})
    digests = [_digests(api.wait(message_id)) for message_id in (first, again, other, unseeded)]
    assert digests[0] == digests[1]
    assert set(digests[0]).isdisjoint(digests[2])
    assert set(digests[0]).isdisjoint(digests[3])


def test_flux_makes_n_images_in_the_requested_format(api):
    message_id = api.submit(
        "flux/imagine",
        {"prompt": "a teapot", "n": 2, "width": 512, "height": 384, "output_format": "webp"},
    )
    assert api.info()["credits"] == 1000 - 12
    message = api.wait(message_id)
    assert message["status"] == "DONE"
    assert message["buttons"] == []
    assert message["originalUrl"] is None
    assert len(message["images"]) == 2 and message["uri"] == message["images"][0]
    for url in message["images"]:
        response = requests.get(url, timeout=10)
        assert response.headers["Content-Type"] == "image/webp"
        image = download_image(url)
        assert (image.format, image.size) == ("WEBP", (512, 384))


def test_flux_aspect_ratio_sets_the_size(api):
    message = api.wait(api.submit("flux/imagine", {"prompt": "a bridge", "aspect_ratio": "16:9"}))
    image = download_image(message["uri"])
    assert (image.format, image.size) == ("PNG", (1024, 576))
    assert api.info()["credits"] == 1000 - 6


def test_cdn_answers_404_for_unknown_or_unfinished(api, live_server):
    cdn = f"{live_server.url}/sandbox/imaginepro/cdn"
    assert requests.get(f"{cdn}/{uuid.uuid4()}/grid.png", timeout=10).status_code == 404
    message_id = api.submit("nova/imagine", {"prompt": "slow"})
    assert requests.get(f"{cdn}/{message_id}/grid.png", timeout=10).status_code == 404
    api.wait(message_id)
    assert requests.get(f"{cdn}/{message_id}/grid.png", timeout=10).status_code == 200
    assert requests.get(f"{cdn}/{message_id}/9.png", timeout=10).status_code == 404
