"""Background work: submitting generations and polling the provider (DESIGN.md steps 3–5).

Runs inside django-q2 tasks (see tasks.py) and never inside a web request. Provider calls are
never made inside a transaction: every write is a short conditional UPDATE after the call.

Faults (issue 7): a submit whose answer was lost (read timeout, reset after sending, 502/504,
an unreadable 200) stays SUBMITTING with `outcome_unknown_at` and is looked up in the
provider's history by our `ref`, never posted again; so is one left SUBMITTING by a killed
worker. Every waiting card says why and until when; a job that never ends is closed at its
deadline and refunded. Capacity (issue 8): one key's jobs share its 10 progress requests/s,
each polled every max(interval, in-flight / rate × 1.1) s; a 429 pushes the key's schedule.
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
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation import transitions
from studio.generation.models import (
    ACTIVE,
    POLLED,
    FinishedBy,
    Generation,
    Lease,
    Model,
    Status,
)
from studio.provider.errors import ProviderError
from studio.provider.imaginelab.client import ImagineLabClient
from studio.provider.imaginepro.client import ImagineProClient
from studio.provider.messages import Message, SubmitResult, parse_timestamp

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
# Unknown submit outcomes (imaginepro.md §3.8 history, §1.6 ref): the card's words, how far
# before our send a job may be stamped by the provider's clock, how many lookups per pass.
UNKNOWN_NOTE = "checking with the provider whether it received this job…"
LOOKUP_SKEW = timedelta(seconds=60)
LOOKUP_BATCH = 50
# After this long without news from the provider the card says so, with its closing time.
QUIET_AFTER = timedelta(minutes=1)
# A key whose webhooks arrived this recently is trusted to send them: slow backstop polls.
WEBHOOK_EVIDENCE = timedelta(hours=1)
# One pass fetches at most this many seconds' worth of one key's progress requests.
PASS_SECONDS = 20
POLL_THREADS = 8


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


def webhook_url(generation: Generation, key: ProviderKey) -> str:
    """The generation's webhook address for `webhookOverride` (imaginepro.md §1.1, §1.6), or
    "" when none is sent: WEBHOOKS off, an ImagineLab key (no webhooks there), a row without
    a token, or a real key while WEBHOOK_BASE_URL is not a public address (a sandbox key
    reaches any address)."""
    if not settings.WEBHOOKS or key.is_imaginelab or not generation.webhook_token:
        return ""
    base = settings.WEBHOOK_BASE_URL
    from studio.uploads.public import is_public_base  # the one address rule; it imports models

    if not base or (not key.is_sandbox and not is_public_base(base)):
        return ""
    path = reverse("generation:webhook", args=[generation.pk, generation.webhook_token])
    return base + path


def _send(client: ImagineProClient, generation: Generation, hook: str) -> SubmitResult:
    """POST the stored body to the generation's route, with our id as `ref` and, when
    there is one, `hook` as `webhookOverride`."""
    base = {"ref": str(generation.id), "timeout": generation.timeout}
    if hook:
        base["webhook_override"] = hook
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
        submitted_at=None,
        next_poll_at=timezone.now() + timedelta(seconds=delay),
    )


def generation_submit(generation_id) -> str:
    """Send a QUEUED generation to the provider, at most once.

    The row is claimed QUEUED → SUBMITTING with a conditional UPDATE, so a duplicated task
    does nothing. Errors that are safe to repeat (connection refused, 429 after its
    Retry-After, 500/503) put it back in the queue with a backoff; an answer that may have
    been acted on (read timeout, reset after sending, 502/504, an unreadable 200) is never
    re-posted: the generation stays SUBMITTING with `outcome_unknown_at` and the poller looks
    it up (resolve_unknown). Returns the resulting status.
    """
    now = timezone.now()
    claimed = Generation.objects.filter(pk=generation_id, status=Status.QUEUED).update(
        status=Status.SUBMITTING,
        attempts=F("attempts") + 1,
        status_note="Sending to the provider…",
        submitted_at=now,  # the send time a lookup searches from
        updated_at=now,
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
    hook = webhook_url(generation, key)
    try:
        result = _send(client_for(key), generation, hook)
    except ProviderError as exc:
        return _submit_failed(generation, exc, webhook_expected=bool(hook))
    now = timezone.now()
    transitions.advance(
        generation.pk,
        (Status.SUBMITTING,),
        status=Status.SUBMITTED,
        message_id=result.message_id,
        submitted_at=now,
        news_at=now,
        outcome_unknown_at=None,
        webhook_expected=bool(hook),
        status_note="sent: waiting for the provider to start it",
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


def _submit_failed(generation: Generation, exc: ProviderError, *, webhook_expected=False) -> str:
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
    if exc.maybe_accepted and generation.model == Model.IMAGINELAB:
        # ImagineLab echoes no `ref`, so its history cannot tell this job apart: closed.
        transitions.fail(
            generation.pk,
            f"{exc.describe()} The provider may have started this job, so it was not sent "
            "again (that could charge twice). Check the provider's history before retrying.",
        )
        return Status.FAILED
    if exc.maybe_accepted:
        outcome_unknown(generation, exc, webhook_expected=webhook_expected)
        return Status.SUBMITTING
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


# --- unknown submit outcomes: look the job up, never re-post ------------------------------------


def outcome_unknown(
    generation: Generation, exc: ProviderError | None = None, *, webhook_expected=False, **where
) -> bool:
    """Mark a SUBMITTING generation whose submit answer never arrived (`exc`, or a worker
    killed mid-send) as outcome-unknown: the card says the studio is checking, the poller
    looks it up every LOOKUP_INTERVAL s, and it closes at send time + timeout + margin.
    `where` narrows the conditional UPDATE. True when applied."""
    now = timezone.now()
    sent = generation.submitted_at or generation.updated_at or now
    reason = f" ({_short(exc)})" if exc is not None else ""
    log.info("submit of %s has an unknown outcome%s: looking it up", generation.pk, reason)
    fields = {
        "outcome_unknown_at": now,
        "status_note": UNKNOWN_NOTE,
        "next_poll_at": now + timedelta(seconds=settings.LOOKUP_INTERVAL),
        "deadline_at": sent + timedelta(seconds=generation.timeout) + DEADLINE_MARGIN,
        "submitted_at": sent,
        "error": (
            f"The provider's answer to the submit was lost{reason}."
            if exc is not None
            else "The worker stopped while sending this job, so the provider's answer was lost."
        )[:2000],
    }
    if webhook_expected:
        fields["webhook_expected"] = True
    rows = Generation.objects.filter(
        pk=generation.pk, status=Status.SUBMITTING, message_id="", **where
    )
    return rows.update(updated_at=now, **fields) == 1


def _never_shown(generation: Generation) -> str:
    """Why an unknown-outcome job was closed, for a person."""
    lost = generation.error.rstrip(".") or "The provider's answer to the submit was lost"
    return (
        f"{lost}, and the provider never showed this job in its history by "
        f"{_clock(generation.deadline_at)}. It was not sent again (that could charge twice); "
        f"its {generation.cost} credits were returned."
    )


def _clock(moment) -> str:
    """A time of day for a card, in the studio's time zone: "14:05 UTC"."""
    if moment is None:
        return "its deadline"
    return timezone.localtime(moment).strftime("%H:%M %Z").strip()


