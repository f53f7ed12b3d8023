"""Background work: submitting generations and polling the provider (DESIGN.md steps 3–5).

Runs inside django-q2 tasks (see tasks.py) and never inside a web request. Provider calls are
never made inside a transaction: every write is a short conditional UPDATE after the call.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation import transitions
from studio.generation.models import ACTIVE, POLLED, Generation, Lease, Model, Status
from studio.provider.errors import ProviderError
from studio.provider.imaginelab import ImagineLabClient
from studio.provider.imaginepro import ImagineProClient
from studio.provider.messages import Message, SubmitResult

log = logging.getLogger(__name__)

DEADLINE_MARGIN = timedelta(seconds=120)  # beyond the `timeout` we sent
MAX_POLL_FAILURES = 5  # consecutive 401/404 answers before we give up on a job
PROGRESS_RATE = 10.0  # progress requests per second per key (provider SYS page)
# ImagineLab: the provider's example polls every 2 s (seed 002); never slower than ours.
LAB_POLL_INTERVAL = 2.0
# A signed-in ImagineLab token the provider refused (401): the work waits, looked at again
# this often (no provider call while waiting), its deadline pushed so it is not closed.
LOGIN_NOTE = "waiting: sign in to ImagineLab again"
LOGIN_RECHECK = timedelta(seconds=60)


def client_for(key: ProviderKey) -> ImagineProClient | ImagineLabClient:
    """The provider's client for `key`: ImagineLab (its API key or signed-in token, sent as
    a bearer token) or ImaginePro."""
    if key.is_imaginelab:
        return ImagineLabClient(base_url=key.base_url, token=key.api_key)
    return ImagineProClient(base_url=key.base_url, api_key=key.api_key)


def poll_interval(generation: Generation) -> float:
    """Seconds between two polls of one job: POLL_INTERVAL, at most LAB_POLL_INTERVAL for
    ImagineLab."""
    if generation.model == Model.IMAGINELAB:
        return min(settings.POLL_INTERVAL, LAB_POLL_INTERVAL)
    return settings.POLL_INTERVAL


# --- ImagineLab sign-in ---------------------------------------------------------------------


def _token_refused(key: ProviderKey | None, exc: ProviderError) -> bool:
    """True when ImagineLab refused a signed-in token (401): the key is marked as needing a
    new sign-in (ProviderKey.needs_login_since) and its work must wait, not fail."""
    if key is None or exc.status != 401 or not key.is_imaginelab:
        return False
    if key.auth != ProviderKey.AUTH_TOKEN:
        return False
    now = timezone.now()
    ProviderKey.objects.filter(pk=key.pk, needs_login_since__isnull=True).update(
        needs_login_since=now
    )
    key.needs_login_since = key.needs_login_since or now
    return True


def _wait_for_login(generation: Generation, from_statuses, **fields) -> None:
    """Park a generation until its key is signed in again: the note on the card, the next
    look in LOGIN_RECHECK, the deadline pushed as far as a fresh job's."""
    now = timezone.now()
    transitions.advance(
        generation.pk,
        from_statuses,
        status_note=LOGIN_NOTE,
        next_poll_at=now + LOGIN_RECHECK,
        deadline_at=now + timedelta(seconds=generation.timeout) + DEADLINE_MARGIN + LOGIN_RECHECK,
        **fields,
    )


def release_waiting(key: ProviderKey) -> int:
    """After a new sign-in: the key's generations that waited for it become due now (the
    poller submits the queued ones and polls the running ones). Returns how many."""
    return Generation.objects.filter(
        provider_key=key, status__in=ACTIVE, status_note=LOGIN_NOTE
    ).update(status_note="signed in again: going on…", next_poll_at=timezone.now())


# --- submit -----------------------------------------------------------------------------------


def _send(client: ImagineProClient, generation: Generation) -> SubmitResult:
    """POST the stored body to the generation's route, with our id as `ref`."""
    base = {"ref": str(generation.id), "timeout": generation.timeout}
    return client.submit(generation.endpoint, generation.request_body, **base)


