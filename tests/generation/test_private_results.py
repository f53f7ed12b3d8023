"""A provider Message whose result links point at this machine (a loopback port other than the
studio's own) is never fetched: the worker's download closes the job as failed at once with a
plain sentence, and no asset is stored (docs/architecture.md "Outbound fetches")."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studio.generation import assets
from studio.generation.models import Asset, Generation, Status
from tests.factories import SandboxGenerationFactory, image_bytes


class ImageEverywhere(BaseHTTPRequestHandler):
    """A loopback service that would hand out a perfectly good PNG to anyone asking."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.hits.append(self.path)
        data = image_bytes((96, 64), (30, 90, 200))
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def internal_service():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ImageEverywhere)
    httpd.hits = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_a_result_link_to_another_loopback_port_fails_the_job_and_stores_nothing(
    alice, alice_key, internal_service, host
):
    port = internal_service.server_address[1]
    link = f"http://{host}:{port}/result.png"
    generation = SandboxGenerationFactory(
        user=alice,
        provider_key=alice_key,
        status=Status.DOWNLOADING,
        raw_message={
            "messageId": "m-1",
            "status": "DONE",
            "progress": 100,
            "uri": link,
            "images": [link],
        },
    )

    assert assets.generation_download(generation.pk) is False

    generation = Generation.objects.get(pk=generation.pk)
    assert generation.status == Status.FAILED
    assert generation.error == (
        "The provider's result link points to a private address; it was not fetched."
    )
    assert not Asset.objects.filter(generation=generation).exists()
    assert internal_service.hits == []  # the service behind it was never asked
