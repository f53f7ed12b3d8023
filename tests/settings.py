"""Test settings: the real settings with fast clocks and a fast password hasher."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SANDBOX_TIME_SCALE", "0.05")
os.environ.setdefault("POLL_INTERVAL", "0.3")
os.environ.setdefault("POLL_TICK", "0.1")
os.environ.setdefault("POLL_LOOP_SECONDS", "20")

from studio.settings import *  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# live_server serves /static/ through finders: hashed names would 404 (TECH.md risk 4).
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(VAR_DIR / "test-media")))
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# One test database file per run, so parallel runs (several developers' shells) never share
# one. A file, not memory: browser tests share it with a real qcluster process.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
