"""Result files are drawn while the job runs, shortly before its end: at DONE they are already
stored, as the real provider's image is ready when it says DONE, with the same paths, URLs and
bytes as a draw on first request; a job far from its end is not drawn yet."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
from django.core.files.storage import default_storage

from studio.sandbox.imaginepro.outputs import _rendering, render
from studio.sandbox.imaginepro.predraw import MARGIN, drawing_starts_at
from studio.sandbox.models import SandboxJob
from studio.sandbox.render.files import file_names, storage_name

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_drawn(message_id: str, limit: float = 30.0) -> SandboxJob:
    """Wait (bounded) for the sandbox's background drawing; nobody requests the files."""
    deadline = time.monotonic() + limit
    while not SandboxJob.objects.filter(pk=message_id, files_ready=True).exists():
        assert time.monotonic() < deadline, "the files were not drawn while the job ran"
        time.sleep(0.05)
    return SandboxJob.objects.get(pk=message_id)


def _near_end(clock, message_id: str) -> None:
    """Move the sandbox's clock to a second before the job's end (inside the drawing's margin)."""
    job = SandboxJob.objects.get(pk=message_id)
    clock.advance_to(job.ends_at - timedelta(seconds=1))


def test_files_are_stored_before_done_and_served_unchanged(api, live_server, sandbox_clock):
    message_id = api.submit("flux/imagine", {"prompt": "a kettle", "width": 256, "height": 256})
    _near_end(sandbox_clock, message_id)
    job = _wait_drawn(message_id)  # the clock stands still: the job has not ended

    [name] = file_names(job)
    with default_storage.open(storage_name(job, name)) as handle:
        stored = handle.read()
    assert stored == render(job)[name]  # the bytes a draw on first request would give
    url = f"{live_server.url}/sandbox/imaginepro/cdn/{message_id}/{name}"
    assert api.fetch(message_id)["status"] != "DONE"
    assert requests.get(url, timeout=10).status_code == 404  # still nothing until DONE

    sandbox_clock.advance(60)
    message = api.fetch(message_id)
    assert message["status"] == "DONE" and message["uri"] == url
    assert requests.get(url, timeout=10).content == stored


def test_a_job_that_will_fail_is_not_drawn(api, sandbox_clock):
    failing_id = api.submit("flux/imagine", {"prompt": "banned cup"})
    drawn_id = api.submit("flux/imagine", {"prompt": "a cup", "width": 256, "height": 256})
    _near_end(sandbox_clock, drawn_id)
    _wait_drawn(drawn_id)  # the failing one ends first: it would have been drawn before
    failing = SandboxJob.objects.get(pk=failing_id)
    assert not failing.files_ready
    assert not any(default_storage.exists(storage_name(failing, n)) for n in file_names(failing))


def test_a_done_job_is_answered_while_another_job_is_being_drawn(api, live_server, sandbox_clock):
    drawing_id = api.submit("flux/imagine", {"prompt": "a teapot", "width": 256, "height": 256})
    _near_end(sandbox_clock, drawing_id)
    drawing = _wait_drawn(drawing_id)
    with _rendering(drawing):  # as if the drawing thread were busy with that job
        message_id = api.submit("flux/imagine", {"prompt": "a mug", "width": 256, "height": 256})
        sandbox_clock.advance(60)
        message = api.fetch(message_id)  # its files are drawn now or were just before
        assert message["status"] == "DONE"
        assert requests.get(message["uri"], timeout=10).status_code == 200


def test_a_job_is_drawn_only_when_its_end_draws_near(api, sandbox_clock, settings):
    settings.SANDBOX_TIME_SCALE = 1.0  # real durations: a grid ends 17 s after a Flux job
    far_id = api.submit("nova/imagine", {"prompt": "a vase"})  # a grid: it runs three times longer
    near_id = api.submit("flux/imagine", {"prompt": "a jug", "width": 256, "height": 256})
    _near_end(sandbox_clock, near_id)
    _wait_drawn(near_id)
    assert not SandboxJob.objects.get(pk=far_id).files_ready


def test_a_backlog_starts_drawing_early_enough_for_each_to_be_ready_by_its_end():
    # Three jobs ending together, 2 s of drawing each: the first starts 6 s (+ margin) before.
    assert drawing_starts_at([100.0, 100.0, 100.0], 2.0) == 100.0 - 6.0 - MARGIN
    # Ends far apart: only the first job's own drawing counts.
    assert drawing_starts_at([100.0, 500.0], 2.0) == 100.0 - 2.0 - MARGIN
    assert drawing_starts_at([], 2.0) == float("-inf")
