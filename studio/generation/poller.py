"""The poll pass and its loop: everything due is looked at, one key's requests paced.

Every waiting card says why and until when; a job that never ends is closed at its deadline
and refunded. One loop runs at a time (the "poller" lease, leases.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from studio.generation import leases, transitions
from studio.generation.lookup import outcome_unknown, recover_stale_submits, run_due_lookups
from studio.generation.models import ACTIVE, POLLED, Generation, Model, Status
from studio.generation.notes import clock, short_reason
from studio.generation.pacing import (
    DEADLINE_MARGIN,
    PROGRESS_RATE,
    backoff,
    hold_key,
    poll_interval,
    progress_limiter,
)
from studio.generation.providers import capabilities_of
from studio.generation.signin import token_refused, wait_for_login
from studio.generation.submit import generation_submit
from studio.provider import registry
from studio.provider.errors import ProviderError
from studio.provider.messages import PROCESSING, QUEUED, Message

MAX_POLL_FAILURES = 5  # consecutive 401/404 answers before we give up on a job
# After this long without news from the provider the card says so, with its closing time.
QUIET_AFTER = timedelta(minutes=1)
# A key whose webhooks arrived this recently is trusted to send them: slow backstop polls.
WEBHOOK_EVIDENCE = timedelta(hours=1)
# One pass fetches at most this many seconds' worth of one key's progress requests.
PASS_SECONDS = 20
POLL_THREADS = 8

# A fetch not made because the key's schedule was pushed back (a 429) during the pass.
SKIPPED = object()


def _fetch(generation: Generation) -> Message | ProviderError | object:
    key = generation.provider_key_id
    ticket = progress_limiter.acquire(key, skip_if_held=True)
    if ticket is None:
        return SKIPPED
    try:
        return registry.client_for(generation.provider_key).fetch_message(
            generation.message_id, video=generation.model == Model.VIDEO
        )
    except ProviderError as exc:
        if exc.status == 429:
            progress_limiter.hold(key, exc.retry_after or 1.0)
        return exc
    finally:
        progress_limiter.release(key, ticket)


def _poll_failed(generation: Generation, exc: ProviderError, interval: float) -> None:
    if token_refused(generation.provider_key, exc):
        wait_for_login(generation, POLLED)
        return
    failures = generation.poll_failures + 1
    if not exc.retryable and failures >= MAX_POLL_FAILURES:
        transitions.fail(generation.pk, exc.describe())
        return
    delay = exc.retry_after or max(interval, backoff(failures))
    transitions.advance(
        generation.pk,
        POLLED,
        poll_failures=failures,
        status_note=f"waiting: {short_reason(exc)}, next try in {delay:.0f} s",
        next_poll_at=timezone.now() + timedelta(seconds=delay),
    )


def _deadline_reason(generation: Generation) -> str:
    if generation.status == Status.QUEUED:
        return (
            "The job could not be sent to the provider in time (is the worker running?); "
            f"nothing was spent, its {generation.cost} credits were returned."
        )
    if generation.status == Status.SUBMITTING:
        return (
            "The worker stopped while sending this job, so whether the provider started it is "
            "unknown; it was not sent again (that could charge twice)."
        )
    minutes = (generation.timeout + DEADLINE_MARGIN.total_seconds()) / 60
    return (
        f"The provider did not finish within the time limit ({generation.timeout} s) plus "
        f"{DEADLINE_MARGIN.total_seconds():.0f} s of grace: after {minutes:.0f} min without "
        f"a result the studio stopped waiting and returned its {generation.cost} credits."
    )


def _moved(generation: Generation, message: Message) -> bool:
    """True when `message` is news compared with what we stored (status or progress)."""
    if message.status == QUEUED:
        return generation.status == Status.SUBMITTING
    if message.status == PROCESSING:
        return generation.status != Status.PROCESSING or message.progress > generation.progress
    return True


def _quiet_note(generation: Generation, now) -> str:
    """ "no news from the provider for 3 min: still waiting, closed at 14:05 UTC if nothing
    comes", once the provider has said nothing new for QUIET_AFTER; else ""."""
    since = generation.news_at or generation.submitted_at or generation.created_at
    quiet = now - since
    if quiet < QUIET_AFTER:
        return ""
    return (
        f"no news from the provider for {int(quiet.total_seconds() // 60)} min: still "
        f"waiting, closed at {clock(generation.deadline_at)} if nothing comes"
    )


