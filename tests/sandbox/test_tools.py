"""Flux upscale, background removal, prompt extension and prompt check."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from studio.sandbox.models import SandboxJob

from .conftest import (
    UNREACHABLE,
    SandboxClient,
    download_image,
    png_bytes,
    solid,
    subject_on_background,
)

pytestmark = pytest.mark.django_db(transaction=True)


def bad_request(message: str) -> dict:
    return {"message": message, "error": "Bad Request", "statusCode": 400}


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_flux_upscale_is_a_true_resize(api, image_host, scale):
    source = subject_on_background((75, 50))
    url = image_host.add("small.png", source)
    message_id = api.submit("flux/upscale", {"image": url, "scale": scale, "ref": "up"})
    assert api.info()["credits"] == 1000 - 2
    message = api.wait(message_id)
    assert message["status"] == "DONE", message
    assert message["ref"] == "up"
    assert message["buttons"] == [] and message["originalUrl"] is None
    assert message["images"] == [message["uri"]]
    image = download_image(message["uri"])
    assert image.size == (75 * scale, 50 * scale)
    expected = source.resize((75 * scale, 50 * scale), Image.Resampling.LANCZOS)
    assert image.convert("RGB").tobytes() == expected.tobytes()


def test_flux_upscale_refuses_results_over_16_megapixels(api, image_host):
    url = image_host.add("big.png", solid((10, 120, 10), (1100, 1100)))
    message = api.wait(api.submit("flux/upscale", {"image": url, "scale": 4}))
    assert message["status"] == "FAIL"
    assert message["error"] == (
        "Upscaled image would be 4400×4400 px (19.4 Mpx); the limit is 16.8 Mpx."
    )
    assert message["uri"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"scale": 2}, "image is required."),
        ({"image": "not a url", "scale": 2}, "image must be an http(s) URL."),
        ({"image": "file:///etc/passwd", "scale": 2}, "image must be an http(s) URL."),
        ({"image": "http://h/a.png"}, "scale must be an integer between 2 and 4."),
        ({"image": "http://h/a.png", "scale": 1}, "scale must be an integer between 2 and 4."),
        ({"image": "http://h/a.png", "scale": 5}, "scale must be an integer between 2 and 4."),
        ({"image": "http://h/a.png", "scale": "2"}, "scale must be an integer between 2 and 4."),
        ({"image": "http://h/a.png", "scale": 2.5}, "scale must be an integer between 2 and 4."),
        (
            {"image": "http://h/a.png", "scale": 2, "timeout": 1},
            "timeout must be an integer between 10 and 900.",
        ),
    ],
)
def test_flux_upscale_bad_bodies_are_400(api, body, message):
    response = api.post("flux/upscale", body)
    assert response.status_code == 400
    assert response.json() == bad_request(message)
    assert api.info()["credits"] == 1000


def test_fetch_failures_fail_the_job_with_one_reason(api, image_host):
    """A 404, a closed port, text, too many pixels and too many bytes: the job FAILs with the
    same reason for each (studio.sandbox.render.inputs.FETCH_FAILED: the outcome must not
    tell what is behind an address)."""
    not_image = image_host.add("notes.png", b"hello, I am text", "text/plain")
    huge = image_host.add("huge.png", solid((0, 0, 0), (4100, 4100)))
    heavy = image_host.add("heavy.png", b"\0" * (10 * 1024 * 1024 + 1))
    cases = [f"{image_host.url}/missing.png", UNREACHABLE, not_image, huge, heavy]
    submitted = {url: api.submit("flux/upscale", {"image": url, "scale": 2}) for url in cases}
    for url in cases:
        message = api.wait(submitted[url])
        assert message["status"] == "FAIL"
        assert message["error"] == f"Failed to fetch image: {url} (the image could not be fetched)"
        assert message["progress"] == 0
    # Each was charged when accepted and is refunded once failed (refunds.py).
    assert api.info()["credits"] == 1000
    assert SandboxJob.objects.filter(pk__in=submitted.values(), cost=2, refunded=True).count() == 5


def test_remove_bg_makes_the_background_transparent(api, image_host):
    url = image_host.add("subject.png", subject_on_background((240, 180)))
    message_id = api.submit("tools/remove-bg", {"image": url})
    assert api.info()["credits"] == 1000 - 5
    message = api.wait(message_id)
    assert message["status"] == "DONE", message
    assert message["buttons"] == [] and message["images"] == [message["uri"]]
    image = download_image(message["uri"])
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (240, 180))
    alpha = image.getchannel("A")
    width, height = image.size
    border = [(x, 0) for x in range(width)] + [(x, height - 1) for x in range(width)]
    border += [(0, y) for y in range(height)] + [(width - 1, y) for y in range(height)]
    assert all(alpha.getpixel(point) == 0 for point in border)
    assert alpha.getpixel((120, 90)) == 255  # the subject stays
    assert image.getpixel((120, 90))[:3] == (200, 30, 30)
    assert alpha.getpixel((10, 10)) == 0  # background inside the frame too
    # A soft edge: some pixels are neither opaque nor transparent.
    assert any(0 < value < 255 for value in alpha.get_flattened_data())


def test_remove_bg_bad_body_and_jpeg_input(api, image_host):
    response = api.post("tools/remove-bg", {"url": "http://h/a.png"})
    assert response.status_code == 400
    assert response.json() == bad_request("image is required.")
    # JPEG noise around a plain background is still removed.
    buffer = io.BytesIO()
    subject_on_background((160, 120), (30, 90, 200), (250, 220, 40)).save(buffer, "JPEG")
    url = image_host.add("photo.jpg", buffer.getvalue(), "image/jpeg")
    image = download_image(api.wait(api.submit("tools/remove-bg", {"image": url}))["uri"])
    assert image.getchannel("A").getpixel((0, 0)) == 0
    assert image.getchannel("A").getpixel((80, 60)) == 255


def test_prompt_extend_is_free_deterministic_and_longer(api):
    first = api.post("tools/prompt-extend", {"prompt": "a sunset"})
    assert first.status_code == 200
    extended = first.json()["prompt"]
    assert set(first.json()) == {"prompt"}
    assert extended.startswith("a sunset, ") and len(extended) > 60
    assert api.post("tools/prompt-extend", {"prompt": "a sunset"}).json()["prompt"] == extended
    other = api.post("tools/prompt-extend", {"prompt": "a cat --ar 16:9"}).json()["prompt"]
    assert other.startswith("a cat, ") and other.endswith(" --ar 16:9")
    again = api.post("tools/prompt-extend", {"prompt": extended}).json()["prompt"]
    assert again != extended
    assert api.info()["credits"] == 1000
    response = api.post("tools/prompt-extend", {})
    assert response.status_code == 400
    assert response.json() == bad_request("Prompt is required.")


def test_prompt_check_uses_the_imagine_rules(api):
    def check(prompt: str) -> dict:
        response = api.post("nova/prompt-check", {"prompt": prompt})
        assert response.status_code == 200
        return response.json()

    assert check("a quiet harbour --ar 16:9") == {"status": "SUCCESS"}
    assert check("a BANNED harbour") == {
        "status": "FAIL",
        "message": 'Banned prompt detected: "banned"',
    }
    assert check("a harbour --ar 9:1") == {
        "status": "FAIL",
        "message": "Invalid parameter: --ar 9:1",
    }
    assert check("a harbour --v 9")["status"] == "FAIL"
    response = api.post("nova/prompt-check", {"prompt": ""})
    assert response.status_code == 400
    assert response.json() == bad_request("Prompt is required.")
    assert api.info()["credits"] == 1000


def test_tools_need_a_key(api_base):
    anonymous = SandboxClient(api_base, None)
    for path in ("tools/prompt-extend", "nova/prompt-check", "flux/upscale", "tools/remove-bg"):
        assert anonymous.post(path, {"prompt": "x"}).status_code == 401
    assert anonymous.get("nova/images").status_code == 401


def test_upscale_input_may_be_png_bytes_with_alpha(api, image_host):
    image = Image.new("RGBA", (40, 30), (0, 0, 255, 128))
    url = image_host.add("alpha.png", png_bytes(image))
    result = download_image(api.wait(api.submit("flux/upscale", {"image": url, "scale": 2}))["uri"])
    assert (result.mode, result.size) == ("RGBA", (80, 60))
    assert result.getpixel((40, 30)) == (0, 0, 255, 128)


def test_a_tool_job_in_history_is_named_by_what_it_did(api, image_host):
    """The History page calls `prompt` and `button` required: a tool job, which has no typed
    prompt or pressed button, is listed as what it did, with its type as the button."""
    url = image_host.add("subject.png", subject_on_background((120, 90)))
    message_id = api.submit("tools/remove-bg", {"image": url})
    assert api.wait(message_id)["status"] == "DONE"
    [item] = api.get("nova/images").json()["images"]
    assert (item["id"], item["type"]) == (message_id, "remove-bg")
    assert (item["prompt"], item["button"]) == ("Remove background", "remove-bg")
