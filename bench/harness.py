"""The studio as real processes for `make bench` and `make load`, on a throw-away directory.

`prepare(directory)` points this process's Django at `<directory>/db.sqlite3` (production
settings, DEBUG off) and migrates it; `Studio` then starts, on the same files, a gunicorn web
server (the studio and its sandbox) and a django-q2 `qcluster`, each in its own session, and
stops them one PID at a time (docs/architecture.md "Pitfalls", risk 5: a process-group SIGTERM can hang the cluster).
Helpers read the processes' resident memory from /proc, count "database is locked" in their
logs, and drive the studio over HTTP as a person would (sign in, fill in the Midjourney form).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
# Where the throw-away databases, media and logs go (a test points it at a temporary dir).
VAR = Path(os.getenv("BENCH_VAR", ROOT / "var" / "bench"))
LOCKED = "database is locked"
PASSWORD = "bench-password-42"
# A fixed, throw-away Fernet key: a bench database holds only sandbox keys.
BENCH_FERNET_KEY = "bXlfYmVuY2hfb25seV9rZXlfMzJfYnl0ZXNfbG9uZyE="


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_environ(directory: Path, port: int) -> dict[str, str]:
    """Environment of the production settings on `directory`'s own database and media, served
    over plain HTTP on 127.0.0.1:`port` (no HTTPS redirect, no secure-only cookies)."""
    return {
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "DEBUG": "False",
        # The bench talks to the sandbox, which DEBUG=False leaves out unless asked for.
        "SANDBOX_ENABLED": "True",
        "SECRET_KEY": "bench-only-not-secret",
        "FIELD_ENCRYPTION_KEYS": BENCH_FERNET_KEY,
        "STUDIO_VAR_DIR": str(directory),
        "SQLITE_PATH": str(directory / "db.sqlite3"),
        "MEDIA_ROOT": str(directory / "media"),
        "STATIC_ROOT": str(directory / "static"),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_COOKIES": "False",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # Enough sandbox credits for hundreds of jobs on one key.
        "SANDBOX_STARTING_CREDITS": "10000000",
    }


def prepare(directory: Path, port: int, **overrides: str) -> dict[str, str]:
    """Empty `directory`, set this process's environment for it, set Django up and migrate.
    Returns the environment the studio's processes get (overrides included). Call once per
    process, before anything imports Django settings."""
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "static").mkdir(parents=True)
    environ = {**base_environ(directory, port), **overrides}
    os.environ.update(environ)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return environ


def session_members(leader: int) -> list[int]:
    """PIDs of the processes in session `leader` (a child started with start_new_session and
    everything it forked: gunicorn's workers, the cluster's workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # Fields after the command's closing parenthesis: state ppid pgrp session …
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == leader:
            pids.append(int(entry))
    return pids


def _proc_sum(pids: list[int], file: str, field: str) -> int:
    """Sum of the kB figure `field` in /proc/<pid>/`file` over `pids`, in bytes (a process
    gone meanwhile counts 0)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def rss_bytes(pids: list[int]) -> int:
    """Sum of VmRSS of `pids` (pages shared after fork count once per process, so this is
    an upper bound of what they really use)."""
    return _proc_sum(pids, "status", "VmRSS:")


def pss_bytes(pids: list[int]) -> int:
    """Sum of the proportional set sizes of `pids` (/proc/<pid>/smaps_rollup): each shared
    page divided among the processes sharing it, so the sum is what they really hold."""
    return _proc_sum(pids, "smaps_rollup", "Pss:")


@dataclass
class Process:
    name: str
    argv: list[str]
    log: Path
    proc: subprocess.Popen | None = None

    def start(self, env: dict[str, str]) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss(self) -> int:
        return rss_bytes(session_members(self.proc.pid)) if self.running() else 0

    def pss(self) -> int:
        return pss_bytes(session_members(self.proc.pid)) if self.running() else 0

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM to the leader's PID only, wait up to `grace` s, then SIGKILL its session
        (it runs alone in its own session, so nothing else is hit)."""
        if self.proc is None:
            return
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                print(f"    the {self.name} did not stop in {grace:.0f} s: killed", flush=True)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # the leader or forked workers left over
        self.proc.wait()


@dataclass
class Studio:
    """Web server (gunicorn, gthread workers) and task cluster (qcluster) on `env`'s files.

    Logs go to `<directory>/web.log` and `<directory>/cluster.log`, appended across restarts.
    """

    directory: Path
    port: int
    env: dict[str, str]
    web_workers: int = 2
    web_threads: int = 8
    web: Process = field(init=False)
    cluster: Process = field(init=False)

    def __post_init__(self) -> None:
        python = sys.executable
        self.web = Process(
            "web server",
            [
                python,
                "-m",
                "gunicorn",
                "studio.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.web_workers),
                "--threads",
                str(self.web_threads),
                "--worker-class",
                "gthread",
                "--timeout",
                "120",
                "--graceful-timeout",
                "10",
                "--backlog",
                "2048",
                "--no-control-socket",  # its default path is shared by every gunicorn
            ],
            self.directory / "web.log",
        )
        self.cluster = Process(
            "task cluster", [python, "manage.py", "qcluster"], self.directory / "cluster.log"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, cluster: bool = True, **overrides: str) -> Studio:
        """Start both processes with `overrides` on top of `env`; return when the web server
        answers and the cluster has run a task. When either does not, both are stopped
        before the error goes up (no process of a failed start outlives the bench)."""
        env = {**os.environ, **self.env, **{k: str(v) for k, v in overrides.items()}}
        self.web.start(env)
        try:
            if cluster:
                self.cluster.start(env)
            self._wait_for_web()
            if cluster:
                self._wait_for_cluster()
        except BaseException:
            self.stop()
            raise
        return self

    def start_cluster(self, **overrides: str) -> None:
        env = {**os.environ, **self.env, **{k: str(v) for k, v in overrides.items()}}
        self.cluster.start(env)
        self._wait_for_cluster()

    def _wait_for_web(self, seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not self.web.running():
                raise RuntimeError(f"the web server exited; see {self.web.log}")
            try:
                if requests.get(f"{self.url}/accounts/login/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the web server did not answer in {seconds:.0f} s; see {self.web.log}")

    def _wait_for_cluster(self, seconds: float = 60) -> None:
        from django_q.models import Task
        from django_q.tasks import async_task

        task_id = async_task("math.floor", 1.5, task_name="bench-ready")
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not self.cluster.running():
                raise RuntimeError(f"the task cluster exited; see {self.cluster.log}")
            if Task.objects.filter(id=task_id).exists():
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"the task cluster ran nothing in {seconds:.0f} s; see {self.cluster.log}"
        )

    def stop(self) -> None:
        """The cluster first (it calls the web server), then the web server. A cluster busy
        in a poller loop (up to POLL_LOOP_SECONDS) is killed after 10 s: the bench's
        database is thrown away."""
        self.cluster.stop(grace=10)
        self.web.stop()

    def rss(self) -> tuple[int, int]:
        """(web, cluster) resident memory in bytes, each summed over its process tree."""
        return self.web.rss(), self.cluster.rss()

    def pss(self) -> int:
        """Web + cluster proportional set size in bytes (shared pages counted once)."""
        return self.web.pss() + self.cluster.pss()

    def warm_up(self, requests_each: int = 6) -> None:
        """A few requests so each web worker has loaded the studio's and the sandbox's code
        (a restart is not what is measured)."""
        for _ in range(requests_each):
            requests.get(f"{self.url}/accounts/login/", timeout=30)
            requests.get(
                f"{self.url}/sandbox/imaginepro/api/v1/message/fetch/warm-up",
                headers={"Authorization": "Bearer sk-sandbox-warm-up"},
                timeout=30,
            )

    def locked_in_logs(self) -> int:
        """Lines mentioning "database is locked" in both processes' logs."""
        count = 0
        for log in (self.web.log, self.cluster.log):
            if log.exists():
                count += log.read_text(errors="replace").lower().count(LOCKED)
        return count


def locked_in_tasks() -> int:
    """Failed django-q2 tasks whose result mentions "database is locked"."""
    from django_q.models import Task

    return sum(
        LOCKED in str(result).lower()
        for result in Task.objects.filter(success=False).values_list("result", flat=True)
    )


def sandbox_429s() -> int:
    """Every 429 the sandbox has answered, over all its accounts (0 when the sandbox does not
    count them)."""
    from django.db.models import Sum

    from studio.sandbox.models import SandboxAccount

    if not any(f.name == "rate_limited" for f in SandboxAccount._meta.get_fields()):
        return 0
    return SandboxAccount.objects.aggregate(n=Sum("rate_limited"))["n"] or 0


def make_person(username: str):
    """A user with a personal sandbox key (accounts.services, as the Keys page does).
    Returns (user, key)."""
    from django.contrib.auth.models import User

    from studio.accounts.services import sandbox_key_create

    user = User.objects.create_user(username, f"{username}@bench.invalid", PASSWORD)
    return user, sandbox_key_create(user=user)


# --- HTTP, as a person -------------------------------------------------------------------------


class _FormReader(HTMLParser):
    """Collects the fields of every <form> on a page, with the values a browser would send
    if nothing were touched: inputs' values (checked boxes and radios only), each select's
    selected (else first) option, textareas' text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "fields": {}})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            fields[name] = a.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select, self._first_option, self._chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a and not self._chosen:
                fields[self._select], self._chosen = value, True
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            fields = self.forms[-1]["fields"]
            if not self._chosen and self._first_option is not None:
                fields[self._select] = self._first_option
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def form_fields(html: str, must_have: str) -> dict[str, str]:
    """Default values of the first form on the page that has a field named `must_have`.
    Raises LookupError when there is none."""
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        if must_have in form["fields"]:
            return dict(form["fields"])
    raise LookupError(f"no form with a field {must_have!r}")


def signed_in(base_url: str, username: str, password: str = PASSWORD) -> requests.Session:
    """A requests.Session signed in through the login form (its CSRF token and cookie)."""
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=30)
    fields = form_fields(page.text, "username")
    fields.update(username=username, password=password)
    answer = session.post(
        f"{base_url}/accounts/login/", data=fields, allow_redirects=False, timeout=30
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"sign-in of {username} refused (HTTP {answer.status_code})")
    return session


MIDJOURNEY_FORM = "/new/midjourney/"
_ERROR = re.compile(r'class="[^"]*(errorlist|error)[^"]*"')


def midjourney_defaults(session: requests.Session, base_url: str) -> dict[str, str]:
    """The Midjourney form's fields as the page offers them (key, CSRF token, defaults)."""
    page = session.get(f"{base_url}{MIDJOURNEY_FORM}", timeout=30)
    page.raise_for_status()
    return form_fields(page.text, "prompt")


@dataclass
class Submit:
    seconds: float
    status: int
    accepted: bool  # redirected to the gallery: stored and queued
    note: str = ""


def submit_midjourney(
    session: requests.Session, base_url: str, fields: dict[str, str], prompt: str
) -> Submit:
    """POST the Midjourney form once with `prompt`; the time is the whole HTTP exchange."""
    data = {**fields, "prompt": prompt}
    started = time.perf_counter()
    try:
        answer = session.post(
            f"{base_url}{MIDJOURNEY_FORM}", data=data, allow_redirects=False, timeout=60
        )
    except requests.RequestException as exc:
        return Submit(time.perf_counter() - started, 0, False, type(exc).__name__)
    seconds = time.perf_counter() - started
    accepted = answer.status_code == 302 and answer.headers.get("Location", "").rstrip("/") in (
        "",
        base_url,
    )
    note = ""
    if not accepted:
        note = f"HTTP {answer.status_code}"
        if answer.status_code == 200 and _ERROR.search(answer.text):
            note += " (form errors)"
    return Submit(seconds, answer.status_code, accepted, note)


BAR_SUBMIT = "/bar/"


def bar_defaults(session: requests.Session, base_url: str, model: str = "midjourney") -> dict:
    """The gallery's prompt-bar fields a browser sends when only the prompt is typed and
    `model` (a bar slug) is the one chip chosen: CSRF token, key, Auto ratio, repeat 1 and
    that model's settings. Other models' settings sit in disabled fieldsets, which a browser
    does not send, so they are left out here too."""
    page = session.get(f"{base_url}/", timeout=30)
    page.raise_for_status()
    fields = form_fields(page.text, "prompt")
    keep = ("csrfmiddlewaretoken", "prompt", "aspect_ratio", "repeat", "key")
    chosen = {n: v for n, v in fields.items() if n in keep or n.startswith(f"{model}-")}
    return {**chosen, "models": model}


def submit_bar(
    session: requests.Session, base_url: str, fields: dict[str, str], prompt: str
) -> Submit:
    """POST the prompt bar once with `prompt` as htmx does (multipart, HX-Request), the
    answer being the new card for the top of the wall; the time is the whole exchange."""
    data = {**fields, "prompt": prompt}
    headers = {
        "HX-Request": "true",
        "Referer": f"{base_url}/",
        "X-CSRFToken": fields.get("csrfmiddlewaretoken", ""),
    }
    multipart = {name: (None, value) for name, value in data.items()}
    started = time.perf_counter()
    try:
        answer = session.post(
            f"{base_url}{BAR_SUBMIT}", files=multipart, headers=headers, timeout=60
        )
    except requests.RequestException as exc:
        return Submit(time.perf_counter() - started, 0, False, type(exc).__name__)
    seconds = time.perf_counter() - started
    accepted = answer.status_code == 200 and ">Sent.<" in answer.text
    note = "" if accepted else f"HTTP {answer.status_code}"
    return Submit(seconds, answer.status_code, accepted, note)
