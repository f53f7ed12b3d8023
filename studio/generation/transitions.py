"""Forward-only status changes of a Generation, as single conditional UPDATEs.

Webhooks, the poller and retried tasks may all deliver the same news, late or twice; each
change here only applies from the statuses listed, so a repeat is a no-op (docs/architecture.md "Pitfalls" §2).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from studio.credits import ledger
from studio.generation.models import (
    ACTIVE,
    FinishedBy,
    Generation,
    PromptCheck,
    Status,
    WaitingFor,
)
from studio.provider.messages import DONE, FAIL, PROCESSING, QUEUED, Message


def download_lease() -> timedelta:
    """How long a download may run before the poller hands it to a new task (a worker
    killed mid-download is replaced after this): settings.DOWNLOAD_LEASE_SECONDS."""
    return timedelta(seconds=settings.DOWNLOAD_LEASE_SECONDS)


def advance(generation_id, from_statuses, **fields) -> bool:
    """Set `fields` on the generation if its status is in `from_statuses`. True if applied.

    The one door to FAILED: a move there refunds the generation's credits in the same
    transaction (studio.credits.ledger.refund, once per generation however often the
    news comes).
    """
    fields.setdefault("updated_at", timezone.now())
    if "status_note" in fields:  # a new note ends a wait unless it says otherwise
        fields.setdefault("waiting_for", WaitingFor.NOTHING)
    rows = Generation.objects.filter(pk=generation_id, status__in=from_statuses)
    if fields.get("status") != Status.FAILED:
        return rows.update(**fields) == 1
    with transaction.atomic():
        changed = rows.update(**fields) == 1
        if changed:
            ledger.refund(generation_id, reason=fields.get("error", ""))
    return changed


def fail(generation_id, error: str, *, from_statuses=ACTIVE) -> bool:
    """Close an active generation as failed with a reason a person can read."""
    return advance(
        generation_id,
        from_statuses,
        status=Status.FAILED,
        error=error[:2000],
        status_note="",
        finished_at=timezone.now(),
        next_poll_at=None,
    )


def take_prompt_check(generation_id) -> bool:
    """Take the job's one prompt check: PENDING → ASKED while the job is SUBMITTING, before
    the provider is asked. True for the one caller that may ask; False when the job asks
    none or it was taken already (a re-run of the submit task never asks, nor charges, twice).
    """
    return (
        Generation.objects.filter(
            pk=generation_id, status=Status.SUBMITTING, prompt_check=PromptCheck.PENDING
        ).update(prompt_check=PromptCheck.ASKED, updated_at=timezone.now())
        == 1
    )


def adopt(generation_id, message_id: str) -> bool:
    """Give a generation whose submit answer was lost the provider's `message_id` (found
    by a history lookup or carried by a webhook with our `ref`). Only a SUBMITTING row
    without one takes it, so it happens once. True if applied; then apply_message."""
    if not message_id:
        return False
    now = timezone.now()
    return (
        Generation.objects.filter(pk=generation_id, status=Status.SUBMITTING, message_id="").update(
            status=Status.SUBMITTED,
            message_id=message_id,
            outcome_unknown_at=None,
            error="",
            status_note="found at the provider",
            waiting_for=WaitingFor.NOTHING,
            news_at=now,
            updated_at=now,
        )
        == 1
    )


def apply_message(
    generation_id,
    message: Message,
    *,
    next_poll_in: float,
    source: str = FinishedBy.POLL,
    note: str = "",
    news: bool = True,
) -> str | None:
    """Apply what the provider says about a job (poll, webhook or history lookup).

    Returns the status the generation moved to, or None when nothing changed (stale or
    repeated news: a duplicated webhook, PROCESSING after DONE). DONE moves to DOWNLOADING;
    the caller then starts the download. `source` (FinishedBy) is recorded as `finished_by`
    when the message is final; `note` is the card's text while it runs; `news` (the
    provider's status or progress moved) stamps `news_at`.
    """
    now = timezone.now()
    next_poll_at = now + timedelta(seconds=next_poll_in)
    running = (Status.SUBMITTING, Status.SUBMITTED, Status.PROCESSING)
    # updated_at is the moment next_poll_at counts from (not a second clock read).
    stamp = {"updated_at": now, **({"news_at": now} if news else {})}
    if message.status == QUEUED:
        ok = advance(
            generation_id,
            (Status.SUBMITTING, Status.SUBMITTED),
            status=Status.SUBMITTED,
            poll_failures=0,
            outcome_unknown_at=None,
            status_note=note or "queued at the provider",
            next_poll_at=next_poll_at,
            **stamp,
        )
        return Status.SUBMITTED if ok else None
    if message.status == PROCESSING:
        ok = advance(
            generation_id,
            running,
            status=Status.PROCESSING,
            progress=Greatest(F("progress"), message.progress),
            poll_failures=0,
            outcome_unknown_at=None,
            status_note=note or f"creating, {message.progress} %",
            next_poll_at=next_poll_at,
            **stamp,
        )
        return Status.PROCESSING if ok else None
    if message.status == DONE:
        ok = advance(
            generation_id,
            running,
            status=Status.DOWNLOADING,
            progress=100,
            buttons=message.buttons,
            raw_message=_message_json(message),
            poll_failures=0,
            outcome_unknown_at=None,
            finished_by=source,
            news_at=now,
            status_note="saving the files…",
            next_poll_at=now + download_lease(),
        )
        return Status.DOWNLOADING if ok else None
    if message.status == FAIL:
        ok = advance(
            generation_id,
            running,
            status=Status.FAILED,
            error=message.error,
            raw_message=_message_json(message),
            outcome_unknown_at=None,
            finished_by=source,
            news_at=now,
            status_note="",
            finished_at=now,
            next_poll_at=None,
        )
        return Status.FAILED if ok else None
    return None


def _message_json(message: Message) -> dict:
    """The parts of a Message we keep (JSON-safe), enough to download and to show."""
    return {
        "messageId": message.message_id,
        "status": message.status,
        "uri": message.uri,
        "originalUrl": message.original_url,
        "images": message.images,
        "buttons": message.buttons,
        "originatingMessageId": message.parent_message_id,
        "error": message.error,
        "videoUrl": message.video_url,
        "results": [{"index": index, "url": url} for index, url in message.results],
        "prompt": message.prompt,
        # ImagineLab (https://api.imagineview.art): voice and music files, text results, the reported cost.
        "audioUrls": message.audio_urls,
        "texts": message.texts,
        "credits": message.credits,
    }
