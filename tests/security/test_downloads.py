"""Result downloads (studio.generation.fetch.fetch_bytes) over real HTTP from a scripted
server: a web page, a file that lies about its type, a 2 GB announcement and a redirect to a
private address are each refused with a reason, without reading the body; a sandbox
generation may follow a redirect to a local address (the sandbox is one)."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from studio.generation.fetch import DownloadError, fetch_bytes


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


def test_an_image_downloads(server):
    assert fetch_bytes(f"{server}/ok.png") == png()
    assert fetch_bytes(f"{server}/untyped") == png()  # untyped binary: decoded and checked later


@pytest.mark.parametrize(
    "path,reason",
    [
        ("/page", "sent as 'text/html', not an image or video"),
        ("/lying.png", "a web page, not an image or video"),
        ("/to-metadata", "redirects to a refused address (http://169.254.169.254/latest/x.png)"),
        ("/to-private", "redirects to a refused address (http://10.0.0.7/x.png)"),
        ("/to-local", "redirects to a refused address"),
        ("/loop", "redirects more than 5 times"),
        ("/nothing", "HTTP 404 for a result file"),
    ],
)
def test_refusals_name_the_reason(server, path, reason):
    with pytest.raises(DownloadError) as refused:
        fetch_bytes(f"{server}{path}", allow_private=path == "/loop")
    assert reason in str(refused.value)


def test_a_2_gb_announcement_is_refused_without_reading_it(server, settings):
    settings.ASSET_MAX_BYTES = 1024 * 1024
    with pytest.raises(DownloadError, match=r"announces 2147483648 bytes; the limit is 1048576"):
        fetch_bytes(f"{server}/huge")


def test_a_sandbox_generation_follows_a_redirect_to_the_studio_itself(server):
    assert fetch_bytes(f"{server}/to-local", allow_private=True) == png()
    with pytest.raises(DownloadError, match="refused address"):
        fetch_bytes(f"{server}/to-metadata", allow_private=False)
