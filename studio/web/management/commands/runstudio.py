"""`manage.py runstudio`: the development web server and the django-q2 cluster together.

The children get SITE_URL for the address actually served (unless it is set), so the sandbox's
base URL, the public base URL for uploads and the webhook base URL follow `--port`: a studio on
another port never sends its sandbox keys, prompts or webhook tokens to whatever listens on 8000.
A cluster that dies is started again after a back-off (1 s, doubling up to 30 s) while the web
server keeps serving; a web server that dies stops the studio.

Each child runs in its own session (so its own process group): the terminal's Ctrl+C reaches
only this launcher, which then stops the children one PID at a time. django-q2's cluster can
hang in "stopping" when its whole process group gets SIGTERM (docs/architecture.md "Pitfalls" §1, risk 5), so the
cluster is only ever sent SIGTERM on its own PID; SIGKILL to its group is the last resort.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the launcher itself dies (even by SIGKILL).

    Linux only; elsewhere this is a no-op and an orphaned child must be stopped by hand.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return


def _how(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed unexpectedly by {name}"
    return f"exited unexpectedly with code {returncode}"


RESTART_FIRST_DELAY = 1.0  # seconds before the first restart of a dead cluster
RESTART_MAX_DELAY = 30.0
RESTART_CALM = 60.0  # a cluster that ran this long starts the back-off again from the first delay


def site_url(host: str, port: int) -> str:
    """The address the children reach this studio at, e.g. "http://127.0.0.1:8105".

    A wildcard bind (0.0.0.0, ::) is reached on loopback; an IPv6 host is bracketed.
    """
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    shown = f"[{target}]" if ":" in target else target
    return f"http://{shown}:{port}"


@dataclass
class Child:
    name: str
    argv: list[str]
    # True: SIGTERM goes to the child's whole process group (fine for runserver, and needed
    # for its autoreloader's inner process). False: to the child's PID only (qcluster).
    group_term: bool
    proc: subprocess.Popen | None = None
    # Started again when it dies (the cluster); False: its death stops the studio (web server).
    restart: bool = False
    started_at: float = 0.0
    delay: float = RESTART_FIRST_DELAY
    restart_at: float | None = None

    def start(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            self.argv,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # safe: the launcher starts no threads
        )
        self.started_at = time.monotonic()
        self.restart_at = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _signal(self, sig: int, group: bool) -> None:
        try:
            if group:
                os.killpg(self.pid, sig)
            else:
                os.kill(self.pid, sig)
        except ProcessLookupError:
            pass

    def terminate(self) -> None:
        if self.running():
            self._signal(signal.SIGTERM, self.group_term)

    def kill_group(self) -> None:
        """SIGKILL the child's own process group (its session: nothing else is in it)."""
        self._signal(signal.SIGKILL, True)


class Command(BaseCommand):
    help = (
        "Run the studio for development: runserver and the django-q2 cluster (qcluster) as "
        "two child processes. Ctrl+C stops both."
    )
    requires_system_checks = []  # runserver runs them itself

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to bind (8000)")
        parser.add_argument(
            "--reload",
            action="store_true",
            help="restart the web server when code changes (the cluster is not reloaded)",
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=15.0,
            help="seconds to wait for the children to stop before killing them (15)",
        )

    def handle(self, *args, host, port, reload, grace, **options):
        manage = str(settings.BASE_DIR / "manage.py")
        python = sys.executable
        addr = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        web_argv = [python, manage, "runserver", addr]
        if not reload:
            web_argv.append("--noreload")
        children = [
            Child("web server (runserver)", web_argv, group_term=True),
            Child(
                "task cluster (qcluster)",
                [python, manage, "qcluster"],
                group_term=False,
                restart=True,
            ),
        ]

        env = os.environ.copy()
        env.setdefault("PYTHONUNBUFFERED", "1")
        # manage.py sets this only with setdefault; make the children use what we use.
        env["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE", "studio.settings")
        if not os.environ.get("SITE_URL"):
            env["SITE_URL"] = site_url(host, port)

        if not self._can_bind(host, port):
            raise CommandError(
                f"port {port} on {host} is already in use: is the studio already running? "
                "Use --port to pick another."
            )

        signals_seen: list[int] = []

        def on_signal(signum, frame):
            signals_seen.append(signum)

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, on_signal)

        for child in children:
            child.start(env)

        announced = False
        failed: Child | None = None
        try:
            while not signals_seen:
                failed = next((c for c in children if not c.running() and not c.restart), None)
                if failed is not None:
                    break
                for child in children:
                    if child.restart:
                        self._restart_if_dead(child, env)
                if not announced and self._answers(host, port):
                    shown = f"[{host}]" if ":" in host else host
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"Studio is running on http://{shown}:{port} "
                            "(sandbox provider; Ctrl+C to stop)"
                        )
                    )
                    announced = True
                time.sleep(0.2)
        finally:
            if failed is not None:
                self.stderr.write(
                    f"The {failed.name} {_how(failed.proc.returncode)}; stopping the other process."
                )
            elif signals_seen:
                self.stdout.write(
                    f"Got {signal.Signals(signals_seen[0]).name}: stopping the studio "
                    "(Ctrl+C again to kill at once)..."
                )
            self._stop(children, grace, signals_seen)

        if failed is not None:
            raise CommandError(f"the {failed.name} {_how(failed.proc.returncode)}", returncode=1)
        self.stdout.write("Studio stopped.")

    def _restart_if_dead(self, child: Child, env: dict[str, str]) -> None:
        """Schedule a dead child's restart after its back-off, and start it when that is due."""
        if child.running():
            return
        now = time.monotonic()
        if child.restart_at is None:
            if now - child.started_at >= RESTART_CALM:
                child.delay = RESTART_FIRST_DELAY
            child.kill_group()  # its forked workers, if any outlived it
            child.proc.wait()
            child.restart_at = now + child.delay
            self.stderr.write(
                f"The {child.name} {_how(child.proc.returncode)}; starting it again in "
                f"{child.delay:g} s. The web server keeps serving."
            )
            child.delay = min(child.delay * 2, RESTART_MAX_DELAY)
        elif now >= child.restart_at:
            child.start(env)
            self.stderr.write(f"The {child.name} started again (pid {child.pid}).")

    @staticmethod
    def _can_bind(host: str, port: int) -> bool:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                return False
        return True

    @staticmethod
    def _answers(host: str, port: int) -> bool:
        target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        try:
            with socket.create_connection((target, port), timeout=0.2):
                return True
        except OSError:
            return False

    def _stop(self, children: list[Child], grace: float, signals_seen: list[int]) -> None:
        """SIGTERM each child on its own, wait up to `grace` s, then SIGKILL what is left.

        A second signal while waiting (Ctrl+C twice) skips the rest of the wait.
        """
        already = len(signals_seen)
        for child in children:
            child.terminate()
        deadline = time.monotonic() + grace
        while (
            any(c.running() for c in children)
            and time.monotonic() < deadline
            and len(signals_seen) <= already
        ):
            time.sleep(0.1)
        for child in children:
            if child.running():
                self.stderr.write(f"The {child.name} did not stop in time: killing it.")
                child.kill_group()
            if child.proc is not None:
                child.proc.wait()
            # Sweep up anything the child left behind in its own group (forked workers).
            child.kill_group()
