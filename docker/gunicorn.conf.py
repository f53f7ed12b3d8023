"""gunicorn settings for the studio's web service (`gunicorn -c docker/gunicorn.conf.py`).

Read from the environment, so one image fits a small box and a big one:

- GUNICORN_WORKERS (default: 2 x CPUs + 1, at most 8) processes, each with GUNICORN_THREADS
  (default 8) threads (the gthread worker). Requests are short (the provider is never called
  in a request), so threads mostly wait on the database; each open page also holds one thread
  for its live channel (docs/architecture.md "Live updates"); with PostgreSQL every thread may hold
  one connection (DB_CONN_MAX_AGE), so workers x threads must stay under max_connections.
- GUNICORN_TIMEOUT (30 s): a worker silent for this long is restarted; GUNICORN_GRACEFUL_TIMEOUT
  (30 s): on SIGTERM (`docker stop`) running requests get this long to finish.
- GUNICORN_MAX_REQUESTS (0 = never): recycle a worker after this many requests (+ jitter).
- PORT (8000) on 0.0.0.0, or GUNICORN_BIND.
- GUNICORN_ACCESS_LOG ("-" = stdout, "" = off, the default): one line per request, the path
  without its query string (share tokens and search terms stay out of the logs).

The sandbox, served by the studio itself, runs inside these workers: its webhook timers are
daemon threads of the worker that took the submit, and every sandbox request sweeps late
webhooks as a backstop, so a recycled worker loses no delivery.

The app is preloaded (GUNICORN_PRELOAD, default 1): the arbiter loads Django, the URLconf with
every view and the first pages' templates once (`when_ready`), closes any database connection,
then freezes what it holds out of the garbage collector's reach (`gc.freeze`, and again before
each fork), so the workers share those pages instead of each loading its own copy (about half a
worker's memory; README "Benchmarks"). Nothing opens a thread or a connection while loading: a
fork copies only the thread that forks. A code change needs a restart, not a HUP.
GUNICORN_PRELOAD=0 loads the app in each worker instead.

With STORAGE_BACKEND=s3 the object store is checked before any worker starts (`manage.py
check --tag storage` in a child process, as `runserver` and `qcluster` check it): a missing
bucket, an unreachable store or refused credentials stop gunicorn with that one sentence.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", min(8, multiprocessing.cpu_count() * 2 + 1))
threads = _int("GUNICORN_THREADS", 8)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() not in ("0", "false", "no")
# Behind a proxy that sets X-Forwarded-Proto (settings trust it when DEBUG=False).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Heartbeat files in memory, not on a possibly slow container overlay.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# %(U)s is the path alone: no query string (%(q)s) and no full request line (%(r)s).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def on_starting(server) -> None:
    """The object store's start-up check (system check media.E001) when it is in use."""
    if os.environ.get("STORAGE_BACKEND", "local").strip().lower() != "s3":
        return
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--tag", "storage"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        server.log.error("The studio cannot start: %s", done.stderr.strip())
        raise SystemExit(1)


def when_ready(server) -> None:
    """With the app preloaded: warm it in the arbiter (studio.web.warm) so the workers inherit
    the URLconf and templates, close the database connections the load may have opened (a
    connection must not be shared by two processes), and freeze the heap (see the docstring)."""
    if not server.cfg.preload_app:
        return
    from studio.web.prefork import prepare_fork
    from studio.web.warm import warm_process

    warm_process()
    prepare_fork()


def pre_fork(server, worker) -> None:
    """Freeze what the arbiter allocated since the last fork too (a replaced worker)."""
    if server.cfg.preload_app:
        gc.freeze()


def post_worker_init(worker) -> None:
    """Load the URLconf and the first pages' templates before the worker takes a request
    (studio.web.warm), so nobody's first gallery page pays for them: already done in the
    arbiter when preloaded (then this finds them cached)."""
    from studio.web.warm import warm_process

    warm_process()