def _claim_submit_slot(key: ProviderKey) -> float:
    """Take the key's next submit slot. Returns 0 when taken, else seconds to wait."""
    now = timezone.now()
    spacing = timedelta(seconds=settings.SUBMIT_SPACING)
    taken = (
        ProviderKey.objects.filter(pk=key.pk)
        .filter(Q(next_submit_at__isnull=True) | Q(next_submit_at__lte=now))
        .update(next_submit_at=now + spacing)
    )
    if taken:
        return 0.0
    key.refresh_from_db(fields=["next_submit_at"])
    return max(0.1, (key.next_submit_at - now).total_seconds()) if key.next_submit_at else 0.1


def _requeue(generation: Generation, delay: float, note: str, *, count_attempt: bool) -> None:
    attempts = generation.attempts if count_attempt else generation.attempts - 1
    transitions.advance(
        generation.pk,
        (Status.SUBMITTING,),
        status=Status.QUEUED,
        attempts=max(0, attempts),
        status_note=note,
        next_poll_at=timezone.now() + timedelta(seconds=delay),
    )


def generation_submit(generation_id) -> str:
    """Send a QUEUED generation to the provider, at most once.

    The row is claimed QUEUED → SUBMITTING with a conditional UPDATE, so a duplicated task
    does nothing. Errors that are safe to repeat (connection refused, 429, 5xx) put it back
    in the queue with a backoff; an answer that may have been acted on (read timeout, broken
    answer) is never re-posted: it is closed with an explanation, since re-posting could
    charge twice. Returns the resulting status.
    """
    claimed = Generation.objects.filter(pk=generation_id, status=Status.QUEUED).update(
        status=Status.SUBMITTING,
        attempts=F("attempts") + 1,
        status_note="Sending to the provider…",
        updated_at=timezone.now(),
    )
    if not claimed:
        return "not claimed"
    generation = Generation.objects.select_related("provider_key").get(pk=generation_id)
    from studio.generation import cancel  # it imports this module

    if generation.cancel_requested_at:  # asked while an earlier attempt was in flight
        return cancel.close_unsent(generation.pk)
    key = generation.provider_key
    if key is None:
        transitions.fail(
            generation.pk, "The API key for this generation was deleted before it was sent."
        )
        return Status.FAILED
    if key.is_imaginelab != (generation.model == Model.IMAGINELAB):
        transitions.fail(
            generation.pk,
            f"The key “{key.name}” is for {key.get_provider_display()}, which does not make "
            f"{generation.get_model_display()} generations; nothing was sent. Choose a key of "
            "the right provider and retry.",
        )
        return Status.FAILED
    if key.needs_login_since:
        _wait_for_login(
            generation,
            (Status.SUBMITTING,),
            status=Status.QUEUED,
            attempts=max(0, generation.attempts - 1),
        )
        return Status.QUEUED
    wait = _claim_submit_slot(key)
    if wait:
        _requeue(
            generation, wait, "waiting: one submit every few seconds per key", count_attempt=False
        )
        return Status.QUEUED
    try:
        result = _send(client_for(key), generation)
    except ProviderError as exc:
        return _submit_failed(generation, exc)
    now = timezone.now()
    transitions.advance(
        generation.pk,
        (Status.SUBMITTING,),
        status=Status.SUBMITTED,
        message_id=result.message_id,
        submitted_at=now,
        status_note="",
        next_poll_at=now + timedelta(seconds=poll_interval(generation)),
        deadline_at=now + timedelta(seconds=generation.timeout) + DEADLINE_MARGIN,
    )
    _book_reported_cost(generation, result)
    cancel.after_submit(generation.pk)  # a Cancel asked for while the request was in flight
    return Status.SUBMITTED


def _book_reported_cost(generation: Generation, result: SubmitResult) -> None:
    """When the provider says what the job really costs (ImagineLab `credit_cost`) and it is
    not what we charged, correct the ledger once and record the real cost."""
    if result.credits is None or result.credits < 0 or result.credits == generation.cost:
        return
    from studio.credits import ledger  # it imports the generation models

    ledger.correct(generation, result.credits, "provider")
    Generation.objects.filter(pk=generation.pk).update(cost=result.credits)


