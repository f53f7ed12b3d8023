"""Webhooks: the final Message is POSTed once to `webhookOverride`."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from studio.sandbox.imaginepro.webhooks import (
    BACKSTOP_GRACE,
    deliver_due_webhooks,
    trusted_webhook_origins,
)
from studio.sandbox.models import SandboxJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver(settings):
    """A tiny HTTP server on 127.0.0.1 that records every POST: (path, JSON body). It is on
    loopback, so it is a trusted origin for the sandbox's webhooks (OUTBOUND_TRUSTED_ORIGINS)."""
    received: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            received.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.OUTBOUND_TRUSTED_ORIGINS = [server.url]
    yield server
    server.shutdown()
    server.server_close()


def _wait_for(received: list, count: int, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while len(received) < count:
        assert time.monotonic() < deadline, f"{len(received)} of {count} webhooks arrived"
        time.sleep(0.05)


def test_final_message_is_delivered_once(api, receiver):
    message_id = api.submit(
        "nova/imagine",
        {
            "prompt": "a hot air balloon",
            "ref": "gen-1",
            "webhookOverride": f"{receiver.url}/hook/1",
        },
    )
    # No polling at all: the timer set at submit delivers it.
    _wait_for(receiver.received, 1)
    path, payload = receiver.received[0]
    assert path == "/hook/1"
    assert payload["messageId"] == message_id
    assert payload["status"] == "DONE" and payload["progress"] == 100
    assert payload["ref"] == "gen-1"
    assert len(payload["images"]) == 4 and payload["buttons"][0] == "U1"
    assert payload == api.fetch(message_id)  # the same Message the poll endpoint answers

    # Neither later sweeps nor more requests send it again.
    assert deliver_due_webhooks() == 0
    api.fetch(message_id)
    time.sleep(0.3)
    assert len(receiver.received) == 1
    job = SandboxJob.objects.get(pk=message_id)
    assert job.webhook_sent_at is not None
    assert (job.webhook_status, job.webhook_error) == (204, "")


def test_failures_are_delivered_and_unreachable_receivers_recorded(api, receiver, settings):
    settings.OUTBOUND_TRUSTED_ORIGINS = [receiver.url, "http://127.0.0.1:9"]  # nobody listens
    failed_id = api.submit(
        "flux/imagine", {"prompt": "banned art", "webhookOverride": f"{receiver.url}/f"}
    )
    lost_id = api.submit(
        "flux/imagine", {"prompt": "nobody listens", "webhookOverride": "http://127.0.0.1:9/x"}
    )
    _wait_for(receiver.received, 1)
    payload = receiver.received[0][1]
    assert payload["messageId"] == failed_id
    assert payload["status"] == "FAIL"
    assert payload["error"] == 'Banned prompt detected: "banned"'

    deadline = time.monotonic() + 10
    while not SandboxJob.objects.get(pk=lost_id).webhook_error:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    lost = SandboxJob.objects.get(pk=lost_id)
    assert lost.webhook_sent_at is not None and lost.webhook_status is None
    assert "connection failed" in lost.webhook_error


def test_request_sweep_delivers_when_the_timer_is_lost(api, receiver, monkeypatch, sandbox_clock):
    # As if the submitting process died before its timer fired.
    monkeypatch.setattr("studio.sandbox.imaginepro.services.schedule_delivery", lambda job: None)
    message_id = api.submit(
        "nova/imagine", {"prompt": "an orphan", "webhookOverride": f"{receiver.url}/late"}
    )
    job = SandboxJob.objects.get(pk=message_id)
    sandbox_clock.advance_to(job.ends_at)
    assert api.fetch(message_id)["status"] == "DONE"
    # The request's sweep found nothing late enough, so it started no delivery.
    assert SandboxJob.objects.get(pk=message_id).webhook_sent_at is None

    sandbox_clock.advance(BACKSTOP_GRACE.total_seconds())
    api.info()  # any API request sweeps once the job is 2 s overdue
    _wait_for(receiver.received, 1)
    deadline = time.monotonic() + 10
    while SandboxJob.objects.get(pk=message_id).webhook_status is None:  # delivery recorded
        assert time.monotonic() < deadline
        time.sleep(0.05)
    api.info()
    assert deliver_due_webhooks() == 0
    assert [payload["messageId"] for _, payload in receiver.received] == [message_id]


def test_new_kinds_and_cancelled_jobs_are_delivered(api, receiver):
    hook = f"{receiver.url}/hook"
    zimage_id = api.submit(
        "universal/zimage",
        {"prompt": "a girl", "width": 64, "height": 64, "webhookOverride": hook, "ref": "z"},
    )
    target_id = api.submit("nova/imagine", {"prompt": "to cancel", "webhookOverride": hook})
    response = api.post("nova/button", {"messageId": target_id, "button": "Cancel Job"})
    assert response.status_code == 200
    _wait_for(receiver.received, 2)
    by_id = {payload["messageId"]: payload for _, payload in receiver.received}
    assert by_id[target_id]["status"] == "FAIL"
    assert by_id[target_id]["error"] == "Job cancelled"
    assert by_id[zimage_id]["status"] == "DONE" and by_id[zimage_id]["ref"] == "z"
    assert by_id[zimage_id] == api.fetch(zimage_id)
    # The timer set for the cancelled job's original end finds nothing left to send.
    planned_end = SandboxJob.objects.get(pk=target_id).done_at
    while timezone.now() < planned_end + timedelta(seconds=0.3):
        time.sleep(0.05)
    assert len(receiver.received) == 2


def _wait_for_error(message_id: str) -> SandboxJob:
    deadline = time.monotonic() + 10
    while not (job := SandboxJob.objects.get(pk=message_id)).webhook_error:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return job


def test_a_webhook_to_an_untrusted_internal_address_is_refused(api, receiver, settings):
    """The webhook goes through the studio's guarded fetcher (studio.web.outbound): a
    loopback receiver that is not in OUTBOUND_TRUSTED_ORIGINS gets nothing."""
    settings.OUTBOUND_TRUSTED_ORIGINS = []
    refused_id = api.submit(
        "flux/imagine", {"prompt": "a private hook", "webhookOverride": f"{receiver.url}/x"}
    )
    job = _wait_for_error(refused_id)
    assert job.webhook_status is None
    assert job.webhook_error == "AddressRefused: the link points to a private address"
    assert receiver.received == []

    # Trusted again (as the receiver fixture has it): the next job's webhook arrives.
    settings.OUTBOUND_TRUSTED_ORIGINS = [receiver.url]
    sent_id = api.submit(
        "flux/imagine", {"prompt": "a trusted hook", "webhookOverride": f"{receiver.url}/y"}
    )
    _wait_for(receiver.received, 1)
    assert [(path, body["messageId"]) for path, body in receiver.received] == [("/y", sent_id)]


def test_by_default_only_the_studios_own_receiver_is_trusted(settings):
    """Unset OUTBOUND_TRUSTED_ORIGINS: the studio's own origins and its webhook base (e.g.
    http://web:8000 in docker compose) are trusted, nothing else internal."""
    settings.OUTBOUND_TRUSTED_ORIGINS = None
    settings.SANDBOX_ENABLED = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:8000/sandbox/imaginepro/api/v1"
    settings.SANDBOX_IMAGINELAB_BASE_URL = "http://127.0.0.1:8000/sandbox/imaginelab/api/v1"
    settings.WEBHOOK_BASE_URL = "http://web:8000"
    assert trusted_webhook_origins() == ["http://127.0.0.1:8000/", "http://web:8000/"]
    settings.OUTBOUND_TRUSTED_ORIGINS = ["http://hooks.internal:9000"]
    assert trusted_webhook_origins() == ["http://hooks.internal:9000/"]


def test_a_timer_sends_its_own_job_and_leaves_the_others_to_theirs(
    api, receiver, monkeypatch, sandbox_clock
):
    # No timers: this test plays them by calling what each would run.
    monkeypatch.setattr("studio.sandbox.imaginepro.services.schedule_delivery", lambda job: None)
    first, second = (
        api.submit("nova/imagine", {"prompt": name, "webhookOverride": f"{receiver.url}/{name}"})
        for name in ("first", "second")
    )
    sandbox_clock.advance_to(max(SandboxJob.objects.values_list("ends_at", flat=True)))

    assert deliver_due_webhooks(only=first) == 1  # the first job's timer
    assert [path for path, _ in receiver.received] == ["/first"]
    assert SandboxJob.objects.get(pk=second).webhook_sent_at is None
    assert deliver_due_webhooks(only=first) == 0  # fired twice: sent once
    assert deliver_due_webhooks(only=second) == 1
    assert [path for path, _ in receiver.received] == ["/first", "/second"]
