"""Fixtures for sandbox tests: a real HTTP client against pytest-django's live_server.

Tests that use these need `@pytest.mark.django_db(transaction=True)`: the live server runs in
another thread and must see committed rows.
"""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from PIL import Image, ImageDraw

from studio.sandbox.imaginepro.services import sandbox_account_create

TERMINAL = ("DONE", "FAIL")


class SandboxClient:
    """Talks to the sandbox over HTTP with one API key, like the studio's client would."""

    def __init__(self, base_url: str, key: str | None):
        self.base_url = base_url
        self.session = requests.Session()
        if key is not None:
            self.session.headers["Authorization"] = f"Bearer {key}"

    def post(self, path: str, body=None, **kwargs) -> requests.Response:
        return self.session.post(f"{self.base_url}/{path}", json=body, timeout=10, **kwargs)

    def get(self, path: str) -> requests.Response:
        return self.session.get(f"{self.base_url}/{path}", timeout=10)

    def submit(self, path: str, body: dict) -> str:
        response = self.post(path, body)
        assert response.status_code == 200, response.text
        return response.json()["messageId"]

    def fetch(self, message_id: str) -> dict:
        response = self.get(f"message/fetch/{message_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait(self, message_id: str, limit: float = 15.0) -> dict:
        """Poll until DONE or FAIL (bounded), return the final Message."""
        deadline = time.monotonic() + limit
        while True:
            message = self.fetch(message_id)
            if message["status"] in TERMINAL:
                return message
            assert time.monotonic() < deadline, f"still {message['status']} after {limit}s"
            time.sleep(0.05)

    def info(self) -> dict:
        response = self.get("subscription/account-info")
        assert response.status_code == 200, response.text
        return response.json()


def download_image(url: str) -> Image.Image:
    """GET a result URL (no auth, like a CDN) and open it with Pillow."""
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, url
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Result files go to a per-test folder (default storage follows MEDIA_ROOT)."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api_base(live_server, settings) -> str:
    """The sandbox on the live server, configured as the studio's sandbox (SANDBOX_BASE_URL):
    its own result files are then trusted inputs, as on a developer's machine."""
    settings.SANDBOX_BASE_URL = f"{live_server.url}/sandbox/imaginepro/api/v1"
    settings.SANDBOX_IMAGINELAB_BASE_URL = f"{live_server.url}/sandbox/imaginelab/api/v1"
    return settings.SANDBOX_BASE_URL


@pytest.fixture
def make_api(api_base):
    """make_api(credits=None, label="test") → SandboxClient with a new sandbox key."""

    def make(credits: int | None = None, label: str = "test") -> SandboxClient:
        key = sandbox_account_create(label=label, credits=credits)
        client = SandboxClient(api_base, key)
        client.key = key
        return client

    return make


@pytest.fixture
def api(make_api) -> SandboxClient:
    return make_api()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def solid(colour: tuple[int, int, int], size: tuple[int, int] = (96, 64)) -> Image.Image:
    return Image.new("RGB", size, colour)


def subject_on_background(
    size: tuple[int, int] = (120, 90),
    background: tuple[int, int, int] = (250, 250, 250),
    subject: tuple[int, int, int] = (200, 30, 30),
) -> Image.Image:
    """A plain background with a filled circle in the middle (for remove-bg)."""
    image = Image.new("RGB", size, background)
    w, h = size
    r = min(w, h) // 3
    ImageDraw.Draw(image).ellipse((w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r), fill=subject)
    return image


class ImageHost:
    """A tiny threaded HTTP server on 127.0.0.1 that serves registered bytes by path, 404s
    anything else, and counts requests. `add(name, image_or_bytes)` returns the URL."""

    def __init__(self):
        self.files: dict[str, tuple[bytes, str]] = {}
        self.hits: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                host.hits.append(self.path)
                found = host.files.get(self.path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data, content_type = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, name: str, content, content_type: str = "image/png") -> str:
        data = png_bytes(content) if isinstance(content, Image.Image) else content
        self.files[f"/{name}"] = (data, content_type)
        return f"{self.url}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def image_host(settings):
    """An ImageHost the sandbox may fetch from: its loopback origin is configured as a
    trusted input (settings.SANDBOX_TRUSTED_INPUT_URLS), like a developer's local server."""
    host = ImageHost()
    settings.SANDBOX_TRUSTED_INPUT_URLS = [*settings.SANDBOX_TRUSTED_INPUT_URLS, f"{host.url}/"]
    yield host
    host.close()


# Nothing listens on the discard port: a fetch there fails at once with a refused connection.
UNREACHABLE = "http://127.0.0.1:9/nothing.png"
