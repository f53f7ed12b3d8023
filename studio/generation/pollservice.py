"""The poll service: a long-lived thread in each task cluster's main process that keeps every
running job current, one lane per key, so it never pauses and no key waits for another.

- One service polls at a time: it holds the "poller" lease (leases.py), renewed every tick
  and by a heartbeat; the services of other clusters try every tick and take over when it
  is let go (a cluster that stops releases it) or expires (a killed one: within
  POLL_LEASE_SECONDS).
- Each tick (POLL_TICK, at most 0.5 s) the holder does the pass's housekeeping (deadlines,
  lookups of lost submits, retries of queued submits, stalled downloads:
  poller.housekeeping) and starts a lane for every key with jobs to poll.
- A lane is one thread that takes the key's due jobs, longest-waiting first, and a place of
  the key's limiter (pacing.progress_limiter, at most PROGRESS_RATE arrivals in any second)
  for each, handing the fetch to a few sender threads that store the answer. Only that
  key's lane ever waits on its limiter or its 429 hold (Retry-After), so a key with a
  thousand jobs never delays a key with five.
- DONE hands the download to the task cluster's workers at once (enqueue.enqueue_download):
  no download waits behind polling, and no worker is spent on polling.

See docs/architecture.md "Polling many jobs".
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Min, Q
from django.utils import timezone

from studio.generation import leases
from studio.generation.models import POLLED, Generation, Model
from studio.generation.pacing import SlidingWindowLimiter, hold_key, progress_limiter
from studio.generation.poller import (
    handle_result,
    housekeeping,
    in_flight_per_key,
    spacing_of,
    webhook_keys_since,
)
from studio.generation.signin import wait_for_login
from studio.generation.submit import generation_submit
from studio.provider import registry
from studio.provider.errors import ProviderError

log = logging.getLogger(__name__)

LEASE = "poller"
LANE_SENDERS = 3  # threads per key sending its fetches and storing the answers
LANE_BATCH = 20  # due jobs a lane reads at once (about 2 s of one key's fetches)
LANE_IDLE_SECONDS = 10.0  # a lane whose key has nothing to poll this long ends
MAX_TICK = 0.5  # s between two looks at the lease, the housekeeping and the keys


def _due() -> Q:
    now = timezone.now()
    return Q(next_poll_at__lte=now) | Q(next_poll_at__isnull=True)


class KeyLane:
    """The polling of one key: its due jobs, its limiter's places, its senders."""

    def __init__(self, service: PollService, key_id) -> None:
        self.service = service
        self.key_id = key_id
        self.limiter = service.limiter
        self._stop = threading.Event()
        self._work: queue.Queue = queue.Queue()
        self._pending: set = set()
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"poll-lane-{key_id}")
        self._senders = [
            threading.Thread(target=self._send_loop, daemon=True, name=f"poll-send-{key_id}")
            for _ in range(LANE_SENDERS)
        ]

    def start(self) -> KeyLane:
        for sender in self._senders:
            sender.start()
        self.thread.start()
        return self

    def alive(self) -> bool:
        return self.thread.is_alive()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self.thread.join(timeout)

    def _running(self) -> bool:
        return not (self._stop.is_set() or self.service.stopping())

    # --- the lane's own thread: what is due, and a place for each ---------------------------

    def _run(self) -> None:
        idle_since = None
        try:
            while self._running():
                batch = self._due_batch()
                if batch:
                    idle_since = None
                    self._dispatch(batch)
                    continue
                wait = self._seconds_to_next_due()
                if wait is None:  # nothing of this key to poll
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since > LANE_IDLE_SECONDS:
                        break
                # Due jobs all in flight (0): look again shortly, not in a tight loop.
                self._stop.wait(max(0.02, min(self.service.tick, 1.0 if wait is None else wait)))
        except Exception:  # a lane has nobody to report to: the service starts a new one
            log.exception("poll lane of key %s stopped", self.key_id)
        finally:
            for _ in self._senders:
                self._work.put(None)
            for sender in self._senders:
                sender.join(30)
            connection.close()

    def _due_batch(self) -> list[Generation]:
        close_old_connections()
        with self._lock:
            pending = list(self._pending)
        return list(
            Generation.objects.filter(_due(), status__in=POLLED, provider_key_id=self.key_id)
            .exclude(pk__in=pending)
            .select_related("provider_key")
            .order_by("next_poll_at")[:LANE_BATCH]
        )

    def _seconds_to_next_due(self) -> float | None:
        """Seconds until the key's next job is due (0 if one is), None if it has none."""
        soonest = Generation.objects.filter(
            status__in=POLLED, provider_key_id=self.key_id
        ).aggregate(at=Min("next_poll_at"))["at"]
        if soonest is None:
            has_any = Generation.objects.filter(
                status__in=POLLED, provider_key_id=self.key_id
            ).exists()
            return 0.0 if has_any else None
        return max(0.0, (soonest - timezone.now()).total_seconds())

    def _dispatch(self, batch: list[Generation]) -> None:
        in_flight = in_flight_per_key([self.key_id])
        for generation in batch:
            if generation.provider_key.needs_login_since:
                wait_for_login(generation, POLLED)  # no provider call until they sign in
                continue
            ticket = None
            while ticket is None:
                if not self._running():
                    return
                ticket = self.limiter.acquire(self.key_id, timeout=self.service.tick)
            spacing = spacing_of(generation, in_flight, self.service.webhook_keys)
            with self._lock:
                self._pending.add(generation.pk)
            self._work.put((generation, ticket, spacing))

    # --- the senders: one fetch each, then its answer stored ----------------------------------

    def _send_loop(self) -> None:
        try:
            while True:
                item = self._work.get()
                if item is None:
                    return
                generation, ticket, spacing = item
                try:
                    self._fetch_and_store(generation, ticket, spacing)
                except Exception:
                    log.exception("poll of generation %s failed", generation.pk)
                finally:
                    with self._lock:
                        self._pending.discard(generation.pk)
        finally:
            connection.close()

    def _fetch_and_store(self, generation: Generation, ticket: int, spacing: float) -> None:
        try:
            result = registry.client_for(generation.provider_key).fetch_message(
                generation.message_id, video=generation.model == Model.VIDEO
            )
        except ProviderError as exc:
            result = exc
        finally:
            self.limiter.release(self.key_id, ticket)
        close_old_connections()
        if isinstance(result, ProviderError) and result.status == 429:
            seconds = result.retry_after or 1.0
            self.limiter.hold(self.key_id, seconds)  # this lane's next sends wait
            hold_key(self.key_id, seconds)  # its submits, and every process, too
        handle_result(generation, result, spacing, start_download=self.service.start_download)


