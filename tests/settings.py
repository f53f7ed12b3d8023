"""Test settings: the real settings with fast clocks and a fast password hasher."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SANDBOX_TIME_SCALE", "0.05")
os.environ.setdefault("POLL_INTERVAL", "0.3")
os.environ.setdefault("POLL_TICK", "0.1")
os.environ.setdefault("POLL_LOOP_SECONDS", "20")
# Sandbox faults: tests poll the sandbox directly at ~20 fetches/s; the limit itself is tested
# with the documented 10/s (tests/sandbox/test_faults_rate.py).
os.environ.setdefault("SANDBOX_PROGRESS_RATE", "100")
# The tests talk to the simulator, whatever DEBUG says (tests/without_sandbox turns it off).
os.environ.setdefault("SANDBOX_ENABLED", "True")
# Cards drawn by one test must not serve another run's: each process keeps its own.
os.environ.setdefault("CARD_CACHE", "memory")

from studio.settings import *  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# live_server serves /static/ through finders: hashed names would 404 (docs/architecture.md "Pitfalls", risk 4).
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(VAR_DIR / "test-media")))
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Each test process owns its run: the main pytest process, or each pytest-xdist worker
# (`-n`), which inherits the main process's environment and must not take its names. A
# process a test starts (a qcluster, a studio server) inherits its parent's names instead:
# STUDIO_TEST_WORKER tells the two apart.
_WORKER = os.getenv("PYTEST_XDIST_WORKER", "main")
if os.getenv("STUDIO_TEST_WORKER") != _WORKER:
    os.environ["STUDIO_TEST_WORKER"] = _WORKER
    os.environ["STUDIO_TEST_RUN"] = f"test-{os.getpid()}"
    os.environ.pop("STUDIO_TEST_DB_NAME", None)

# One test database file per run, so parallel runs (several developers' shells, xdist
# workers) never share one. A file, not memory: browser tests share it with a real qcluster.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # as the tests were written: one per request
    _FILE = VAR_DIR / f"{os.environ['STUDIO_TEST_RUN']}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_FILE)}

# --- Scale-out: PostgreSQL and Redis (DATABASE_URL / REDIS_URL, see scripts/ci-services.sh) ---
# The same per-run isolation on a server: the test database, django-q2's queue (its Redis
# list is named after the cluster) and the cache keys all carry the run's name, so two runs
# against one PostgreSQL and one Redis never see each other's rows, tasks or counters. The
# names are in the environment, so a `manage.py qcluster` a test starts (it inherits it)
# works on the run's test database, queue and cache, as the file SQLite does above.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if os.getenv("STUDIO_TEST_DB_NAME"):  # a subprocess of a test run: its test database
        DATABASES["default"]["NAME"] = os.environ["STUDIO_TEST_DB_NAME"]
    else:
        DATABASES["default"]["TEST"] = {"NAME": f"test_studio_{os.getpid()}"}
        os.environ["STUDIO_TEST_DB_NAME"] = DATABASES["default"]["TEST"]["NAME"]
if REDIS_URL:
    # Tests empty the cache (cache.clear() is Redis's FLUSHDB, whatever the prefix), so each
    # xdist worker gets a Redis database of its own (gw0 → 1, gw1 → 2, …; one process: 0).
    if _WORKER.startswith("gw"):
        _REDIS = urlsplit(REDIS_URL)
        REDIS_URL = urlunsplit(_REDIS._replace(path=f"/{int(_WORKER[2:]) % 15 + 1}"))
        Q_CLUSTER["redis"] = CACHES["default"]["LOCATION"] = REDIS_URL
    Q_CLUSTER["name"] = f"studio-{os.environ['STUDIO_TEST_RUN']}"
    CACHES["default"]["KEY_PREFIX"] = os.environ["STUDIO_TEST_RUN"]

# Live-channel streams end sooner than in production (the browser reconnects by itself), so a
# closed test page frees its live-server thread and database connection within 3 s.
LIVE_STREAM_SECONDS = 3.0