def _lookup_since(generation: Generation):
    sent = generation.submitted_at or generation.created_at
    return sent - LOOKUP_SKEW


def resolve_unknown(generations: list[Generation], *, start_download) -> int:
    """Look up outcome-unknown generations of one key in the provider's history (GET
    /nova/images, one read for all of them) and confirm each by the `ref` of its Message
    (ImagineProClient.find_by_ref). Found: the provider's messageId is adopted and its
    status applied forward-only (DONE → the download starts). Not found: looked up again
    in LOOKUP_INTERVAL s, or closed as failed and refunded once past its deadline. A
    provider error pushes the next look by its Retry-After or backoff. Returns how many
    generations were handled."""
    if not generations:
        return 0
    key = generations[0].provider_key
    now = timezone.now()
    client = client_for(key)
    try:
        history = client.history_since(min(_lookup_since(g) for g in generations))
    except ProviderError as exc:
        for generation in generations:
            _lookup_failed(generation, exc)
        return len(generations)
    known = set(
        Generation.objects.filter(
            provider_key=key, message_id__in=[str(item.get("id")) for item in history]
        ).values_list("message_id", flat=True)
    )
    history = [item for item in history if str(item.get("id")) not in known]
    for generation in generations:
        since = _lookup_since(generation)
        try:
            message = client.find_by_ref(
                str(generation.pk),
                prompt=generation.prompt,
                button=generation.button,
                since=since,
                history=[
                    item
                    for item in history
                    if (created := parse_timestamp(item.get("createdAt"))) is None
                    or created >= since
                ],
                before_fetch=lambda: _limiter.wait(key.pk),
            )
        except ProviderError as exc:
            _lookup_failed(generation, exc)
            continue
        if message is not None:
            _adopt(generation, message, start_download=start_download)
        elif generation.deadline_at and generation.deadline_at <= now:
            transitions.fail(generation.pk, _never_shown(generation))
        else:
            _look_again(generation, UNKNOWN_NOTE, settings.LOOKUP_INTERVAL)
    return len(generations)


