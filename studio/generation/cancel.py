"""Cancel Job: stopping a Midjourney job while it runs (docs/provider-contract.md §3.3, §4;
OLD:/button/cancel, D:215986177).

The provider cancels with a press on the running message itself: POST /nova/button
`{"messageId": <the job's>, "button": "Cancel Job"}`, only while progress < 100. What the
studio does depends on where the generation is:

- QUEUED (never sent): closed at once as failed; nothing was spent, so its cost becomes 0
  and its charge in the credits ledger is refunded.
- SUBMITTED / PROCESSING: `cancel_requested_at` is set and a task sends the press; the
  poller then sees the provider's FAIL ("Job cancelled") and closes the generation.
- SUBMITTING (request in flight): `cancel_requested_at` is set and the worker sends the
  press as soon as the submit returns a messageId (`after_submit`), or closes the job
  unsent if the submit goes back to the queue (`close_unsent`).

The press makes no gallery item and we record no cost for it. A press the provider refuses
(the job finished meanwhile) leaves the job to finish normally, with a note in `error`.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from studio.generation import transitions
from studio.generation.enqueue import enqueue_cancel
from studio.generation.errors import GenerationError
from studio.generation.models import POLLED, Action, Generation, Lease, Model, Status
from studio.generation.pacing import claim_submit_slot
from studio.generation.presses import CANCEL_JOB
from studio.provider import registry
from studio.provider.errors import ProviderError
from studio.teams import access

log = logging.getLogger(__name__)

UNSENT_NOTE = "Cancelled before it was sent; nothing was spent."
CANCELLABLE = (Status.QUEUED, Status.SUBMITTING, Status.SUBMITTED, Status.PROCESSING)
SEND_ATTEMPTS = 3  # for errors worth repeating (429, 5xx, connection refused)
RETRY_WAIT_MAX = 10.0  # seconds between attempts, at most
SLOT_WAIT_MAX = 15.0  # seconds a press waits for the key's submit slot, at most

CANCEL_ACTIONS = (Action.IMAGINE, Action.BUTTON, Action.BLEND)

# What generation_cancel did.
CANCELLED = "cancelled"  # closed here, never sent
REQUESTED = "requested"  # the provider is (or will be) asked to cancel


def _cancels_at_provider(generation: Generation) -> bool:
    """Cancel Job is a button of Midjourney grid/upscale jobs (imagine, presses, blend);
    describe and the like have no such button at the provider (§4)."""
    return generation.model == Model.MIDJOURNEY and generation.action in CANCEL_ACTIONS


def can_cancel(generation: Generation) -> bool:
    """True when a Cancel button belongs on the generation's card: a Midjourney job that is
    still queued or running at the provider and not already being cancelled."""
    return (
        _cancels_at_provider(generation)
        and generation.status in CANCELLABLE
        and generation.cancel_requested_at is None
    )


def generation_cancel(*, user: AbstractBaseUser, generation: Generation) -> str:
    """Cancel a queued or running Midjourney generation (see the module docstring).

    Each step is one conditional UPDATE, so it is safe against the worker moving the
    generation at the same moment; asking twice is harmless. Returns CANCELLED (closed
    now) or REQUESTED (the provider will be asked). Raises GenerationError when it is not
    the user's, not a Midjourney job, or no longer running; PermissionDenied (403) when a
    team creator asks to stop another member's job (its maker or a team owner may).
    """
    if not access.allowed(user, generation, access.CREATE):
        raise GenerationError("That generation is not yours.")
    if not access.can_cancel(user, generation):
        raise PermissionDenied(
            "Only the person who started this job or a team owner can cancel it."
        )
    if not _cancels_at_provider(generation):
        raise GenerationError("Only Midjourney images (imagine, buttons, blend) can be cancelled.")
    # Statuses only move forward, so a few passes see every case even while the worker
    # moves the generation between two of our UPDATEs.
    for _ in range(len(CANCELLABLE)):
        now = timezone.now()
        if _close_unsent(generation.pk, Status.QUEUED):
            return CANCELLED
        running = Generation.objects.filter(
            pk=generation.pk, status__in=POLLED, cancel_requested_at__isnull=True
        )
        if running.update(cancel_requested_at=now, error="", updated_at=now):
            enqueue_cancel(generation.pk)
            return REQUESTED
        in_flight = Generation.objects.filter(
            pk=generation.pk, status=Status.SUBMITTING, cancel_requested_at__isnull=True
        )
        if in_flight.update(cancel_requested_at=now, error="", updated_at=now):
            return REQUESTED  # the worker sends it when the submit returns (after_submit)
        generation.refresh_from_db(fields=["status", "cancel_requested_at"])
        if generation.cancel_requested_at and generation.status in CANCELLABLE:
            return REQUESTED  # asked before
        if generation.status not in CANCELLABLE:
            break
    if generation.status == Status.DOWNLOADING:
        raise GenerationError("Too late to cancel: it has finished and its images are being saved.")
    raise GenerationError("Too late to cancel: it has already finished.")


def _close_unsent(generation_id, from_status: str) -> bool:
    """Close a generation that was never sent; its charge is refunded (transitions.advance)."""
    now = timezone.now()
    return transitions.advance(
        generation_id,
        (from_status,),
        status=Status.FAILED,
        error=UNSENT_NOTE,
        cost=0,
        cancel_requested_at=now,
        status_note="",
        finished_at=now,
        next_poll_at=None,
        updated_at=now,
    )


def close_unsent(generation_id) -> str:
    """Worker hook: a submit claimed a generation whose cancel was asked for while an
    earlier attempt was in flight and then went back to the queue. Close it unsent."""
    _close_unsent(generation_id, Status.SUBMITTING)
    return Status.FAILED


def after_submit(generation_id) -> str | None:
    """Worker hook, right after a submit succeeded: send the Cancel Job asked for while the
    request was in flight. Returns cancel_send's answer, or None when none was asked."""
    asked = Generation.objects.filter(
        pk=generation_id, status__in=POLLED, cancel_requested_at__isnull=False
    ).exists()
    return cancel_send(generation_id) if asked else None


