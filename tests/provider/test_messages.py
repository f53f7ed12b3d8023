"""Lenient parsing, checked on the providers' own example JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from studio.provider.messages import (
    DONE,
    FAIL,
    PROCESSING,
    QUEUED,
    parse_message,
    parse_progress,
    parse_status,
    parse_submit,
)

# https://docs.imaginepro.ai/api-215981214 ("Get Progress"), example response, as published.
SEED_004_DONE = """{
    "messageId": "your-button-message-id",
    "prompt": "A little cat running on the grass",
    "originalUrl": "https://cdn.discordapp.com/attachments/123/123/123.png",
    "uri": "https://cdn.imaginepro.ai/storage/123/123/123.png",
    "progress": 100,
    "status": "DONE",
    "createdAt": "2023-08-01T14:03:01.817Z",
    "updatedAt": "2023-08-01T14:03:01.817Z",
    "buttons": ["U1","U2","U3","U4","🔄","V1","V2","V3","V4","Zoom Out 2x","Zoom Out 1.5x","Vary (Strong)","Vary (Subtle)"],
    "images": [
        "https://cdn.imaginepro.ai/storage/123/123/123-1.png",
        "https://cdn.imaginepro.ai/storage/123/123/123-2.png",
        "https://cdn.imaginepro.ai/storage/123/123/123-3.png",
        "https://cdn.imaginepro.ai/storage/123/123/123-4.png"
    ],
    "originatingMessageId": "your-message-id",
    "ref": ""
}"""

# https://platform.imaginepro.ai/ai-agent-skill (agent-skill page): status answers in progress, completed and failed.
SEED_000_PROCESSING = """{
  "prompt": "a simple red circle on white background",
  "status": "PROCESSING",
  "progress": 0,
  "messageId": "2346e0bc-c3c3-48ea-adec-3a21609fd288",
  "createdAt": "2026-02-22T07:43:37+00:00",
  "updatedAt": "2026-02-22T07:43:37+00:00"
}"""
SEED_000_DONE = """{
  "prompt": "a simple red circle on white background",
  "status": "DONE",
  "images": ["https://cdn-new.imaginepro.ai/storage/v1/object/public/cdn/2346e0bc-c3c3-48ea-adec-3a21609fd288.png"],
  "uri": "https://cdn-new.imaginepro.ai/storage/v1/object/public/cdn/2346e0bc-c3c3-48ea-adec-3a21609fd288.png",
  "progress": 100,
  "messageId": "2346e0bc-c3c3-48ea-adec-3a21609fd288",
  "createdAt": "2026-02-22T07:43:37+00:00",
  "updatedAt": "2026-02-22T07:43:49+00:00"
}"""
SEED_000_FAIL = """{"status": "FAIL", "error": "Description of what went wrong"}"""
SEED_000_SUBMIT = """{
  "success": true,
  "messageId": "uuid-of-the-generation-task",
  "createdAt": "2026-01-15T12:00:00+00:00"
}"""


def test_seed_004_grid_message():
    message = parse_message(json.loads(SEED_004_DONE))
    assert message.status == DONE and message.is_final
    assert message.progress == 100
    assert len(message.images) == 4 and message.output_urls == message.images
    # the grid (uri) is a separate file from the four tiles
    assert message.grid_url == "https://cdn.imaginepro.ai/storage/123/123/123.png"
    assert message.buttons[4] == "🔄" and "Vary (Subtle)" in message.buttons
    assert message.parent_message_id == "your-message-id"
    assert message.created_at == datetime(2023, 8, 1, 14, 3, 1, 817000, tzinfo=UTC)


def test_seed_000_progress_done_and_fail():
    running = parse_message(json.loads(SEED_000_PROCESSING))
    assert running.status == PROCESSING and not running.is_final and running.progress == 0
    assert running.created_at == datetime(2026, 2, 22, 7, 43, 37, tzinfo=UTC)

    done = parse_message(json.loads(SEED_000_DONE))
    # one image: `images` and `uri` are the same file, so there is no separate grid
    assert done.output_urls == [done.uri] and done.grid_url == ""

    failed = parse_message(json.loads(SEED_000_FAIL))
    assert failed.status == FAIL and failed.error == "Description of what went wrong"


def test_seed_000_submit_answer():
    result = parse_submit(json.loads(SEED_000_SUBMIT))
    assert result.message_id == "uuid-of-the-generation-task"
    assert result.created_at == datetime(2026, 1, 15, 12, tzinfo=UTC)


def test_submit_without_message_id_is_an_error():
    with pytest.raises(ValueError, match="Prompt is required"):
        parse_submit({"message": "Prompt is required.", "statusCode": 400})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("QUEUED", QUEUED),
        ("SUBMITTED", QUEUED),  # the ImaginePro docs' word for it
        ("processing", PROCESSING),
        ("DONE", DONE),
        ("FAILED", FAIL),
        ("SOMETHING_NEW", PROCESSING),  # unknown: still running, never guessed final
        (None, PROCESSING),
    ],
)
def test_status_aliases(value, expected):
    assert parse_status(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(45, 45), ("45", 45), ("45%", 45), ("12.7", 12), (None, 0), ("x", 0), (140, 100)],
)
def test_progress_as_string_or_number(value, expected):
    assert parse_progress(value) == expected


def test_both_parent_spellings_and_done_progress_forced():
    message = parse_message(
        {"messageId": "m", "status": "DONE", "progress": "88", "originalMessageId": "p", "uri": "u"}
    )
    assert message.parent_message_id == "p"
    assert message.progress == 100


def test_fail_without_error_text_still_explains():
    message = parse_message({"messageId": "m", "status": "FAIL"})
    assert message.error


def test_not_an_object_is_rejected():
    with pytest.raises(ValueError):
        parse_message(["DONE"])
