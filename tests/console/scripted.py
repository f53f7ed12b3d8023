"""A scripted provider on loopback for the faults the sandbox does not produce (5xx, slow
answers, malformed JSON): path → (status, body bytes, delay s). Unknown paths answer
NestJS's 404 "Cannot GET …"."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Script:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, float]] = {}
        self.seen: list[tuple[str, str, bytes]] = []
        self.base_url = ""

    def answer(self, path: str, status: int, body, delay: float = 0.0) -> None:
        """Script `path` (below /api/v1); `body` a JSON-able value or raw bytes."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.routes["/api/v1" + path] = (status, raw, delay)


@pytest.fixture
def scripted():
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.seen.append((self.command, self.path, body))
            missing = {
                "message": f"Cannot {self.command} {self.path}",
                "error": "Not Found",
                "statusCode": 404,
            }
            status, raw, delay = script.routes.get(
                self.path, (404, json.dumps(missing).encode(), 0)
            )
            time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except OSError:  # the client gave up (a timeout test)
                pass

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    yield script
    server.shutdown()
    server.server_close()
