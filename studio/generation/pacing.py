"""How fast the worker may go: the submit slot of a key, the per-key token bucket of progress
requests, the poll interval of a job, the backoff after an error, and the deadline margin.

Capacity: one key's jobs share its PROGRESS_RATE progress requests per second, each polled
every max(interval, in-flight / rate × 1.1) s; a 429 pushes the key's schedule.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.generation.models import Generation
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


def backoff(attempt: int) -> float:
    """Exponential with jitter, capped at 60 s."""
    return min(60.0, 2.0**attempt) * random.uniform(0.8, 1.2)


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
progress_limiter = RateLimiter(PROGRESS_RATE * 0.95)