def _look_again(generation: Generation, note: str, delay: float) -> None:
    """Next lookup in `delay` s, but never after the deadline (which closes it)."""
    when = timezone.now() + timedelta(seconds=delay)
    if generation.deadline_at:
        when = min(when, generation.deadline_at)
    transitions.advance(
        generation.pk, (Status.SUBMITTING,), status_note=note[:200], next_poll_at=when
    )


def _lookup_failed(generation: Generation, exc: ProviderError) -> None:
    if generation.deadline_at and generation.deadline_at <= timezone.now():
        transitions.fail(generation.pk, _never_shown(generation))
        return
    delay = exc.retry_after or max(settings.LOOKUP_INTERVAL, _backoff(generation.poll_failures))
    Generation.objects.filter(pk=generation.pk).update(poll_failures=F("poll_failures") + 1)
    _look_again(
        generation,
        f"checking with the provider whether it received this job ({_short(exc)}), "
        f"next try in {delay:.0f} s",
        delay,
    )


def _adopt(generation: Generation, message: Message, *, start_download) -> None:
    """The lookup found our job: take its messageId, then apply its status."""
    if not transitions.adopt(generation.pk, message.message_id):
        return
    moved = transitions.apply_message(
        generation.pk,
        message,
        next_poll_in=poll_interval(generation),
        source=FinishedBy.LOOKUP,
    )
    if moved == Status.DOWNLOADING:
        start_download(generation.pk)
    from studio.generation import cancel  # it imports this module

    cancel.after_submit(generation.pk)  # a Cancel asked for while the answer was lost


def _short(exc: ProviderError) -> str:
    if exc.status == 429:
        return "rate limited"
    if exc.status:
        return f"provider error (HTTP {exc.status})"
    text = exc.message.rstrip(".")
    return text[:1].lower() + text[1:]


# --- poll -------------------------------------------------------------------------------------


class RateLimiter:
    """A per-key token bucket shared by the poller's threads (one poller holds the lease).

    `wait(key)` takes the key's next slot (1/rate s apart) and sleeps until it; `hold(key,
    seconds)` moves the key's next slot that far away (a 429's Retry-After), and `held(key)`
    says whether a hold is in force, so queued calls can give up instead of sleeping."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._next: dict[object, float] = {}
        self._held: dict[object, float] = {}

    def wait(self, key: object) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + 1.0 / self.rate
        if slot > now:
            time.sleep(slot - now)

    def hold(self, key: object, seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            self._held[key] = max(until, self._held.get(key, 0.0))
            self._next[key] = max(until, self._next.get(key, 0.0))

    def held(self, key: object) -> bool:
        with self._lock:
            return self._held.get(key, 0.0) > time.monotonic()


# Paced a little under the documented rate, so network jitter never lands 11 requests in
# one second; the spacing (in-flight / rate × 1.1) asks for less than this.
_limiter = RateLimiter(PROGRESS_RATE * 0.95)

# A fetch not made because the key's schedule was pushed back (a 429) during the pass.
SKIPPED = object()


def _fetch(generation: Generation) -> Message | ProviderError | object:
    key = generation.provider_key_id
    if _limiter.held(key):
        return SKIPPED
    _limiter.wait(key)
    try:
        return client_for(generation.provider_key).fetch_message(
            generation.message_id, video=generation.model == Model.VIDEO
        )
    except ProviderError as exc:
        if exc.status == 429:
            _limiter.hold(key, exc.retry_after or 1.0)
        return exc


def _poll_failed(generation: Generation, exc: ProviderError, interval: float) -> None:
    if _token_refused(generation.provider_key, exc):
        _wait_for_login(generation, POLLED)
        return
    failures = generation.poll_failures + 1
    if not exc.retryable and failures >= MAX_POLL_FAILURES:
        transitions.fail(generation.pk, exc.describe())
        return
    delay = exc.retry_after or max(interval, _backoff(failures))
    transitions.advance(
        generation.pk,
        POLLED,
        poll_failures=failures,
        status_note=f"waiting: {_short(exc)}, next try in {delay:.0f} s",
        next_poll_at=timezone.now() + timedelta(seconds=delay),
    )


def _push_schedule(key_id, seconds: float) -> None:
    """A 429 on a poll: every running job of the key waits at least Retry-After."""
    until = timezone.now() + timedelta(seconds=seconds)
    Generation.objects.filter(provider_key_id=key_id, status__in=POLLED).filter(
        Q(next_poll_at__lt=until) | Q(next_poll_at__isnull=True)
    ).update(next_poll_at=until)


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
    from studio.provider.messages import PROCESSING, QUEUED

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
        f"waiting, closed at {_clock(generation.deadline_at)} if nothing comes"
    )


def _webhook_keys(now) -> set:
    """Keys whose webhooks reached us within WEBHOOK_EVIDENCE: their jobs expecting one are
    only polled as a backstop (WEBHOOK_POLL_INTERVAL). A key whose webhooks never arrive
    (a base address the provider cannot reach) keeps the fast poll."""
    return set(
        Generation.objects.filter(webhook_at__gte=now - WEBHOOK_EVIDENCE)
        .values_list("provider_key_id", flat=True)
        .distinct()
    )


def _spacing(generation: Generation, in_flight: dict, webhook_keys: set) -> float:
    """Seconds to the job's next poll: its interval (the webhook backstop's when a webhook
    is expected), stretched so all the key's in-flight jobs fit in PROGRESS_RATE × 0.9."""
    interval = poll_interval(generation)
    if generation.webhook_expected and generation.provider_key_id in webhook_keys:
        interval = max(interval, settings.WEBHOOK_POLL_INTERVAL)
    share = in_flight.get(generation.provider_key_id, 0) / PROGRESS_RATE * 1.1
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
            and generation.model != Model.IMAGINELAB
            and outcome_unknown(generation)
        ):
            Generation.objects.filter(pk=generation.pk).update(next_poll_at=now, deadline_at=now)
            touched += 1
            continue
        transitions.fail(generation.pk, _deadline_reason(generation))
        touched += 1
    return touched


