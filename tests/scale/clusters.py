"""Real `manage.py qcluster` processes for tests: started on the run's test database and
task queue, stopped by signalling their own PID (a process-group SIGTERM can hang django-q2's
cluster, docs/architecture.md "Pitfalls" §1).

A test using them must be `@pytest.mark.django_db(transaction=True)` with `live_server`: the
clusters only see committed rows. On SQLite the test database is a file (tests/settings.py)
passed as SQLITE_PATH; on PostgreSQL and Redis tests/settings.py has put the test database's
and the queue's names in the environment, which the child inherits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def qcluster_env(*, site_url: str, media_root: Path, **extra: str) -> dict[str, str]:
    """The environment of a test's qcluster: the test settings and database, the sandbox and
    the studio's own address (webhooks, public links) on `site_url` (live_server.url)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SITE_URL": site_url,
        "PUBLIC_BASE_URL": site_url,
        "SANDBOX_BASE_URL": f"{site_url}/sandbox/imaginepro/api/v1",
        "SANDBOX_IMAGINELAB_BASE_URL": f"{site_url}/sandbox/imaginelab/api/v1",
        "MEDIA_ROOT": str(media_root),
        "PYTHONUNBUFFERED": "1",
    }
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        env["SQLITE_PATH"] = str(settings.DATABASES["default"]["NAME"])
    env.update(extra)
    return env


class Cluster:
    """One `manage.py qcluster` child; its log (stderr and stdout) goes to `log_path`."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_running(self, seconds: float = 60) -> None:
        """Until django-q2 says the cluster is running; AssertionError with its log if it
        dies or never gets there."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if " running." in self.log:
                return
            assert self.process.poll() is None, f"qcluster exited:\n{self.log}"
            time.sleep(0.1)
        raise AssertionError(f"qcluster not running after {seconds} s:\n{self.log}")

    def stop(self, grace: float = 30) -> None:
        """SIGTERM to the cluster's own PID, SIGKILL to its session if it does not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):  # forked workers left behind, if any
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()
