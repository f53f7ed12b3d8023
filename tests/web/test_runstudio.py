"""`manage.py runstudio` as a person uses it: start, get an answer, Ctrl+C, nothing left over;
a cluster that dies is started again while the web server keeps serving.

Runs the real launcher in a subprocess against a throw-away SQLite database. Ctrl+C is
simulated as a terminal sends it: SIGINT to the launcher's whole process group.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from studio.web.management.commands.runstudio import site_url
from tests.web.studio_process import (
    STARTUP,
    alive,
    descendants,
    free_port,
    http_answer,
    manage,
    start_runstudio,
    stop_runstudio,
    studio_env,
    wait_for,
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def cluster_pid(launcher_pid: int) -> int | None:
    """The launcher's qcluster child (the process whose command line ends in `qcluster`)."""
    for pid in descendants(launcher_pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"qcluster" in argv and alive(pid):
            parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
            if int(parent) == launcher_pid:
                return pid
    return None


def test_runstudio_serves_and_stops_everything_on_ctrl_c(tmp_path):
    env = studio_env(tmp_path)
    manage(env, "migrate", "--noinput")

    port = free_port()
    log_path = tmp_path / "runstudio.log"
    launcher = start_runstudio(env, port, log_path)
    seen: set[int] = set()
    try:
        status = wait_for(
            lambda: launcher.poll() is not None or http_answer(f"http://127.0.0.1:{port}/"),
            timeout=STARTUP,
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
        stop_runstudio(launcher, seen)


def test_a_killed_cluster_is_started_again_and_the_web_server_keeps_serving(tmp_path):
    env = studio_env(tmp_path)
    manage(env, "migrate", "--noinput")
    port = free_port()
    log_path = tmp_path / "runstudio.log"
    launcher = start_runstudio(env, port, log_path)
    try:
        first = wait_for(lambda: cluster_pid(launcher.pid), timeout=STARTUP)
        assert first, log_path.read_text()
        assert wait_for(lambda: http_answer(f"http://127.0.0.1:{port}/"), timeout=STARTUP)

        os.kill(first, signal.SIGKILL)

        second = wait_for(
            lambda: (pid := cluster_pid(launcher.pid)) not in (None, first) and pid, timeout=20
        )
        log = log_path.read_text()
        assert second, log
        assert "task cluster (qcluster) was killed unexpectedly by SIGKILL" in log
        assert "starting it again in 1 s. The web server keeps serving." in log
        assert launcher.poll() is None, log
        assert http_answer(f"http://127.0.0.1:{port}/"), log
    finally:
        stop_runstudio(launcher, set())


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8105, "http://127.0.0.1:8105"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("::", 8001, "http://[::1]:8001"),
        ("localhost", 8000, "http://localhost:8000"),
    ],
)
def test_the_children_reach_the_studio_on_the_port_it_serves(host, port, expected):
    assert site_url(host, port) == expected
