"""The client's newer routes against the sandbox over real HTTP: video (with its own
progress route), the synchronous tools, history, and the generic submit."""

from __future__ import annotations

import time

import pytest

from studio.provider.errors import ProviderError
from studio.provider.imaginepro.client import ImagineProClient
from studio.provider.messages import DONE, parse_message
from studio.sandbox.imaginepro.services import sandbox_account_create
from tests.provider.test_client import wait_done

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(sandbox_url) -> ImagineProClient:
    return ImagineProClient(base_url=sandbox_url, api_key=sandbox_account_create(label="tools"))


@pytest.fixture
def image_url(client) -> str:
    """A result file of the sandbox's CDN: a URL the sandbox can fetch."""
    message = wait_done(client, client.flux_imagine(prompt="a pear", n=1).message_id)
    return message.output_urls[0]


def test_video_is_polled_on_its_own_route_and_extends(client, image_url):
    submitted = client.video_generate(start_frame_url=image_url, end_frame_url=image_url)
    deadline = time.monotonic() + 20
    message = client.fetch_message(submitted.message_id, video=True)
    while not message.is_final and time.monotonic() < deadline:
        time.sleep(0.1)
        message = client.fetch_message(submitted.message_id, video=True)
    assert message.status == DONE, message.error
    [(index, url)] = message.video_urls
    assert index == 0 and url.endswith(".mp4")
    assert message.output_urls == []  # the mp4 is not mistaken for an image
    # The general message route serves videos too (https://platform.imaginepro.ai/ai-agent-skill).
    assert client.fetch_message(submitted.message_id).video_urls == [(0, url)]
    extended = client.video_extend(message_id=submitted.message_id, index=0)
    assert extended.message_id != submitted.message_id


def test_prompt_extend_and_check(client, settings):
    longer = client.prompt_extend("a sunset")
    assert longer != "a sunset" and "sunset" in longer
    assert client.prompt_check("a quiet harbour").ok
    settings.SANDBOX_BANNED_WORDS = ["gore"]
    refused = client.prompt_check("a gore scene")
    assert not refused.ok and "gore" in refused.message


def test_history_lists_recent_jobs(client, image_url):
    items = client.images(page=1, size=10)
    assert items and items[0]["uri"]


def test_submit_refuses_a_route_that_starts_no_job(client):
    with pytest.raises(ValueError):
        client.submit("account_info", {})


def test_bad_body_is_a_400_with_the_providers_words(client):
    with pytest.raises(ProviderError) as caught:
        client.flux_upscale(image="https://example.com/x.png", scale=9)
    assert caught.value.status == 400 and "scale" in caught.value.message.lower()


def test_results_parse_in_index_order_and_fall_back_to_video_url():
    message = parse_message(
        {
            "messageId": "m",
            "status": "DONE",
            "uri": "https://cdn/x/video-0.mp4",
            "results": [
                {"url": "https://cdn/b.mp4", "index": 1},
                {"url": "https://cdn/a.mp4", "index": "0"},
                {"index": 2},
            ],
        }
    )
    assert message.video_urls == [(0, "https://cdn/a.mp4"), (1, "https://cdn/b.mp4")]
    assert message.output_urls == []
    single = parse_message({"messageId": "m", "status": "DONE", "videoUrl": "https://v/1.mp4"})
    assert single.video_urls == [(0, "https://v/1.mp4")]