def _recover_stale_submits(now) -> int:
    """A generation left SUBMITTING longer than SUBMIT_STALE_SECONDS lost its worker (a
    restart, a SIGKILL) in the middle of a send: whether the provider got it is unknown, so
    it is looked up, never re-sent. ImagineLab's are left to their deadline (no `ref`)."""
    stale = now - timedelta(seconds=settings.SUBMIT_STALE_SECONDS)
    rows = (
        Generation.objects.filter(
            status=Status.SUBMITTING, outcome_unknown_at__isnull=True, updated_at__lt=stale
        )
        .exclude(model=Model.IMAGINELAB)
        .only("pk", "timeout", "submitted_at", "updated_at", "created_at")
    )
    return sum(outcome_unknown(g, updated_at__lt=stale) for g in rows)


def _lookups(due, *, start_download) -> int:
    """Run the due history lookups, one batch per key."""
    rows = list(
        Generation.objects.filter(due, status=Status.SUBMITTING, outcome_unknown_at__isnull=False)
        .select_related("provider_key")
        .order_by("next_poll_at")[:LOOKUP_BATCH]
    )
    touched = 0
    by_key: dict[object, list[Generation]] = {}
    for generation in rows:
        if generation.provider_key is None:
            transitions.fail(
                generation.pk,
                "The API key for this generation was deleted while the studio was checking "
                "whether the provider received it; it was not sent again.",
            )
            touched += 1
            continue
        by_key.setdefault(generation.provider_key_id, []).append(generation)
    for generations in by_key.values():
        touched += resolve_unknown(generations, start_download=start_download)
    return touched