def webhook_keys_since(now) -> set:
    """Keys whose webhooks reached us within WEBHOOK_EVIDENCE: their jobs expecting one are
    only polled as a backstop (WEBHOOK_POLL_INTERVAL). A key whose webhooks never arrive
    (a base address the provider cannot reach) keeps the fast poll."""
    return set(
        Generation.objects.filter(webhook_at__gte=now - WEBHOOK_EVIDENCE)
        .values_list("provider_key_id", flat=True)
        .distinct()
    )


def spacing_of(generation: Generation, in_flight: dict, webhook_keys: set) -> float:
    """Seconds to the job's next poll: its interval (the webhook backstop's when a webhook
    is expected), stretched to the key's in-flight jobs ÷ PROGRESS_RATE. The limiter sends
    a little under PROGRESS_RATE, so a key with more jobs than its interval allows always
    has some due: its lane never idles, and the longest-waiting job goes first."""
    interval = poll_interval(generation)
    if generation.webhook_expected and generation.provider_key_id in webhook_keys:
        interval = max(interval, settings.WEBHOOK_POLL_INTERVAL)
    share = in_flight.get(generation.provider_key_id, 0) / PROGRESS_RATE
    return max(interval, share)


def _close_past_deadline(now) -> int:
    """Close what is past its deadline. An ImaginePro job caught SUBMITTING is looked up
    first (made outcome-unknown and due now), never closed blind."""
    touched = 0
    late = Generation.objects.filter(status__in=ACTIVE, deadline_at__lt=now).only(
        "pk", "timeout", "status", "cost", "model", "submitted_at", "updated_at", "created_at"
    )
    for generation in late.exclude(status=Status.SUBMITTING, outcome_unknown_at__isnull=False):
        if (
            generation.status == Status.SUBMITTING
            and capabilities_of(generation.model).echoes_ref
            and outcome_unknown(generation)
        ):
            Generation.objects.filter(pk=generation.pk).update(next_poll_at=now, deadline_at=now)
            touched += 1
            continue
        transitions.fail(generation.pk, _deadline_reason(generation))
        touched += 1
    return touched


def housekeeping(
    now,
    *,
    start_download: Callable[[object], None],
    start_submit: Callable[[object], object] = generation_submit,
) -> int:
    """Everything of a pass but the progress fetches. Returns how many generations it touched.

    - closes generations past their deadline (an ImaginePro one caught SUBMITTING is looked
      up first);
    - makes submits left SUBMITTING by a dead worker outcome-unknown, and looks up the due
      outcome-unknown ones in the provider's history;
    - hands QUEUED ones whose retry time has come (or that no task picked up) to
      `start_submit`;
    - hands DOWNLOADING ones whose download stalled to a new download;
    - fails running jobs whose key was deleted.
    """
    touched = _close_past_deadline(now)
    touched += recover_stale_submits(now)
    due = Q(next_poll_at__lte=now) | Q(next_poll_at__isnull=True)
    touched += run_due_lookups(due, start_download=start_download)
    for pk in Generation.objects.filter(due, status=Status.QUEUED).values_list("pk", flat=True)[
        :20
    ]:
        start_submit(pk)
        touched += 1
    for pk in Generation.objects.filter(due, status=Status.DOWNLOADING).values_list(
        "pk", flat=True
    )[:20]:
        # Conditional on still being due: two pollers (a dead holder's last pass and its
        # successor) must not both start a download.
        if (
            Generation.objects.filter(due, pk=pk, status=Status.DOWNLOADING).update(
                next_poll_at=now + transitions.download_lease()
            )
            == 1
        ):
            start_download(pk)
            touched += 1
    for generation in Generation.objects.filter(due, status__in=POLLED, provider_key=None):
        transitions.fail(generation.pk, "The API key for this generation was deleted.")
    return touched


def in_flight_per_key(key_ids) -> dict:
    """{key id: its generations being polled (SUBMITTED or PROCESSING)}."""
    return dict(
        Generation.objects.filter(status__in=POLLED, provider_key_id__in=list(key_ids))
        .values("provider_key_id")
        .annotate(n=Count("pk"))
        .values_list("provider_key_id", "n")
    )


