"""The ImaginePro client against the sandbox over real HTTP, and against a scripted local
server for transport faults the sandbox does not inject yet."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studio.provider.errors import ProviderError
from studio.provider.imaginepro.client import ImagineProClient
from studio.provider.messages import DONE
from studio.sandbox.imaginepro.services import sandbox_account_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(sandbox_url) -> ImagineProClient:
    return ImagineProClient(base_url=sandbox_url, api_key=sandbox_account_create(label="client"))


def wait_done(client: ImagineProClient, message_id: str, limit: float = 10.0):
    deadline = time.monotonic() + limit
    while True:
        message = client.fetch_message(message_id)
        if message.is_final:
            return message
        assert time.monotonic() < deadline, f"still {message.status}"
        time.sleep(0.1)


def test_imagine_then_upscale(client):
    submitted = client.imagine(prompt="a lighthouse at dusk --ar 16:9", ref="our-id")
    grid = wait_done(client, submitted.message_id)
    assert grid.status == DONE
    assert len(grid.images) == 4 and grid.grid_url
    assert grid.ref == "our-id"
    assert {"U1", "V4", "🔄"} <= set(grid.buttons)

    upscale = wait_done(client, client.button(message_id=grid.message_id, button="U1").message_id)
    assert upscale.status == DONE
    assert upscale.parent_message_id == grid.message_id
    assert len(upscale.output_urls) == 1


def test_find_by_ref_confirms_the_job_by_the_ref_it_was_sent_with(client):
    """The history has no `ref`: same-prompt candidates are told apart by their Message."""
    started = datetime.now(UTC) - timedelta(seconds=5)
    sent = {
        ref: client.flux_imagine(prompt="a quiet harbour", ref=ref).message_id
        for ref in ("ours", "someone-else", "another")
    }
    for message_id in sent.values():
        wait_done(client, message_id)

    found = client.find_by_ref("ours", prompt="a quiet harbour", since=started)

    assert found is not None and found.message_id == sent["ours"] and found.ref == "ours"
    assert found.status == DONE and found.output_urls
    assert client.find_by_ref("never-sent", prompt="a quiet harbour", since=started) is None
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert client.find_by_ref("ours", prompt="a quiet harbour", since=later) is None


def test_flux_n_images(client):
    submitted = client.flux_imagine(
        prompt="a cabin", n=3, aspect_ratio="16:9", output_format="webp"
    )
    message = wait_done(client, submitted.message_id)
    assert len(message.output_urls) == 3
    assert message.buttons == []


def test_bad_key_is_401_with_provider_text(sandbox_url):
    bad = ImagineProClient(base_url=sandbox_url, api_key="sk-not-a-real-key")
    with pytest.raises(ProviderError) as caught:
        bad.imagine(prompt="x")
    assert caught.value.status == 401
    assert not caught.value.retryable
    assert "API key" in caught.value.describe()
    with pytest.raises(ProviderError):
        bad.check_key()


def test_check_key_accepts_a_good_key(client):
    client.check_key()  # raises on failure


def test_missing_prompt_surfaces_message_before_error(client):
    with pytest.raises(ProviderError) as caught:
        client.imagine(prompt="")
    assert caught.value.status == 400
    assert caught.value.message == "Prompt is required."


def test_unknown_message_is_404(client):
    with pytest.raises(ProviderError) as caught:
        client.fetch_message("3b0c1b8e-0000-4000-8000-000000000000")
    assert caught.value.status == 404


def test_button_not_offered_is_400(client):
    grid = wait_done(client, client.imagine(prompt="a cat").message_id)
    with pytest.raises(ProviderError) as caught:
        client.button(message_id=grid.message_id, button="Make Square")
    assert caught.value.status == 400


def test_insufficient_credits_is_401(sandbox_url):
    poor = ImagineProClient(
        base_url=sandbox_url, api_key=sandbox_account_create(label="poor", credits=4)
    )
    with pytest.raises(ProviderError) as caught:
        poor.imagine(prompt="a cat")
    assert caught.value.status == 401
    assert "credits" in caught.value.message.lower()


# --- transport faults, from a scripted server on loopback ----------------------------------------


class Script:
    """What the scripted server answers: path → (status, body bytes, headers, delay s)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, dict, float]] = {}
        self.seen: list[tuple[str, str]] = []