def poll_once(*, start_download: Callable[[object], None], limit: int = 2000) -> int:
    """One pass over everything that is due. Returns how many generations it touched.

    - closes generations past their deadline (an ImaginePro one caught SUBMITTING is looked
      up first);
    - makes submits left SUBMITTING by a dead worker outcome-unknown, and looks up the due
      outcome-unknown ones in the provider's history;
    - submits QUEUED ones whose retry time has come (or that no task picked up);
    - hands DOWNLOADING ones whose download stalled to a new download task;
    - fetches due SUBMITTED/PROCESSING jobs in parallel, paced only by each key's rate
      limiter (PROGRESS_RATE), at most PASS_SECONDS' worth per key.
    """
    now = timezone.now()
    touched = _close_past_deadline(now)
    touched += _recover_stale_submits(now)
    due = Q(next_poll_at__lte=now) | Q(next_poll_at__isnull=True)
    touched += _lookups(due, start_download=start_download)
    for pk in Generation.objects.filter(due, status=Status.QUEUED).values_list("pk", flat=True)[
        :20
    ]:
        generation_submit(pk)
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
            _wait_for_login(generation, POLLED)  # no provider call until the person signs in
            touched += 1
        elif taken.get(generation.provider_key_id, 0) < per_key_cap:
            taken[generation.provider_key_id] = taken.get(generation.provider_key_id, 0) + 1
            batch.append(generation)
    if not batch:
        return touched
    in_flight = dict(
        Generation.objects.filter(status__in=POLLED, provider_key_id__in=list(taken))
        .values("provider_key_id")
        .annotate(n=Count("pk"))
        .values_list("provider_key_id", "n")
    )
    webhook_keys = _webhook_keys(now)
    with ThreadPoolExecutor(max_workers=min(POLL_THREADS, len(batch))) as pool:
        results = list(pool.map(_fetch, batch))
    limited: dict[object, float] = {}
    for generation, result in zip(batch, results, strict=True):
        spacing = _spacing(generation, in_flight, webhook_keys)
        if result is SKIPPED:
            continue  # its key's schedule is pushed back below
        if isinstance(result, ProviderError):
            if result.status == 429:
                limited[generation.provider_key_id] = max(
                    limited.get(generation.provider_key_id, 0.0), result.retry_after or 1.0
                )
            _poll_failed(generation, result, spacing)
        else:
            news = _moved(generation, result)
            note = "" if news else _quiet_note(generation, timezone.now())
            moved = transitions.apply_message(
                generation.pk, result, next_poll_in=spacing, note=note, news=news
            )
            if moved == Status.DOWNLOADING:
                start_download(generation.pk)
        touched += 1
    for key_id, seconds in limited.items():
        _push_schedule(key_id, seconds)
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
    """Let the lease go now, if `owner` holds it (its heartbeat can no longer renew it)."""
    Lease.objects.filter(name=name, owner=owner).update(
        owner="", until=timezone.now() - timedelta(seconds=1)
    )


def renew_lease(name: str, owner: str, seconds: float) -> bool:
    """Extend a lease `owner` still holds by `seconds` from now. False if it is not theirs."""
    until = timezone.now() + timedelta(seconds=seconds)
    return Lease.objects.filter(name=name, owner=owner).update(until=until) == 1


def heartbeat_period(seconds: float) -> float:
    """How often a held lease of `seconds` is renewed: every second (one UPDATE), or every
    third of a shorter lease. A live holder always has more than half its lease left."""
    return min(1.0, seconds / 3)


class _Heartbeat:
    """Renews a lease every heartbeat_period from a thread, so a long pass keeps it while a
    killed process loses it within POLL_LEASE_SECONDS (a restart waits no longer)."""

    def __init__(self, name: str, owner: str, seconds: float) -> None:
        self.name, self.owner, self.seconds = name, owner, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"lease-{name}")

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(heartbeat_period(self.seconds)):
                renew_lease(self.name, self.owner, self.seconds)
        except Exception:  # a heartbeat has nobody to report to; the lease simply expires
            log.exception("lease heartbeat for %s failed", self.name)
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


_checked_holder = False  # per process: has a poll here already judged the lease's holder?


def _take_or_outlive(name: str, owner: str, seconds: float) -> bool:
    """Take the lease, or find out whether its holder died and take it once it expires.

    A live holder renews every heartbeat_period and keeps more than half its lease, so less
    than half left means it died. With more left it may have died just after a renewal (a
    SIGKILL right after the heartbeat): the first poll in each worker process, which after a
    restart is the one that matters, watches for one period. Either way the watch goes on
    until the lease expires (then it is taken) or changes (renewed or taken: False), so a
    slow renewal costs one period, not a lease. Later polls in a process whose holder looks
    alive return at once, so the polls enqueued after every submit do not each wait."""
    global _checked_holder
    if take_lease(name, owner, seconds):
        return True
    until = Lease.objects.filter(name=name).values_list("until", flat=True).first()
    if until is None:
        return False
    left = (until - timezone.now()).total_seconds()
    if left > seconds:
        return False  # a longer hold is not a poller's: never wait it out
    if left > seconds / 2:
        if _checked_holder:
            return False
        _checked_holder = True
    period = heartbeat_period(seconds)
    while True:
        left = (until - timezone.now()).total_seconds()
        time.sleep(min(period, max(0.0, left)) + 0.1)
        if Lease.objects.filter(name=name).values_list("until", flat=True).first() != until:
            return False  # renewed (or taken): a live poller holds it
        if timezone.now() > until:
            return take_lease(name, owner, seconds)


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
    if not _take_or_outlive("poller", owner, lease_seconds):
        return passes
    with _Heartbeat("poller", owner, lease_seconds):
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
