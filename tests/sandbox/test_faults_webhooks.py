"""Webhook faults: late, duplicated, out of order, never sent, seen by a small receiver.

A webhook fault is chosen for the jobs created while it is active; a second job made just
after without the fault is the yardstick (same pace, so it ends at about the same moment).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studio.sandbox import faults
from studio.sandbox.imaginepro.webhooks import deliver_due_webhooks
from studio.sandbox.models import SandboxJob

pytestmark = pytest.mark.django_db(transaction=True)

FLUX = {"prompt": "a kite over the dunes", "n": 1, "width": 256, "height": 256}


@pytest.fixture
def receiver(settings):
    """A threaded HTTP server on 127.0.0.1 recording every POST as (path, JSON body). It is on
    loopback, so it is a trusted origin for the sandbox's webhooks (OUTBOUND_TRUSTED_ORIGINS)."""
    received: list[tuple[str, dict]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            with lock:
                received.append((self.path, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.OUTBOUND_TRUSTED_ORIGINS = [server.url]
    yield server
    server.shutdown()
    server.server_close()


def _wait_for(received: list, count: int, limit: float = 15.0) -> None:
    deadline = time.monotonic() + limit
    while len(received) < count:
        assert time.monotonic() < deadline, f"{len(received)} of {count} webhooks arrived"
        time.sleep(0.05)


def _submit(api, receiver, name: str) -> str:
    return api.submit("flux/imagine", {**FLUX, "webhookOverride": f"{receiver.url}/{name}"})


def test_late_webhook_arrives_after_a_later_job_s(api, receiver):
    faults.inject("webhook_late", seconds=1.5, remaining=1)
    late_id = _submit(api, receiver, "late")
    normal_id = _submit(api, receiver, "normal")

    _wait_for(receiver.received, 2)

    assert [path for path, _ in receiver.received] == ["/normal", "/late"]
    assert receiver.received[1][1]["messageId"] == late_id
    assert receiver.received[1][1]["status"] == "DONE"
    assert receiver.received[0][1]["messageId"] == normal_id
    assert SandboxJob.objects.get(pk=late_id).webhook_fault == "webhook_late"


def test_duplicate_webhook_is_delivered_twice(api, receiver):
    faults.inject("webhook_duplicate", remaining=1)
    message_id = _submit(api, receiver, "dup")

    _wait_for(receiver.received, 2)

    (first_path, first), (second_path, second) = receiver.received
    assert first_path == second_path == "/dup"
    assert first == second
    assert first["messageId"] == message_id and first["status"] == "DONE"


def test_out_of_order_webhook_sends_a_stale_processing_message_after_the_final(api, receiver):
    faults.inject("webhook_out_of_order", remaining=1)
    message_id = _submit(api, receiver, "ooo")

    _wait_for(receiver.received, 2)

    final, stale = (body for _, body in receiver.received)
    assert final["status"] == "DONE" and final["images"]
    assert stale["messageId"] == message_id
    assert stale["status"] == "PROCESSING"
    assert 0 < stale["progress"] < 100
    assert stale["images"] == [] and stale["uri"] is None


def test_never_sent_webhook(api, receiver):
    faults.inject("webhook_never", remaining=1)
    silent_id = _submit(api, receiver, "silent")
    normal_id = _submit(api, receiver, "normal")

    _wait_for(receiver.received, 1)
    assert api.wait(silent_id)["status"] == "DONE"
    assert deliver_due_webhooks() == 0  # nothing left to send, even by a sweep

    assert [body["messageId"] for _, body in receiver.received] == [normal_id]
    assert "webhook_never" in SandboxJob.objects.get(pk=silent_id).webhook_error


def test_never_finish_sends_no_webhook(api, receiver):
    faults.inject("never_finish", remaining=1)
    stuck_id = _submit(api, receiver, "stuck")
    _submit(api, receiver, "normal")

    _wait_for(receiver.received, 1)
    assert deliver_due_webhooks() == 0

    assert [path for path, _ in receiver.received] == ["/normal"]
    assert api.fetch(stuck_id)["status"] == "PROCESSING"