def handle_result(
    generation: Generation,
    result: Message | ProviderError,
    spacing: float,
    *,
    start_download: Callable[[object], None],
) -> None:
    """Store what one progress fetch of `generation` brought: the provider's Message
    (transitions.apply_message, the download started on DONE) or its error (backoff, the
    wait for a sign-in, or failure after MAX_POLL_FAILURES). The next poll is `spacing` s
    away. A 429's hold of the key is the caller's (hold_key)."""
    if isinstance(result, ProviderError):
        _poll_failed(generation, result, spacing)
        return
    news = _moved(generation, result)
    note = "" if news else _quiet_note(generation, timezone.now())
    moved = transitions.apply_message(
        generation.pk, result, next_poll_in=spacing, note=note, news=news
    )
    if moved == Status.DOWNLOADING:
        start_download(generation.pk)


def poll_once(*, start_download: Callable[[object], None], limit: int = 2000) -> int:
    """One pass over everything that is due (`housekeeping`, then the progress fetches).
    Returns how many generations it touched.

    Due SUBMITTED/PROCESSING jobs are fetched in parallel, paced only by each key's rate
    limiter (PROGRESS_RATE), at most PASS_SECONDS' worth per key. The cluster's poll service
    (pollservice.py) does the same continuously, one lane per key; this pass serves the
    poll task (a cluster without the service) and tests.
    """
    now = timezone.now()
    touched = housekeeping(now, start_download=start_download)
    due = Q(next_poll_at__lte=now) | Q(next_poll_at__isnull=True)
    rows = (
        Generation.objects.filter(due, status__in=POLLED)
        .exclude(provider_key=None)
        .select_related("provider_key")
        .order_by("next_poll_at")[:limit]
    )
    per_key_cap = int(PROGRESS_RATE * PASS_SECONDS)
    taken: dict[object, int] = {}
    batch = []
    for generation in rows:
        if generation.provider_key.needs_login_since:
            wait_for_login(generation, POLLED)  # no provider call until the person signs in
            touched += 1
        elif taken.get(generation.provider_key_id, 0) < per_key_cap:
            taken[generation.provider_key_id] = taken.get(generation.provider_key_id, 0) + 1
            batch.append(generation)
    if not batch:
        return touched
    in_flight = in_flight_per_key(taken)
    webhook_keys = webhook_keys_since(now)
    with ThreadPoolExecutor(max_workers=min(POLL_THREADS, len(batch))) as pool:
        results = list(pool.map(_fetch, batch))
    limited: dict[object, float] = {}
    for generation, result in zip(batch, results, strict=True):
        if result is SKIPPED:
            continue  # its key's schedule is pushed back below
        if isinstance(result, ProviderError) and result.status == 429:
            limited[generation.provider_key_id] = max(
                limited.get(generation.provider_key_id, 0.0), result.retry_after or 1.0
            )
        spacing = spacing_of(generation, in_flight, webhook_keys)
        handle_result(generation, result, spacing, start_download=start_download)
        touched += 1
    for key_id, seconds in limited.items():
        hold_key(key_id, seconds)  # its submits and every job's next poll wait too
    return touched


def poll_loop(*, start_download: Callable[[object], None], seconds: float | None = None) -> int:
    """Poll what is due every POLL_TICK seconds for up to `seconds` (POLL_LOOP_SECONDS).

    Only the holder of the "poller" lease runs; a second loop returns at once. The lease is
    POLL_LEASE_SECONDS long and renewed by a heartbeat, so after a SIGKILL the next loop
    takes over within that time. The loop ends early when nothing is active. It releases
    the lease *before* its last look, so a generation submitted meanwhile is seen either by
    this loop or by the next one started after that submit. Returns the number of passes.
    """
    owner = uuid.uuid4().hex
    seconds = settings.POLL_LOOP_SECONDS if seconds is None else seconds
    lease_seconds = settings.POLL_LEASE_SECONDS
    end = time.monotonic() + seconds
    passes = 0
    if not leases.take_or_outlive("poller", owner, lease_seconds):
        return passes
    with leases.heartbeat("poller", owner, lease_seconds):
        while time.monotonic() < end:
            if not leases.take_lease("poller", owner, lease_seconds):
                break
            poll_once(start_download=start_download)
            passes += 1
            if not Generation.objects.filter(status__in=ACTIVE).exists():
                leases.release_lease("poller", owner)
                if not Generation.objects.filter(status__in=ACTIVE).exists():
                    return passes
            time.sleep(settings.POLL_TICK)
    leases.release_lease("poller", owner)
    return passes