def _submit_failed(generation: Generation, exc: ProviderError) -> str:
    if _token_refused(generation.provider_key, exc):
        _wait_for_login(
            generation,
            (Status.SUBMITTING,),
            status=Status.QUEUED,
            attempts=max(0, generation.attempts - 1),
        )
        return Status.QUEUED
    if exc.status == 402 and generation.model == Model.IMAGINELAB:
        transitions.fail(generation.pk, _no_credits_reason(generation.provider_key))
        return Status.FAILED
    if exc.maybe_accepted:
        transitions.fail(
            generation.pk,
            f"{exc.describe()} The provider may have started this job, so it was not sent "
            "again (that could charge twice). Check the provider's history before retrying.",
        )
        return Status.FAILED
    # A 429 was refused before anything started: it waits as long as the deadline allows
    # (the deadline still closes it) rather than using up the attempts.
    rate_limited = exc.status == 429
    if exc.retryable and (rate_limited or generation.attempts < settings.SUBMIT_MAX_ATTEMPTS):
        delay = exc.retry_after or _backoff(generation.attempts)
        _requeue(
            generation,
            delay,
            f"waiting: {_short(exc)}, next try in {delay:.0f} s",
            count_attempt=not rate_limited,
        )
        return Status.QUEUED
    transitions.fail(generation.pk, exc.describe())
    return Status.FAILED


def _no_credits_reason(key: ProviderKey) -> str:
    """ImagineLab's 402 for a person: not enough credits, with the wallet's balance when it
    can be read (GET /credits/wallet)."""
    try:
        balance = client_for(key).wallet().balance
    except ProviderError as exc:
        return (
            "Not enough ImagineLab credits (the wallet's balance could not be read: "
            f"{exc.describe()})."
        )
    return f"Not enough ImagineLab credits: the wallet has {balance}."


def _backoff(attempt: int) -> float:
    """Exponential with jitter, capped at 60 s."""
    return min(60.0, 2.0**attempt) * random.uniform(0.8, 1.2)


def _short(exc: ProviderError) -> str:
    if exc.status == 429:
        return "rate limited"
    if exc.status:
        return f"provider error (HTTP {exc.status})"
    return exc.message.rstrip(".").lower()


# --- poll -------------------------------------------------------------------------------------


