"""QUEUED → PROCESSING → DONE | FAIL, over HTTP and in the pure timeline functions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from studio.sandbox.imaginepro.lifecycle import (
    DURATIONS,
    PROGRESS_STEPS,
    job_state,
    plan_timeline,
)
from studio.sandbox.models import SandboxJob

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _job(timeline) -> SimpleNamespace:
    return SimpleNamespace(created_at=T0, **timeline.__dict__)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("submit_path", "fetch_path", "queued_status", "time_form"),
    [
        # The docs' pages: QUEUED, times like 2023-08-01T14:03:01.817Z.
        ("nova/imagine", "message/fetch", "QUEUED", r"T\d\d:\d\d:\d\d\.\d{3}Z"),
        # The agent-skill page's v1 paths: SUBMITTED, times like 2026-01-15T12:00:00+00:00.
        ("midjourney/imagine", "midjourney/message", "SUBMITTED", r"T\d\d:\d\d:\d\d\+00:00"),
    ],
)
def test_imagine_goes_queued_processing_done(
    api, settings, sandbox_clock, submit_path, fetch_path, queued_status, time_form
):
    """The sandbox's clock is stepped through the job's timeline: queued, then PROCESSING
    through each of Midjourney's progress steps, then DONE, each written as its path's page
    writes it."""
    settings.SANDBOX_TIME_SCALE = 1.0  # realistic durations: the clock is stepped, not waited
    queued, processing = DURATIONS["grid"]
    t0 = sandbox_clock()
    response = api.post(submit_path, {"prompt": "a quiet harbour at dusk", "ref": "job-7"})
    assert response.status_code == 200
    submitted = response.json()
    assert submitted["success"] is True
    assert set(submitted) == {"success", "messageId", "createdAt"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d" + time_form, submitted["createdAt"])
    message_id = submitted["messageId"]

    def fetch_at(seconds: float) -> dict:
        sandbox_clock.advance_to(t0 + timedelta(seconds=seconds))
        response = api.get(f"{fetch_path}/{message_id}")
        assert response.status_code == 200
        return response.json()

    seen = [fetch_at(0), fetch_at(queued / 2)]
    seen += [
        fetch_at(queued + (step + 0.5) * processing / len(PROGRESS_STEPS))
        for step in range(len(PROGRESS_STEPS))
    ]
    for running in seen:
        # A running Midjourney job offers only Cancel Job (docs/provider-contract.md §4).
        assert running["buttons"] == ["Cancel Job"] and running["uri"] is None
    assert [(m["status"], m["progress"]) for m in seen] == [
        (queued_status, 0),
        (queued_status, 0),
        *[("PROCESSING", max(1, step)) for step in PROGRESS_STEPS],
    ]

    message = fetch_at(queued + processing)
    assert (message["status"], message["progress"]) == ("DONE", 100)
    assert message["messageId"] == message_id
    assert message["prompt"] == "a quiet harbour at dusk"
    assert message["ref"] == "job-7"
    assert message["error"] is None
    assert message["createdAt"] == submitted["createdAt"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d" + time_form, message["updatedAt"])
    assert message["updatedAt"] > message["createdAt"]
    assert message["buttons"] == [
        *["U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"],
        *["Zoom Out 2x", "Zoom Out 1.5x", "Vary (Strong)", "Vary (Subtle)"],
    ]
    assert "originatingMessageId" not in message
    # The other path family reads the same message, its times written its own way.
    other = "midjourney/message" if fetch_path == "message/fetch" else "message/fetch"
    times = ("createdAt", "updatedAt")
    answer = api.get(f"{other}/{message_id}").json()
    assert {k: v for k, v in answer.items() if k not in times} == {
        k: v for k, v in message.items() if k not in times
    }
    assert answer["createdAt"][:19] == message["createdAt"][:19]


@pytest.mark.django_db(transaction=True)
def test_banned_word_is_accepted_charged_then_fails(api, sandbox_clock):
    message_id = api.submit("nova/imagine", {"prompt": "a Forbidden temple"})
    assert api.info()["credits"] == 990
    assert api.fetch(message_id)["status"] == "QUEUED"
    sandbox_clock.advance(60)  # past the moment it would start processing
    message = api.fetch(message_id)
    assert message["status"] == "FAIL"
    assert message["error"] == 'Banned prompt detected: "forbidden"'
    assert message["progress"] == 0
    assert message["buttons"] == [] and message["images"] == [] and message["uri"] is None


@pytest.mark.django_db(transaction=True)
def test_bad_aspect_ratio_fails_like_midjourney(api):
    message = api.wait(api.submit("nova/imagine", {"prompt": "a cat --ar 9:1"}))
    assert message["status"] == "FAIL"
    assert message["error"] == "Invalid parameter: --ar 9:1"


@pytest.mark.django_db(transaction=True)
def test_messages_older_than_24_hours_are_gone(api):
    message_id = api.submit("nova/imagine", {"prompt": "yesterday's news"})
    SandboxJob.objects.filter(pk=message_id).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    response = api.get(f"message/fetch/{message_id}")
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_request_body_and_endpoint_are_recorded(api):
    body = {"prompt": "a kite --relax", "ref": "r1", "timeout": 300, "disableCdn": True}
    message_id = api.submit("midjourney/imagine", body)
    job = SandboxJob.objects.get(pk=message_id)
    assert job.request_body == body
    assert job.endpoint == "midjourney/imagine"
    assert job.timeout == 300


def test_timeline_uses_the_scaled_durations(settings):
    settings.SANDBOX_TIME_SCALE = 1.0
    queued, processing = DURATIONS["grid"]
    timeline = plan_timeline(pace="grid", created_at=T0, timeout=900)
    assert timeline.processing_at == T0 + timedelta(seconds=queued)
    assert timeline.ends_at == T0 + timedelta(seconds=queued + processing)
    assert timeline.outcome == "DONE"
    job = _job(timeline)
    assert job_state(job, T0).status == "QUEUED"
    middle = job_state(job, T0 + timedelta(seconds=queued + processing / 2))
    assert middle.status == "PROCESSING" and 45 <= middle.progress <= 55
    done = job_state(job, timeline.ends_at)
    assert (done.status, done.progress, done.updated_at) == ("DONE", 100, timeline.ends_at)

    settings.SANDBOX_TIME_SCALE = 0.5
    half = plan_timeline(pace="upscale", created_at=T0, timeout=900)
    assert half.ends_at == T0 + timedelta(seconds=sum(DURATIONS["upscale"]) / 2)


def test_timeout_fails_a_job_that_would_finish_later(settings):
    settings.SANDBOX_TIME_SCALE = 1.0  # 25 s of work, 10 s allowed (timeout is not scaled)
    timeline = plan_timeline(pace="grid", created_at=T0, timeout=10)
    assert (timeline.outcome, timeline.error) == ("FAIL", "Job timed out")
    assert timeline.ends_at == T0 + timedelta(seconds=10)
    job = _job(timeline)
    assert job_state(job, T0 + timedelta(seconds=9)).status == "PROCESSING"
    failed = job_state(job, T0 + timedelta(seconds=10))
    assert failed.status == "FAIL" and failed.error == "Job timed out"
    assert 1 <= failed.progress <= 99


def test_planned_error_fails_when_processing_would_start(settings):
    settings.SANDBOX_TIME_SCALE = 1.0
    timeline = plan_timeline(pace="flux", created_at=T0, timeout=900, planned_error="nope")
    assert timeline.ends_at == timeline.processing_at == T0 + timedelta(seconds=1)
    assert (timeline.outcome, timeline.error) == ("FAIL", "nope")
