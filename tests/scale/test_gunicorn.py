"""The studio under gunicorn with docker/gunicorn.conf.py, as production serves it.

The sandbox is served by the studio itself, so under gunicorn its jobs, result files and
webhook timers live in gunicorn's worker processes: a job submitted there finishes, its files
download, and its webhook arrives, with two workers of two threads each answering.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from studio.provider.imaginepro.client import ImagineProClient
from studio.sandbox.imaginepro.services import sandbox_account_create
from tests.scale.clusters import ROOT, qcluster_env

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Hooks(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hooks():
    """A webhook receiver outside the studio: the sandbox under gunicorn posts here."""
    _Hooks.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hooks.received
    server.shutdown()
    server.server_close()


@pytest.fixture
def gunicorn(settings, tmp_path, hooks):
    """gunicorn serving the studio on the test database; its URL. Stopped with SIGTERM to
    its master's PID (a graceful stop), SIGKILL to its session if that hangs. The webhook
    receiver is on loopback, so it is named a trusted origin (OUTBOUND_TRUSTED_ORIGINS)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    hook_origin = hooks[0].removesuffix("/hook")
    env = qcluster_env(
        site_url=url,
        media_root=Path(settings.MEDIA_ROOT),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
        GUNICORN_ACCESS_LOG="-",
        SANDBOX_TIME_SCALE=str(django_settings.SANDBOX_TIME_SCALE),
        OUTBOUND_TRUSTED_ORIGINS=f"{url},{hook_origin}",
    )
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "docker/gunicorn.conf.py", "studio.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            assert process.poll() is None, log_path.read_text()
            try:
                if requests.get(f"{url}/accounts/login/", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still starting
                time.sleep(0.2)
        else:
            raise AssertionError(f"gunicorn did not answer:\n{log_path.read_text()}")
        yield url, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_sandbox_jobs_files_and_webhooks_work_under_gunicorn(gunicorn, hooks):
    url, log_path = gunicorn
    hook_url, received = hooks
    api_key = sandbox_account_create(label="gunicorn")
    client = ImagineProClient(base_url=f"{url}/sandbox/imaginepro/api/v1", api_key=api_key)

    submitted = [
        client.flux_imagine(
            prompt=f"a harbour {n}",
            n=1,
            aspect_ratio="1:1",
            ref=f"job-{n}",
            webhook_override=hook_url,
        )
        for n in range(4)
    ]
    ids = {result.message_id for result in submitted}

    end = time.monotonic() + 60
    messages = {}
    while time.monotonic() < end and len(messages) < len(ids):
        for message_id in ids - set(messages):
            message = client.fetch_message(message_id)
            if message.status == "DONE":
                messages[message_id] = message
        time.sleep(1)  # the sandbox allows 10 fetches per second per key
    assert set(messages) == ids, "not every job finished under gunicorn"

    for message in messages.values():
        [image_url] = message.output_urls
        response = requests.get(image_url, timeout=10)
        assert response.status_code == 200
        assert response.content.startswith(b"\x89PNG")

    end = time.monotonic() + 20
    while time.monotonic() < end and len({h.get("messageId") for h in received}) < len(ids):
        time.sleep(0.2)
    assert {hook["messageId"] for hook in received} == ids
    assert {hook["status"] for hook in received} == {"DONE"}
    assert {hook["ref"] for hook in received} == {f"job-{n}" for n in range(4)}

    # The access log names paths only: no query string reaches it.
    requests.get(f"{url}/accounts/login/?next=/secret-search/", timeout=5)
    end = time.monotonic() + 10
    while time.monotonic() < end and log_path.read_text().count('"GET /accounts/login/"') < 2:
        time.sleep(0.1)  # gunicorn writes the line after the answer
    log = log_path.read_text()
    assert log.count('"GET /accounts/login/"') >= 2 and "secret-search" not in log
    # The app is loaded once before the workers fork (preload_app): nothing may be running
    # beside the arbiter's own thread then (studio/web/prefork.py says so in the log).
    assert "forking with other threads" not in log
