"""A real S3 API on loopback for the object-storage tests: moto in server mode.

`s3_endpoint` is one moto server per test process (its address from TEST_S3_ENDPOINT_URL when
scripts/ci-services.sh started one, else started here on a free 127.0.0.1 port and stopped
at the end). `object_storage` gives a test a fresh private bucket and points the studio's
default storage at it (STORAGE_BACKEND=s3); its `env` is what a child process (a qcluster,
a gunicorn) needs to use the same bucket.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from unittest import mock

import boto3
import pytest
import requests

from studio.web.env import object_store_config

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "studio-test", "AWS_SECRET_ACCESS_KEY": "studio-test-secret"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto(port: int, **env: str) -> subprocess.Popen:
    """`python -m moto.server` on 127.0.0.1:`port` (`env`: moto's own settings, e.g.
    INITIAL_NO_AUTH_ACTION_COUNT="0" for a store that checks credentials), answering before
    this returns."""
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    end = time.monotonic() + 30
    while time.monotonic() < end:
        assert process.poll() is None, "moto server exited"
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("moto server did not answer in 30 s")


@pytest.fixture(scope="session")
def s3_endpoint():
    """The loopback S3 API's URL, e.g. "http://127.0.0.1:40123"."""
    if os.getenv("TEST_S3_ENDPOINT_URL"):
        yield os.environ["TEST_S3_ENDPOINT_URL"].rstrip("/")
        return
    port = free_port()
    process = start_moto(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class ObjectStorage:
    endpoint: str
    bucket: str
    env: dict[str, str]  # for a child process

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def object_keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))


def storage_settings(env: dict[str, str]) -> dict:
    """STORAGES["default"] as studio/settings.py makes it from `env`."""
    with mock.patch.dict(os.environ, env):
        return object_store_config().storage


@pytest.fixture
def object_storage(s3_endpoint, settings) -> ObjectStorage:
    """A fresh private bucket on the loopback S3 API, the default storage of this process."""
    bucket = f"studio-{uuid.uuid4().hex[:12]}"
    store = ObjectStorage(
        endpoint=s3_endpoint,
        bucket=bucket,
        env={
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_REGION": REGION,
            **CREDENTIALS,
        },
    )
    store.client().create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "default": storage_settings(store.env)}
    settings.SANDBOX_TRUSTED_INPUT_URLS = [
        *settings.SANDBOX_TRUSTED_INPUT_URLS,
        f"{s3_endpoint}/{bucket}/",
    ]
    return store