def new_owner() -> str:
    """A name for one poll service's hold of the lease."""
    return f"service-{uuid.uuid4().hex}"


def claim_lease(owner: str) -> bool:
    """Take the poller lease for a service that is about to start, before the task cluster
    forks its workers: a poll task they run (scheduled every minute, or enqueued after a
    submit) then finds it held and returns, instead of polling for POLL_LOOP_SECONDS in one
    shared pass while the service waits. Opens no thread (the caller forks next, after
    closing its connections: web/prefork.py). False when another cluster's service holds it."""
    return leases.take_lease(LEASE, owner, settings.POLL_LEASE_SECONDS)


class _Submitter:
    """Retries of queued submits (their spacing or backoff over) on a thread of their own, so
    a slow provider never holds up the service's tick; each job is queued here once."""

    def __init__(self, submit: Callable[[object], object]) -> None:
        self._submit = submit
        self._work: queue.Queue = queue.Queue()
        self._pending: set = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True, name="poll-submits")
        self._thread.start()

    def __call__(self, generation_id) -> None:
        with self._lock:
            if generation_id in self._pending:
                return
            self._pending.add(generation_id)
        self._work.put(generation_id)

    def close(self) -> None:
        self._work.put(None)

    def _run(self) -> None:
        try:
            while (generation_id := self._work.get()) is not None:
                try:
                    close_old_connections()
                    self._submit(generation_id)
                except Exception:
                    log.exception("submit of generation %s failed", generation_id)
                finally:
                    with self._lock:
                        self._pending.discard(generation_id)
        finally:
            connection.close()


