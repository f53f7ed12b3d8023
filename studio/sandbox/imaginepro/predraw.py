"""Drawing a job's result files while it is still running, as the real provider has its image
ready at DONE (docs/provider-contract.md §1.3: `uri` is served as soon as the Message says
DONE).

`schedule_drawing(job)`, called at submit, hands the job to one daemon thread per process
after the submit commits; that thread draws jobs in the order they end (outputs.ensure_files,
the same files, paths and bytes as a lazy draw) unless they will not end DONE. It draws a job
in the last MARGIN seconds before it ends, not at once: the provider renders on its own
machines while the job runs, and drawings started at submit took a core of the web process
(and its GIL) from the requests of a burst of submits, for jobs ending minutes later. Each
drawing starts early enough for every job queued behind it to be drawn by its own end
(`drawing_starts_at`, at the measured time per drawing). Closer to the end than MARGIN, the
drawings of a hundred jobs ending together ran while the first of them were downloaded
(DONE → stored p95 2.1 s against 1.0 s; README "Benchmarks").
Nothing depends on it: a job the thread has not reached (a busy or restarted process) is
still drawn on the first fetch that sees DONE, as before.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time

from django.db import close_old_connections, connections, transaction

from .. import clock
from ..models import SandboxJob
from .outputs import ensure_files

log = logging.getLogger(__name__)

MARGIN = 10.0  # s: a drawing is due this long before the latest start that would still do
FIRST_ESTIMATE = 0.25  # s per drawing until one is measured (a 2×2 grid takes ~0.05–0.2 s)
RECHECK = 0.5  # s: the longest wait between looks at the clock (a test's clock jumps)

_lock = threading.Condition()
_waiting: list[tuple[float, str]] = []  # (ends_at as epoch seconds, job id), soonest first
_worker: threading.Thread | None = None
_per_drawing = FIRST_ESTIMATE  # s, a moving average of the drawings' wall time


def drawing_starts_at(ends: list[float], per_drawing: float, margin: float = MARGIN) -> float:
    """When the first of `ends` (epoch seconds, ascending: the jobs queued for drawing) must
    start drawing for each to be drawn by its end, one after another, `per_drawing` seconds
    each, with `margin` seconds to spare; -inf when nothing is queued."""
    if not ends:
        return float("-inf")
    return min(end - (k + 1) * per_drawing for k, end in enumerate(ends)) - margin


def schedule_drawing(job: SandboxJob) -> None:
    """Once the submit commits, queue `job` for drawing if it is planned to end DONE."""
    if job.outcome != SandboxJob.Outcome.DONE:
        return
    entry = (job.ends_at.timestamp(), str(job.pk))
    transaction.on_commit(lambda: _enqueue(entry))


def _enqueue(entry: tuple[float, str]) -> None:
    global _worker
    with _lock:
        bisect.insort(_waiting, entry)
        # A thread does not survive a fork: a worker process starts its own.
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="sandbox-predraw", daemon=True)
            _worker.start()
        _lock.notify()


def _next_due() -> str:
    """Wait until the soonest-ending job is due for drawing; its id (taken off the queue)."""
    with _lock:
        while True:
            if not _waiting:
                _lock.wait()
                continue
            ends = [end for end, _ in _waiting]
            wait = drawing_starts_at(ends, _per_drawing) - clock.now().timestamp()
            if wait <= 0:
                return _waiting.pop(0)[1]
            _lock.wait(timeout=min(wait, RECHECK))


def _run() -> None:
    global _per_drawing
    while True:
        pk = _next_due()
        started = time.monotonic()
        try:
            close_old_connections()
            if _draw(pk):
                _per_drawing = 0.8 * _per_drawing + 0.2 * (time.monotonic() - started)
        except Exception:  # a background thread has nobody to report to
            log.exception("sandbox pre-draw of %s failed", pk)
        finally:
            with _lock:
                idle = not _waiting
            if idle:  # keep no connection open while nothing is queued
                connections.close_all()


def _draw(pk: str) -> bool:
    """Draw the job's files unless that is no longer wanted; whether it drew them."""
    # Read again: a Cancel Job or a fault may have turned the job into a FAIL meanwhile.
    job = SandboxJob.objects.select_related("parent").filter(pk=pk).first()
    if job is None or job.files_ready or job.outcome != SandboxJob.Outcome.DONE:
        return False
    ensure_files(job)
    return True
