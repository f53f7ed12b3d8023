"""Database leases: one holder at a time for a named job (the poller, an import), renewed by
a heartbeat thread so a killed holder loses its lease within its length.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from studio.generation.models import Lease

log = logging.getLogger(__name__)


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


def take_or_outlive(name: str, owner: str, seconds: float) -> bool:
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


def heartbeat(name: str, owner: str, seconds: float) -> _Heartbeat:
    """A context manager that renews the lease `name` held by `owner` every heartbeat_period
    while its block runs."""
    return _Heartbeat(name, owner, seconds)
