"""Midjourney video: generate from two frames, fetch on every path, extend."""

from __future__ import annotations

import pytest
import requests
from PIL import ImageStat

from studio.media.video import last_frame, poster_frame, probe_video

from .conftest import UNREACHABLE, solid

pytestmark = pytest.mark.django_db(transaction=True)

RED, BLUE = (220, 30, 30), (30, 50, 220)


def _mean(image) -> tuple[float, ...]:
    return tuple(ImageStat.Stat(image.convert("RGB")).mean)


def _close(image, colour, tolerance: float = 20) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(_mean(image), colour, strict=True))


def _download(url: str) -> bytes:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "video/mp4"
    return response.content


@pytest.fixture
def frames(image_host):
    return (
        image_host.add("start.png", solid(RED, (320, 180))),
        image_host.add("end.png", solid(BLUE, (320, 180))),
    )


def test_generate_moves_from_the_start_frame_to_the_end_frame(api, frames, sandbox_clock):
    start, end = frames
    message_id = api.submit(
        "video/mj/generate", {"startFrameUrl": start, "endFrameUrl": end, "ref": "clip"}
    )
    assert api.info()["credits"] == 1000 - 10
    running = api.fetch(message_id)
    assert running["status"] == "QUEUED"  # the sandbox's clock is held
    assert running["videoUrl"] is None and running["results"] == []
    assert running["buttons"] == []

    sandbox_clock.advance(60)  # past the end of a video at any scale the tests use
    message = api.fetch(message_id)
    assert message["status"] == "DONE", message
    assert message["prompt"] == "smooth motion transition"  # the ImaginePro docs' default
    assert message["ref"] == "clip"
    assert message["uri"].endswith(".mp4")
    assert message["videoUrl"] == message["uri"]
    assert message["results"] == [{"url": message["uri"], "index": 0}]
    assert message["images"] == [] and message["buttons"] == []
    assert message["originalUrl"] is None

    data = _download(message["videoUrl"])
    info = probe_video(data)
    assert (info.width, info.height) == (480, 270)  # the start frame's shape, longest 480
    assert info.content_type == "video/mp4" and info.codec == "h264"
    assert 2.0 <= info.duration <= 3.0
    assert _close(poster_frame(data), RED)
    assert _close(last_frame(data), BLUE)
    assert len(data) < 200_000

    # Every progress path answers the same Message (https://platform.imaginepro.ai/ai-agent-skill: the MJ path serves videos too).
    # The v1 path writes its times as the agent-skill page does (whole seconds, +00:00).
    times = ("createdAt", "updatedAt")
    for path in ("video/mj/fetch", "midjourney/message"):
        response = api.get(f"{path}/{message_id}")
        assert response.status_code == 200
        answer = response.json()
        assert {k: v for k, v in answer.items() if k not in times} == {
            k: v for k, v in message.items() if k not in times
        }
        assert answer["createdAt"][:19] == message["createdAt"][:19]


def test_extend_continues_from_the_last_frame(api, frames):
    start, end = frames
    parent_id = api.submit(
        "video/mj/generate", {"startFrameUrl": start, "endFrameUrl": end, "prompt": "a wave"}
    )
    assert api.post("video/mj/extend", {"messageId": parent_id, "index": 0}).status_code == 400
    parent = api.wait(parent_id)
    parent_last = last_frame(_download(parent["videoUrl"]))

    child_id = api.submit(
        "video/mj/extend", {"messageId": parent_id, "index": 0, "animateMode": "auto"}
    )
    assert api.info()["credits"] == 1000 - 20
    child = api.wait(child_id)
    assert child["status"] == "DONE", child
    assert child["originatingMessageId"] == parent_id
    assert child["prompt"] == "a wave"
    assert child["results"] == [{"url": child["videoUrl"], "index": 0}]
    assert child["videoUrl"] != parent["videoUrl"]
    data = _download(child["videoUrl"])
    info = probe_video(data)
    assert (info.width, info.height) == (480, 270)
    assert 1.5 <= info.duration <= 2.5
    first = poster_frame(data)
    assert _close(first, _mean(parent_last), tolerance=8)
    assert not _close(last_frame(data), _mean(parent_last), tolerance=8)  # it moves on


def test_extend_refuses_other_messages(api, make_api, frames):
    start, end = frames
    video_id = api.submit("video/mj/generate", {"startFrameUrl": start, "endFrameUrl": end})
    image_id = api.submit("flux/imagine", {"prompt": "x", "width": 256, "height": 256})
    api.wait(video_id)
    api.wait(image_id)
    credits = api.info()["credits"]

    def extend(body, client=api):
        return client.post("video/mj/extend", body)

    response = extend({"messageId": image_id, "index": 0})
    assert (response.status_code, response.json()["message"]) == (
        400,
        "Message is not a video.",
    )
    response = extend({"messageId": video_id, "index": 1})
    assert (response.status_code, response.json()["message"]) == (
        400,
        "index must be one of the video's results: 0.",
    )
    response = extend({"messageId": video_id, "index": "0"})
    assert response.json()["message"] == "index must be a non-negative integer."
    assert extend({"index": 0}).json()["message"] == "messageId is required."
    assert extend({"messageId": video_id, "index": 0}, make_api()).status_code == 404
    assert extend({"messageId": video_id}).status_code == 200  # index defaults to 0
    assert api.info()["credits"] == credits - 10


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"endFrameUrl": "http://h/b.png"}, "startFrameUrl is required."),
        ({"startFrameUrl": "http://h/a.png"}, "endFrameUrl is required."),
        (
            {"startFrameUrl": "data:image/png;base64,AAAA", "endFrameUrl": "http://h/b.png"},
            "startFrameUrl must be an http(s) URL.",
        ),
        (
            {"startFrameUrl": "http://h/a.png", "endFrameUrl": "http://h/b.png", "prompt": 5},
            "prompt must be a string.",
        ),
    ],
)
def test_generate_bad_bodies_are_400(api, body, message):
    response = api.post("video/mj/generate", body)
    assert response.status_code == 400
    assert response.json() == {"message": message, "error": "Bad Request", "statusCode": 400}
    assert api.info()["credits"] == 1000


def test_unreachable_frame_fails_the_video(api, frames):
    start, _ = frames
    message = api.wait(
        api.submit("video/mj/generate", {"startFrameUrl": start, "endFrameUrl": UNREACHABLE})
    )
    assert message["status"] == "FAIL"
    assert message["error"].startswith(f"Failed to fetch image: {UNREACHABLE} (")
    assert message["videoUrl"] is None and message["results"] == []


def test_insufficient_credits_for_a_video(make_api, frames, image_host):
    api = make_api(credits=9)
    start, end = frames
    response = api.post("video/mj/generate", {"startFrameUrl": start, "endFrameUrl": end})
    assert response.status_code == 401
    assert response.json()["message"] == "Insufficient credits"
    assert image_host.hits == []  # refused before fetching anything
