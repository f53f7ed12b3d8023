"""Cancel Job at every stage of a Midjourney job, against the sandbox over real HTTP.

The web request only records the wish; the press itself is sent by a task (called directly
here, as test_worker.py does) or by the submit that was in flight, and the poller closes the
generation when the provider reports FAIL "Job cancelled".
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test import Client

from studio.generation import assets, cancel, enqueue, poller, services, tasks
from studio.generation.models import Generation, Status
from studio.generation.services import GenerationError
from studio.generation.submit import generation_submit
from studio.sandbox.models import SandboxJob
from tests.factories import MidjourneyJobFactory

HTMX = {"HX-Request": "true"}
CANCELLED_AT_PROVIDER = "Job cancelled"


def poll_until_final(generation: Generation, seconds: float = 20) -> Generation:
    poller.poll_loop(start_download=assets.generation_download, seconds=seconds)
    generation.refresh_from_db()
    return generation


def cancel_presses() -> list[SandboxJob]:
    return list(SandboxJob.objects.filter(action="Cancel Job"))


@pytest.fixture
def slow_sandbox(sandbox_clock):
    """The sandbox's clock held still: a job is surely still running when it is cancelled,
    however slow the machine."""
    return sandbox_clock


@pytest.fixture
def charlie_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


# --- never sent ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestQueued:
    def test_is_closed_at_once_and_costs_nothing(self, alice_client, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
        card = alice_client.get(f"/g/{generation.pk}/card/", headers=HTMX).content.decode()
        assert f'hx-post="/g/{generation.pk}/cancel/"' in card

        response = alice_client.post(f"/g/{generation.pk}/cancel/", headers=HTMX)

        assert response.status_code == 200
        html = response.content.decode()
        assert "Cancelled before it was sent; nothing was spent." in html
        assert "hx-trigger" not in html  # the final card no longer polls
        assert "generation-finished" in response["HX-Trigger"]
        generation.refresh_from_db()
        assert generation.status == Status.FAILED
        assert generation.cost == 0 and generation.finished_at and generation.cancel_requested_at
        # The submit task that was queued finds nothing to send.
        assert generation_submit(generation.pk) == "not claimed"
        assert not SandboxJob.objects.exists()

    def test_plain_post_goes_to_its_page(self, alice_client, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        response = alice_client.post(f"/g/{generation.pk}/cancel/", follow=True)

        assert response.redirect_chain == [(f"/g/{generation.pk}/", 302)]
        assert "Cancelled before it was sent; nothing was spent." in response.content.decode()

    def test_asked_while_sending_then_put_back_in_the_queue_is_closed_unsent(
        self, alice_client, alice, alice_key
    ):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
        Generation.objects.filter(pk=generation.pk).update(status=Status.SUBMITTING)

        html = alice_client.post(f"/g/{generation.pk}/cancel/", headers=HTMX).content.decode()
        assert "cancelling…" in html
        # The attempt failed in a way that is safe to repeat: back in the queue (worker._requeue).
        Generation.objects.filter(pk=generation.pk).update(status=Status.QUEUED)

        assert generation_submit(generation.pk) == Status.FAILED

        generation.refresh_from_db()
        assert generation.error == cancel.UNSENT_NOTE and generation.cost == 0
        assert not SandboxJob.objects.exists()


# --- running -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_running_job_is_cancelled_at_the_provider_by_a_task(
    alice_client, alice, alice_key, sandbox_url, slow_sandbox, task_queue
):
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
    assert generation_submit(generation.pk) == Status.SUBMITTED

    response = alice_client.post(f"/g/{generation.pk}/cancel/", headers=HTMX)

    html = response.content.decode()
    assert "cancelling…" in html and "/cancel/" not in html
    assert "data-running" in html  # still running: the live channel keeps it fresh
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED and generation.cancel_requested_at
    # The request only queued a task; the provider has heard nothing yet.
    assert not cancel_presses()
    assert any(
        job.get("func") == enqueue.CANCEL and job.get("args") == (str(generation.pk),)
        for job in task_queue.tasks()
    )

    assert tasks.cancel(str(generation.pk)) == "sent"

    [press] = cancel_presses()
    assert press.request_body == {"messageId": generation.message_id, "button": "Cancel Job"}
    target = SandboxJob.objects.get(pk=generation.message_id)
    assert target.outcome == "FAIL" and target.error == CANCELLED_AT_PROVIDER
    generation = poll_until_final(generation)
    assert generation.status == Status.FAILED
    assert generation.error == CANCELLED_AT_PROVIDER
    assert generation.cost == 10  # what the provider charged for the job; the press costs nothing
    assert Generation.objects.count() == 1  # the press is no gallery item


@pytest.mark.django_db(transaction=True)
def test_asking_twice_sends_one_press(alice, alice_key, sandbox_url, slow_sandbox):
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
    generation_submit(generation.pk)

    assert cancel.generation_cancel(user=alice, generation=generation) == cancel.REQUESTED
    assert cancel.generation_cancel(user=alice, generation=generation) == cancel.REQUESTED
    assert cancel.cancel_send(generation.pk) == "sent"
    assert cancel.cancel_send(generation.pk) == "skipped"

    assert len(cancel_presses()) == 1
    assert poll_until_final(generation).error == CANCELLED_AT_PROVIDER


@pytest.mark.django_db(transaction=True)
def test_a_refused_cancel_leaves_the_job_to_finish_with_a_note(
    alice_client, alice, alice_key, sandbox_url, sandbox_clock
):
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
    generation_submit(generation.pk)
    generation.refresh_from_db()
    target = SandboxJob.objects.get(pk=generation.message_id)
    sandbox_clock.advance_to(target.ends_at)
    # Done at the provider, not yet seen by our poller: the person still sees it running.
    assert cancel.generation_cancel(user=alice, generation=generation) == cancel.REQUESTED

    assert cancel.cancel_send(generation.pk) == "refused"

    generation.refresh_from_db()
    assert generation.cancel_requested_at is None
    assert generation.error.startswith("The provider did not cancel it (The provider rejected")
    assert generation.error.endswith("The job goes on.")
    card = alice_client.get(f"/g/{generation.pk}/card/", headers=HTMX).content.decode()
    assert "The job goes on." in card and f'action="/g/{generation.pk}/cancel/"' in card
    generation = poll_until_final(generation)
    assert generation.status == Status.DONE and len(generation.images) == 4
    assert "The job goes on." in alice_client.get(f"/g/{generation.pk}/").content.decode()


class HoldingProxy:
    """A tiny HTTP proxy in front of the sandbox that holds the first POST to a path ending
    in `hold` until `release` is set, so a test can act while that request is in flight."""

    def __init__(self, target: str, hold: str) -> None:
        self.arrived, self.release = threading.Event(), threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                if (
                    self.command == "POST"
                    and self.path.endswith(hold)
                    and not proxy.arrived.is_set()
                ):
                    proxy.arrived.set()
                    proxy.release.wait(30)
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() in ("authorization", "content-type", "accept")
                }
                request = urllib.request.Request(
                    target + self.path, data=data, method=self.command, headers=headers
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, body, kind = answer.status, answer.read(), answer.headers
                except urllib.error.HTTPError as exc:
                    status, body, kind = exc.code, exc.read(), exc.headers
                self.send_response(status)
                self.send_header("Content-Type", kind.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = forward

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.django_db(transaction=True)
def test_cancel_while_the_submit_is_in_flight_is_sent_right_after_it(
    alice_client, alice, alice_key, live_server, settings, slow_sandbox
):
    proxy = HoldingProxy(live_server.url, hold="/nova/imagine")
    settings.SANDBOX_BASE_URL = f"{proxy.url}/sandbox/imaginepro/api/v1"
    generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
    outcome = {}

    def submit() -> None:
        try:
            outcome["status"] = generation_submit(generation.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=submit)
    try:
        thread.start()
        assert proxy.arrived.wait(10)
        generation.refresh_from_db()
        assert generation.status == Status.SUBMITTING

        html = alice_client.post(f"/g/{generation.pk}/cancel/", headers=HTMX).content.decode()
        assert "cancelling…" in html
        assert not cancel_presses()

        proxy.release.set()
        thread.join(30)
    finally:
        proxy.close()

    assert outcome["status"] == Status.SUBMITTED
    generation.refresh_from_db()
    [press] = cancel_presses()
    assert press.request_body["messageId"] == generation.message_id
    settings.SANDBOX_BASE_URL = f"{live_server.url}/sandbox/imaginepro/api/v1"
    generation = poll_until_final(generation)
    assert generation.status == Status.FAILED and generation.error == CANCELLED_AT_PROVIDER


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestRefused:
    def test_only_midjourney_jobs(self, alice, alice_key):
        flux = services.flux_create(
            user=alice,
            provider_key=alice_key,
            prompt="a cabin",
            n=1,
            output_format="png",
            aspect_ratio="1:1",
            params={},
        )

        with pytest.raises(GenerationError, match="Only Midjourney images"):
            cancel.generation_cancel(user=alice, generation=flux)
        assert not cancel.can_cancel(flux)

    def test_describe_has_no_cancel_button_at_the_provider(self, alice, alice_key):
        from studio.generation.services import tools as services_tools

        describe = services_tools.describe_create(
            user=alice, provider_key=alice_key, image_url="https://example.com/a.png"
        )
        assert not cancel.can_cancel(describe)
        with pytest.raises(GenerationError, match="Only Midjourney images"):
            cancel.generation_cancel(user=alice, generation=describe)

    @pytest.mark.parametrize(
        ("status", "message"),
        [
            (Status.DONE, "it has already finished"),
            (Status.FAILED, "it has already finished"),
            (Status.DOWNLOADING, "its images are being saved"),
        ],
    )
    def test_too_late(self, alice_client, alice, alice_key, status, message):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
        Generation.objects.filter(pk=generation.pk).update(status=status)

        with pytest.raises(GenerationError, match=message):
            cancel.generation_cancel(user=alice, generation=generation)
        response = alice_client.post(f"/g/{generation.pk}/cancel/", follow=True)
        assert message in response.content.decode()
        generation.refresh_from_db()
        assert generation.status == status and generation.cancel_requested_at is None

    def test_downloading_card_has_no_cancel_but_says_why_when_asked(
        self, alice_client, alice, alice_key
    ):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)
        Generation.objects.filter(pk=generation.pk).update(status=Status.DOWNLOADING)

        html = alice_client.post(f"/g/{generation.pk}/cancel/", headers=HTMX).content.decode()

        assert "/cancel/" not in html
        assert "Too late to cancel: it has finished and its images are being saved." in html

    def test_strangers_get_404_and_change_nothing(self, charlie_client, charlie, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        assert charlie_client.post(f"/g/{generation.pk}/cancel/", headers=HTMX).status_code == 404
        with pytest.raises(GenerationError, match="not yours"):
            cancel.generation_cancel(user=charlie, generation=generation)
        generation.refresh_from_db()
        assert generation.status == Status.QUEUED and generation.cancel_requested_at is None

    def test_anonymous_is_sent_to_log_in(self, client, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        response = client.post(f"/g/{generation.pk}/cancel/")

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    def test_get_is_not_allowed(self, alice_client, alice, alice_key):
        generation = MidjourneyJobFactory(user=alice, provider_key=alice_key)

        assert alice_client.get(f"/g/{generation.pk}/cancel/").status_code == 405
