"""The DIY queue: linked accounts and their queues, pause, resume, reboot, and placing a
new job on the least busy active token."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from ... import clock
from ...models import SandboxAccount, SandboxDiscordToken, SandboxJob
from ..buttons import CANCEL_JOB
from ..lifecycle import QUEUED, Timeline, job_state
from ..webhooks import schedule_delivery
from .tokens import (
    QUEUE_KINDS,
    account_token,
    ensure_tokens,
    queue_counts,
    token_object,
    token_status,
)

HOLD = timedelta(days=3650)  # how far a held job's timeline is pushed while the queue is paused
REBOOTED = "Job failed: the queue was rebooted while it was running."
NO_TOKEN = "No active linked Discord account can run this job."
# Fast time one job uses (Midjourney bills GPU minutes; a grid is about a minute in fast mode,
# turbo costs double). Relax uses none.
FAST_MINUTES = {SandboxDiscordToken.Mode.FAST: 1.0, SandboxDiscordToken.Mode.TURBO: 2.0}


# --- linked accounts and their queues ------------------------------------------------------


def accounts_list(account: SandboxAccount) -> list[dict]:
    """GET /diy/accounts (provisional): each linked account as a token object without the
    Discord token, plus `runningJobs` and `queuedJobs` as numbers."""
    ensure_tokens(account)
    counts = queue_counts(account, clock.now())
    out = []
    for token in SandboxDiscordToken.objects.filter(account=account):
        mine = counts.get(token.pk, {"running": 0, "queued": 0})
        data = token_object(token, mine)
        del data["token"]
        data.update(runningJobs=mine["running"], queuedJobs=mine["queued"])
        out.append(data)
    return out


def _job_summary(job: SandboxJob, now: datetime) -> dict:
    state = job_state(job, now)
    return {
        "messageId": str(job.id),
        "prompt": job.prompt,
        "status": state.status,
        "progress": state.progress,
        "createdAt": job.created_at.isoformat(),
    }


def account_queue(account: SandboxAccount, token_id) -> dict:
    """GET /diy/accounts/{id}/queue (provisional): `{"id", "status", "concurrency",
    "paused", "running": [job], "queued": [job]}`, jobs as `{"messageId", "prompt",
    "status", "progress", "createdAt"}`, oldest first."""
    ensure_tokens(account)
    token = account_token(account, token_id)
    now = clock.now()
    jobs = (
        SandboxJob.objects.filter(token=token, ends_at__gt=now)
        .exclude(kind=SandboxJob.Kind.COMMAND)
        .order_by("created_at")
    )
    running, queued = [], []
    for job in jobs:
        summary = _job_summary(job, now)
        (queued if summary["status"] == QUEUED else running).append(summary)
    return {
        "id": token.pk,
        "status": token_status(token),
        "concurrency": token.concurrency,
        "paused": account.queue_paused_at is not None,
        "running": running,
        "queued": queued,
    }


def _queue_jobs(account: SandboxAccount):
    return SandboxJob.objects.filter(account=account, kind__in=QUEUE_KINDS).exclude(
        action=CANCEL_JOB
    )


def queue_count(account: SandboxAccount, now: datetime | None = None) -> dict:
    """GET /diy/queue/count (provisional): `{"count": queued jobs, "running": n,
    "paused": bool, "pausedAt": iso or null}` at `now` (default: the clock's now)."""
    account.refresh_from_db(fields=["queue_paused_at"])
    now = now or clock.now()
    unfinished = _queue_jobs(account).filter(ends_at__gt=now)
    return {
        "count": unfinished.filter(processing_at__gt=now).count(),
        "running": unfinished.filter(processing_at__lte=now).count(),
        "paused": account.queue_paused_at is not None,
        "pausedAt": account.queue_paused_at.isoformat() if account.queue_paused_at else None,
    }


def queue_pause(account: SandboxAccount) -> dict:
    """POST /diy/queue/pause: hold every job still QUEUED; later submits wait too.
    Pausing a paused queue changes nothing. Answers like queue_count, plus `success`."""
    now = clock.now()
    with transaction.atomic():
        paused = SandboxAccount.objects.filter(pk=account.pk, queue_paused_at__isnull=True).update(
            queue_paused_at=now
        )
        if paused:
            for job in _queue_jobs(account).filter(
                held_at__isnull=True, processing_at__gt=now, ends_at__gt=now
            ):
                SandboxJob.objects.filter(pk=job.pk, held_at__isnull=True).update(
                    held_at=now,
                    processing_at=job.processing_at + HOLD,
                    done_at=job.done_at + HOLD,
                    ends_at=job.ends_at + HOLD,
                )
    return {"success": True, **queue_count(account)}


def queue_resume(account: SandboxAccount) -> dict:
    """POST /diy/queue/resume: held jobs wait out the rest of their queue time from now,
    then run to the end. Resuming a running queue changes nothing."""
    now = clock.now()
    released = []
    with transaction.atomic():
        resumed = SandboxAccount.objects.filter(
            pk=account.pk, queue_paused_at__isnull=False
        ).update(queue_paused_at=None)
        if resumed:
            for job in SandboxJob.objects.filter(account=account, held_at__isnull=False):
                shift = now - job.held_at - HOLD
                moved = SandboxJob.objects.filter(pk=job.pk, held_at=job.held_at).update(
                    held_at=None,
                    processing_at=job.processing_at + shift,
                    done_at=job.done_at + shift,
                    ends_at=job.ends_at + shift,
                )
                if moved:
                    released.append(job.pk)
    for job in SandboxJob.objects.filter(pk__in=released):
        schedule_delivery(job)
    return {"success": True, **queue_count(account)}


def queue_reboot(account: SandboxAccount) -> dict:
    """POST /diy/queue/reboot: at one instant, jobs running then FAIL with REBOOTED (their
    webhooks go out) and jobs waiting then stay queued; a paused queue stays paused.
    Answers queue_count at that same instant plus `rebooted` (how many failed) and the
    messageIds of both groups, `failed` and `kept`, so the counts and the jobs agree."""
    now = clock.now()
    unfinished = _queue_jobs(account).filter(ends_at__gt=now).order_by("created_at")
    running = list(
        unfinished.filter(held_at__isnull=True, processing_at__lte=now).values_list("pk", flat=True)
    )
    kept = [str(pk) for pk in unfinished.filter(processing_at__gt=now).values_list("pk", flat=True)]
    failed = []
    for pk in running:
        # Conditional: a job that ended meanwhile keeps its own ending.
        if SandboxJob.objects.filter(pk=pk, ends_at__gt=now).update(
            ends_at=now, outcome=SandboxJob.Outcome.FAIL, error=REBOOTED
        ):
            failed.append(pk)
    for job in SandboxJob.objects.filter(pk__in=failed):
        schedule_delivery(job)
    return {
        "success": True,
        "rebooted": len(failed),
        "failed": [str(pk) for pk in failed],
        "kept": kept,
        **queue_count(account, now),
    }


# --- placing a job on a token (called by services.create_job) ----------------------------------


def place_job(
    account: SandboxAccount, fields: dict, timeline: Timeline, now: datetime
) -> tuple[Timeline, dict]:
    """For a job being created inside create_job's transaction (after the account row was
    updated, so a concurrent pause is serialised): choose its token and hold it when the
    queue is paused. Returns the (possibly shifted) timeline and extra SandboxJob fields.
    Jobs outside the DIY queue (other kinds, a Cancel Job answer, non-DIY accounts) pass
    through unchanged."""
    kind = fields.get("kind")
    if (
        not account.diy
        or kind not in QUEUE_KINDS
        or fields.get("action") == CANCEL_JOB
        or "token" in fields
    ):
        return timeline, {}
    ensure_tokens(account)
    counts = queue_counts(account, now)
    candidates = list(
        SandboxDiscordToken.objects.filter(account=account, is_active=True, banned=False)
    )
    extra: dict = {}
    if not candidates:
        # Nothing can run it: it fails when it would start, like a moderation refusal.
        timeline = Timeline(
            timeline.processing_at, timeline.done_at, timeline.processing_at, "FAIL", NO_TOKEN
        )
    else:
        token = min(candidates, key=lambda t: (sum(counts.get(t.pk, {}).values()), t.pk))
        extra["token"] = token
        _charge_usage(token, fields)
    paused_at = (
        SandboxAccount.objects.filter(pk=account.pk).values_list("queue_paused_at", flat=True)
    )[0]
    if paused_at is not None:
        extra["held_at"] = now
        timeline = Timeline(
            timeline.processing_at + HOLD,
            timeline.done_at + HOLD,
            timeline.ends_at + HOLD,
            timeline.outcome,
            timeline.error,
        )
    return timeline, extra


def _charge_usage(token: SandboxDiscordToken, fields: dict) -> None:
    """Count the job in the token's /info: images, and fast time unless in relax mode."""
    images = int(fields.get("count") or 1)
    minutes = FAST_MINUTES.get(token.mode, 0.0)
    used = minutes / 60.0 if token.fast_time_unit == "hours" else minutes
    token.lifetime_images += images
    if token.mode == SandboxDiscordToken.Mode.RELAX:
        token.relaxed_images += images
    token.fast_time_used = min(token.fast_time_total, token.fast_time_used + used)
    token.save(update_fields=["lifetime_images", "relaxed_images", "fast_time_used"])
