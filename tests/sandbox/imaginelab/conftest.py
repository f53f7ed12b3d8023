"""Fixtures for the ImagineLab sandbox: accounts made by the studio's own helper, signed in
over real HTTP against pytest-django's live_server.

Tests using them need `@pytest.mark.django_db(transaction=True)` (the server thread sees only
committed rows).
"""

from __future__ import annotations

import time

import pytest
import requests

from studio.sandbox.imaginelab.services import sandbox_lab_account_create

FINAL = ("completed", "failed")


class LabApi:
    """Talks to the ImagineLab sandbox with one bearer credential, like a client would."""

    def __init__(self, base_url: str, token: str | None, *, email: str = "", password: str = ""):
        self.base_url = base_url
        self.email, self.password = email, password
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(f"{self.base_url}/{path}", timeout=30, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> requests.Response:
        return self.session.post(f"{self.base_url}/{path}", json=body, timeout=30, **kwargs)

    def delete(self, path: str) -> requests.Response:
        return self.session.delete(f"{self.base_url}/{path}", timeout=30)

    def create(self, generation_type: str, model_name: str, prompt: str, **settings) -> dict:
        body = {"generation_type": generation_type, "model_name": model_name, "prompt": prompt}
        if settings:
            body["settings"] = settings
        response = self.post("generations", body)
        assert response.status_code == 201, response.text
        return response.json()

    def balance(self) -> int:
        response = self.get("credits/wallet")
        assert response.status_code == 200, response.text
        return response.json()["balance"]

    def wait(self, generation_id: int, limit: float = 20.0) -> dict:
        """Poll the status route until final and return the record; a 429 waits its
        Retry-After, as a polite client does (the sandbox allows 10 requests a second)."""
        deadline = time.monotonic() + limit
        path = f"generations/{generation_id}/status"
        while True:
            assert time.monotonic() < deadline, f"not final after {limit}s"
            response = self.get(path)
            if response.status_code == 429:
                time.sleep(float(response.headers["Retry-After"]))
                continue
            assert response.status_code == 200, response.text
            if path.endswith("/status") and response.json()["status"] in FINAL:
                path = f"generations/{generation_id}"
                continue
            if not path.endswith("/status"):
                return response.json()
            time.sleep(0.15)


@pytest.fixture
def lab_base(live_server) -> str:
    return f"{live_server.url}/sandbox/imaginelab/api/v1"


def login(base_url: str, email: str, password: str) -> requests.Response:
    """POST /auth/login form-encoded, as https://api.imagineview.art shows."""
    return requests.post(
        f"{base_url}/auth/login", data={"username": email, "password": password}, timeout=10
    )


@pytest.fixture
def make_lab(lab_base):
    """make_lab(credits=None, use_key=False) → LabApi signed in with a token (or the API key)
    of a new sandbox account; `.email`, `.password`, `.api_key` are kept on it."""

    def make(credits: int | None = None, use_key: bool = False) -> LabApi:
        email, password, api_key = sandbox_lab_account_create(label="test", credits=credits)
        if use_key:
            token = api_key
        else:
            response = login(lab_base, email, password)
            assert response.status_code == 200, response.text
            token = response.json()["access_token"]
        api = LabApi(lab_base, token, email=email, password=password)
        api.api_key = api_key
        return api

    return make


@pytest.fixture
def lab(make_lab) -> LabApi:
    return make_lab()
