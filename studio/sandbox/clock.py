"""The sandbox's clock: every instant the simulated APIs read comes from `now()` here: job
timelines (QUEUED → PROCESSING → DONE and the progress steps), the progress rate window and
its 429s, 24-hour history, sign-in token lifetimes, webhook due times.

settings.SANDBOX_CLOCK picks the clock: unset or None (the default) is the wall clock
(django.utils.timezone.now); any zero-argument callable returning an aware datetime replaces
it, e.g. a `ManualClock` that a test steps with `advance()`, so the test sees every status
whatever the machine's speed. The setting is read on every call, so overriding it takes
effect at once in every thread of the process (a live test server's too); another process
(gunicorn, a qcluster) keeps its own settings. The studio never reads this clock: it talks to
the sandbox over HTTP with its own.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    """The sandbox's current instant (aware, UTC): settings.SANDBOX_CLOCK() if set, else
    the wall clock."""
    clock = getattr(settings, "SANDBOX_CLOCK", None)
    return timezone.now() if clock is None else clock()


class ManualClock:
    """A clock that moves only when told, for settings.SANDBOX_CLOCK.

    `ManualClock(start)` stands at `start` (an aware datetime; default: the wall clock's now).
    Calling it returns the current instant; `advance(seconds)` moves it forward and returns
    the new instant. Safe to read from other threads while a test advances it.
    """

    def __init__(self, start: datetime | None = None):
        self._lock = threading.Lock()
        self._now = start if start is not None else timezone.now()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move the clock `seconds` forward (not backward: ValueError); the new instant."""
        if seconds < 0:
            raise ValueError("A sandbox clock does not go back.")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def advance_to(self, at: datetime) -> datetime:
        """Move the clock to `at` if that is later (a clock never goes back); the instant."""
        with self._lock:
            self._now = max(self._now, at)
            return self._now
