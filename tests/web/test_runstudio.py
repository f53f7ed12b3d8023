"""`manage.py runstudio` as a person uses it: start, get an answer, Ctrl+C, nothing left over.

Runs the real launcher in a subprocess against a throw-away SQLite database. Ctrl+C is
simulated as a terminal sends it: SIGINT to the launcher's whole process group.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MANAGE = str(ROOT / "manage.py")

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


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


def test_runstudio_serves_and_stops_everything_on_ctrl_c(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env.update(
        DEBUG="True",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        STUDIO_VAR_DIR=str(tmp_path),
        Q_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    migrate = subprocess.run(
        [sys.executable, MANAGE, "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    port = free_port()
    log_path = tmp_path / "runstudio.log"
    with log_path.open("wb") as log:
        launcher = subprocess.Popen(
            [sys.executable, MANAGE, "runstudio", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, like a shell's foreground job
        )
    seen: set[int] = set()
    try:
        status = wait_for(
            lambda: launcher.poll() is not None or http_answer(f"http://127.0.0.1:{port}/"),
            timeout=15,
        )
        assert launcher.poll() is None, f"runstudio exited early:\n{log_path.read_text()}"
        assert status, f"no HTTP answer on port {port}:\n{log_path.read_text()}"

        # The launcher's own greeting, and the cluster's processes forked (checked below too).
        assert wait_for(
            lambda: (
                f"Studio is running on http://127.0.0.1:{port} " in log_path.read_text()
                and "running." in log_path.read_text()
            ),
            timeout=10,
        ), log_path.read_text()
        seen = descendants(launcher.pid)
        assert len(seen) >= 3, seen  # runserver, qcluster and the cluster's own processes

        started = time.monotonic()
        os.killpg(launcher.pid, signal.SIGINT)
        returncode = launcher.wait(timeout=20)
        left = wait_for(
            lambda: not {pid for pid in seen if alive(pid)},
            timeout=max(0.0, 20 - (time.monotonic() - started)),
        )
        log = log_path.read_text()
        assert returncode == 0, log
        assert left, f"still running after SIGINT: {[pid for pid in seen if alive(pid)]}\n{log}"
    finally:
        for pid in {launcher.pid, *seen}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        launcher.wait(timeout=5)
