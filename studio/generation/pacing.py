"""How fast the worker may go: the submit slot of a key, the per-key token bucket of progress
requests, the poll interval of a job, the backoff after an error, and the deadline margin.

Capacity: one key's jobs share its PROGRESS_RATE progress requests per second (at most that
many in any second as the provider counts arrivals: SlidingWindowLimiter), each polled every
max(interval, in-flight / rate × 1.1) s; a 429 pushes the key's schedule.
"""

from __future__ import annotations

import itertools
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation.models import POLLED, Generation, Status
from studio.generation.providers import capabilities_of

DEADLINE_MARGIN = timedelta(seconds=120)  # beyond the `timeout` we sent
PROGRESS_RATE = 10.0  # progress requests per second per key (provider SYS page)


def poll_interval(generation: Generation) -> float:
    """Seconds between two polls of one job: POLL_INTERVAL, at most the provider's
    `max_poll_interval` when it declares one (studio.provider.base.Capabilities)."""
    most = capabilities_of(generation.model).max_poll_interval
    if most is not None:
        return min(settings.POLL_INTERVAL, most)
    return settings.POLL_INTERVAL


def claim_submit_slot(key: ProviderKey) -> float:
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


def hold_key(key_id, seconds: float) -> None:
    """A 429 on any request of the key (poll, lookup or submit) with Retry-After `seconds`:
    every request of the key waits that long, in every process. Its submits through
    `next_submit_at` (claim_submit_slot), its polls and lookups through the `next_poll_at` of
    its running and outcome-unknown jobs; nothing is moved earlier. The poller also holds
    `progress_limiter` for the fetches already queued in its pass (the provider's errors:
    docs/provider-contract.md §1.5; the sandbox's 429 carries Retry-After, studio/sandbox/faults)."""
    until = timezone.now() + timedelta(seconds=seconds)
    ProviderKey.objects.filter(pk=key_id).filter(
        Q(next_submit_at__isnull=True) | Q(next_submit_at__lt=until)
    ).update(next_submit_at=until)
    waiting = Q(status__in=POLLED) | Q(status=Status.SUBMITTING, outcome_unknown_at__isnull=False)
    Generation.objects.filter(waiting, provider_key_id=key_id).filter(
        Q(next_poll_at__lt=until) | Q(next_poll_at__isnull=True)
    ).update(next_poll_at=until)


def backoff(attempt: int) -> float:
    """Exponential with jitter, capped at 60 s."""
    return min(60.0, 2.0**attempt) * random.uniform(0.8, 1.2)


