"""The ImaginePro client remembers which path family a provider serves (paths.FamilyMemory):
against a local server that serves one family, each submit and poll after the first costs
one request, and a provider that changes family is followed after one extra request."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studio.provider.errors import ProviderError
from studio.provider.imaginepro.client import ImagineProClient

SUBMITTED = {"success": True, "messageId": "m-1", "createdAt": "2026-01-15T12:00:00+00:00"}
MESSAGE = {"messageId": "m-1", "status": "PROCESSING", "progress": 40}


class OneFamily:
    """A provider on loopback serving one family's imagine and status routes; any other path
    is NestJS's "Cannot <METHOD> <path>" 404. Records every path it is asked for."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict]] = {}
        self.seen: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                owner.seen.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                missing = {"message": f"Cannot {self.command} {self.path}", "statusCode": 404}
                status, body = owner.routes.get(self.path, (404, missing))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def serve(self, family: str) -> None:
        if family == "midjourney":
            self.routes = {
                "/api/v1/midjourney/imagine": (200, SUBMITTED),
                "/api/v1/midjourney/message/m-1": (200, MESSAGE),
            }
        else:
            self.routes = {
                "/api/v1/nova/imagine": (200, SUBMITTED),
                "/api/v1/message/fetch/m-1": (200, MESSAGE),
            }

    def requests_for(self, call) -> list[str]:
        """The paths one call asked for."""
        before = len(self.seen)
        call()
        return self.seen[before:]


@pytest.fixture
def provider():
    server = OneFamily()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_after_the_first_call_each_submit_and_poll_costs_one_request(provider):
    provider.serve("midjourney")
    client = ImagineProClient(base_url=provider.base_url, api_key="k")

    def submit():
        assert client.imagine(prompt="x").message_id == "m-1"

    def poll():
        assert client.fetch_message("m-1").progress == 40

    assert provider.requests_for(submit) == [
        "/api/v1/nova/imagine",
        "/api/v1/midjourney/imagine",
    ]
    # The family is learned for the base URL: polls go there first too.
    assert provider.requests_for(poll) == ["/api/v1/midjourney/message/m-1"]
    for _ in range(3):
        assert provider.requests_for(submit) == ["/api/v1/midjourney/imagine"]
        assert provider.requests_for(poll) == ["/api/v1/midjourney/message/m-1"]
    # Another client of the same provider (the worker builds one per key) knows it too.
    other = ImagineProClient(base_url=provider.base_url + "/", api_key="k2")
    assert provider.requests_for(lambda: other.fetch_message("m-1")) == [
        "/api/v1/midjourney/message/m-1"
    ]


def test_a_provider_that_changes_family_is_followed_and_relearned(provider):
    provider.serve("midjourney")
    client = ImagineProClient(base_url=provider.base_url, api_key="k")
    client.imagine(prompt="x")

    provider.serve("nova")
    assert provider.requests_for(lambda: client.imagine(prompt="x")) == [
        "/api/v1/midjourney/imagine",
        "/api/v1/nova/imagine",
    ]
    assert provider.requests_for(lambda: client.imagine(prompt="x")) == ["/api/v1/nova/imagine"]
    assert provider.requests_for(lambda: client.fetch_message("m-1")) == [
        "/api/v1/message/fetch/m-1"
    ]


def test_a_missing_job_is_not_a_missing_route(provider):
    """A 404 for an unknown job comes from the route: no other family is tried, and what was
    learned stays."""
    provider.serve("midjourney")
    client = ImagineProClient(base_url=provider.base_url, api_key="k")
    client.imagine(prompt="x")
    provider.routes["/api/v1/midjourney/message/gone"] = (
        404,
        {"message": "Message not found", "statusCode": 404},
    )

    def poll_gone():
        with pytest.raises(ProviderError) as raised:
            client.fetch_message("gone")
        assert raised.value.status == 404

    assert provider.requests_for(poll_gone) == ["/api/v1/midjourney/message/gone"]
    assert provider.requests_for(lambda: client.imagine(prompt="x")) == [
        "/api/v1/midjourney/imagine"
    ]
