"""Each ImagineLab generation type's real output, fetched over HTTP like a client would:
PNGs decode in the asked aspect, the MP4 probes as H.264 of the asked duration, the other
video model is an animated WebP, voice and music are WAVs with a duration, text is text."""

from __future__ import annotations

import io
import wave

import pytest
import requests
from PIL import Image

from studio.media.video import probe_video

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(url: str) -> requests.Response:
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, url
    return response


def only_output(final: dict) -> str:
    assert final["status"] == "completed", final
    assert len(final["outputs"]) == 1
    return final["outputs"][0]


@pytest.mark.parametrize(("ratio", "shape"), [("16:9", (768, 432)), ("3:4", (576, 768))])
def test_image_is_a_png_in_the_asked_aspect(lab, ratio, shape):
    record = lab.create("image", "seedream-5.0-lite", "a red fox in snow", aspect_ratio=ratio)
    response = fetch(only_output(lab.wait(record["id"])))
    assert response.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.size == shape


def test_the_same_prompt_in_another_generation_is_another_picture(lab):
    first = lab.create("image", "seedream-5.0-lite", "a red fox in snow")
    second = lab.create("image", "seedream-5.0-lite", "a red fox in snow")
    one = fetch(only_output(lab.wait(first["id"]))).content
    two = fetch(only_output(lab.wait(second["id"]))).content
    assert one != two


def test_video_is_an_h264_mp4_of_the_asked_duration(lab):
    record = lab.create("video", "kinetic-2", "clouds over hills", aspect_ratio="9:16", duration=5)
    url = only_output(lab.wait(record["id"], limit=40))
    response = fetch(url)
    assert url.endswith(".mp4")
    assert response.headers["Content-Type"] == "video/mp4"
    info = probe_video(response.content)
    assert info.codec == "h264"
    assert (info.width, info.height) == (216, 384)
    assert 4.5 <= info.duration <= 5.5


def test_the_loop_model_makes_an_animated_webp(lab):
    record = lab.create("video", "loop-motion-1", "a spinning top", duration=5)
    response = fetch(only_output(lab.wait(record["id"], limit=40)))
    assert response.headers["Content-Type"] == "image/webp"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "WEBP"
    assert image.is_animated and image.n_frames == 30


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as audio:
        assert audio.getnchannels() == 1 and audio.getsampwidth() == 2
        return audio.getnframes() / audio.getframerate()


def test_voice_is_a_wav_whose_length_follows_the_words_and_the_speed(lab):
    short = lab.create("voice", "vocalis-1", "Hello there")
    long = lab.create("voice", "vocalis-1", "Welcome to the studio, where every sound is made here")
    fast = lab.create(
        "voice", "vocalis-1", "Welcome to the studio, where every sound is made here", speed=1.5
    )
    seconds = {}
    for name, record in (("short", short), ("long", long), ("fast", fast)):
        response = fetch(only_output(lab.wait(record["id"])))
        assert response.headers["Content-Type"] == "audio/wav"
        seconds[name] = wav_seconds(response.content)
    assert 0.5 < seconds["short"] < seconds["long"]
    assert seconds["fast"] < seconds["long"]


def test_music_is_a_wav_of_the_asked_duration_and_seekable(lab):
    record = lab.create(
        "music", "harmonia-1", "upbeat synth groove", duration=8, genre="electronic"
    )
    url = only_output(lab.wait(record["id"]))
    data = fetch(url).content
    assert wav_seconds(data) == pytest.approx(8.0, abs=0.01)
    # Browsers' audio players seek with Range requests.
    part = requests.get(url, headers={"Range": "bytes=0-99"}, timeout=10)
    assert part.status_code == 206
    assert part.content == data[:100]


def test_infographic_is_a_png_with_a_chart(lab):
    record = lab.create(
        "infographic", "chartsmith-1", "Coffee consumption by country", theme="dark"
    )
    image = Image.open(io.BytesIO(fetch(only_output(lab.wait(record["id"]))).content))
    assert image.format == "PNG"
    assert image.size == (600, 800)  # the 3:4 default
    assert len(image.convert("RGB").getcolors(maxcolors=100000)) > 10  # more than a blank card


def test_text_is_a_paragraph_about_the_prompt_within_max_words(lab):
    record = lab.create("text", "scribe-1", "Lighthouses along a stormy coast", max_words=30)
    text = only_output(lab.wait(record["id"]))
    assert not text.startswith("http")
    assert len(text.split()) <= 30
    assert "lighthouses" in text.lower()


def test_files_are_not_served_before_completion_and_unknown_names_404(lab, live_server):
    record = lab.create("image", "seedream-5.0-lite", "a quiet pond")
    key = str(record["id"])
    final = lab.wait(int(key))
    url = final["outputs"][0]
    assert requests.get(url.replace("image.png", "other.png"), timeout=10).status_code == 404
    missing = (
        f"{live_server.url}/sandbox/imaginelab/files/00000000-0000-0000-0000-000000000000/image.png"
    )
    assert requests.get(missing, timeout=10).status_code == 404
    pending = lab.create("video", "kinetic-2", "slow clouds")
    from studio.sandbox.imaginelab.models import SandboxLabGeneration

    early = SandboxLabGeneration.objects.get(pk=pending["id"])
    early_url = f"{live_server.url}/sandbox/imaginelab/files/{early.file_key}/video.mp4"
    assert requests.get(early_url, timeout=10).status_code == 404
