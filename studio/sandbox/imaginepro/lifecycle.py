"""Job timelines and status: QUEUED → PROCESSING → DONE | FAIL, computed from the clock.

Statuses and progress follow docs/provider-contract.md §1.3/§1.4 (https://docs.imaginepro.ai/api-215981214): progress 0 while queued,
1–99 while processing, 100 when done. While processing, progress climbs in PROGRESS_STEPS, the
figures Midjourney's own progress messages show, evenly spread over the processing time. The timeline is planned once at submit
(`plan_timeline`) and `job_state` reads it, so no background process is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

# Realistic durations at SANDBOX_TIME_SCALE = 1.0, seconds: (queued, processing).
# Midjourney takes 30–120 s in production (https://platform.imaginepro.ai/ai-agent-skill); these are a brisk but plausible pace.
DURATIONS: dict[str, tuple[float, float]] = {
    "grid": (3.0, 22.0),  # MJ imagine, V1–V4, 🔄, Vary, Zoom, pan, Make Square
    "upscale": (2.0, 8.0),  # U1–U4, Upscale (Subtle|Creative)
    "flux": (1.0, 7.0),  # Flux imagine, whatever n
    "universal": (1.0, 9.0),  # Nano Banana, Lumi Girl
    "tool": (1.0, 4.0),  # Flux upscale, remove-bg, describe, face swap
    # MJ video generate / extend (https://platform.imaginepro.ai/ai-agent-skill: "up to 15 min" in production)
    "video": (4.0, 36.0),
    "command": (1.0, 2.0),  # a Midjourney bot command (/info, /fast …) on a DIY token
    "instant": (0.0, 0.0),  # the answer to a Cancel Job press: DONE when it is created
}
# Boost endpoints (§3.4) "optimise CDN upload and progress handling": the same work, this
# many times faster (the real speed-up is not documented).
BOOST_SPEEDUP = 2.0

TIMED_OUT = "Job timed out"

# Percentages a Midjourney job reports while it renders (0 % shown as 1, since PROCESSING is
# 1–99): each holds for an equal share of the processing time, then DONE is 100.
PROGRESS_STEPS = (0, 15, 31, 46, 62, 77, 92)

QUEUED, PROCESSING, DONE, FAIL = "QUEUED", "PROCESSING", "DONE", "FAIL"
TERMINAL = (DONE, FAIL)


@dataclass(frozen=True)
class Timeline:
    """When a job leaves QUEUED, when it would be DONE, and how and when it really ends."""

    processing_at: datetime
    done_at: datetime
    ends_at: datetime
    outcome: str  # DONE or FAIL
    error: str


def plan_timeline(
    *,
    pace: str,
    created_at: datetime,
    timeout: int,
    planned_error: str = "",
    boost: bool = False,
) -> Timeline:
    """Plan a job. `pace` is a DURATIONS key; durations are scaled, `timeout` (s) is not;
    `boost` divides them by BOOST_SPEEDUP.

    A `planned_error` (banned word, bad parameter, an input URL that could not be fetched)
    fails the job when it would start PROCESSING, like Midjourney moderation; a timeout
    shorter than the run fails it then.
    """
    scale = float(settings.SANDBOX_TIME_SCALE)
    if boost:
        scale /= BOOST_SPEEDUP
    queued, processing = DURATIONS[pace]
    processing_at = created_at + timedelta(seconds=queued * scale)
    done_at = processing_at + timedelta(seconds=processing * scale)
    timeout_at = created_at + timedelta(seconds=timeout)
    if planned_error and processing_at <= timeout_at:
        return Timeline(processing_at, done_at, processing_at, FAIL, planned_error)
    if timeout_at < done_at:
        return Timeline(processing_at, done_at, timeout_at, FAIL, TIMED_OUT)
    return Timeline(processing_at, done_at, done_at, DONE, "")


@dataclass(frozen=True)
class JobState:
    status: str
    progress: int  # 0–100
    updated_at: datetime
    error: str


def job_state(job, now: datetime) -> JobState:
    """Status of a SandboxJob (anything with the Timeline fields and created_at) at `now`."""
    if now >= job.ends_at:
        progress = 100 if job.outcome == DONE else _progress(job, job.ends_at)
        return JobState(job.outcome, progress, job.ends_at, job.error)
    if now < job.processing_at:
        return JobState(QUEUED, 0, job.created_at, "")
    return JobState(PROCESSING, max(1, _progress(job, now)), now, "")


def _progress(job, at: datetime) -> int:
    """0 up to the start of processing (a moderation FAIL stays at 0), then the step of
    PROGRESS_STEPS for the share of processing time elapsed at `at`, at least 1, at most 99.
    Deterministic and monotonic in `at`."""
    if at <= job.processing_at:
        return 0
    span = (job.done_at - job.processing_at).total_seconds()
    if span <= 0:
        return 99
    fraction = (at - job.processing_at).total_seconds() / span
    step = min(len(PROGRESS_STEPS) - 1, int(fraction * len(PROGRESS_STEPS)))
    return max(1, min(99, PROGRESS_STEPS[step]))
