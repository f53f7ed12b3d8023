"""Cancel Job, boost endpoints, legacy (v5) upscalers, and the 24-hour history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from studio.sandbox.models import SandboxJob

from .conftest import download_image, solid

pytestmark = pytest.mark.django_db(transaction=True)

NOT_AVAILABLE = 'Button "Cancel Job" is not available for this message.'


def cancel(api, message_id: str, path: str = "nova/button"):
    return api.post(path, {"messageId": message_id, "button": "Cancel Job"})


@pytest.mark.parametrize("path", ["nova/button", "midjourney/button", "nova/boost/button"])
def test_cancel_job_fails_a_running_imagine(api, path, sandbox_clock):
    target_id = api.submit("nova/imagine", {"prompt": "a slow harbour"})
    assert api.fetch(target_id)["buttons"] == ["Cancel Job"]
    response = cancel(api, target_id, path)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"success", "messageId", "createdAt"}
    answer_id = response.json()["messageId"]

    target = api.fetch(target_id)
    assert target["status"] == "FAIL"
    assert target["error"] == "Job cancelled"
    assert target["buttons"] == [] and target["uri"] is None
    answer = api.fetch(answer_id)  # DONE at once, nothing to show
    assert answer["status"] == "DONE" and answer["progress"] == 100
    assert answer["originatingMessageId"] == target_id
    assert answer["uri"] is None and answer["images"] == [] and answer["buttons"] == []
    assert api.info()["credits"] == 1000  # the press is free, the cancelled job refunded

    again = cancel(api, target_id)
    assert again.status_code == 400
    assert again.json()["message"] == NOT_AVAILABLE


def test_cancel_a_running_button_job_and_not_a_finished_one(api, sandbox_clock):
    grid_id = api.submit("nova/imagine", {"prompt": "a lamp"})
    sandbox_clock.advance(60)  # at any scale a grid is DONE by now
    api.wait(grid_id)
    assert cancel(api, grid_id).json()["message"] == NOT_AVAILABLE
    variation_id = api.submit("nova/button", {"messageId": grid_id, "button": "V1"})
    assert api.fetch(variation_id)["buttons"] == ["Cancel Job"]
    assert cancel(api, variation_id).status_code == 200
    assert api.fetch(variation_id)["error"] == "Job cancelled"
    assert api.info()["credits"] == 1000 - 10  # the cancelled V1 refunded, the grid not


def test_only_midjourney_jobs_can_be_cancelled(api, sandbox_clock):
    flux_id = api.submit("flux/imagine", {"prompt": "a lamp"})
    running = api.fetch(flux_id)  # the clock is held: still running, however slow the machine
    assert running["status"] != "DONE" and running["buttons"] == []
    response = cancel(api, flux_id)
    assert response.status_code == 400
    assert response.json()["message"] == NOT_AVAILABLE
    sandbox_clock.advance(60)
    assert api.wait(flux_id)["status"] == "DONE"


def test_boost_runs_the_same_job_faster(api):
    normal_id = api.submit("nova/imagine", {"prompt": "a boat"})
    boost_id = api.submit("nova/boost/imagine", {"prompt": "a boat", "disableCdn": True})
    assert api.info()["credits"] == 1000 - 20
    normal, boosted = (SandboxJob.objects.get(pk=i) for i in (normal_id, boost_id))
    assert boosted.endpoint == "nova/boost/imagine"
    assert boosted.ends_at - boosted.created_at == (normal.ends_at - normal.created_at) / 2
    message = api.wait(boost_id)
    assert message["status"] == "DONE" and len(message["images"]) == 4
    upscale_id = api.submit("nova/boost/button", {"messageId": boost_id, "button": "U3"})
    upscaled = api.wait(upscale_id)
    assert upscaled["status"] == "DONE" and upscaled["originatingMessageId"] == boost_id
    assert SandboxJob.objects.get(pk=upscale_id).endpoint == "nova/boost/button"
    response = api.post("nova/boost/imagine", {"prompt": " "})
    assert (response.status_code, response.json()["message"]) == (400, "Prompt is required.")


def test_legacy_versions_offer_2x_and_4x_upscalers(api):
    grid_id = api.submit("nova/imagine", {"prompt": "a long train --ar 4:1 --v 5.2"})
    api.wait(grid_id)
    upscaled_id = api.submit("nova/button", {"messageId": grid_id, "button": "U1"})
    upscaled = api.wait(upscaled_id)
    assert upscaled["buttons"][:3] == ["Upscale (2x)", "Upscale (4x)", "Vary (Subtle)"]
    assert "Upscale (Subtle)" not in upscaled["buttons"]
    assert upscaled["buttons"][-1] == "Make Square"
    source = download_image(upscaled["uri"]).convert("RGB")
    assert source.size == (1024, 256)
    response = api.post("nova/button", {"messageId": upscaled_id, "button": "Upscale (Subtle)"})
    assert response.status_code == 400

    for button, factor in (("Upscale (2x)", 2), ("Upscale (4x)", 4)):
        message = api.wait(api.submit("nova/button", {"messageId": upscaled_id, "button": button}))
        assert message["status"] == "DONE", button
        size = (1024 * factor, 256 * factor)
        image = download_image(message["uri"]).convert("RGB")
        assert image.size == size
        assert image.tobytes() == source.resize(size, Image.Resampling.LANCZOS).tobytes()
        assert not any(b.startswith("Upscale") for b in message["buttons"])  # bounded


def test_version_6_keeps_the_v6_upscalers_and_bad_versions_fail(api):
    grid_id = api.submit("nova/imagine", {"prompt": "a train --v 6"})
    bad_id = api.submit("nova/imagine", {"prompt": "a train --v 9"})
    api.wait(grid_id)
    upscaled = api.wait(api.submit("nova/button", {"messageId": grid_id, "button": "U1"}))
    assert upscaled["buttons"][:2] == ["Upscale (Subtle)", "Upscale (Creative)"]
    failed = api.wait(bad_id)
    assert (failed["status"], failed["error"]) == ("FAIL", "Invalid parameter: --v 9")


def test_history_lists_finished_images_newest_first(api, make_api):
    old_id = api.submit("flux/imagine", {"prompt": "old", "width": 256, "height": 256})
    flux_id = api.submit("flux/imagine", {"prompt": "a cup", "width": 256, "height": 256})
    failed_id = api.submit("flux/imagine", {"prompt": "banned cup"})
    grid_id = api.submit("nova/imagine", {"prompt": "a saucer"})
    for message_id in (old_id, flux_id, failed_id, grid_id):
        api.wait(message_id)
    u1_id = api.submit("nova/button", {"messageId": grid_id, "button": "U1"})
    running_id = api.submit("nova/imagine", {"prompt": "still running"})
    api.wait(u1_id)
    # Keep "still running" running for the rest of the test, however slow the machine.
    SandboxJob.objects.filter(pk=running_id).update(ends_at=timezone.now() + timedelta(hours=1))
    SandboxJob.objects.filter(pk=old_id).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    make_api(label="other").submit("flux/imagine", {"prompt": "someone else's"})

    response = api.get("nova/images")
    assert response.status_code == 200
    images = response.json()["images"]
    assert [item["id"] for item in images] == [u1_id, grid_id, flux_id]
    assert running_id not in {item["id"] for item in images}
    u1, grid, flux = images
    assert (u1["type"], u1["button"], u1["prompt"]) == ("button", "U1", "a saucer")
    assert (grid["type"], grid["button"]) == ("imagine", "")
    assert (flux["type"], flux["prompt"]) == ("flux", "a cup")
    assert grid["uri"] == api.fetch(grid_id)["uri"]
    assert grid["createdAt"] == api.fetch(grid_id)["createdAt"]
    assert download_image(u1["uri"]).size == (1024, 1024)

    page_two = api.get("nova/images?page=2&size=1").json()["images"]
    assert [item["id"] for item in page_two] == [grid_id]
    assert api.get("nova/images?page=4&size=1").json() == {"images": []}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "page must be a positive integer."),
        ("page=abc", "page must be a positive integer."),
        ("size=0", "size must be an integer between 1 and 100."),
        ("size=101", "size must be an integer between 1 and 100."),
        ("size=-5", "size must be an integer between 1 and 100."),
    ],
)
def test_history_query_is_validated(api, query, message):
    response = api.get(f"nova/images?{query}")
    assert response.status_code == 400
    assert response.json() == {"message": message, "error": "Bad Request", "statusCode": 400}


def test_history_lists_other_kinds_with_their_type(api, image_host):
    url = image_host.add("p.png", solid((9, 9, 9), (40, 40)))
    upscale_id = api.submit("flux/upscale", {"image": url, "scale": 2})
    zimage_id = api.submit("universal/zimage", {"prompt": "a girl", "width": 64, "height": 64})
    api.wait(upscale_id)
    api.wait(zimage_id)
    types = {item["id"]: item["type"] for item in api.get("nova/images").json()["images"]}
    assert types == {upscale_id: "upscale", zimage_id: "zimage"}