@pytest.fixture
def scripted():
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            script.seen.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, body, headers, delay = script.routes.get(
                self.path,
                (
                    404,
                    json.dumps(
                        {
                            "message": f"Cannot {self.command} {self.path}",
                            "error": "Not Found",
                            "statusCode": 404,
                        }
                    ).encode(),
                    {},
                    0,
                ),
            )
            time.sleep(delay)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    yield script
    server.shutdown()
    server.server_close()


def ok_submit() -> tuple[int, bytes, dict, float]:
    return (
        200,
        b'{"success": true, "messageId": "m-1", "createdAt": "2026-01-15T12:00:00+00:00"}',
        {},
        0,
    )


def test_falls_back_to_midjourney_family_when_nova_route_is_missing(scripted):
    scripted.routes["/api/v1/midjourney/imagine"] = ok_submit()
    client = ImagineProClient(base_url=scripted.base_url, api_key="k")
    assert client.imagine(prompt="x").message_id == "m-1"
    assert [path for _, path in scripted.seen] == [
        "/api/v1/nova/imagine",
        "/api/v1/midjourney/imagine",
    ]


def test_read_timeout_on_submit_may_have_been_accepted(scripted):
    scripted.routes["/api/v1/nova/imagine"] = (*ok_submit()[:3], 1.5)
    client = ImagineProClient(base_url=scripted.base_url, api_key="k", timeout=(1, 0.5))
    with pytest.raises(ProviderError) as caught:
        client.imagine(prompt="x")
    assert caught.value.maybe_accepted and caught.value.status is None


def test_refused_connection_was_not_sent():
    client = ImagineProClient(base_url="http://127.0.0.1:9/api/v1", api_key="k", timeout=(1, 1))
    with pytest.raises(ProviderError) as caught:
        client.imagine(prompt="x")
    assert caught.value.retryable and not caught.value.maybe_accepted


def test_malformed_json_on_submit_is_an_unknown_outcome(scripted):
    scripted.routes["/api/v1/nova/imagine"] = (200, b"<html>oops", {}, 0)
    with pytest.raises(ProviderError) as caught:
        ImagineProClient(base_url=scripted.base_url, api_key="k").imagine(prompt="x")
    assert caught.value.maybe_accepted


def test_malformed_json_on_poll_is_retryable(scripted):
    scripted.routes["/api/v1/message/fetch/m-1"] = (200, b"{not json", {}, 0)
    with pytest.raises(ProviderError) as caught:
        ImagineProClient(base_url=scripted.base_url, api_key="k").fetch_message("m-1")
    assert caught.value.retryable and not caught.value.maybe_accepted


def test_429_carries_retry_after(scripted):
    scripted.routes["/api/v1/message/fetch/m-1"] = (
        429,
        b'{"message": "Too many requests"}',
        {"Retry-After": "7"},
        0,
    )
    with pytest.raises(ProviderError) as caught:
        ImagineProClient(base_url=scripted.base_url, api_key="k").fetch_message("m-1")
    assert caught.value.retryable and caught.value.retry_after == 7
    assert "rate-limiting" in caught.value.describe()


def test_500_is_retryable_and_not_accepted(scripted):
    scripted.routes["/api/v1/flux/imagine"] = (
        500,
        b'{"message": "Internal server error", "statusCode": 500}',
        {},
        0,
    )
    with pytest.raises(ProviderError) as caught:
        ImagineProClient(base_url=scripted.base_url, api_key="k").flux_imagine(prompt="x")
    assert caught.value.retryable and not caught.value.maybe_accepted
    assert "internal error" in caught.value.describe()


@pytest.mark.parametrize(
    ("status", "maybe_accepted"),
    [(500, False), (503, False), (502, True), (504, True)],
)
def test_which_submit_errors_may_have_started_the_job(scripted, status, maybe_accepted):
    """A 500/503 comes from the API itself, which refused before starting anything; a
    502/504 comes from a gateway that may have passed the request on (docs/provider-contract.md §1.5)."""
    scripted.routes["/api/v1/flux/imagine"] = (status, b"<html>gateway</html>", {}, 0)
    with pytest.raises(ProviderError) as caught:
        ImagineProClient(base_url=scripted.base_url, api_key="k").flux_imagine(prompt="x")
    assert caught.value.retryable
    assert caught.value.maybe_accepted is maybe_accepted


def test_key_never_in_repr():
    client = ImagineProClient(base_url="http://127.0.0.1:9", api_key="sk-secret-value-1234")
    assert "sk-secret" not in repr(client)
