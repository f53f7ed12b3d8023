"""A real `manage.py runstudio` in a subprocess, on a throw-away SQLite database and a free port:
what tests of the launcher and of a studio on a non-default port share."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANAGE = str(ROOT / "manage.py")
# Ceiling, in seconds, for a launched studio's first answer: its web server and cluster import
# Django and the studio from scratch, which took over 15 s on a CI machine with both cores busy.
# wait_for returns as soon as the answer comes, so a quiet machine never waits this long.
STARTUP = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    stat = proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = proc_stat(int(entry.name))
            if stat is not None:
                children.setdefault(stat[1], []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def http_answer(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status
    except urllib.error.HTTPError as error:  # any HTTP answer proves the server is up
        return error.code
    except OSError:
        return None


def wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def studio_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a studio of its own: the real settings (DEBUG, sandbox on), a
    database and var/ in tmp_path, one worker; SITE_URL unset, as after a fresh install."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SITE_URL", "PUBLIC_BASE_URL")
        and not key.startswith(("SANDBOX_", "WEBHOOK_"))
    }
    env.update(
        DEBUG="True",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        STUDIO_VAR_DIR=str(tmp_path),
        MEDIA_ROOT=str(tmp_path / "media"),
        Q_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 60) -> str:
    """Run `manage.py <args>` in that environment; its output, AssertionError if it fails."""
    done = subprocess.run(
        [sys.executable, MANAGE, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def start_runstudio(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    """`manage.py runstudio --port <port>` in its own process group (a shell's foreground job),
    its output in log_path."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, MANAGE, "runstudio", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_runstudio(launcher: subprocess.Popen, seen: set[int]) -> None:
    """Ctrl+C, then SIGKILL whatever of it is still alive."""
    if launcher.poll() is None:
        os.killpg(launcher.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            launcher.wait(timeout=20)
    for pid in {launcher.pid, *seen, *descendants(launcher.pid)}:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    launcher.wait(timeout=5)
