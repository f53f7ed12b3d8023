"""Progress climbs in Midjourney's steps during processing, for grids and videos alike,
computed from explicit times (no clock, no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from studio.sandbox.imaginepro.lifecycle import (
    DURATIONS,
    PROGRESS_STEPS,
    job_state,
    plan_timeline,
)

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _job(pace: str, timeout: int = 3600) -> SimpleNamespace:
    return SimpleNamespace(
        created_at=T0, **plan_timeline(pace=pace, created_at=T0, timeout=timeout).__dict__
    )


def _states_at(job, seconds):
    return [job_state(job, T0 + timedelta(seconds=s)) for s in seconds]


@pytest.mark.parametrize("pace", ["grid", "video"])
def test_progress_moves_through_midjourneys_steps(settings, pace):
    settings.SANDBOX_TIME_SCALE = 1.0
    queued, processing = DURATIONS[pace]
    slice_ = processing / len(PROGRESS_STEPS)
    # Before processing, the middle of each step's share of the time, then the end.
    moments = [0.0, queued / 2]
    moments += [queued + slice_ * (i + 0.5) for i in range(len(PROGRESS_STEPS))]
    moments += [queued + processing, queued + processing + 60]

    states = _states_at(_job(pace), moments)

    assert [s.progress for s in states] == [0, 0, 1, 15, 31, 46, 62, 77, 92, 100, 100]
    assert [s.status for s in states] == ["QUEUED"] * 2 + ["PROCESSING"] * 7 + ["DONE"] * 2


def test_progress_is_monotonic_and_changes_often(settings):
    settings.SANDBOX_TIME_SCALE = 1.0
    queued, processing = DURATIONS["grid"]
    job = _job("grid")
    # Every tenth of a second from submission to past the end.
    seconds = [tenth / 10 for tenth in range(int((queued + processing) * 10) + 20)]

    progress = [s.progress for s in _states_at(job, seconds)]

    assert progress == sorted(progress)
    assert sorted(set(progress)) == [0, 1, 15, 31, 46, 62, 77, 92, 100]
    # No figure holds for more than a seventh of the processing time (plus the queue wait).
    longest = max(progress.count(value) for value in set(progress) - {100}) / 10
    assert longest <= max(queued, processing / len(PROGRESS_STEPS)) + 0.2


def test_steps_follow_the_scaled_time(settings):
    settings.SANDBOX_TIME_SCALE = 0.1  # a 2.2 s run: the same steps, ten times faster
    queued, processing = (d * 0.1 for d in DURATIONS["grid"])
    slice_ = processing / len(PROGRESS_STEPS)
    moments = [queued + slice_ * (i + 0.5) for i in range(len(PROGRESS_STEPS))]

    assert [s.progress for s in _states_at(_job("grid"), moments)] == [1, 15, 31, 46, 62, 77, 92]


def test_a_timed_out_job_keeps_the_step_it_reached(settings):
    settings.SANDBOX_TIME_SCALE = 1.0  # 3 s queued + 22 s processing, 10 s allowed
    job = _job("grid", timeout=10)
    before, after = _states_at(job, [9.9, 30])

    assert (before.status, before.progress) == ("PROCESSING", 31)
    assert (after.status, after.progress) == ("FAIL", 31)