class PollService:
    """Keeps every running job polled while its thread runs (`start` … `stop`).

    `start_download(generation_id)` hands a download to the task cluster
    (enqueue.enqueue_download); `start_submit(generation_id)` retries a queued submit (by
    default on a thread of the service, submit.generation_submit); `limiter` paces each key's
    progress requests; `owner` names its hold of the lease (claim_lease may take it first).
    Use `step()` alone (no thread) to run one tick: take or renew the lease, housekeeping,
    start lanes.
    """

    def __init__(
        self,
        *,
        start_download: Callable[[object], None],
        start_submit: Callable[[object], object] | None = None,
        limiter: SlidingWindowLimiter = progress_limiter,
        lease_seconds: float | None = None,
        tick: float | None = None,
        owner: str | None = None,
    ) -> None:
        self.start_download = start_download
        self._submitter = None if start_submit else _Submitter(generation_submit)
        self.start_submit = start_submit or self._submitter
        self.limiter = limiter
        self.lease_seconds = lease_seconds or settings.POLL_LEASE_SECONDS
        self.tick = min(MAX_TICK, tick or settings.POLL_TICK)
        self.owner = owner or new_owner()
        self.holding = False
        self.webhook_keys: set = set()
        self.lanes: dict[object, KeyLane] = {}
        self._stop = threading.Event()
        self._heartbeat = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="poll-service")

    def start(self) -> PollService:
        self._thread.start()
        return self

    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the lanes, let the lease go (another cluster takes over at its next tick)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        else:
            self._let_go()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.step()
                except Exception:  # the database went away for a moment: try again
                    log.exception("poll service tick failed")
                    connection.close()
                self._stop.wait(self.tick)
        finally:
            self._let_go()
            connection.close()

    def step(self) -> bool:
        """One tick. True while this service holds the lease (and so polls)."""
        close_old_connections()
        if not leases.take_lease(LEASE, self.owner, self.lease_seconds):
            if self.holding:
                log.warning("poll service lost the poller lease: another cluster polls")
                self._stop_lanes()
                self._end_heartbeat()
            self.holding = False
            return False
        if not self.holding:
            self.holding = True
            self._heartbeat = leases.heartbeat(LEASE, self.owner, self.lease_seconds).__enter__()
        now = timezone.now()
        self.webhook_keys = webhook_keys_since(now)
        housekeeping(now, start_download=self.start_download, start_submit=self.start_submit)
        for key_id in self._keys_to_poll():
            lane = self.lanes.get(key_id)
            if lane is None or not lane.alive():
                self.lanes[key_id] = KeyLane(self, key_id).start()
        for key_id in [k for k, lane in self.lanes.items() if not lane.alive()]:
            del self.lanes[key_id]
        return True

    def _keys_to_poll(self) -> set:
        return set(
            Generation.objects.filter(status__in=POLLED)
            .exclude(provider_key=None)
            .values_list("provider_key_id", flat=True)
            .distinct()
        )

    def _stop_lanes(self) -> None:
        lanes = list(self.lanes.values())
        for lane in lanes:
            lane.stop()
        for lane in lanes:
            lane.join(30)
        self.lanes.clear()

    def _end_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.__exit__(None, None, None)
            self._heartbeat = None

    def _let_go(self) -> None:
        if self._submitter is not None:
            self._submitter.close()
        self._stop_lanes()
        self._end_heartbeat()
        if self.holding:
            leases.release_lease(LEASE, self.owner)
            self.holding = False
