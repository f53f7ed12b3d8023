"""Drawing a job's result files while it is still running, as the real provider has its image
ready at DONE (docs/provider-contract.md §1.3: `uri` is served as soon as the Message says
DONE).

`schedule_drawing(job)`, called at submit, hands the job to one daemon thread per process
after the submit commits; that thread draws jobs in the order they end (outputs.ensure_files,
the same files, paths and bytes as a lazy draw) unless they will not end DONE. Nothing
depends on it: a job the thread has not reached (a busy or restarted process) is still drawn
on the first fetch that sees DONE, as before.
"""

from __future__ import annotations

import heapq
import logging
import threading

from django.db import close_old_connections, connections, transaction

from ..models import SandboxJob
from .outputs import ensure_files

log = logging.getLogger(__name__)

_lock = threading.Condition()
_waiting: list[tuple[float, str]] = []  # (ends_at as epoch seconds, job id): soonest first
_worker: threading.Thread | None = None


def schedule_drawing(job: SandboxJob) -> None:
    """Once the submit commits, queue `job` for drawing if it is planned to end DONE."""
    if job.outcome != SandboxJob.Outcome.DONE:
        return
    entry = (job.ends_at.timestamp(), str(job.pk))
    transaction.on_commit(lambda: _enqueue(entry))


def _enqueue(entry: tuple[float, str]) -> None:
    global _worker
    with _lock:
        heapq.heappush(_waiting, entry)
        # A thread does not survive a fork: a worker process starts its own.
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="sandbox-predraw", daemon=True)
            _worker.start()
        _lock.notify()


def _run() -> None:
    while True:
        with _lock:
            while not _waiting:
                _lock.wait()
            _, pk = heapq.heappop(_waiting)
        try:
            close_old_connections()
            _draw(pk)
        except Exception:  # a background thread has nobody to report to
            log.exception("sandbox pre-draw of %s failed", pk)
        finally:
            with _lock:
                idle = not _waiting
            if idle:  # keep no connection open while nothing is queued
                connections.close_all()


def _draw(pk: str) -> None:
    # Read again: a Cancel Job or a fault may have turned the job into a FAIL meanwhile.
    job = SandboxJob.objects.select_related("parent").filter(pk=pk).first()
    if job is None or job.files_ready or job.outcome != SandboxJob.Outcome.DONE:
        return
    ensure_files(job)