class SlidingWindowLimiter:
    """At most `limit` requests per key in any `window` seconds, counted as the provider
    counts them: by arrival.

    The provider allows 10 progress requests per second per key (docs/provider-contract.md
    §5, §9 item 14) and counts each request when it arrives; the sandbox counts arrivals in a
    sliding second of ten 100 ms buckets (studio/sandbox/imaginepro/progress_rate.py), a
    provider counting per fixed second sees a subset of those windows. The sender never sees
    an arrival, only that it falls between the send and the answer. So a request takes one
    of the key's `limit` places when it is sent (`acquire`) and keeps it until `window` +
    `margin` seconds after its answer arrived (`release`); nothing is sent while every place
    is taken.

    Why no window of the provider can hold `limit` + 1 arrivals: take the last of them to be
    sent, at s. Each other one was sent before s and answered at or after the window's
    start w (it arrived inside), so its place was kept until after w + window, which is after
    s (s precedes its own arrival, inside the window): `limit` places were taken at s and it
    could not have been sent. Sends delayed and released together, or slow answers, only
    keep places taken longer. `margin` covers the clock's resolution.

    `hold(key, seconds)` (a 429's Retry-After) stops the key's sends until then. Times are
    `clock()` seconds (time.monotonic by default; tests inject their own). Thread-safe; one
    process's view (the poller holds the "poller" lease, so one process polls).
    """

    def __init__(
        self,
        limit: int,
        *,
        window: float = 1.0,
        margin: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be 1 or more")
        self.limit = limit
        self.window = window
        self.margin = margin
        self.clock = clock
        self._changed = threading.Condition()
        self._tickets = itertools.count(1)
        # key -> {ticket: when its place frees (inf while in flight)}
        self._places: dict[object, dict[int, float]] = {}
        self._held: dict[object, float] = {}

    def try_acquire(self, key: object) -> tuple[int | None, float | None]:
        """Take a place for one request of `key` now, without waiting.

        Returns (ticket, 0.0) when taken: pass the ticket to `release` once the answer (or
        the failure) is in. Otherwise (None, seconds) until a place may free or the hold
        ends, or (None, None) when every place is in flight (one frees on a release)."""
        with self._changed:
            return self._try(key, self.clock())

    def acquire(
        self, key: object, *, skip_if_held: bool = False, timeout: float | None = None
    ) -> int | None:
        """Wait for a place and take it; returns the ticket for `release`. With
        `skip_if_held`, returns None instead of waiting while the key is held; with
        `timeout` (seconds of `clock`), None once that long has passed without a place."""
        with self._changed:
            give_up = None if timeout is None else self.clock() + timeout
            while True:
                now = self.clock()
                if skip_if_held and self._held.get(key, 0.0) > now:
                    return None
                ticket, wait = self._try(key, now)
                if ticket is not None:
                    return ticket
                if give_up is not None and now >= give_up:
                    return None
                # A release notifies; the cap re-reads the clock should one never come.
                cap = self.window if wait is None else min(wait, self.window)
                if give_up is not None:
                    cap = min(cap, max(0.0, give_up - now))
                self._changed.wait(cap)

    def release(self, key: object, ticket: int) -> None:
        """The request of `ticket` has its answer (or failed): its place frees `window` +
        `margin` seconds from now."""
        with self._changed:
            places = self._places.get(key)
            if places is not None and ticket in places:
                places[ticket] = self.clock() + self.window + self.margin
            self._changed.notify_all()

    @contextmanager
    def slot(self, key: object) -> Iterator[None]:
        """`acquire` (waiting through a hold) … `release` around one request."""
        ticket = self.acquire(key)
        try:
            yield
        finally:
            self.release(key, ticket)

    def hold(self, key: object, seconds: float) -> None:
        """Send nothing for `key` during the next `seconds` (a later hold wins)."""
        with self._changed:
            until = self.clock() + seconds
            self._held[key] = max(until, self._held.get(key, 0.0))

    def held_for(self, key: object) -> float:
        """Seconds left of the key's hold (0.0 when none)."""
        with self._changed:
            return max(0.0, self._held.get(key, 0.0) - self.clock())

    def held(self, key: object) -> bool:
        """True while a hold of `key` is in force."""
        return self.held_for(key) > 0.0

    def _try(self, key: object, now: float) -> tuple[int | None, float | None]:
        held = self._held.get(key, 0.0)
        if held <= now:
            self._held.pop(key, None)
        places = {t: end for t, end in self._places.get(key, {}).items() if end > now}
        if places:
            self._places[key] = places
        else:
            self._places.pop(key, None)  # forget idle keys: the map stays small
        if held > now:
            return None, held - now
        if len(places) < self.limit:
            ticket = next(self._tickets)
            self._places.setdefault(key, {})[ticket] = math.inf
            return ticket, 0.0
        soonest = min(places.values())
        return None, (None if soonest == math.inf else soonest - now)


# The provider's documented rate, exactly: the window above already absorbs network jitter.
# A place is kept a window + margin after its answer, so one key sends PROGRESS_RATE ÷ (1 s
# + margin + round trip) a second: the margin only covers the clocks' resolution, since
# every second the provider (or the sandbox's ten 100 ms buckets) counts in is at most 1 s.
progress_limiter = SlidingWindowLimiter(int(PROGRESS_RATE), margin=0.01)
