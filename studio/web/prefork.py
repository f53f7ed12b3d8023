"""Getting a loaded process ready to fork children that share its memory: gunicorn's arbiter
with the app preloaded (docker/gunicorn.conf.py) and the task cluster's main process before it
forks its sentinel and workers (generation/management/commands/qcluster.py).

A forked child shares its parent's pages until either writes to them. Python writes to an
object's page whenever the garbage collector walks it, so what the parent loaded is moved out
of the collector's reach first (`gc.freeze`, as the Python docs advise before a fork without
exec: https://docs.python.org/3/library/gc.html#gc.freeze). A database connection must not be
used by two processes, so the parent's are closed; each child opens its own on first use.
"""

from __future__ import annotations

import gc
import logging
import threading

log = logging.getLogger(__name__)


def prepare_fork() -> None:
    """Close this process's database connections, collect its garbage once and freeze the
    rest, so children forked from now on share the loaded code and data. Logs a warning when
    another thread is already running: a fork copies only the calling thread, and a lock that
    thread held stays held in the child."""
    from django.db import connections

    connections.close_all()
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    if others:
        log.warning("forking with other threads running: %s", ", ".join(others))
    gc.collect()
    gc.freeze()