def cancel_send(generation_id) -> str:
    """Press Cancel Job at the provider for a generation whose cancel was asked for.

    Runs in a django-q task or the submit task, never in a web request. Sent at most once
    per request (a claim row, since the web and the worker may both get here). Errors worth
    repeating are retried a few times; an answer that may have been acted on counts as
    sent (the old docs' answer has no messageId, §9 item 8). Returns "sent", "refused"
    (the provider said no: the job goes on, with a note) or "skipped".
    """
    generation = (
        Generation.objects.select_related("provider_key")
        .filter(pk=generation_id, status__in=POLLED, cancel_requested_at__isnull=False)
        .exclude(message_id="")
        .first()
    )
    if generation is None or generation.provider_key is None:
        return "skipped"
    if not _claim_send(generation):
        return "skipped"
    key = generation.provider_key
    client = registry.client_for(key)
    for attempt in range(1, SEND_ATTEMPTS + 1):
        _wait_for_slot(key)
        try:
            client.button(message_id=generation.message_id, button=CANCEL_JOB)
        except ProviderError as exc:
            if exc.maybe_accepted:
                break
            if exc.retryable and attempt < SEND_ATTEMPTS:
                time.sleep(min(RETRY_WAIT_MAX, exc.retry_after or 2.0**attempt))
                continue
            _refused(generation, exc)
            return "refused"
        break
    # Look again soon: the provider's FAIL closes the generation.
    Generation.objects.filter(pk=generation.pk, status__in=POLLED).update(
        next_poll_at=timezone.now(), updated_at=timezone.now()
    )
    return "sent"


def _lease_name(generation_id) -> str:
    return f"cancel:{generation_id}"


def _claim_send(generation: Generation) -> bool:
    """Take the one right to send this cancel: inserting a Lease row with a unique name
    succeeds once, on SQLite and PostgreSQL alike."""
    now = timezone.now()
    Lease.objects.filter(name__startswith="cancel:", until__lt=now).delete()
    until = max(generation.deadline_at or now, now) + timedelta(hours=1)
    try:
        with transaction.atomic():
            Lease.objects.create(name=_lease_name(generation.pk), owner="cancel", until=until)
    except IntegrityError:
        return False
    return True


def _wait_for_slot(key) -> None:
    """The provider allows about one POST per 3 s per key (SYS): share the submits' slot."""
    waited = 0.0
    while waited < SLOT_WAIT_MAX:
        wait = claim_submit_slot(key)
        if not wait:
            return
        time.sleep(wait)
        waited += wait


def _refused(generation: Generation, exc: ProviderError) -> None:
    """The job goes on: clear the request (Cancel may be tried again) and say why."""
    log.info("cancel of generation %s refused: %s", generation.pk, exc.describe())
    note = f"The provider did not cancel it ({exc.describe()}). The job goes on."
    Generation.objects.filter(pk=generation.pk).exclude(status=Status.FAILED).update(
        cancel_requested_at=None, error=note[:2000], updated_at=timezone.now()
    )
    Lease.objects.filter(name=_lease_name(generation.pk)).delete()
