"""Nano Banana (universal/imagine, gemini/imagine) and Lumi Girl (universal/zimage)."""

from __future__ import annotations

import pytest

from studio.sandbox.models import SandboxJob

from .conftest import download_image, solid

pytestmark = pytest.mark.django_db(transaction=True)

RED, BLUE = (220, 20, 20), (20, 40, 220)


def _has_colour(image, colour, tolerance: int = 12, minimum: int = 50) -> bool:
    """At least `minimum` pixels within `tolerance` of `colour` on every channel."""
    rgb = image.convert("RGB")
    count = sum(
        1
        for pixel in rgb.get_flattened_data()
        if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))
    )
    return count >= minimum


@pytest.mark.parametrize("path", ["universal/imagine", "gemini/imagine"])
def test_nano_banana_composites_the_reference_images(api, image_host, path):
    red = image_host.add("red.png", solid(RED, (160, 120)))
    blue = image_host.add("blue.png", solid(BLUE, (80, 80)))
    message_id = api.submit(
        path,
        {
            "contents": [
                {"type": "text", "text": "Image creation: a dress in a garden"},
                {"type": "image", "url": red},
                {"type": "image", "url": blue},
            ],
            "ref": "nb",
        },
    )
    assert api.info()["credits"] == 1000 - 6
    message = api.wait(message_id)
    assert message["status"] == "DONE", message
    assert message["prompt"] == "Image creation: a dress in a garden"
    assert message["ref"] == "nb"
    assert message["buttons"] == [] and message["originalUrl"] is None
    assert message["images"] == [message["uri"]]
    image = download_image(message["uri"])
    assert image.format == "PNG"
    assert image.size == (1024, 768)  # shaped like the first reference, longest side 1024
    assert _has_colour(image, RED, minimum=5000) and _has_colour(image, BLUE, minimum=5000)
    assert sorted(image_host.hits) == ["/blue.png", "/red.png"]  # fetched once each
    job = SandboxJob.objects.get(pk=message_id)
    assert job.inputs == [red, blue]
    assert job.request_body["contents"][1]["url"] == red


def test_nano_banana_text_only_and_model_choice(api):
    body = {"contents": [{"type": "text", "text": "a lemon"}], "model": "nano-banana"}
    message = api.wait(api.submit("universal/imagine", body))
    assert message["status"] == "DONE"
    assert download_image(message["uri"]).size == (1024, 1024)


def test_nano_banana_accepts_a_sandbox_result_as_reference(api):
    """The studio hands the sandbox URLs on its own server: fetching them must work."""
    flux = api.wait(api.submit("flux/imagine", {"prompt": "a teal teapot", "width": 256}))
    body = {"contents": [{"type": "image", "url": flux["uri"]}, {"type": "text", "text": "x"}]}
    message = api.wait(api.submit("universal/imagine", body))
    assert message["status"] == "DONE", message
    assert download_image(message["uri"]).size == (1024, 1024)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "contents is required."),
        ({"contents": []}, "contents must be a non-empty array."),
        ({"contents": "a cat"}, "contents must be a non-empty array."),
        (
            {"contents": [{"type": "image", "url": "http://h/a.png"}]},
            "contents must include at least one text item.",
        ),
        (
            {"contents": [{"type": "text", "text": " "}]},
            "contents[0].text must be a non-empty string.",
        ),
        ({"contents": [{"type": "video"}]}, 'contents[0].type must be "text" or "image".'),
        (
            {"contents": [{"type": "text", "text": "x"}, {"type": "image", "url": "ftp://h/a"}]},
            "contents[1].url must be an http(s) URL.",
        ),
        (
            {"contents": [{"type": "text", "text": "x"}, {"type": "image"}]},
            "contents[1].url is required.",
        ),
        (
            {
                "contents": [{"type": "text", "text": "x"}]
                + [{"type": "image", "url": f"http://h/{i}.png"} for i in range(9)]
            },
            "contents may include at most 8 images.",
        ),
        (
            {"contents": [{"type": "text", "text": "x"}], "model": "flux-1.1-pro"},
            "model must be one of nano-banana, nano-banana-2, "
            "gemini-2.5-flash-image-preview, gemini-3-pro-image-preview.",
        ),
    ],
)
def test_nano_banana_bad_bodies_are_400(api, body, message):
    response = api.post("universal/imagine", body)
    assert response.status_code == 400
    assert response.json() == {"message": message, "error": "Bad Request", "statusCode": 400}
    assert api.info()["credits"] == 1000


def test_nano_banana_unreachable_reference_fails_the_job(api, image_host):
    missing = f"{image_host.url}/gone.png"
    body = {
        "contents": [{"type": "text", "text": "x"}, {"type": "image", "url": missing}],
    }
    message = api.wait(api.submit("universal/imagine", body))
    assert message["status"] == "FAIL"
    assert message["error"] == f"Failed to fetch image: {missing} (the image could not be fetched)"
    assert message["uri"] is None
    assert api.info()["credits"] == 1000  # charged when accepted, refunded once it failed


@pytest.mark.parametrize(
    ("body", "size"),
    [
        ({"prompt": "anime girl with silver hair"}, (1024, 1024)),
        ({"prompt": "anime girl --ar 3:4", "steps": 4}, (768, 1024)),
        ({"prompt": "a wide shot --ar 16:9"}, (1024, 576)),
        ({"prompt": "a tall one --ar 2:3"}, (680, 1024)),
        ({"prompt": "explicit", "width": 512, "height": 768}, (512, 768)),
        ({"prompt": "one side --ar 2:1", "width": 640}, (640, 320)),
    ],
)
def test_lumi_girl_sizes(api, body, size):
    message_id = api.submit("universal/zimage", body)
    assert api.info()["credits"] == 1000 - 6
    message = api.wait(message_id)
    assert message["status"] == "DONE"
    assert message["buttons"] == [] and message["images"] == [message["uri"]]
    image = download_image(message["uri"])
    assert (image.format, image.size) == ("PNG", size)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"steps": 4}, "Prompt is required."),
        ({"prompt": "x", "steps": 8}, "steps must be 4."),
        ({"prompt": "x", "width": 1001}, "width must be a multiple of 8 between 64 and 1024."),
        ({"prompt": "x", "height": 2048}, "height must be a multiple of 8 between 64 and 1024."),
        ({"prompt": "x", "width": "512"}, "width must be a multiple of 8 between 64 and 1024."),
    ],
)
def test_lumi_girl_bad_bodies_are_400(api, body, message):
    response = api.post("universal/zimage", body)
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert api.info()["credits"] == 1000


def test_lumi_girl_banned_word_fails(api):
    message = api.wait(api.submit("universal/zimage", {"prompt": "a forbidden portrait"}))
    assert message["status"] == "FAIL"
    assert message["error"] == 'Banned prompt detected: "forbidden"'
