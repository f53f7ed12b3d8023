"""Result downloads (studio.generation.fetch.fetch_bytes) over real HTTP from a scripted
server: a web page, a file that lies about its type, a 2 GB announcement and a redirect to a
private address are each refused with a reason, without reading the body. The scripted server
runs on loopback, so it is configured as a trusted origin (settings.OUTBOUND_TRUSTED_ORIGINS),
as the studio's own sandbox is by default."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from studio.generation.fetch import PRIVATE_RESULT, DownloadError, DownloadRefused, fetch_bytes


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


class Scripted(BaseHTTPRequestHandler):
    sent: dict[str, int] = {}

    def log_message(self, *args):
        pass

    def _answer(self, status, headers, body=b""):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        port = self.server.server_address[1]
        routes = {
            "/ok.png": (200, {"Content-Type": "image/png"}, png()),
            "/page": (200, {"Content-Type": "text/html"}, b"<html><body>login</body></html>"),
            "/lying.png": (200, {"Content-Type": "image/png"}, b"<!DOCTYPE html><html>no</html>"),
            "/untyped": (200, {"Content-Type": "application/octet-stream"}, png()),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/x.png"}),
            "/to-private": (302, {"Location": "http://10.0.0.7/x.png"}),
            "/to-local": (302, {"Location": f"http://127.0.0.1:{port}/ok.png"}),
            "/to-other-port": (302, {"Location": f"http://127.0.0.1:{port + 1}/ok.png"}),
            "/to-mapped": (302, {"Location": f"http://[::ffff:127.0.0.1]:{port}/ok.png"}),
            "/loop": (302, {"Location": "/loop"}),
        }
        if self.path == "/huge":
            self._huge()
        elif self.path in routes:
            status, headers, *body = routes[self.path]
            self._answer(
                status, {**headers, "Content-Length": str(len(body[0]) if body else 0)}, *body
            )
        else:
            self._answer(404, {"Content-Length": "0"})

    def _huge(self):
        """Announce 2 GB and keep sending until the client hangs up; count what went out."""
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(2 * 1024**3))
        self.end_headers()
        block, sent = b"\0" * 65536, 0
        try:
            while sent < 2 * 1024**3:
                self.wfile.write(block)
                sent += len(block)
        except OSError:
            pass
        Scripted.sent["/huge"] = sent


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def trusted(server, settings):
    settings.OUTBOUND_TRUSTED_ORIGINS = [server]


def test_an_image_downloads(server):
    assert fetch_bytes(f"{server}/ok.png") == png()
    assert fetch_bytes(f"{server}/untyped") == png()  # untyped binary: decoded and checked later


@pytest.mark.parametrize(
    "path,reason",
    [
        ("/page", "sent as 'text/html', not an image or video"),
        ("/lying.png", "a web page, not an image or video"),
        ("/loop", "redirects more than 5 times"),
        ("/nothing", "HTTP 404 for a result file"),
    ],
)
def test_refusals_name_the_reason(server, path, reason):
    with pytest.raises(DownloadError) as refused:
        fetch_bytes(f"{server}{path}")
    assert reason in str(refused.value)


@pytest.mark.parametrize("path", ["/to-metadata", "/to-private", "/to-other-port", "/to-mapped"])
def test_a_redirect_to_a_private_address_is_refused_with_a_plain_sentence(server, path):
    with pytest.raises(DownloadRefused) as refused:
        fetch_bytes(f"{server}{path}")
    assert str(refused.value) == PRIVATE_RESULT


def test_an_untrusted_loopback_origin_is_refused(server, settings):
    settings.OUTBOUND_TRUSTED_ORIGINS = []
    with pytest.raises(DownloadRefused, match="points to a private address; it was not fetched"):
        fetch_bytes(f"{server}/ok.png")


def test_a_2_gb_announcement_is_refused_without_reading_it(server, settings):
    settings.ASSET_MAX_BYTES = 1024 * 1024
    with pytest.raises(DownloadError, match=r"announces 2147483648 bytes; the limit is 1048576"):
        fetch_bytes(f"{server}/huge")


def test_a_redirect_within_a_trusted_origin_is_followed(server):
    assert fetch_bytes(f"{server}/to-local") == png()


def test_by_default_only_the_studios_own_origins_are_trusted(settings):
    from studio.web.outbound import trusted_result_origins

    settings.OUTBOUND_TRUSTED_ORIGINS = None
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.SANDBOX_BASE_URL = "http://localhost:8001/sandbox/imaginepro/api/v1"
    settings.SANDBOX_IMAGINELAB_BASE_URL = "http://localhost:8001/sandbox/imaginelab/api/v1"
    settings.SANDBOX_ENABLED = True
    assert trusted_result_origins() == ["http://127.0.0.1:8000/", "http://localhost:8001/"]
    settings.SANDBOX_ENABLED = False
    assert trusted_result_origins() == []