class RateLimiter:
    """A per-key token bucket shared by the poller's threads (one poller holds the lease)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._next: dict[object, float] = {}

    def wait(self, key: object) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + 1.0 / self.rate
        if slot > now:
            time.sleep(slot - now)


_limiter = RateLimiter(PROGRESS_RATE)


def _fetch(generation: Generation) -> Message | ProviderError:
    _limiter.wait(generation.provider_key_id)
    try:
        return client_for(generation.provider_key).fetch_message(
            generation.message_id, video=generation.model == Model.VIDEO
        )
    except ProviderError as exc:
        return exc


def _poll_failed(generation: Generation, exc: ProviderError) -> None:
    if _token_refused(generation.provider_key, exc):
        _wait_for_login(generation, POLLED)
        return
    failures = generation.poll_failures + 1
    if not exc.retryable and failures >= MAX_POLL_FAILURES:
        transitions.fail(generation.pk, exc.describe())
        return
    delay = exc.retry_after or max(poll_interval(generation), _backoff(failures))
    transitions.advance(
        generation.pk,
        POLLED,
        poll_failures=failures,
        status_note=f"waiting: {_short(exc)}, next try in {delay:.0f} s",
        next_poll_at=timezone.now() + timedelta(seconds=delay),
    )


def _deadline_reason(generation: Generation) -> str:
    if generation.status == Status.QUEUED:
        return "The job could not be sent to the provider in time (is the worker running?)."
    if generation.status == Status.SUBMITTING:
        return (
            "The worker stopped while sending this job, so whether the provider started it is "
            "unknown; it was not sent again (that could charge twice)."
        )
    return (
        f"The provider did not finish within the time limit ({generation.timeout} s); "
        "the job was closed."
    )


def poll_once(*, start_download: Callable[[object], None], limit: int = 100) -> int:
    """One pass over everything that is due. Returns how many generations it touched.

    - closes generations past their deadline;
    - submits QUEUED ones whose retry time has come (or that no task picked up);
    - hands DOWNLOADING ones whose download stalled to a new download task;
    - fetches due SUBMITTED/PROCESSING jobs, a few in parallel, within the rate limit.
    """
    now = timezone.now()
    touched = 0
    for generation in Generation.objects.filter(status__in=ACTIVE, deadline_at__lt=now).only(
        "pk", "timeout", "status"
    ):
        transitions.fail(generation.pk, _deadline_reason(generation))
        touched += 1
    due = Q(next_poll_at__lte=now) | Q(next_poll_at__isnull=True)
    for pk in Generation.objects.filter(due, status=Status.QUEUED).values_list("pk", flat=True)[
        :20
    ]:
        generation_submit(pk)
        touched += 1
    for pk in Generation.objects.filter(due, status=Status.DOWNLOADING).values_list(
        "pk", flat=True
    )[:20]:
        transitions.advance(
            pk, (Status.DOWNLOADING,), next_poll_at=now + transitions.DOWNLOAD_LEASE
        )
        start_download(pk)
        touched += 1
    batch = list(
        Generation.objects.filter(due, status__in=POLLED)
        .exclude(provider_key=None)
        .select_related("provider_key")
        .order_by("next_poll_at")[:limit]
    )
    for generation in Generation.objects.filter(due, status__in=POLLED, provider_key=None):
        transitions.fail(generation.pk, "The API key for this generation was deleted.")
    for generation in [g for g in batch if g.provider_key.needs_login_since]:
        _wait_for_login(generation, POLLED)  # no provider call until the person signs in
        touched += 1
    batch = [g for g in batch if not g.provider_key.needs_login_since]
    if batch:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(_fetch, batch))
        for generation, result in zip(batch, results, strict=True):
            if isinstance(result, ProviderError):
                _poll_failed(generation, result)
            elif (
                transitions.apply_message(
                    generation.pk, result, next_poll_in=poll_interval(generation)
                )
                == Status.DOWNLOADING
            ):
                start_download(generation.pk)
            touched += 1
    return touched


# --- the loop and its lease ---------------------------------------------------------------------


def take_lease(name: str, owner: str, seconds: float) -> bool:
    """Hold the database lease `name` for `seconds` as `owner` (a conditional UPDATE, so
    two processes never both hold it). True when held: free, expired, or already ours."""
    now = timezone.now()
    Lease.objects.get_or_create(name=name, defaults={"until": now - timedelta(seconds=1)})
    return (
        Lease.objects.filter(name=name)
        .filter(Q(until__lt=now) | Q(owner=owner))
        .update(owner=owner, until=now + timedelta(seconds=seconds))
        == 1
    )


def release_lease(name: str, owner: str) -> None:
    """Let the lease go now, if `owner` holds it."""
    Lease.objects.filter(name=name, owner=owner).update(until=timezone.now() - timedelta(seconds=1))


def poll_loop(*, start_download: Callable[[object], None], seconds: float | None = None) -> int:
    """Poll what is due every POLL_TICK seconds for up to `seconds` (POLL_LOOP_SECONDS).

    Only the holder of the "poller" lease runs; a second loop returns at once. The loop
    ends early when nothing is active. It releases the lease *before* its last look, so a
    generation submitted meanwhile is seen either by this loop or by the next one started
    after that submit. Returns the number of passes made.
    """
    owner = uuid.uuid4().hex
    seconds = settings.POLL_LOOP_SECONDS if seconds is None else seconds
    lease_seconds = seconds + 30
    end = time.monotonic() + seconds
    passes = 0
    while time.monotonic() < end:
        if not take_lease("poller", owner, lease_seconds):
            break
        poll_once(start_download=start_download)
        passes += 1
        if not Generation.objects.filter(status__in=ACTIVE).exists():
            release_lease("poller", owner)
            if not Generation.objects.filter(status__in=ACTIVE).exists():
                return passes
        time.sleep(settings.POLL_TICK)
    release_lease("poller", owner)
    return passes
